namespace PgAutogen.Core.Catalog;

/// <summary>
/// The inspection queries: one per kind. They run with search_path pinned to pg_catalog, so every name
/// inside pg_get_*def output comes out schema-qualified, whatever the caller's search_path.
/// $1 = schema regexes (text[] or null), $2 = name regexes (text[] or null), $3 = oids (oid[] or null).
/// Per row they call only C functions: argument types come from oidvectortypes (exactly format_type(t, NULL)
/// joined with ', ') and comments from a join on pg_description, not from a correlated subquery and the
/// SQL-language obj_description, which cost several times the definitions themselves at 20,000 routines.
/// </summary>
internal static class CatalogQueries
{
    /// <summary>Excludes system schemas, temporary schemas and (with the alias given) extension members.</summary>
    private const string UserSchema =
        "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'";

    private const string SchemaFilter = "($1::text[] IS NULL OR n.nspname ~* ANY($1::text[]))";

    public const string Routines = $"""
        SELECT p.oid, n.nspname, p.proname, p.prokind,
               oidvectortypes(p.proargtypes) AS args,
               pg_get_functiondef(p.oid) AS def,
               pg_get_userbyid(p.proowner) AS owner,
               ds.description AS comment,
               p.proacl::text AS acl
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        LEFT JOIN pg_description ds ON ds.objoid = p.oid AND ds.classoid = 'pg_proc'::regclass AND ds.objsubid = 0
        WHERE p.prokind IN ('f', 'p')
          AND {UserSchema}
          AND {SchemaFilter}
          AND ($2::text[] IS NULL OR p.proname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR p.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        ORDER BY n.nspname, p.proname, args
        """;

    public const string Triggers = $"""
        SELECT t.oid, n.nspname, c.relname, t.tgname,
               pg_get_triggerdef(t.oid) AS def,
               t.tgenabled::text AS enabled,
               t.tgconstraint <> 0 AS is_constraint,
               pg_get_userbyid(c.relowner) AS owner,
               ds.description AS comment,
               fn.nspname AS fschema, f.proname AS fname,
               oidvectortypes(f.proargtypes) AS fargs
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_proc f ON f.oid = t.tgfoid
        JOIN pg_namespace fn ON fn.oid = f.pronamespace
        LEFT JOIN pg_description ds ON ds.objoid = t.oid AND ds.classoid = 'pg_trigger'::regclass AND ds.objsubid = 0
        WHERE NOT t.tgisinternal
          AND t.tgparentid = 0
          AND {UserSchema}
          AND {SchemaFilter}
          AND ($2::text[] IS NULL OR t.tgname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR t.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.deptype = 'e'
                            AND ((d.classid = 'pg_trigger'::regclass AND d.objid = t.oid)
                              OR (d.classid = 'pg_class'::regclass AND d.objid = c.oid)))
        ORDER BY n.nspname, c.relname, t.tgname
        """;

    public const string Views = $"""
        SELECT c.oid, n.nspname, c.relname,
               pg_get_viewdef(c.oid, true) AS def,
               c.reloptions::text[] AS options,
               pg_get_userbyid(c.relowner) AS owner,
               ds.description AS comment,
               c.relacl::text AS acl
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
        WHERE c.relkind = 'v'
          AND {UserSchema}
          AND {SchemaFilter}
          AND ($2::text[] IS NULL OR c.relname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR c.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>
    /// Managed-object dependencies recorded in pg_depend: view → view/function (through its rewrite rule) and
    /// routine → routine (BEGIN ATOMIC bodies). Trigger → function comes from the trigger query.
    /// Rows: dependent (classid, objid), referenced kind ('r' routine, 'v' view, 'm' materialized view), schema, name, args.
    /// </summary>
    public const string Dependencies = """
        WITH deps AS (
            SELECT DISTINCT 'pg_class'::regclass::oid AS classid, r.ev_class AS objid, d.refclassid, d.refobjid
            FROM pg_depend d
            JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
            WHERE d.deptype = 'n' AND d.refobjid <> r.ev_class
              AND d.refclassid IN ('pg_proc'::regclass, 'pg_class'::regclass)
            UNION
            SELECT DISTINCT d.classid, d.objid, d.refclassid, d.refobjid
            FROM pg_depend d
            WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_proc'::regclass AND d.deptype = 'n'
              AND d.objid <> d.refobjid
        )
        SELECT deps.classid, deps.objid, 'r' AS refkind, n.nspname, p.proname,
               oidvectortypes(p.proargtypes) AS args
        FROM deps
        JOIN pg_proc p ON deps.refclassid = 'pg_proc'::regclass AND p.oid = deps.refobjid
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind IN ('f', 'p')
        UNION ALL
        SELECT deps.classid, deps.objid, c.relkind::text, n.nspname, c.relname, NULL
        FROM deps
        JOIN pg_class c ON deps.refclassid = 'pg_class'::regclass AND c.oid = deps.refobjid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm')
        """;
}
