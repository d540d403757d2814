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

    /// <summary>A view's or materialized view's (c) scope: user schema, the schema, name and oid filters, not from an extension.</summary>
    private const string RelationScope = $"""
        {UserSchema}
          AND {SchemaFilter}
          AND ($2::text[] IS NULL OR c.relname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR c.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        """;

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
          -- C and internal routines are not managed: creating one loads native code (see DeclarationReaders.RefusedLanguages).
          AND p.prolang NOT IN (SELECT l.oid FROM pg_language l WHERE l.lanname IN ('c', 'internal'))
          AND {UserSchema}
          AND {SchemaFilter}
          AND ($2::text[] IS NULL OR p.proname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR p.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        ORDER BY n.nspname, p.proname, args
        """;

    /// <summary>
    /// Triggers. For one with a WHEN clause also its table's columns whose type is pg_catalog's (<c>name typname</c>,
    /// aggregated once per table) and whether every comparison operator is pg_catalog's: the parse-tree shortcut needs
    /// them to know which casts of literals PostgreSQL adds when it prints the clause (<c>new.amount > (185)::numeric</c>).
    /// </summary>
    public const string Triggers = $"""
        WITH when_columns AS (
            SELECT a.attrelid, array_agg(a.attname::text || ' ' || ty.typname::text) AS columns
            FROM pg_attribute a
            JOIN pg_type ty ON ty.oid = a.atttypid
            WHERE a.attrelid IN (SELECT q.tgrelid FROM pg_trigger q WHERE q.tgqual IS NOT NULL)
              AND a.attnum > 0 AND NOT a.attisdropped
              AND ty.typnamespace = 'pg_catalog'::regnamespace
            GROUP BY a.attrelid
        )
        SELECT t.oid, n.nspname, c.relname, t.tgname,
               pg_get_triggerdef(t.oid) AS def,
               t.tgenabled::text AS enabled,
               t.tgconstraint <> 0 AS is_constraint,
               pg_get_userbyid(c.relowner) AS owner,
               ds.description AS comment,
               fn.nspname AS fschema, f.proname AS fname,
               oidvectortypes(f.proargtypes) AS fargs,
               CASE WHEN t.tgqual IS NOT NULL THEN wc.columns END AS when_columns,
               NOT EXISTS (SELECT 1 FROM pg_operator o
                           WHERE o.oprnamespace <> 'pg_catalog'::regnamespace
                             AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=')) AS builtin_comparisons
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_proc f ON f.oid = t.tgfoid
        JOIN pg_namespace fn ON fn.oid = f.pronamespace
        LEFT JOIN pg_description ds ON ds.objoid = t.oid AND ds.classoid = 'pg_trigger'::regclass AND ds.objsubid = 0
        LEFT JOIN when_columns wc ON wc.attrelid = t.tgrelid
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
          AND {RelationScope}
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>
    /// Materialized views, with their storage (access method when not heap, reloptions, tablespace) and their indexes
    /// (pg_get_indexdef, by index name), which a drop loses and the definition therefore includes.
    /// </summary>
    public const string MaterializedViews = $"""
        SELECT c.oid, n.nspname, c.relname,
               pg_get_viewdef(c.oid, true) AS def,
               c.reloptions::text[] AS options,
               pg_get_userbyid(c.relowner) AS owner,
               ds.description AS comment,
               c.relacl::text AS acl,
               CASE WHEN am.amname IS DISTINCT FROM 'heap' THEN am.amname END AS am,
               ts.spcname AS tablespace,
               c.relispopulated,
               ARRAY(SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                     WHERE i.indrelid = c.oid ORDER BY ic.relname) AS indexes
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_am am ON am.oid = c.relam
        LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
        LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
        WHERE c.relkind = 'm'
          AND {RelationScope}
        ORDER BY n.nspname, c.relname
        """;

    /// <summary>
    /// Row-level-security policies: the identity is the table's schema, the table and the policy's name; the roles are
    /// sorted (their order means nothing), PUBLIC as <c>public</c>; expressions from pg_get_expr.
    /// </summary>
    public const string Policies = $"""
        SELECT p.oid, n.nspname, c.relname, p.polname,
               CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS cmd,
               p.polpermissive,
               ARRAY(SELECT CASE WHEN r.role = 0 THEN 'public' ELSE quote_ident(pg_get_userbyid(r.role)) END
                     FROM unnest(p.polroles) AS r(role) ORDER BY 1) AS roles,
               pg_get_expr(p.polqual, p.polrelid) AS qual,
               pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck,
               ds.description AS comment
        FROM pg_policy p
        JOIN pg_class c ON c.oid = p.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_description ds ON ds.objoid = p.oid AND ds.classoid = 'pg_policy'::regclass AND ds.objsubid = 0
        WHERE {UserSchema}
          AND {SchemaFilter}
          AND ($2::text[] IS NULL OR p.polname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR p.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.deptype = 'e'
                            AND ((d.classid = 'pg_policy'::regclass AND d.objid = p.oid)
                              OR (d.classid = 'pg_class'::regclass AND d.objid = c.oid)))
        ORDER BY n.nspname, c.relname, p.polname
        """;

    /// <summary>
    /// Event triggers. They belong to no schema: with a schema filter ($1) none is read, so that a compare scoped to
    /// some schemas never drops the database's event triggers. The tags are sorted (their order means nothing).
    /// </summary>
    public const string EventTriggers = """
        SELECT e.oid, e.evtname, e.evtevent,
               ARRAY(SELECT t FROM unnest(e.evttags) AS t ORDER BY 1) AS tags,
               e.evtenabled::text AS enabled,
               pg_get_userbyid(e.evtowner) AS owner,
               ds.description AS comment,
               fn.nspname AS fschema, f.proname AS fname,
               oidvectortypes(f.proargtypes) AS fargs
        FROM pg_event_trigger e
        JOIN pg_proc f ON f.oid = e.evtfoid
        JOIN pg_namespace fn ON fn.oid = f.pronamespace
        LEFT JOIN pg_description ds ON ds.objoid = e.oid AND ds.classoid = 'pg_event_trigger'::regclass AND ds.objsubid = 0
        WHERE $1::text[] IS NULL
          AND ($2::text[] IS NULL OR e.evtname ~* ANY($2::text[]))
          AND ($3::oid[] IS NULL OR e.oid = ANY($3::oid[]))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid AND d.deptype = 'e')
        ORDER BY e.evtname
        """;

    /// <summary>
    /// Managed-object dependencies recorded in pg_depend: view or materialized view → view/function (through its
    /// rewrite rule), routine → routine or view (BEGIN ATOMIC bodies; a view's row type as argument or result, e.g.
    /// RETURNS SETOF), policy → function/view (its expressions), event trigger → function, and trigger → function (what its
    /// WHEN calls; the function it executes comes from the trigger query too).
    /// Rows: dependent (classid, objid), referenced kind ('r' routine, 'v' view, 'm' materialized view), schema, name, args.
    /// </summary>
    public const string Dependencies = """
        WITH deps AS (
            SELECT DISTINCT 'pg_class'::regclass::oid AS classid, r.ev_class AS objid, d.refclassid, d.refobjid
            FROM pg_depend d
            JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
            WHERE d.deptype = 'n' AND d.refobjid <> r.ev_class
              AND d.refclassid IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass)
            UNION
            SELECT DISTINCT d.classid, d.objid, d.refclassid, d.refobjid
            FROM pg_depend d
            WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'n'
              AND d.refclassid IN ('pg_proc'::regclass, 'pg_class'::regclass, 'pg_type'::regclass)
              AND d.objid <> d.refobjid
            UNION
            SELECT DISTINCT d.classid, d.objid, d.refclassid, d.refobjid
            FROM pg_depend d
            WHERE d.classid IN ('pg_policy'::regclass, 'pg_event_trigger'::regclass, 'pg_trigger'::regclass) AND d.deptype = 'n'
              AND d.refclassid IN ('pg_proc'::regclass, 'pg_class'::regclass)
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
        UNION ALL
        SELECT deps.classid, deps.objid, c.relkind::text, n.nspname, c.relname, NULL
        FROM deps
        JOIN pg_type t ON deps.refclassid = 'pg_type'::regclass AND t.oid = deps.refobjid
        JOIN pg_class c ON c.oid = t.typrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND NOT (deps.classid = 'pg_class'::regclass AND deps.objid = c.oid)
        """;
}
