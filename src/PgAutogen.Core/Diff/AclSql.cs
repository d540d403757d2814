using System.Text;
using Npgsql;

namespace PgAutogen.Core.Diff;

/// <summary>
/// What an object's ACL is when the catalog holds none (NULL): PostgreSQL's acldefault for its owner, as privilege
/// letters (aclitem's: X execute, r select, a insert, ...) of the owner and of PUBLIC, for routines and for views and
/// materialized views. It depends on the major (from 17 the owner of a relation also holds m, MAINTAIN): read from the
/// server compared, or <see cref="Assumed"/> where none is at hand.
/// </summary>
public sealed record AclDefaults(string RoutineOwner, string RoutinePublic, string RelationOwner, string RelationPublic)
{
    /// <summary>PostgreSQL 14-16's defaults (17 and 18 add MAINTAIN to a relation owner's).</summary>
    public static AclDefaults Assumed { get; } = new("X", "X", "arwdDxt", "");

    /// <summary>
    /// The roles ALTER DEFAULT PRIVILEGES grants something on the objects any role creates, by "f:schema" (routines) or
    /// "r:schema" (views), "" for every schema: a freshly created object may hold their privileges on top of acldefault,
    /// so a migration that gives it an exact ACL revokes theirs first.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> CreatedGrantees { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>The server's defaults (acldefault of the bootstrap superuser, oid 10), and the grantees of its default privileges (pg_default_acl).</summary>
    public static async Task<AclDefaults> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var cmd = new NpgsqlCommand("""
            SELECT pg_catalog.acldefault('f', 10)::pg_catalog.text, pg_catalog.acldefault('r', 10)::pg_catalog.text;
            SELECT DISTINCT d.defaclobjtype::pg_catalog.text || ':' || COALESCE(n.nspname::pg_catalog.text, ''), pg_catalog.pg_get_userbyid(a.grantee)::pg_catalog.text
            FROM pg_catalog.pg_default_acl d
            LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
            CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) AS a
            WHERE d.defaclobjtype IN ('f', 'r') AND a.grantee <> 0 AND a.grantee <> d.defaclrole
            ORDER BY 1, 2
            """, connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var (routineOwner, routinePublic) = Split(reader.GetString(0));
        var (relationOwner, relationPublic) = Split(reader.GetString(1));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var created = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!created.TryGetValue(reader.GetString(0), out var grantees))
            {
                created[reader.GetString(0)] = grantees = new List<string>();
            }

