using PgAutogen.Core.Catalog;
using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>Materialized views, row-level-security policies and event triggers: parsed, canonicalized, diffed, ordered, migrated both ways.</summary>
[Trait("Category", "Database")]
public sealed class NewKindsTests(CoreDatabaseFixture fixture)
{
    private static IReadOnlyList<PgDeclaration> Parse(string sql)
    {
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { sql }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(set.Errors);
        return set.Declarations;
    }

    private const string Tables = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, customer text NOT NULL, total numeric NOT NULL, owner_name text);
        INSERT INTO app.orders VALUES (1, 'ann', 10, 'ann'), (2, 'bob', 20, 'bob'), (3, 'ann', 5, 'ann');
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pga_reader') THEN CREATE ROLE pga_reader; END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pga_clerk') THEN CREATE ROLE pga_clerk; END IF;
        END $$;
        """;

    // ---------------------------------------------------------------- materialized views

    private const string MatviewSetup = Tables + """
        CREATE MATERIALIZED VIEW app.totals AS SELECT customer, sum(total) AS total FROM app.orders GROUP BY customer;
        CREATE UNIQUE INDEX totals_customer ON app.totals (customer);
        CREATE INDEX totals_total ON app.totals (total);
        CREATE VIEW app.big_customers AS SELECT customer FROM app.totals WHERE total > 12;
        GRANT SELECT ON app.totals TO pga_reader;
        COMMENT ON MATERIALIZED VIEW app.totals IS 'per customer';
        """;

    private const string MatviewDeclared = """
        create materialized view app.totals as
          select customer, sum(total) as total from app.orders group by customer;
        create unique index totals_customer on app.totals (customer);
        create index totals_total on app.totals (total);
        create view app.big_customers as select customer from app.totals where total > 12;
        """;

    [Fact]
    public async Task An_unchanged_materialized_view_is_left_alone_even_with_an_unmanaged_dependent()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(MatviewSetup + "CREATE SCHEMA other; CREATE VIEW other.v AS SELECT * FROM app.totals;");
        var before = await Harness.SnapshotAsync(db);
        var m = await Harness.CompareAsync(db, Parse(MatviewDeclared), new Canonicalization.CanonicalizationOptions { Filter = CatalogFilter.Create(null, new[] { "app" }) });
        Assert.Empty(m.Ops);
        Assert.Equal(before, await Harness.SnapshotAsync(db));
        Assert.True(await db.ScalarAsync<bool>("SELECT relispopulated FROM pg_class WHERE oid = 'app.totals'::regclass"));
    }

    [Fact]
    public async Task A_changed_materialized_view_with_two_indexes_is_re_created_with_its_dependents_and_data()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(MatviewSetup);
        var decls = Parse("""
            CREATE MATERIALIZED VIEW app.totals WITH (fillfactor = 70) AS
              SELECT customer, sum(total) AS total, count(*) AS orders FROM app.orders GROUP BY customer;
            CREATE UNIQUE INDEX totals_customer ON app.totals (customer);
            CREATE INDEX totals_orders ON app.totals (orders DESC);
            CREATE VIEW app.big_customers AS SELECT customer FROM app.totals WHERE total > 12;
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("DropAndCreate app.big_customers, DropAndCreate app.totals, DropAndCreate app.totals, DropAndCreate app.big_customers", Harness.Actions(m));
        var create = m.Ops[2];
        Assert.Contains("a materialized view cannot be replaced in place", create.Reason, StringComparison.Ordinal);
        Assert.Contains("its data will be refreshed", create.Reason, StringComparison.Ordinal);
        Assert.Equal("rebuilt because app.totals is re-created", m.Ops[0].Reason.Split(": ", 2)[1]);
        Assert.Equal(new[] { "CREATE UNIQUE INDEX totals_customer ON app.totals USING btree (customer);", "CREATE INDEX totals_orders ON app.totals USING btree (orders DESC);" },
            create.Desired!.Indexes);
        Assert.Contains("WITH (fillfactor=70)", create.UpSql, StringComparison.Ordinal);
        Assert.Contains("WITH DATA;", create.UpSql, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT ON TABLE app.totals TO pga_reader;", create.UpSql, StringComparison.Ordinal);
        Assert.Contains("COMMENT ON MATERIALIZED VIEW app.totals IS 'per customer';", create.UpSql, StringComparison.Ordinal);
        Assert.DoesNotContain("CASCADE", m.File, StringComparison.Ordinal);
        Assert.Contains("-- Its data will be refreshed", m.Up, StringComparison.Ordinal);
        Assert.Contains("-- Its data will be refreshed", m.Down, StringComparison.Ordinal);
        Assert.Contains("-- DropAndCreate materialized view app.totals", m.Up, StringComparison.Ordinal);

        await Harness.RoundTripAsync(db, decls, m);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT orders FROM app.totals WHERE customer = 'ann'"));
        Assert.Contains("pga_reader=r/", await db.ScalarAsync<string>("SELECT relacl::text FROM pg_class WHERE oid = 'app.totals'::regclass"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_an_index_changed_is_a_change_of_the_materialized_view()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(MatviewSetup);
        var decls = Parse(MatviewDeclared.Replace("(total);", "(total DESC);", StringComparison.Ordinal));
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("DropAndCreate app.big_customers, DropAndCreate app.totals, DropAndCreate app.totals, DropAndCreate app.big_customers", Harness.Actions(m));
        Assert.Contains("-CREATE INDEX totals_total ON app.totals USING btree (total);", m.Ops[2].Diff.Replace("- ", "-", StringComparison.Ordinal), StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task With_no_data_is_kept_when_declared_and_a_refresh_is_no_difference()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Tables);
        var decls = Parse("""
            CREATE MATERIALIZED VIEW app.names AS SELECT DISTINCT customer FROM app.orders WITH NO DATA; -- filled by the nightly job
            CREATE INDEX names_customer ON app.names (customer);
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create app.names", Harness.Actions(m));
        Assert.Contains("WITH NO DATA;", m.Ops[0].UpSql, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX names_customer ON app.names USING btree (customer);", m.Ops[0].UpSql, StringComparison.Ordinal);
        Assert.Contains("empty until REFRESH MATERIALIZED VIEW", m.Ops[0].Reason, StringComparison.Ordinal);
        Assert.Contains("-- Created WITH NO DATA", m.Up, StringComparison.Ordinal);
        Assert.Equal("DROP MATERIALIZED VIEW app.names;", m.Ops[0].DownSql);
        await Harness.RoundTripAsync(db, decls, m); // ends upgraded
        Assert.False(await db.ScalarAsync<bool>("SELECT relispopulated FROM pg_class WHERE oid = 'app.names'::regclass"));
        await db.ExecuteAsync("REFRESH MATERIALIZED VIEW app.names");
        Assert.Empty((await Harness.CompareAsync(db, decls)).Ops);

        // Declared WITH DATA at the end, the compare still never runs the query (it would fail here).
        var failing = Parse("CREATE MATERIALIZED VIEW app.boom AS SELECT 1 / (count(*) - count(*)) AS x FROM app.orders WITH DATA");
        var boom = await Harness.CompareAsync(db, failing.Concat(decls));
        Assert.Equal("Create app.boom", Harness.Actions(boom));
    }

    [Fact]
    public async Task A_view_that_becomes_a_materialized_view_and_back()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Tables + "CREATE VIEW app.totals AS SELECT customer, sum(total) AS total FROM app.orders GROUP BY customer;");
        var decls = Parse("CREATE MATERIALIZED VIEW app.totals AS SELECT customer, sum(total) AS total FROM app.orders GROUP BY customer");
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("DropAndCreate app.totals, DropAndCreate app.totals", Harness.Actions(m));
        Assert.Equal("DROP VIEW app.totals;", m.Ops[0].UpSql);
        Assert.StartsWith("CREATE MATERIALIZED VIEW app.totals AS", m.Ops[1].UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m); // ends upgraded

        var back = Parse("CREATE VIEW app.totals AS SELECT customer, sum(total) AS total FROM app.orders GROUP BY customer");
        var b = await Harness.CompareAsync(db, back);
        Assert.Equal("DropAndCreate app.totals, DropAndCreate app.totals", Harness.Actions(b));
        Assert.Equal("DROP MATERIALIZED VIEW app.totals;", b.Ops[0].UpSql);
        await Harness.RoundTripAsync(db, back, b);
    }

    [Fact]
    public async Task A_materialized_view_rebuilt_for_a_re_created_function_keeps_its_indexes()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Tables + """
            CREATE FUNCTION app.weight(n numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT n * 2';
            CREATE MATERIALIZED VIEW app.weighted AS SELECT id, app.weight(total) AS w FROM app.orders;
            CREATE INDEX weighted_w ON app.weighted (w);
            """);
        var decls = Parse("""
            CREATE FUNCTION app.weight(n numeric) RETURNS double precision LANGUAGE sql IMMUTABLE AS 'SELECT (n * 2)::float8';
            CREATE MATERIALIZED VIEW app.weighted AS SELECT id, app.weight(total) AS w FROM app.orders;
            CREATE INDEX weighted_w ON app.weighted (w);
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal(4, m.Ops.Count);
        Assert.All(m.Ops, o => Assert.Equal(MigrationAction.DropAndCreate, o.Action));
        Assert.Contains("CREATE INDEX weighted_w ON app.weighted USING btree (w);", m.Up, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public void Materialized_view_statements_are_parsed_and_table_statements_refused()
    {
        var decls = Parse("""
            CREATE MATERIALIZED VIEW IF NOT EXISTS app.mv AS SELECT 1 AS x WITH NO DATA;
            CREATE UNIQUE INDEX mv_x ON app.mv (x);
            CREATE INDEX ON app.mv (x);
            CREATE INDEX ON app.mv (x);
            COMMENT ON MATERIALIZED VIEW app.mv IS 'c';
            """);
        Assert.Equal(5, decls.Count);
        Assert.All(decls, d => Assert.Equal(PgObjectKind.MaterializedView, d.Kind));
        Assert.True(decls[0].WithNoData);
        Assert.Equal(("app", "mv", "mv_x"), (decls[1].Schema, decls[1].Name, decls[1].IndexName));
        Assert.True(decls[1].IsIndex && decls[2].IsIndex && decls[3].IsIndex);
        Assert.True(decls[4].IsComment);

        var set = DeclarationParser.Parse(Array.Empty<string>(), new[]
        {
            "CREATE TABLE app.copy AS SELECT 1",
            "CREATE INDEX CONCURRENTLY i ON app.mv (x)",
            "CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS x; CREATE INDEX i1 ON app.mv (x); CREATE INDEX i1 ON app.mv (x)",
        }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, set.Errors.Count);
        Assert.Contains("CREATE TABLE AS", set.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("CONCURRENTLY", set.Errors[1].Message, StringComparison.Ordinal);
        Assert.Equal(PgErrorId.DeclarationDuplicate, set.Errors[2].ErrorId);
    }

    [Fact]
    public async Task An_index_on_a_table_is_refused_with_its_location()
    {
        // Offline: an index must follow its materialized view in the same file.
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[]
        {
            "CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS x;\n\nCREATE INDEX orders_customer ON app.orders (customer)",
            "CREATE INDEX mv_x ON app.mv (x)",
        }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, set.Errors.Count);
        Assert.StartsWith("-Sql[0]:3:1: CREATE INDEX is not allowed in a declaration file (it is on app.orders, which is not a materialized view", set.Errors[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("-Sql[1]:1:1: CREATE INDEX is not allowed", set.Errors[1].Message, StringComparison.Ordinal);

        // Declarations built otherwise (objects in a pipeline) are checked when comparing, before anything runs.
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Tables);
        var index = new PgDeclaration(PgObjectKind.MaterializedView, "app", "orders", "CREATE INDEX orders_customer ON app.orders (customer)", "db/i.sql", 3, 1)
        {
            IsIndex = true,
            IndexName = "orders_customer",
        };
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, new[] { index }));
        Assert.Equal(PgErrorId.DeclarationStatementNotAllowed, ex.ErrorId);
        Assert.StartsWith("db/i.sql:3:1: CREATE INDEX on app.orders", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_customer'"));
    }

    // ---------------------------------------------------------------- policies

    private const string PolicySetup = Tables + """
        ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
        CREATE FUNCTION app.me() RETURNS text LANGUAGE sql STABLE AS 'SELECT current_user::text';
        CREATE POLICY own_rows ON app.orders FOR SELECT TO pga_reader USING (owner_name = app.me());
        CREATE POLICY clerk_insert ON app.orders AS RESTRICTIVE FOR INSERT TO pga_clerk WITH CHECK (total > 0);
        COMMENT ON POLICY own_rows ON app.orders IS 'readers see their rows';
        """;

    private const string PolicyFunction = "CREATE FUNCTION app.me() RETURNS text LANGUAGE sql STABLE AS 'SELECT current_user::text';\n";

    [Fact]
    public async Task Unchanged_policies_give_no_steps()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(PolicySetup);
        var m = await Harness.CompareAsync(db, Parse(PolicyFunction + """
            create policy own_rows on app.orders as permissive for select to pga_reader using ((owner_name = app.me()));
            CREATE POLICY clerk_insert ON app.orders AS RESTRICTIVE FOR INSERT TO pga_clerk WITH CHECK (total > 0::numeric);
            """));
        Assert.Empty(m.Ops);
    }

    [Fact]
    public async Task A_policy_with_a_changed_using_and_roles_is_altered_in_place()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(PolicySetup);
        var decls = Parse(PolicyFunction + """
            CREATE POLICY own_rows ON app.orders FOR SELECT TO pga_reader, pga_clerk USING (owner_name = app.me() OR customer = app.me());
            CREATE POLICY clerk_insert ON app.orders AS RESTRICTIVE FOR INSERT TO pga_clerk WITH CHECK (total > 0);
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Replace own_rows ON app.orders", Harness.Actions(m));
        Assert.Equal("""
            ALTER POLICY own_rows ON app.orders
              TO pga_clerk, pga_reader
              USING (((owner_name = app.me()) OR (customer = app.me())));
            """.ReplaceLineEndings("\n"), m.Ops[0].UpSql);
        Assert.Equal("""
            ALTER POLICY own_rows ON app.orders
              TO pga_reader
              USING ((owner_name = app.me()));
            """.ReplaceLineEndings("\n"), m.Ops[0].DownSql);
        await Harness.RoundTripAsync(db, decls, m);
        Assert.Equal("readers see their rows", await db.ScalarAsync<string>("SELECT obj_description(oid, 'pg_policy') FROM pg_policy WHERE polname = 'own_rows'"));
    }

    [Fact]
    public async Task A_policy_whose_command_changes_or_that_loses_a_clause_is_dropped_and_created()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(PolicySetup);
        var decls = Parse(PolicyFunction + """
            CREATE POLICY own_rows ON app.orders FOR ALL TO pga_reader USING (owner_name = app.me());
            CREATE POLICY clerk_insert ON app.orders AS RESTRICTIVE FOR INSERT TO public WITH CHECK (total > 0);
            CREATE POLICY everyone ON app.orders FOR SELECT USING (true);
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Replace clerk_insert ON app.orders, Create everyone ON app.orders, DropAndCreate own_rows ON app.orders", Harness.Actions(m));
        Assert.Contains("ALTER POLICY cannot do", m.Ops[2].Reason, StringComparison.Ordinal);
        Assert.Contains("COMMENT ON POLICY own_rows ON app.orders IS 'readers see their rows';", m.Ops[2].UpSql, StringComparison.Ordinal);
        Assert.Equal("DROP POLICY everyone ON app.orders;", m.Ops[1].DownSql);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_policy_dropped_from_the_declarations_and_a_declared_policy_comment()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(PolicySetup);
        var decls = Parse(PolicyFunction + """
            CREATE POLICY own_rows ON app.orders FOR SELECT TO pga_reader USING (owner_name = app.me());
            COMMENT ON POLICY own_rows ON app.orders IS 'changed';
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Drop clerk_insert ON app.orders, Replace own_rows ON app.orders", Harness.Actions(m));
        Assert.Equal("DROP POLICY clerk_insert ON app.orders;", m.Ops[0].UpSql);
        Assert.Equal("COMMENT ON POLICY own_rows ON app.orders IS 'changed';", m.Ops[1].UpSql);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_function_re_created_under_a_policy_rebuilds_the_policy()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(PolicySetup);
        var decls = Parse("""
            CREATE FUNCTION app.me() RETURNS varchar LANGUAGE sql STABLE AS 'SELECT current_user::varchar';
            CREATE POLICY own_rows ON app.orders FOR SELECT TO pga_reader USING (owner_name = app.me());
            CREATE POLICY clerk_insert ON app.orders AS RESTRICTIVE FOR INSERT TO pga_clerk WITH CHECK (total > 0);
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("DropAndCreate own_rows ON app.orders, DropAndCreate app.me(), DropAndCreate app.me(), DropAndCreate own_rows ON app.orders", Harness.Actions(m));
        await Harness.RoundTripAsync(db, decls, m);
    }

    // ---------------------------------------------------------------- event triggers

    private const string EventSetup = """
        CREATE SCHEMA app;
        CREATE FUNCTION app.no_drops() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'dropped: review it'; END $$;
        CREATE FUNCTION app.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ddl'; END $$;
        CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION app.log_ddl();
        ALTER EVENT TRIGGER log_ddl ENABLE ALWAYS;
        """;

    private const string EventFunctions = """
        CREATE FUNCTION app.no_drops() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'dropped: review it'; END $$;
        CREATE FUNCTION app.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ddl'; END $$;

        """;

    [Fact]
    public async Task An_event_trigger_added_changed_and_removed()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(EventSetup);
        var decls = Parse(EventFunctions + """
            CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION app.log_ddl();
            CREATE EVENT TRIGGER no_drops ON sql_drop EXECUTE PROCEDURE app.no_drops();
            COMMENT ON EVENT TRIGGER no_drops IS 'see the runbook';
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("DropAndCreate log_ddl, Create no_drops", Harness.Actions(m));
        Assert.Equal("""
            DROP EVENT TRIGGER log_ddl;
            CREATE EVENT TRIGGER log_ddl ON ddl_command_end
              WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE')
              EXECUTE FUNCTION app.log_ddl();
            ALTER EVENT TRIGGER log_ddl ENABLE ALWAYS;
            """.ReplaceLineEndings("\n"), m.Ops[0].UpSql);
        Assert.Contains("COMMENT ON EVENT TRIGGER no_drops IS 'see the runbook';", m.Ops[1].UpSql, StringComparison.Ordinal);
        Assert.Equal("DROP EVENT TRIGGER no_drops;", m.Ops[1].DownSql);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_event_trigger WHERE evtname = 'no_drops'"));
        await Harness.RoundTripAsync(db, decls, m); // ends upgraded
        await Harness.ApplyAsync(db, m.Down);
        Assert.Equal("log_ddl A", await db.ScalarAsync<string>("SELECT string_agg(evtname || ' ' || evtenabled::text, ',') FROM pg_event_trigger"));

        var removed = await Harness.CompareAsync(db, Parse(EventFunctions));
        Assert.Equal("Drop log_ddl", Harness.Actions(removed));
        Assert.Equal("DROP EVENT TRIGGER log_ddl;", removed.Ops[0].UpSql);
        await Harness.RoundTripAsync(db, Parse(EventFunctions), removed);
    }

    [Fact]
    public async Task A_declared_event_trigger_never_fires_during_the_compare()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE SCHEMA app; CREATE TABLE app.t (id int); CREATE VIEW app.old AS SELECT id FROM app.t;");
        var decls = Parse("""
            CREATE EVENT TRIGGER no_ddl ON ddl_command_start EXECUTE FUNCTION app.no_ddl();
            CREATE FUNCTION app.no_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no DDL'; END $$;
            CREATE VIEW app.v AS SELECT id FROM app.t;
            COMMENT ON VIEW app.v IS 'a comment is DDL too';
            COMMENT ON EVENT TRIGGER no_ddl IS 'so is this';
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create app.no_ddl(), Create app.v, Create no_ddl, Drop app.old", Harness.Actions(m));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_event_trigger"));
    }

    [Fact]
    public async Task An_existing_event_trigger_that_refuses_ddl_does_not_fail_the_compare()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE TABLE app.t (id int);
            CREATE FUNCTION app.no_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'DDL is frozen'; END $$;
            CREATE EVENT TRIGGER ddl_freeze ON ddl_command_start EXECUTE FUNCTION app.no_ddl();
            """);
        var decls = Parse("""
            CREATE FUNCTION app.no_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'DDL is frozen'; END $$;
            CREATE EVENT TRIGGER ddl_freeze ON ddl_command_start EXECUTE FUNCTION app.no_ddl();
            CREATE VIEW app.v AS SELECT id FROM app.t;
            """);
        var events = new RecordingEvents();
        var m = await Harness.CompareAsync(db, decls, events: events);
        Assert.Equal("Create app.v", Harness.Actions(m));
        Assert.Contains(events.VerboseLines, v => v.Contains("session_replication_role = replica", StringComparison.Ordinal));
        Assert.Equal("O", await db.ScalarAsync<string>("SELECT evtenabled::text FROM pg_event_trigger WHERE evtname = 'ddl_freeze'"));
    }

    [Fact]
    public async Task Replica_mode_is_not_used_when_it_would_wake_replica_event_triggers_and_those_that_fire_are_named()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        const string Setup = """
            CREATE SCHEMA app;
            CREATE TABLE app.t (id int);
            CREATE TABLE app.ddl_log (tag text);
            CREATE FUNCTION app.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO app.ddl_log VALUES (tg_tag); END $$;
            CREATE FUNCTION app.no_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the replica trigger fired'; END $$;
            CREATE EVENT TRIGGER log_origin ON ddl_command_end EXECUTE FUNCTION app.log_ddl();
            CREATE EVENT TRIGGER freeze_replica ON ddl_command_start EXECUTE FUNCTION app.no_ddl();
            """;
        await db.ExecuteAsync(Setup + "ALTER EVENT TRIGGER freeze_replica ENABLE REPLICA;");
        var decls = Parse(Setup.Replace("CREATE SCHEMA app;", "", StringComparison.Ordinal).Replace("CREATE TABLE app.t (id int);", "", StringComparison.Ordinal)
            .Replace("CREATE TABLE app.ddl_log (tag text);", "", StringComparison.Ordinal) + "CREATE VIEW app.v AS SELECT id FROM app.t;");

        // Replica mode would quiet log_origin but fire freeze_replica, which refuses DDL: not used; log_origin, which
        // would still fire, is disabled inside the compare's transaction (this role owns it), so nothing fires.
        var events = new RecordingEvents();
        var m = await Harness.CompareAsync(db, decls, events: events);
        Assert.Contains("Create app.v", Harness.Actions(m), StringComparison.Ordinal);
        Assert.DoesNotContain(events.Warnings, w => w.StartsWith("Event trigger(s)", StringComparison.Ordinal));
        Assert.Contains(events.VerboseLines, v => v.StartsWith("Event trigger(s) log_origin disabled inside the compare's transaction", StringComparison.Ordinal));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM app.ddl_log"));
        Assert.Equal("freeze_replica R,log_origin O", await db.ScalarAsync<string>("SELECT string_agg(evtname || ' ' || evtenabled::text, ',' ORDER BY evtname) FROM pg_event_trigger"));
        Assert.DoesNotContain(m.Ops, o => o.Kind == PgObjectKind.EventTrigger && o.Action != MigrationAction.Create);

        // An ALWAYS trigger fires in any mode: disabled inside the transaction too; the migration keeps its state.
        await db.ExecuteAsync("ALTER EVENT TRIGGER freeze_replica DISABLE; ALTER EVENT TRIGGER log_origin ENABLE ALWAYS;");
        events = new RecordingEvents();
        m = await Harness.CompareAsync(db, decls, events: events);
        Assert.DoesNotContain(events.Warnings, w => w.StartsWith("Event trigger(s)", StringComparison.Ordinal));
        Assert.Contains(events.VerboseLines, v => v.StartsWith("Event trigger(s) log_origin disabled inside", StringComparison.Ordinal));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM app.ddl_log"));
        Assert.Equal("log_origin A", await db.ScalarAsync<string>("SELECT evtname || ' ' || evtenabled::text FROM pg_event_trigger WHERE evtname = 'log_origin'"));
        await Harness.RoundTripAsync(db, decls, m);

        // Only origin-mode triggers, and a role that may set the mode: quiet, no warning.
        await db.ExecuteAsync("ALTER EVENT TRIGGER log_origin ENABLE;");
        events = new RecordingEvents();
        await Harness.CompareAsync(db, decls, events: events);
        Assert.DoesNotContain(events.Warnings, w => w.StartsWith("Event trigger(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Event_triggers_belong_to_no_schema_and_a_schema_filter_leaves_them_out()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(EventSetup);
        await using var conn = await db.OpenAsync();
        var all = await CatalogInspector.ReadAllAsync(conn, CatalogFilter.Create(new[] { PgObjectKind.EventTrigger }), TestContext.Current.CancellationToken);
        var trigger = Assert.Single(all);
        Assert.Equal(("", "log_ddl", "log_ddl", TriggerState.Always), (trigger.Schema, trigger.Name, trigger.Identity, trigger.TriggerState!.Value));
        Assert.Equal(new[] { "app.log_ddl()" }, trigger.DependsOn);
        Assert.Empty(await CatalogInspector.ReadAllAsync(conn, CatalogFilter.Create(null, new[] { "app" }), TestContext.Current.CancellationToken)
            .ContinueWith(t => t.Result.Where(o => o.Kind == PgObjectKind.EventTrigger).ToList(), TestContext.Current.CancellationToken));
        var m = await Harness.CompareAsync(db, Parse(EventFunctions), new Canonicalization.CanonicalizationOptions { Filter = CatalogFilter.Create(null, new[] { "app" }) });
        Assert.Empty(m.Ops);
    }

    // ---------------------------------------------------------------- all three: export, then compare

    [Fact]
    public async Task Exported_materialized_views_policies_and_event_triggers_compare_equal()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(PolicySetup + """
            CREATE MATERIALIZED VIEW app.totals AS SELECT customer, sum(total) AS total FROM app.orders GROUP BY customer WITH NO DATA;
            CREATE UNIQUE INDEX totals_customer ON app.totals (customer);
            CREATE FUNCTION app.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'ddl'; END $$;
            CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION app.log_ddl();
            ALTER EVENT TRIGGER log_ddl DISABLE;
            """);
        await using var conn = await db.OpenAsync();
        var objects = await CatalogInspector.ReadAllAsync(conn, new CatalogFilter(), TestContext.Current.CancellationToken);
        var root = Path.Combine(Path.GetTempPath(), "pgautogen-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = PgAutogen.Core.Rendering.DeclarationExporter.Plan(objects, root);
            var relative = files.Select(f => Path.GetRelativePath(root, f.Path).Replace('\\', '/')).ToList();
            Assert.Contains("app/materialized_views/totals.sql", relative);
            Assert.Contains("app/policies/orders.own_rows.sql", relative);
            Assert.Contains("event_triggers/log_ddl.sql", relative);
            Assert.Contains("WITH NO DATA;\nCREATE UNIQUE INDEX totals_customer", files.Single(f => f.Path.EndsWith("totals.sql", StringComparison.Ordinal)).Content, StringComparison.Ordinal);
            Assert.Contains("-- The event trigger is disabled", files.Single(f => f.Path.EndsWith(Path.Combine("event_triggers", "log_ddl.sql"), StringComparison.Ordinal)).Content, StringComparison.Ordinal);
            foreach (var (path, content) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
            }

            var set = DeclarationParser.Parse(new[] { root }, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Empty(set.Errors);
            Assert.Empty((await Harness.CompareAsync(db, set.Declarations)).Ops);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
