using System.Globalization;
using System.Text;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// New-PgMigration -Guard: one statement at the start of each half that stops the migration when an object it replaces
/// or drops is no longer what it was when the migration was generated (a hot-fix applied by hand, another migration),
/// or when an object it creates already exists — instead of silently overwriting it.
/// <para>
/// Each object is checked by its <see cref="PgObject.Fingerprint"/>: the MD5 of its definition as the catalog prints it,
/// computed here from the catalog inside a <c>DO</c> block, with <c>search_path</c> pinned to <c>pg_catalog</c> as the
/// inspector reads it (and put back). The upgrade checks the current objects (those of the database the migration was
/// generated from), the downgrade the desired ones (what the upgrade made). The text hashed per kind is the one
/// <c>CatalogRows</c> gives <see cref="PgObject.FingerprintSource"/>: the two must stay alike, and a test runs the guard
/// of every object of both corpora on every major.
/// </para>
/// </summary>
public static class MigrationGuard
{
    /// <summary>The separator between the parts of a fingerprint's text (U+001F, which no definition contains).</summary>
    internal const char Separator = '\u001f';

    /// <summary>What the guard of one half checks: for each object, what it must be (its fingerprint) or that it must not exist (null).</summary>
    public sealed record Check(PgObjectKind Kind, string Identity, string? Schema, string? Table, string Name, string? Fingerprint);

