namespace PgAutogen.Core.Diff;

/// <summary>
/// A desired state that cannot exist: a declared object (a trigger, a view, a policy, a BEGIN ATOMIC function...) that
/// uses an object the declarations no longer hold, so the migration drops it — and PostgreSQL refuses to drop what
/// others depend on (or, with CASCADE, would take the declared object with it). Such a migration fails on deploy; the
/// compare stops instead, naming both, before anything is written.
/// </summary>
internal static class DesiredStateCheck
{
    public static void ThrowIfImpossible(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PgObject> desired, ObjectDecisions decisions)
    {
        var dropped = ops.Where(o => o.Action == MigrationAction.Drop && o.Current is not null)
            .Select(o => o.Current!)
            .GroupBy(o => o.Identity, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        if (dropped.Count == 0)
        {
            return;
        }

        var problems = new List<string>();
        PgDeclaration? first = null;
        foreach (var obj in desired.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            foreach (var dependency in obj.DependsOn)
            {
                if (!dropped.TryGetValue(dependency, out var gone) || string.Equals(gone.Key, obj.Key, StringComparison.Ordinal))
                {
                    continue;
                }

                var declaration = decisions.For(obj.Key).Declaration;
                first ??= declaration;
                problems.Add($"{(declaration is null ? "" : declaration.Location + ": ")}{ObjectKey.Words(obj.Kind)} {obj.Identity} uses " +
                    $"{ObjectKey.Words(gone.Kind)} {gone.Identity}, which is not declared");
            }
        }

        if (problems.Count == 0)
        {
            return;
        }

        throw new PgAutogenException(PgErrorId.DesiredStateImpossible,
            "The declarations describe a state that cannot exist: the migration would drop what a declared object still uses, and PostgreSQL " +
            "refuses to (cannot drop ... because other objects depend on it).\n  " + string.Join("\n  ", problems.Take(20)) +
            (problems.Count > 20 ? $"\n  ... and {problems.Count - 20} more" : "") + "\nNothing was written.")
        {
            Target = first,
            Location = first is null ? null : new SourceLocation(first.File, first.Line, first.Column),
            RecommendedAction = "Declare the object that is used again, or change (or remove) the declaration that uses it.",
        };
    }
}
