using System.Text;

namespace PgAutogen.Core.Catalog;

/// <summary>
/// The definitions the inspector builds where PostgreSQL has no pg_get_*def (or one that leaves something out): a view
/// with its options and check option, a materialized view with its storage and indexes, a policy, an event trigger.
/// </summary>
internal static class CatalogDefinitions
{
    /// <summary>
    /// Builds a view's definition: CREATE OR REPLACE VIEW with its reloptions (security_barrier,
    /// security_invoker) and its check option, which pg_get_viewdef leaves out.
    /// </summary>
    public static string View(string schema, string name, IReadOnlyList<string> reloptions, string body)
    {
        var options = new List<string>();
        string? checkOption = null;
        foreach (var option in reloptions)
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? option : option[..eq];
            var value = eq < 0 ? "true" : option[(eq + 1)..];
            if (key == "check_option")
            {
                checkOption = value.ToUpperInvariant();
            }
            else
            {
                options.Add(key + "=" + value);
            }
        }

        var sb = new StringBuilder();
        sb.Append("CREATE OR REPLACE VIEW ").Append(Identities.Relation(schema, name));
        if (options.Count > 0)
        {
            sb.Append(" WITH (").Append(string.Join(", ", options)).Append(')');
        }

        sb.Append(" AS\n").Append(body.TrimEnd().TrimEnd(';'));
        if (checkOption is not null)
        {
            sb.Append("\n  WITH ").Append(checkOption).Append(" CHECK OPTION");
        }

        return sb.Append(';').ToString();
    }

    /// <summary>
    /// A materialized view's CREATE statement: access method (when not heap), storage options, tablespace, the query,
    /// and WITH DATA (whether it is created empty is <see cref="PgObject.WithNoData"/>, not part of the definition).
    /// </summary>
    public static string MaterializedViewCreate(string schema, string name, string? accessMethod, IReadOnlyList<string> reloptions, string? tablespace, string body)
    {
        var sb = new StringBuilder();
        sb.Append("CREATE MATERIALIZED VIEW ").Append(Identities.Relation(schema, name));
        if (accessMethod is not null)
        {
            sb.Append(" USING ").Append(SqlIdentifier.Quote(accessMethod));
        }

        if (reloptions.Count > 0)
        {
            sb.Append(" WITH (").Append(string.Join(", ", reloptions)).Append(')');
        }

        if (tablespace is not null)
        {
            sb.Append(" TABLESPACE ").Append(SqlIdentifier.Quote(tablespace));
        }

        return sb.Append(" AS\n").Append(body.TrimEnd().TrimEnd(';')).Append(MaterializedViewData).ToString();
    }

    /// <summary>How every materialized view's CREATE statement ends (<see cref="Diff.SqlBuilder"/> turns it into WITH NO DATA where wanted).</summary>
    public const string MaterializedViewData = "\n  WITH DATA;";

    /// <summary>The CREATE statement followed by the indexes', one per line.</summary>
    public static string MaterializedView(string create, IReadOnlyList<string> indexes) =>
        indexes.Count == 0 ? create : create + "\n" + string.Join("\n", indexes);

    /// <summary>CREATE POLICY with every clause written out (AS, FOR, TO), as PostgreSQL would need to re-create it.</summary>
    public static string Policy(string schema, string table, string name, PolicyClauses clauses)
    {
        var sb = new StringBuilder();
        sb.Append("CREATE POLICY ").Append(SqlIdentifier.Quote(name)).Append(" ON ").Append(SqlIdentifier.Qualify(schema, table))
          .Append("\n  AS ").Append(clauses.Permissive ? "PERMISSIVE" : "RESTRICTIVE")
          .Append("\n  FOR ").Append(clauses.Command);
        return AppendAlterable(sb, clauses).Append(';').ToString();
    }

    /// <summary>What ALTER POLICY can set, as CREATE POLICY and ALTER POLICY both write it: TO, USING, WITH CHECK.</summary>
    public static StringBuilder AppendAlterable(StringBuilder sb, PolicyClauses clauses)
    {
        sb.Append("\n  TO ").Append(string.Join(", ", clauses.Roles));
        if (clauses.Using is not null)
        {
            sb.Append("\n  USING (").Append(clauses.Using).Append(')');
        }

        if (clauses.WithCheck is not null)
        {
            sb.Append("\n  WITH CHECK (").Append(clauses.WithCheck).Append(')');
        }

        return sb;
    }

    /// <summary>CREATE EVENT TRIGGER name ON event [WHEN TAG IN (...)] EXECUTE FUNCTION f().</summary>
    public static string EventTrigger(string name, string @event, IReadOnlyList<string> tags, string function)
    {
        var sb = new StringBuilder();
        sb.Append("CREATE EVENT TRIGGER ").Append(SqlIdentifier.Quote(name)).Append(" ON ").Append(SqlIdentifier.Quote(@event));
        if (tags.Count > 0)
        {
            sb.Append("\n  WHEN TAG IN (").Append(string.Join(", ", tags.Select(SqlIdentifier.Literal))).Append(')');
        }

        return sb.Append("\n  EXECUTE FUNCTION ").Append(function).Append("();").ToString();
    }
}