    /// <summary>
    /// The checks of one half. The upgrade: every object it replaces or drops is still the current one; every object it
    /// creates does not exist. The downgrade: the same against the desired state. Privilege and owner steps change
    /// neither definition nor existence, and are not checked.
    /// </summary>
    public static IReadOnlyList<Check> Checks(IReadOnlyList<MigrationOp> ops, bool up)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var checks = new List<Check>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in up ? ops.OrderBy(o => o.Order) : ops.OrderBy(o => o.DownOrder))
        {
            if (op.Action is MigrationAction.Grant or MigrationAction.Revoke or MigrationAction.ChangeOwner)
            {
                continue;
            }

            // Going up, the object is as it is now (Current) or absent; going down, as the upgrade left it (Desired) or absent.
            var before = up ? op.Current : op.Desired;
            var other = up ? op.Desired : op.Current;
            var obj = before ?? other;
            if (obj is null || !seen.Add(obj.Key))
            {
                continue;
            }

            checks.Add(new Check(obj.Kind, obj.Identity, obj.Schema, obj.Table, obj.Name, before?.Fingerprint));
        }

        return checks;
    }

    /// <summary>The guard statement of one half (a DO block, without its semicolon), or null when the half has nothing to check.</summary>
    public static string? Statement(IReadOnlyList<MigrationOp> ops, bool up)
    {
        var checks = Checks(ops, up);
        if (checks.Count == 0)
        {
            return null;
        }

        var rows = new StringBuilder();
        for (var i = 0; i < checks.Count; i++)
        {
            var c = checks[i];
            var (family, a, b) = c.Kind switch
            {
                PgObjectKind.Function or PgObjectKind.Procedure => ("r", c.Identity, (string?)null),
                PgObjectKind.View => ("v", c.Identity, null),
                PgObjectKind.MaterializedView => ("m", c.Identity, null),
                PgObjectKind.Trigger => ("t", SqlIdentifier.Qualify(c.Schema ?? "", c.Table ?? ""), c.Name),
                PgObjectKind.Policy => ("p", SqlIdentifier.Qualify(c.Schema ?? "", c.Table ?? ""), c.Name),
                PgObjectKind.EventTrigger => ("e", (string?)null, c.Name),
                _ => throw new ArgumentOutOfRangeException(nameof(ops), c.Kind, null),
            };
            rows.Append(i == 0 ? "        " : ",\n        ")
                .Append('(').Append((i + 1).ToString(CultureInfo.InvariantCulture))
                .Append(", '").Append(family).Append("', ")
                .Append(SqlIdentifier.Literal(ObjectKey.Words(c.Kind) + " " + c.Identity)).Append(", ")
                .Append(Nullable(a)).Append(", ").Append(Nullable(b)).Append(", ")
                .Append(Nullable(c.Fingerprint)).Append(')');
        }

        var half = up ? "this migration was generated" : "the upgrade ran";
        var undo = up ? "upgrade" : "downgrade";
        // Every name qualified: the block runs in the migration tool's session, whatever its search_path.
        return $"""
            DO $pgautogen_guard$
            DECLARE
                saved pg_catalog.text := pg_catalog.current_setting('search_path');
                drifted pg_catalog.text;
            BEGIN
                -- Definitions print as the inspector read them: every name qualified.
                PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
                SELECT pg_catalog.string_agg(g.what || CASE WHEN fp.actual IS NULL THEN ' is missing'
                                                            WHEN g.expected IS NULL THEN ' already exists'
                                                            ELSE ' was changed' END, '; ' ORDER BY g.n)
                INTO drifted
                FROM (VALUES
            {rows}
                ) AS g(n, k, what, a, b, expected)
                CROSS JOIN LATERAL (SELECT pg_catalog.md5(pg_catalog.convert_to(CASE g.k
                    WHEN 'r' THEN (SELECT pg_catalog.pg_get_functiondef(p.oid) FROM pg_catalog.pg_proc p
                                   WHERE p.oid = pg_catalog.to_regprocedure(g.a) AND p.prokind IN ('f', 'p'))
                    WHEN 't' THEN (SELECT pg_catalog.pg_get_triggerdef(t.oid) FROM pg_catalog.pg_trigger t
                                   WHERE t.tgrelid = pg_catalog.to_regclass(g.a) AND t.tgname = g.b AND NOT t.tgisinternal)
                    WHEN 'v' THEN (SELECT pg_catalog.pg_get_viewdef(c.oid, true) || {Sep} || COALESCE(pg_catalog.array_to_string(c.reloptions, ','), '')
                                   FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(g.a) AND c.relkind = 'v')
                    WHEN 'm' THEN (SELECT pg_catalog.pg_get_viewdef(c.oid, true) || {Sep} || COALESCE(pg_catalog.array_to_string(c.reloptions, ','), '')
                                          || {Sep} || COALESCE(CASE WHEN am.amname IS DISTINCT FROM 'heap' THEN am.amname::pg_catalog.text END, '')
                                          || {Sep} || COALESCE(ts.spcname::pg_catalog.text, '')
                                          || {Sep} || pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid)
                                                                                 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                                                                                 WHERE i.indrelid = c.oid ORDER BY ic.relname), E'\n')
                                   FROM pg_catalog.pg_class c
                                   LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
                                   LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
                                   WHERE c.oid = pg_catalog.to_regclass(g.a) AND c.relkind = 'm')
                    WHEN 'p' THEN (SELECT CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
                                          || {Sep} || p.polpermissive::pg_catalog.text
                                          || {Sep} || pg_catalog.array_to_string(ARRAY(SELECT CASE WHEN r.role = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.role)) END
                                                                                 FROM pg_catalog.unnest(p.polroles) AS r(role) ORDER BY 1), ',')
                                          || {Sep} || COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '')
                                          || {Sep} || COALESCE(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')
                                   FROM pg_catalog.pg_policy p WHERE p.polrelid = pg_catalog.to_regclass(g.a) AND p.polname = g.b)
                    WHEN 'e' THEN (SELECT e.evtevent::pg_catalog.text
                                          || {Sep} || pg_catalog.array_to_string(ARRAY(SELECT x FROM pg_catalog.unnest(e.evttags) AS x ORDER BY 1), ',')
                                          || {Sep} || fn.nspname::pg_catalog.text || {Sep} || f.proname::pg_catalog.text
                                          || {Sep} || pg_catalog.oidvectortypes(f.proargtypes)
                                   FROM pg_catalog.pg_event_trigger e
                                   JOIN pg_catalog.pg_proc f ON f.oid = e.evtfoid
                                   JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
                                   WHERE e.evtname = g.b)
                    END, 'UTF8')) AS actual) AS fp
                WHERE g.expected IS DISTINCT FROM fp.actual;
                PERFORM pg_catalog.set_config('search_path', saved, true);
                IF drifted IS NOT NULL THEN
                    RAISE EXCEPTION 'PgAutogen -Guard: the database is no longer as it was when {half}: %. Nothing was changed.', drifted
                        USING HINT = 'Someone changed these objects since (a hot-fix by hand?). Compare the declarations again and generate a new migration, or keep the change in the declarations; run this {undo} without its guard only if overwriting it is intended.';
                END IF;
            END
            $pgautogen_guard$
            """;
    }

    /// <summary>The fingerprint's separator as a SQL string (U+001F).</summary>
    private const string Sep = "E'\\x1f'";

    private static string Nullable(string? value) => value is null ? "NULL" : SqlIdentifier.Literal(value);
}