            ((List<string>)grantees).Add(reader.GetString(1));
        }

        return new AclDefaults(routineOwner, routinePublic, relationOwner, relationPublic) { CreatedGrantees = created };

        static (string Owner, string Public) Split(string acl)
        {
            var entries = AclSql.Entries(acl);
            return (string.Concat(entries.Where(e => e.Grantee.Length > 0).Select(e => e.Privileges)),
                    string.Concat(entries.Where(e => e.Grantee.Length == 0).Select(e => e.Privileges)));
        }
    }

    /// <summary>The roles default privileges may grant something on an object of this kind created in this schema (in any role's name).</summary>
    public IEnumerable<string> GranteesOnCreate(PgObjectKind kind, string schema)
    {
        var type = kind is PgObjectKind.Function or PgObjectKind.Procedure ? "f" : "r";
        return new[] { type + ":", type + ":" + schema }
            .SelectMany(k => CreatedGrantees.TryGetValue(k, out var grantees) ? grantees : Array.Empty<string>())
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
    }

    /// <summary>The owner's and PUBLIC's default privilege letters for an object of this kind.</summary>
    public (string Owner, string Public) For(PgObjectKind kind) =>
        kind is PgObjectKind.Function or PgObjectKind.Procedure ? (RoutineOwner, RoutinePublic) : (RelationOwner, RelationPublic);
}

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
    /// <param name="defaults">
    /// When given, the grants also revoke first what default privileges (ALTER DEFAULT PRIVILEGES) give a new object,
    /// so that it ends with exactly its ACL.
    /// </param>
    public static string Restore(PgObject obj, string? migrationRole, AclDefaults? defaults = null)
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
                AppendGrants(sb, obj, defaults);
            }
        }

        return sb.ToString();
    }

    /// <summary>The privilege letters in the order statements list them.</summary>
    private const string LetterOrder = "rawdDxtmXUCcT";

    private static readonly Comparer<char> LetterComparer =
        Comparer<char>.Create((a, b) => LetterOrder.IndexOf(a, StringComparison.Ordinal).CompareTo(LetterOrder.IndexOf(b, StringComparison.Ordinal)));

    /// <summary>
    /// The privileges an object's ACL grants, by grantee ("" for PUBLIC): each privilege letter with whether it carries
    /// the grant option. Grantors are left out (a migration grants as the owner); a NULL ACL is the owner's default.
    /// </summary>
    internal static SortedDictionary<string, SortedDictionary<char, bool>> Effective(PgObject obj, AclDefaults defaults)
    {
        var result = new SortedDictionary<string, SortedDictionary<char, bool>>(StringComparer.Ordinal);
        void Add(string grantee, char letter, bool option)
        {
            if (!result.TryGetValue(grantee, out var privileges))
            {
                result[grantee] = privileges = new SortedDictionary<char, bool>(LetterComparer);
            }

            privileges[letter] = option || (privileges.TryGetValue(letter, out var had) && had);
        }

        if (obj.Acl is null)
        {
            var (owner, everyone) = defaults.For(obj.Kind);
            foreach (var letter in owner)
            {
                Add(obj.Owner ?? "", letter, false);
            }

            foreach (var letter in everyone)
            {
                Add("", letter, false);
            }

            return result;
        }

        foreach (var entry in Entries(obj.Acl))
        {
            for (var i = 0; i < entry.Privileges.Length; i++)
            {
                if (Privileges.ContainsKey(entry.Privileges[i]))
                {
                    Add(entry.Grantee, entry.Privileges[i], i + 1 < entry.Privileges.Length && entry.Privileges[i + 1] == '*');
                }
            }
        }

        return result;
    }

    /// <summary>True when the two objects' ACLs grant the same privileges (grantors aside; a NULL ACL is the owner's default).</summary>
    public static bool SamePrivileges(PgObject a, PgObject b, AclDefaults defaults) =>
        Text(Effective(a, defaults)) == Text(Effective(b, defaults));

    /// <summary>The privileges as text, for comparing and for messages: <c>=X;app_user=X*;owner=X</c>.</summary>
    internal static string Text(SortedDictionary<string, SortedDictionary<char, bool>> privileges) =>
        string.Join(";", privileges.Where(p => p.Value.Count > 0)
            .Select(p => (p.Key.Length == 0 ? "" : SqlIdentifier.Quote(p.Key)) + "=" + string.Concat(p.Value.Select(x => x.Value ? x.Key + "*" : x.Key.ToString()))));

    /// <summary>
    /// The REVOKE and the GRANT statements that take <paramref name="from"/>'s privileges to <paramref name="to"/>'s, on
    /// <paramref name="to"/> (after ALTER ... OWNER TO when the owners differ: the old owner's privileges pass to the new
    /// one, as PostgreSQL moves them), each with a short description for the step's reason. Empty when nothing differs.
    /// </summary>
    internal static (string RevokeSql, string RevokeWhat, string GrantSql, string GrantWhat) Changes(PgObject from, PgObject to, AclDefaults defaults)
    {
        var have = Effective(from, defaults);
        if (!string.IsNullOrEmpty(from.Owner) && !string.IsNullOrEmpty(to.Owner) && from.Owner != to.Owner && have.Remove(from.Owner, out var owned))
        {
            foreach (var (letter, option) in owned)
            {
                if (!have.TryGetValue(to.Owner, out var privileges))
                {
                    have[to.Owner] = privileges = new SortedDictionary<char, bool>(LetterComparer);
                }

                privileges[letter] = option || (privileges.TryGetValue(letter, out var had) && had);
            }
        }

        var want = Effective(to, defaults);
        var target = GrantTarget(to);
        var revoke = new StringBuilder();
        var grant = new StringBuilder();
        var revoked = new List<string>();
        var granted = new List<string>();
        foreach (var grantee in have.Keys.Union(want.Keys).Order(StringComparer.Ordinal))
        {
            var had = have.GetValueOrDefault(grantee) ?? new SortedDictionary<char, bool>(LetterComparer);
            var wanted = want.GetValueOrDefault(grantee) ?? new SortedDictionary<char, bool>(LetterComparer);
            var who = grantee.Length == 0 ? "PUBLIC" : SqlIdentifier.Quote(grantee);
            var gone = Names(had.Keys.Where(l => !wanted.ContainsKey(l)));
            var optionGone = Names(had.Where(p => p.Value && wanted.TryGetValue(p.Key, out var o) && !o).Select(p => p.Key));
            var added = Names(wanted.Where(p => !p.Value && !had.ContainsKey(p.Key)).Select(p => p.Key));
            var optionAdded = Names(wanted.Where(p => p.Value && !(had.TryGetValue(p.Key, out var o) && o)).Select(p => p.Key));
            if (gone.Count > 0)
            {
                revoke.Append($"\nREVOKE {string.Join(", ", gone)} ON {target} FROM {who};");
                revoked.Add($"{string.Join(", ", gone)} from {who}");
            }

            if (optionGone.Count > 0)
            {
                revoke.Append($"\nREVOKE GRANT OPTION FOR {string.Join(", ", optionGone)} ON {target} FROM {who};");
                revoked.Add($"the grant option for {string.Join(", ", optionGone)} from {who}");
            }

            if (added.Count > 0)
            {
                grant.Append($"\nGRANT {string.Join(", ", added)} ON {target} TO {who};");
                granted.Add($"{string.Join(", ", added)} to {who}");
            }

            if (optionAdded.Count > 0)
            {
                grant.Append($"\nGRANT {string.Join(", ", optionAdded)} ON {target} TO {who} WITH GRANT OPTION;");
                granted.Add($"{string.Join(", ", optionAdded)} with the grant option to {who}");
            }
        }

        return (revoke.ToString().TrimStart('\n'), string.Join("; ", revoked), grant.ToString().TrimStart('\n'), string.Join("; ", granted));

        static List<string> Names(IEnumerable<char> letters) => letters.Select(l => Privileges[l]).ToList();
    }

    /// <summary>
    /// The object's owner and privileges as declarations (Export-PgDeclaration, -ReferenceConnectionString): ALTER ...
    /// OWNER TO its owner, then the REVOKE and GRANT statements that take the owner's default privileges to its ACL (none
    /// when the catalog holds the default). For functions, procedures, views and materialized views; empty for the rest.
    /// </summary>
    internal static string Declare(PgObject obj, AclDefaults defaults)
    {
        if (obj.Kind is not (PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.MaterializedView) || string.IsNullOrEmpty(obj.Owner))
        {
            return "";
        }

        var sb = new StringBuilder(OwnerTo(obj));
        if (obj.Acl is not null)
        {
            var (revoke, _, grant, _) = Changes(new PgObject(obj.Kind, obj.Schema, obj.Name, obj.Identity, obj.Definition) { Arguments = obj.Arguments, Owner = obj.Owner }, obj, defaults);
            foreach (var statements in new[] { revoke, grant }.Where(x => x.Length > 0))
            {
                sb.Append('\n').Append(statements);
            }
        }

        return sb.ToString();
    }

    /// <summary>ALTER ... OWNER TO the object's owner.</summary>
    internal static string OwnerTo(PgObject obj) => $"ALTER {Target(obj)} OWNER TO {SqlIdentifier.Quote(obj.Owner ?? "")};";

    /// <summary>The object as GRANT names it: FUNCTION s.f(int), PROCEDURE ..., TABLE s.v for a view or a materialized view.</summary>
    internal static string GrantTarget(PgObject obj) =>
        obj.Kind is PgObjectKind.View or PgObjectKind.MaterializedView ? "TABLE " + SqlIdentifier.Qualify(obj.Schema, obj.Name) : Target(obj);

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
    private static void AppendGrants(StringBuilder sb, PgObject obj, AclDefaults? defaults)
    {
        var grantTarget = GrantTarget(obj);
        sb.Append($"\nREVOKE ALL ON {grantTarget} FROM PUBLIC;");
        if (!string.IsNullOrEmpty(obj.Owner))
        {
            sb.Append($"\nREVOKE ALL ON {grantTarget} FROM {SqlIdentifier.Quote(obj.Owner)};");
        }

        foreach (var grantee in defaults?.GranteesOnCreate(obj.Kind, obj.Schema) ?? Enumerable.Empty<string>())
        {
            if (!string.Equals(grantee, obj.Owner, StringComparison.Ordinal))
            {
                sb.Append($"\nREVOKE ALL ON {grantTarget} FROM {SqlIdentifier.Quote(grantee)};");
            }
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

    /// <summary>One aclitem as the catalog prints it: grantee ("" for PUBLIC), its privilege letters (with * after one that carries the grant option), grantor.</summary>
    internal sealed record AclEntry(string Grantee, string Privileges, string Grantor);

    /// <summary>Parses the text form of aclitem[]: {grantee=privs/grantor,...}, with double-quoted names where needed.</summary>
    internal static List<AclItem> ParseAcl(string acl) =>
        Entries(acl).Select(e =>
        {
            var list = new List<(string, bool)>();
            for (var i = 0; i < e.Privileges.Length; i++)
            {
                if (Privileges.TryGetValue(e.Privileges[i], out var name))
                {
                    list.Add((name, i + 1 < e.Privileges.Length && e.Privileges[i + 1] == '*'));
                }
            }

            return new AclItem(e.Grantee, list);
        }).ToList();

    /// <summary>The entries of the text form of aclitem[].</summary>
    internal static List<AclEntry> Entries(string acl)
    {
        var items = new List<AclEntry>();
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
            var grantor = slash < 0 ? "" : ReadName(entry, slash + 1).Name;
            items.Add(new AclEntry(grantee, entry[(rest + 1)..(slash < 0 ? entry.Length : slash)], grantor));
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
