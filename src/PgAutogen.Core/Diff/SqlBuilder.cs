using System.Text;

namespace PgAutogen.Core.Diff;

/// <summary>The SQL of migration steps, built from catalog values (definitions PostgreSQL returned, identifiers quoted from the catalog).</summary>
internal static class SqlBuilder
{
    public static string Create(PgObject obj, TriggerState? state = null) => obj.Kind switch
    {
        PgObjectKind.Trigger or PgObjectKind.EventTrigger => Terminate(obj.Definition) + TriggerStateSql(obj, state ?? obj.TriggerState ?? TriggerState.Enabled),
        PgObjectKind.MaterializedView => MaterializedViewCreate(obj),
        _ => Terminate(obj.Definition),
    };

    /// <summary>
    /// A materialized view's definition as a migration runs it: WITH DATA (the query runs and fills it, under the
    /// migration's lock) unless it was declared WITH NO DATA (created empty: REFRESH MATERIALIZED VIEW fills it).
    /// </summary>
    private static string MaterializedViewCreate(PgObject obj)
    {
        if (!obj.WithNoData)
        {
            return Terminate(obj.Definition);
        }

        var indexes = obj.Indexes.Count == 0 ? "" : "\n" + string.Join("\n", obj.Indexes);
        var create = obj.Definition[..^indexes.Length];
        return create.EndsWith(Catalog.CatalogDefinitions.MaterializedViewData, StringComparison.Ordinal)
            ? create[..^Catalog.CatalogDefinitions.MaterializedViewData.Length] + "\n  WITH NO DATA;" + indexes
            : Terminate(obj.Definition);
    }

    public static string Drop(PgObject obj) => obj.Kind switch
    {
        PgObjectKind.Function => $"DROP FUNCTION {SqlIdentifier.Qualify(obj.Schema, obj.Name)}({obj.Arguments});",
        PgObjectKind.Procedure => $"DROP PROCEDURE {SqlIdentifier.Qualify(obj.Schema, obj.Name)}({obj.Arguments});",
        PgObjectKind.Trigger => $"DROP TRIGGER {SqlIdentifier.Quote(obj.Name)} ON {SqlIdentifier.Qualify(obj.Schema, obj.Table!)};",
        PgObjectKind.View => $"DROP VIEW {SqlIdentifier.Qualify(obj.Schema, obj.Name)};",
        PgObjectKind.MaterializedView => $"DROP MATERIALIZED VIEW {SqlIdentifier.Qualify(obj.Schema, obj.Name)};",
        PgObjectKind.Policy => $"DROP POLICY {SqlIdentifier.Quote(obj.Name)} ON {SqlIdentifier.Qualify(obj.Schema, obj.Table!)};",
        PgObjectKind.EventTrigger => $"DROP EVENT TRIGGER {SqlIdentifier.Quote(obj.Name)};",
        _ => throw new NotSupportedException(obj.Kind.ToString()),
    };

    /// <summary>
    /// Replaces <paramref name="from"/> by <paramref name="to"/>. Triggers: CREATE OR REPLACE TRIGGER, except
    /// constraint triggers (which cannot be replaced): dropped and created. <paramref name="state"/> is the
    /// enabled state to keep (pg_get_triggerdef omits it and a replaced trigger starts enabled). Policies: ALTER
    /// POLICY where it can (roles, USING, WITH CHECK), else dropped and created. Materialized views and event
    /// triggers (no OR REPLACE): dropped and created.
    /// </summary>
    public static (string Sql, bool DropAndCreate) Replace(PgObject from, PgObject to, TriggerState? state)
    {
        if (from.Kind != to.Kind || to.Kind == PgObjectKind.MaterializedView)
        {
            return (Drop(from) + "\n" + Create(to), true);
        }

        if (to.Kind == PgObjectKind.Policy)
        {
            return from.Policy is { } was && to.Policy is { } now && was.CanAlterTo(now)
                ? (AlterPolicy(to, now), false)
                : (Drop(from) + "\n" + Create(to), true);
        }

        if (to.Kind == PgObjectKind.EventTrigger)
        {
            return (Drop(from) + "\n" + Create(to, state ?? TriggerState.Enabled), true);
        }

        if (to.Kind != PgObjectKind.Trigger)
        {
            return (Create(to), false);
        }

        var keep = state ?? TriggerState.Enabled;
        if (from.IsConstraintTrigger || to.IsConstraintTrigger)
        {
            return (Drop(from) + "\n" + Create(to, keep), true);
        }

        const string prefix = "CREATE TRIGGER ";
        var definition = to.Definition.StartsWith(prefix, StringComparison.Ordinal)
            ? "CREATE OR REPLACE TRIGGER " + to.Definition[prefix.Length..]
            : to.Definition;
        return (Terminate(definition) + TriggerStateSql(to, keep), false);
    }

    /// <summary>ALTER POLICY ... TO ... [USING (...)] [WITH CHECK (...)]: everything ALTER POLICY can set, set.</summary>
    private static string AlterPolicy(PgObject policy, PolicyClauses clauses)
    {
        var sb = new StringBuilder();
        sb.Append("ALTER POLICY ").Append(SqlIdentifier.Quote(policy.Name)).Append(" ON ").Append(SqlIdentifier.Qualify(policy.Schema, policy.Table!));
        return Catalog.CatalogDefinitions.AppendAlterable(sb, clauses).Append(';').ToString();
    }

    private static string TriggerStateSql(PgObject trigger, TriggerState state)
    {
        var verb = state switch
        {
            TriggerState.Disabled => "DISABLE TRIGGER",
            TriggerState.Replica => "ENABLE REPLICA TRIGGER",
            TriggerState.Always => "ENABLE ALWAYS TRIGGER",
            _ => null,
        };
        if (verb is null)
        {
            return "";
        }

        return trigger.Kind == PgObjectKind.EventTrigger
            ? $"\nALTER EVENT TRIGGER {SqlIdentifier.Quote(trigger.Name)} {(state == TriggerState.Disabled ? "DISABLE" : verb[..^" TRIGGER".Length])};"
            : $"\nALTER TABLE {SqlIdentifier.Qualify(trigger.Schema, trigger.Table!)} {verb} {SqlIdentifier.Quote(trigger.Name)};";
    }

    private static string Terminate(string definition)
    {
        var trimmed = definition.TrimEnd();
        return trimmed.EndsWith(';') ? trimmed : trimmed + ";";
    }

    /// <summary>A readable line diff of two definitions (DiffPlex): '-' removed, '+' added, ' ' unchanged.</summary>
    public static string LineDiff(string oldText, string newText)
    {
        var model = DiffPlex.DiffBuilder.InlineDiffBuilder.Diff(oldText, newText, ignoreWhiteSpace: false);
        var sb = new StringBuilder();
        foreach (var line in model.Lines)
        {
            var mark = line.Type switch
            {
                DiffPlex.DiffBuilder.Model.ChangeType.Inserted => '+',
                DiffPlex.DiffBuilder.Model.ChangeType.Deleted => '-',
                _ => ' ',
            };
            sb.Append(mark).Append(' ').Append(line.Text).Append('\n');
        }

        return sb.ToString();
    }
}
