using System.Data;
using System.Globalization;
using Npgsql;

namespace PgAutogen.Core.Shadow;

/// <summary>
/// What a shadow needs to know of the target, read in one READ ONLY transaction (catalog queries only): its major, the
/// session settings that shape how definitions print, the role the compare runs as, the roles its objects reference,
/// its extensions, tablespaces and foreign servers, and a fingerprint of its schema (to reuse a shadow while it holds).
/// </summary>
internal sealed record TargetFacts(
    int VersionNumber,
    string Database,
    string CurrentUser,
    bool IsSuperuser,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<string> Roles,
    IReadOnlyList<(string Member, string Role, bool Admin)> Memberships,
    IReadOnlyList<(string Name, string Version)> Extensions,
    IReadOnlyList<string> Tablespaces,
    IReadOnlyList<string> ForeignServers,
    string Fingerprint)
{
    public int Major => VersionNumber / 10000;

    /// <summary>The settings copied onto the shadow session: name resolution and how constants print.</summary>
    internal static readonly string[] CopiedSettings = { "search_path", "DateStyle", "IntervalStyle", "TimeZone", "extra_float_digits" };

    /// <summary>
    /// A fingerprint of the schema: per catalog, the row count and the sum of the rows' xmin. Any committed DDL inserts,
    /// updates or deletes catalog rows, which changes one of them; freezing keeps xmin. Cheap even on large catalogs.
    /// Only the database's own catalogs: roles and memberships are shared by every database of the server, so another
    /// database's CREATE ROLE would throw a good shadow away (a role the schema starts to use changes an owner or an ACL here).
    /// </summary>
    private const string FingerprintSql = """
        SELECT string_agg(x, '/' ORDER BY x) FROM (
          SELECT 'class' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) AS x FROM pg_class
          UNION ALL SELECT 'attribute' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_attribute
          UNION ALL SELECT 'attrdef' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_attrdef
          UNION ALL SELECT 'proc' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_proc
          UNION ALL SELECT 'type' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_type
          UNION ALL SELECT 'constraint' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_constraint
          UNION ALL SELECT 'index' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_index
          UNION ALL SELECT 'trigger' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_trigger
          UNION ALL SELECT 'rewrite' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_rewrite
          UNION ALL SELECT 'namespace' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_namespace
          UNION ALL SELECT 'policy' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_policy
          UNION ALL SELECT 'event_trigger' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_event_trigger
          UNION ALL SELECT 'extension' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_extension
          UNION ALL SELECT 'description' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_description
          UNION ALL SELECT 'depend' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_depend
          UNION ALL SELECT 'default_acl' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_default_acl
          UNION ALL SELECT 'sequence' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_sequence
          UNION ALL SELECT 'enum' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) FROM pg_enum
        ) f
        """;

    /// <summary>The roles the schema's objects reference (owners, grantees, grantors, policy roles), PUBLIC and the built-in pg_* roles aside.</summary>
    private const string RolesSql = """
        WITH r(oid) AS (
          SELECT relowner FROM pg_class UNION SELECT proowner FROM pg_proc UNION SELECT nspowner FROM pg_namespace
          UNION SELECT typowner FROM pg_type UNION SELECT evtowner FROM pg_event_trigger UNION SELECT defaclrole FROM pg_default_acl
          UNION SELECT srvowner FROM pg_foreign_server UNION SELECT fdwowner FROM pg_foreign_data_wrapper UNION SELECT umuser FROM pg_user_mapping
          UNION SELECT extowner FROM pg_extension UNION SELECT oprowner FROM pg_operator UNION SELECT collowner FROM pg_collation
          UNION SELECT conowner FROM pg_conversion UNION SELECT opcowner FROM pg_opclass UNION SELECT opfowner FROM pg_opfamily
          UNION SELECT dictowner FROM pg_ts_dict UNION SELECT cfgowner FROM pg_ts_config UNION SELECT stxowner FROM pg_statistic_ext
          UNION SELECT pubowner FROM pg_publication UNION SELECT unnest(polroles) FROM pg_policy
          UNION SELECT a.grantee FROM pg_class, aclexplode(relacl) a UNION SELECT a.grantor FROM pg_class, aclexplode(relacl) a
          UNION SELECT a.grantee FROM pg_proc, aclexplode(proacl) a UNION SELECT a.grantor FROM pg_proc, aclexplode(proacl) a
          UNION SELECT a.grantee FROM pg_namespace, aclexplode(nspacl) a UNION SELECT a.grantor FROM pg_namespace, aclexplode(nspacl) a
          UNION SELECT a.grantee FROM pg_type, aclexplode(typacl) a UNION SELECT a.grantee FROM pg_attribute, aclexplode(attacl) a
          UNION SELECT a.grantee FROM pg_default_acl, aclexplode(defaclacl) a UNION SELECT a.grantee FROM pg_language, aclexplode(lanacl) a
          UNION SELECT a.grantee FROM pg_foreign_server, aclexplode(srvacl) a UNION SELECT a.grantee FROM pg_foreign_data_wrapper, aclexplode(fdwacl) a
          UNION SELECT current_user::regrole::oid
        )
        SELECT rolname FROM pg_roles WHERE oid IN (SELECT oid FROM r) AND rolname !~ '^pg_' ORDER BY rolname
        """;

    /// <param name="alsoRoles">Roles to list too when the target has them, though none of its objects references them (those declarations grant to).</param>
    public static async Task<TargetFacts> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken, IReadOnlyCollection<string>? alsoRoles = null)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);

        var head = await Rows(connection, transaction,
            "SELECT current_setting('server_version_num'), current_database(), current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)::text",
            cancellationToken).ConfigureAwait(false);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in CopiedSettings)
        {
            settings[name] = (await Rows(connection, transaction, $"SELECT current_setting('{name}')", cancellationToken).ConfigureAwait(false))[0][0]!;
        }

        var roles = (await Rows(connection, transaction, RolesSql, cancellationToken).ConfigureAwait(false)).Select(r => r[0]!).ToList();
        if (alsoRoles is { Count: > 0 })
        {
            await using var cmd = new NpgsqlCommand("SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND rolname !~ '^pg_' ORDER BY rolname", connection, transaction);
            cmd.Parameters.Add(Databases.SqlCommands.TextArray(alsoRoles));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!roles.Contains(reader.GetString(0)))
                {
                    roles.Add(reader.GetString(0));
                }
            }
        }

        var memberships = (await Rows(connection, transaction, """
            SELECT m.rolname, r.rolname, a.admin_option::text FROM pg_auth_members a
            JOIN pg_roles m ON m.oid = a.member JOIN pg_roles r ON r.oid = a.roleid
            WHERE m.rolname !~ '^pg_' AND r.rolname !~ '^pg_' ORDER BY 1, 2
            """, cancellationToken).ConfigureAwait(false))
            .Select(r => (r[0]!, r[1]!, r[2] == "true")).Where(m => roles.Contains(m.Item1) || roles.Contains(m.Item2)).ToList();
        var extensions = (await Rows(connection, transaction, "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname", cancellationToken)
            .ConfigureAwait(false)).Select(r => (r[0]!, r[1]!)).ToList();
        var tablespaces = (await Rows(connection, transaction, """
            SELECT DISTINCT t.spcname FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace WHERE c.reltablespace <> 0 ORDER BY 1
            """, cancellationToken).ConfigureAwait(false)).Select(r => r[0]!).ToList();
        var servers = (await Rows(connection, transaction, "SELECT srvname FROM pg_foreign_server ORDER BY 1", cancellationToken).ConfigureAwait(false)).Select(r => r[0]!).ToList();
        var fingerprint = (await Rows(connection, transaction, FingerprintSql, cancellationToken).ConfigureAwait(false))[0][0]!;
        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);

        return new TargetFacts(int.Parse(head[0][0]!, CultureInfo.InvariantCulture), head[0][1]!, head[0][2]!, head[0][3] == "true",
            settings, roles, memberships, extensions, tablespaces, servers, fingerprint);
    }

    /// <summary>Only the fingerprint (is a shadow made earlier still the target's schema?), read only.</summary>
    public static async Task<string> FingerprintAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
        var fingerprint = (await Rows(connection, transaction, FingerprintSql, cancellationToken).ConfigureAwait(false))[0][0]!;
        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        return fingerprint;
    }

    /// <summary>The managed objects of the target that need an extension (for the error when the shadow server lacks it).</summary>
    public static async Task<IReadOnlyList<string>> ObjectsNeedingAsync(NpgsqlConnection connection, string extension, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            SELECT DISTINCT CASE WHEN d.classid = 'pg_rewrite'::regclass
                                 THEN (SELECT pg_describe_object('pg_class'::regclass, r.ev_class, 0) FROM pg_rewrite r WHERE r.oid = d.objid)
                                 ELSE pg_describe_object(d.classid, d.objid, d.objsubid) END
            FROM pg_extension x
            JOIN pg_depend member ON member.refclassid = 'pg_extension'::regclass AND member.refobjid = x.oid AND member.deptype = 'e'
            JOIN pg_depend d ON d.refclassid = member.classid AND d.refobjid = member.objid AND d.deptype = 'n'
            WHERE x.extname = $1
            ORDER BY 1 LIMIT 10
            """, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = extension });
        var found = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        return found;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, transaction);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<string?[]>> Rows(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<string?[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
            }

            rows.Add(row);
        }

        return rows;
    }
}
