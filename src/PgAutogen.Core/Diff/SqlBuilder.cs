using System.Text;

namespace PgAutogen.Core.Diff;

/// <summary>The SQL of migration steps, built from catalog values (definitions PostgreSQL returned, identifiers quoted from the catalog).</summary>
internal static class SqlBuilder
{
    public static string Create(PgObject obj, TriggerState? state = null) => obj.Kind switch
    {
        PgObjectKind.Trigger => Terminate(obj.Definition) + TriggerStateSql(obj, state ?? obj.TriggerState ?? TriggerState.Enabled),
        _ => Terminate(obj.Definition),
    };

    public static string Drop(PgObject obj) => obj.Kind switch
    {
        PgObjectKind.Function => $"DROP FUNCTION {SqlIdentifier.Qualify(obj.Schema, obj.Name)}({obj.Arguments});",
        PgObjectKind.Procedure => $"DROP PROCEDURE {SqlIdentifier.Qualify(obj.Schema, obj.Name)}({obj.Arguments});",
        PgObjectKind.Trigger => $"DROP TRIGGER {SqlIdentifier.Quote(obj.Name)} ON {SqlIdentifier.Qualify(obj.Schema, obj.Table!)};",
        PgObjectKind.View => $"DROP VIEW {SqlIdentifier.Qualify(obj.Schema, obj.Name)};",
        _ => throw new NotSupportedException(obj.Kind.ToString()),
    };

    /// <summary>
    /// Replaces <paramref name="from"/> by <paramref name="to"/>. Triggers: CREATE OR REPLACE TRIGGER, except
    /// constraint triggers (which cannot be replaced): dropped and created. <paramref name="state"/> is the
    /// enabled state to keep (pg_get_triggerdef omits it and a replaced trigger starts enabled).
    /// </summary>
    public static (string Sql, bool DropAndCreate) Replace(PgObject from, PgObject to, TriggerState? state)
    {
        if (from.Kind != to.Kind)
        {
            return (Drop(from) + "\n" + Create(to), true);
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

    private static string TriggerStateSql(PgObject trigger, TriggerState state)
    {
        var verb = state switch
        {
            TriggerState.Disabled => "DISABLE TRIGGER",
            TriggerState.Replica => "ENABLE REPLICA TRIGGER",
            TriggerState.Always => "ENABLE ALWAYS TRIGGER",
            _ => null,
        };
        return verb is null ? "" : $"\nALTER TABLE {SqlIdentifier.Qualify(trigger.Schema, trigger.Table!)} {verb} {SqlIdentifier.Quote(trigger.Name)};";
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
