using System.Text;

namespace PgAutogen.Core.Diff;

/// <summary>
/// What a drop loses and a create does not bring back: the comment, the grants (from the catalog's
/// aclitem[]), the owner. Emitted after every step that creates an object.
/// </summary>
internal static class AclSql
{
    private static readonly Dictionary<char, string> Privileges = new()
    {
        ['r'] = "SELECT", ['a'] = "INSERT", ['w'] = "UPDATE", ['d'] = "DELETE", ['D'] = "TRUNCATE",
        ['x'] = "REFERENCES", ['t'] = "TRIGGER", ['X'] = "EXECUTE", ['U'] = "USAGE", ['C'] = "CREATE",
        ['c'] = "CONNECT", ['T'] = "TEMPORARY", ['m'] = "MAINTAIN",
    };

    /// <summary>COMMENT, REVOKE/GRANT and ALTER ... OWNER TO statements that give a freshly created object the attributes of <paramref name="obj"/>.</summary>
    public static string Restore(PgObject obj, string? migrationRole)
    {
        var sb = new StringBuilder();
        var target = Target(obj);
        if (!string.IsNullOrEmpty(obj.Comment))
        {
            sb.Append($"\nCOMMENT ON {target} IS {SqlIdentifier.Literal(obj.Comment)};");
        }

        if (obj.Kind is not (PgObjectKind.Trigger or PgObjectKind.Policy))
        {
            if (!string.IsNullOrEmpty(obj.Owner) && !string.Equals(obj.Owner, migrationRole, StringComparison.Ordinal))
            {
                sb.Append($"\nALTER {target} OWNER TO {SqlIdentifier.Quote(obj.Owner)};");
            }

            if (!string.IsNullOrEmpty(obj.Acl))
            {
                AppendGrants(sb, obj, target);
            }
        }

        return sb.ToString();
    }

    /// <summary>COMMENT ON the object IS its comment (or NULL).</summary>
    public static string CommentOn(PgObject obj) =>
        $"COMMENT ON {Target(obj)} IS {(string.IsNullOrEmpty(obj.Comment) ? "NULL" : SqlIdentifier.Literal(obj.Comment))};";

    /// <summary>The object as GRANT and COMMENT name it: FUNCTION s.f(int), PROCEDURE ..., VIEW s.v (grants say TABLE), TRIGGER t ON s.tbl, POLICY p ON s.tbl, MATERIALIZED VIEW s.m, EVENT TRIGGER e.</summary>
    private static string Target(PgObject obj) => obj.Kind switch
    {
        PgObjectKind.Function => $"FUNCTION {SqlIdentifier.Qualify(obj.Schema, obj.Name)}({obj.Arguments})",
        PgObjectKind.Procedure => $"PROCEDURE {SqlIdentifier.Qualify(obj.Schema, obj.Name)}({obj.Arguments})",
        PgObjectKind.Trigger => $"TRIGGER {SqlIdentifier.Quote(obj.Name)} ON {SqlIdentifier.Qualify(obj.Schema, obj.Table!)}",
        PgObjectKind.Policy => $"POLICY {SqlIdentifier.Quote(obj.Name)} ON {SqlIdentifier.Qualify(obj.Schema, obj.Table!)}",
        PgObjectKind.MaterializedView => $"MATERIALIZED VIEW {SqlIdentifier.Qualify(obj.Schema, obj.Name)}",
        PgObjectKind.EventTrigger => $"EVENT TRIGGER {SqlIdentifier.Quote(obj.Name)}",
        _ => $"VIEW {SqlIdentifier.Qualify(obj.Schema, obj.Name)}",
    };

    /// <summary>
    /// Replays an aclitem[] such as <c>{=X/owner,owner=X/owner,reader=X*/owner}</c>: first revoke the defaults
    /// from PUBLIC (and the owner), then grant exactly what the list holds.
    /// </summary>
    private static void AppendGrants(StringBuilder sb, PgObject obj, string target)
    {
        var grantTarget = obj.Kind is PgObjectKind.View or PgObjectKind.MaterializedView ? "TABLE " + SqlIdentifier.Qualify(obj.Schema, obj.Name) : target;
        sb.Append($"\nREVOKE ALL ON {grantTarget} FROM PUBLIC;");
        if (!string.IsNullOrEmpty(obj.Owner))
        {
            sb.Append($"\nREVOKE ALL ON {grantTarget} FROM {SqlIdentifier.Quote(obj.Owner)};");
        }

        foreach (var item in ParseAcl(obj.Acl!))
        {
            var grantee = item.Grantee.Length == 0 ? "PUBLIC" : SqlIdentifier.Quote(item.Grantee);
            var plain = item.Privileges.Where(p => !p.GrantOption).Select(p => p.Name).ToList();
            var withOption = item.Privileges.Where(p => p.GrantOption).Select(p => p.Name).ToList();
            if (plain.Count > 0)
            {
                sb.Append($"\nGRANT {string.Join(", ", plain)} ON {grantTarget} TO {grantee};");
            }

            if (withOption.Count > 0)
            {
                sb.Append($"\nGRANT {string.Join(", ", withOption)} ON {grantTarget} TO {grantee} WITH GRANT OPTION;");
            }
        }
    }

    internal sealed record AclItem(string Grantee, IReadOnlyList<(string Name, bool GrantOption)> Privileges);

    /// <summary>Parses the text form of aclitem[]: {grantee=privs/grantor,...}, with double-quoted names where needed.</summary>
    internal static List<AclItem> ParseAcl(string acl)
    {
        var items = new List<AclItem>();
        var body = acl.Trim().TrimStart('{').TrimEnd('}');
        foreach (var raw in SplitTopLevel(body))
        {
            var entry = raw.Length > 1 && raw[0] == '"' && raw[^1] == '"' ? raw[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : raw;
            var (grantee, rest) = ReadName(entry, 0);
            if (rest >= entry.Length || entry[rest] != '=')
            {
                continue;
            }

            var slash = entry.IndexOf('/', rest + 1);
            var privs = entry[(rest + 1)..(slash < 0 ? entry.Length : slash)];
            var list = new List<(string, bool)>();
            for (var i = 0; i < privs.Length; i++)
            {
                if (Privileges.TryGetValue(privs[i], out var name))
                {
                    var option = i + 1 < privs.Length && privs[i + 1] == '*';
                    list.Add((name, option));
                }
            }

            items.Add(new AclItem(grantee, list));
        }

        return items;
    }

    private static (string Name, int Next) ReadName(string s, int i)
    {
        if (i < s.Length && s[i] == '"')
        {
            var sb = new StringBuilder();
            i++;
            while (i < s.Length)
            {
                if (s[i] == '"' && i + 1 < s.Length && s[i + 1] == '"')
                {
                    sb.Append('"');
                    i += 2;
                }
                else if (s[i] == '"')
                {
                    return (sb.ToString(), i + 1);
                }
                else
                {
                    sb.Append(s[i++]);
                }
            }

            return (sb.ToString(), i);
        }

        var start = i;
        while (i < s.Length && s[i] != '=')
        {
            i++;
        }

        return (s[start..i], i);
    }

    private static IEnumerable<string> SplitTopLevel(string body)
    {
        var inQuotes = false;
        var start = 0;
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '\\' && i + 1 < body.Length)
            {
                i++;
            }
            else if (body[i] == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (body[i] == ',' && !inQuotes)
            {
                yield return body[start..i];
                start = i + 1;
            }
        }

        if (start < body.Length)
        {
            yield return body[start..];
        }
    }
}
