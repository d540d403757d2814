using System.Text;

namespace PgAutogen;

/// <summary>Quotes SQL identifiers the way PostgreSQL's quote_ident does.</summary>
public static class SqlIdentifier
{
    // Every keyword that is not UNRESERVED in PostgreSQL 15 (pg_get_keywords() where catcode <> 'U'),
    // plus the column-name keywords that PostgreSQL 16 and 17 added (json, json_*, system_user, merge_action;
    // PostgreSQL 18 added none). A database test compares this list with quote_ident on every server of the matrix.
    // Quoting one of these more than needed is harmless; quoting one less would break the SQL.
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce", "collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is", "isnull", "join", "lateral", "leading", "least", "left", "like", "limit", "localtime", "localtimestamp", "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric", "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing", "position", "precision", "primary", "real", "references", "returning", "right", "row", "select", "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric", "table", "tablesample", "then", "time", "timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar", "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
        "json_array", "json_arrayagg", "json_object", "json_objectagg", "json_scalar", "json_serialize",
        "system_user", "json", "json_exists", "json_query", "json_table", "json_value", "merge_action",
    };

    /// <summary>Returns the identifier, double-quoted when PostgreSQL needs it quoted.</summary>
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        if (IsSafe(identifier))
        {
            return identifier;
        }

        var sb = new StringBuilder(identifier.Length + 2);
        sb.Append('"');
        foreach (var ch in identifier)
        {
            if (ch == '"')
            {
                sb.Append('"');
            }

            sb.Append(ch);
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Quotes a schema-qualified name: <c>schema.name</c>.</summary>
    public static string Qualify(string schema, string name) => Quote(schema) + "." + Quote(name);

    /// <summary>Quotes a string literal the way quote_literal does (standard_conforming_strings on).</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static bool IsSafe(string identifier)
    {
        if (identifier.Length == 0)
        {
            return false;
        }

        var first = identifier[0];
        if (!(first is >= 'a' and <= 'z' || first == '_'))
        {
            return false;
        }

        foreach (var ch in identifier)
        {
            if (!(ch is >= 'a' and <= 'z' or >= '0' and <= '9' || ch == '_'))
            {
                return false;
            }
        }

        return !Keywords.Contains(identifier);
    }
}
