using System.Text;
using System.Text.Json;

namespace PgAutogen.Core.Parsing;

/// <summary>
/// Renders a parse-tree TypeName the way PostgreSQL's <c>format_type(oid, NULL)</c> writes it (the form the catalog
/// inspector reports), as far as that is possible offline: SQL-standard spellings for the built-in types
/// (<c>int</c>, <c>int4</c> and <c>integer</c> all become <c>integer</c>), no <c>pg_catalog.</c> prefix, other
/// names quoted and qualified as written, one <c>[]</c> for any array. Type modifiers are left out, because
/// PostgreSQL ignores them in argument types: <c>f(varchar(10))</c> and <c>f(varchar(20))</c> are the same function.
/// </summary>
internal static class TypeNames
{
    /// <summary>format_type's spelling of a pg_catalog type name as the parser produces it; null for any other name.</summary>
    private static string? Builtin(string name) => name switch
    {
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "float4" => "real",
        "float8" => "double precision",
        "bool" => "boolean",
        "varchar" => "character varying",
        "bpchar" => "character",
        "varbit" => "bit varying",
        "bit" => "bit",
        "numeric" => "numeric",
        "timestamp" => "timestamp without time zone",
        "timestamptz" => "timestamp with time zone",
        "time" => "time without time zone",
        "timetz" => "time with time zone",
        "interval" => "interval",
        "char" => "\"char\"",
        _ => null,
    };

    /// <summary>Renders a TypeName node (the object inside <c>{"TypeName": ...}</c> or an argType).</summary>
    public static string Render(JsonElement typeName)
    {
        var names = new List<string>(3);
        if (typeName.TryGetProperty("names", out var list))
        {
            foreach (var item in list.EnumerateArray())
            {
                names.Add(DeclarationReaders.StringValue(item));
            }
        }

        var sb = new StringBuilder();
        if (typeName.TryGetProperty("setof", out var setof) && setof.ValueKind == JsonValueKind.True)
        {
            sb.Append("SETOF ");
        }

        if (typeName.TryGetProperty("pct_type", out var pct) && pct.ValueKind == JsonValueKind.True)
        {
            // t.col%TYPE: the type of a column, known only to the database.
            sb.AppendJoin('.', names.Select(SqlIdentifier.Quote)).Append("%TYPE");
            return sb.ToString();
        }

        if (names.Count >= 2 && string.Equals(names[^2], "pg_catalog", StringComparison.Ordinal))
        {
            sb.Append(Builtin(names[^1]) ?? SqlIdentifier.Quote(names[^1]));
        }
        else if (names.Count == 1)
        {
            // Unqualified names resolve in pg_catalog first (it is searched before the search_path unless listed in it).
            sb.Append(Builtin(names[0]) ?? SqlIdentifier.Quote(names[0]));
        }
        else
        {
            // schema.type, or database.schema.type (the database part must be the current one; it adds nothing).
            sb.Append(SqlIdentifier.Quote(names[^2])).Append('.').Append(SqlIdentifier.Quote(names[^1]));
        }

        if (typeName.TryGetProperty("arrayBounds", out var bounds) && bounds.GetArrayLength() > 0)
        {
            sb.Append("[]");
        }

        return sb.ToString();
    }
}
