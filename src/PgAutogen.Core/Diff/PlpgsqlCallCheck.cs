using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Diff;

/// <summary>
/// PL/pgSQL bodies record no dependencies in pg_depend, so nothing stops a migration from dropping a
/// function that another function still calls by name. This check finds those calls (libpg_query parses
/// the PL/pgSQL body and the SQL embedded in it) and warns; it never fails the compare.
/// </summary>
internal static class PlpgsqlCallCheck
{
    public static IReadOnlyList<string> Warnings(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PgObject> desired)
    {
        var dropped = ops
            .Where(o => o.Action == MigrationAction.Drop && o.Kind is PgObjectKind.Function or PgObjectKind.Procedure && o.Current is not null)
            .Select(o => o.Current!)
            .ToList();
        if (dropped.Count == 0)
        {
            return Array.Empty<string>();
        }

        var warnings = new List<string>();
        var remaining = desired.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure).ToList();
        foreach (var caller in remaining)
        {
            if (!caller.Definition.Contains("LANGUAGE plpgsql", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // Cheap prefilter: parse only the bodies that mention a dropped name at all.
            var candidates = dropped.Where(d => caller.Definition.Contains(d.Name, StringComparison.OrdinalIgnoreCase)).ToList();
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
                continue; // a body the PostgreSQL 15 grammar cannot parse: nothing to say about it
            }

            foreach (var gone in candidates)
            {
                var call = calls.FirstOrDefault(c => string.Equals(c.Name, gone.Name, StringComparison.Ordinal)
                    && (c.Schema.Length == 0 || string.Equals(c.Schema, gone.Schema, StringComparison.Ordinal)));
                if (call is null)
                {
                    continue;
                }

                var namesake = remaining.FirstOrDefault(r => r.Schema == gone.Schema && r.Name == gone.Name);
                warnings.Add($"{caller.Identity} calls {call} in its PL/pgSQL body, but this migration drops {gone.Identity}" +
                    (namesake is null
                        ? ": the call will fail when it runs (PL/pgSQL bodies record no dependencies, so PostgreSQL does not stop the drop)."
                        : $"; {namesake.Identity} remains: check that the call still means it."));
            }
        }

        return warnings;
    }
}
