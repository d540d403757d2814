using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Diff;

/// <summary>
/// PL/pgSQL bodies record no dependencies in pg_depend, so nothing stops a migration from dropping a
/// function that another function still calls by name. This check finds those calls (libpg_query parses
/// the PL/pgSQL body and the SQL embedded in it) and warns; it never fails the compare.
/// </summary>
internal static class PlpgsqlCallCheck
{
    /// <summary>A call by name, in a remaining PL/pgSQL body, of a routine the migration drops; <see cref="Namesake"/> is a remaining routine of that name (an overload), if any.</summary>
    internal sealed record DroppedCall(PgObject Caller, PgObject Gone, FunctionReference Call, PgObject? Namesake)
    {
        public string Warning => $"{Caller.Identity} calls {Call} in its PL/pgSQL body, but this migration drops {Gone.Identity}" +
            (Namesake is null
                ? ": the call will fail when it runs (PL/pgSQL bodies record no dependencies, so PostgreSQL does not stop the drop)."
                : $"; {Namesake.Identity} remains: check that the call still means it.");
    }

    public static IReadOnlyList<string> Warnings(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PgObject> desired) =>
        Calls(ops, desired).Select(c => c.Warning).ToList();

    /// <summary>The calls by name of dropped routines in the PL/pgSQL bodies that remain.</summary>
    public static IReadOnlyList<DroppedCall> Calls(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PgObject> desired)
    {
        var dropped = ops
            .Where(o => o.Action == MigrationAction.Drop && o.Kind is PgObjectKind.Function or PgObjectKind.Procedure && o.Current is not null)
            .Select(o => o.Current!)
            .ToList();
        if (dropped.Count == 0)
        {
            return Array.Empty<DroppedCall>();
        }

        // Cheap prefilter, one pass over each body: parse only those whose words include every word of a dropped name
        // (case-insensitive, compared as 64-bit keys; a collision only parses one body more).
        var droppedWords = dropped.Select(d => (Routine: d, Keys: WordKeys(d.Name, only: null))).Where(d => d.Keys.Count > 0).ToList();
        var wanted = droppedWords.SelectMany(d => d.Keys).ToHashSet();
        var found = new List<DroppedCall>();
        var remaining = desired.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure).ToList();
        foreach (var caller in remaining)
        {
            if (!caller.Definition.Contains("LANGUAGE plpgsql", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var words = WordKeys(caller.Definition, wanted);
            var candidates = words.Count == 0 ? new List<PgObject>() : droppedWords.Where(d => d.Keys.All(words.Contains)).Select(d => d.Routine).ToList();
            if (candidates.Count == 0)
            {
                continue;
            }

            IReadOnlyList<FunctionReference> calls;
            try
            {
                calls = RoutineBodies.CalledFunctions(caller.Definition);
            }
            catch (PgAutogenException)
            {
                continue; // a body the parser's grammar cannot parse: nothing to say about it
            }

            foreach (var gone in candidates)
            {
                var call = calls.FirstOrDefault(c => string.Equals(c.Name, gone.Name, StringComparison.Ordinal)
                    && (c.Schema.Length == 0 || string.Equals(c.Schema, gone.Schema, StringComparison.Ordinal)));
                if (call is null)
                {
                    continue;
                }

                found.Add(new DroppedCall(caller, gone, call, remaining.FirstOrDefault(r => r.Schema == gone.Schema && r.Name == gone.Name)));
            }
        }

        return found;
    }

    /// <summary>The keys of the lower-cased words of a text (<see cref="DeclarationFacts.AddWordKeys"/>), only those in <paramref name="only"/> when given.</summary>
    private static HashSet<ulong> WordKeys(string text, IReadOnlySet<ulong>? only)
    {
        var keys = new HashSet<ulong>();
        DeclarationFacts.AddWordKeys(text, keys, only);
        return keys;
    }
}
