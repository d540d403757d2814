using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Catalog;

[Trait("Category", "Database")]
public sealed class CatalogInspectorTests(CoreDatabaseFixture fixture)
{
    private static async Task<List<PgObject>> ReadAsync(TestDatabase db, CatalogFilter? filter = null, string? searchPath = null)
    {
        await using var conn = await db.OpenAsync();
        if (searchPath is not null)
        {
            await using var set = new NpgsqlCommand($"SET search_path = {searchPath}", conn);
            await set.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        return await CatalogInspector.ReadAllAsync(conn, filter ?? new CatalogFilter(), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Overloads_are_separate_objects_identified_by_argument_types_not_names()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE FUNCTION app.area(r double precision) RETURNS double precision LANGUAGE sql AS 'SELECT pi() * r * r';
            CREATE FUNCTION app.area(w int, h int) RETURNS int LANGUAGE sql AS 'SELECT w * h';
            CREATE FUNCTION app.area(VARIADIC xs int[]) RETURNS int LANGUAGE sql AS 'SELECT 0';
            """);
        var objects = await ReadAsync(db);
        var identities = objects.Select(o => o.Identity).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "app.area(double precision)", "app.area(integer, integer)", "app.area(integer[])" }, identities);
        var ints = objects.Single(o => o.Arguments == "integer, integer");
        Assert.Equal(PgObjectKind.Function, ints.Kind);
        Assert.Equal("app", ints.Schema);
        Assert.Equal("area", ints.Name);
        Assert.Contains("CREATE OR REPLACE FUNCTION app.area(w integer, h integer)", ints.Definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quoted_mixed_case_and_reserved_identifiers_are_quoted_in_the_identity()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA "My App";
            CREATE TABLE "My App"."Order Lines" (id int);
            CREATE FUNCTION "My App"."Weird Name"(a int, b text) RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION "My App"."select"() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
            CREATE TRIGGER "Audit Me" BEFORE INSERT ON "My App"."Order Lines" FOR EACH ROW EXECUTE FUNCTION "My App"."select"();
            CREATE VIEW "My App"."Lines View" AS SELECT id FROM "My App"."Order Lines";
            """);
        var objects = await ReadAsync(db);
        Assert.Contains(objects, o => o.Identity == "\"My App\".\"Weird Name\"(integer, text)");
        Assert.Contains(objects, o => o.Identity == "\"My App\".\"select\"()");
        var trigger = Assert.Single(objects, o => o.Kind == PgObjectKind.Trigger);
        Assert.Equal("\"Audit Me\" ON \"My App\".\"Order Lines\"", trigger.Identity);
        Assert.Equal("Order Lines", trigger.Table);
        Assert.Equal(new[] { "\"My App\".\"select\"()" }, trigger.DependsOn);
        Assert.Contains(objects, o => o.Kind == PgObjectKind.View && o.Identity == "\"My App\".\"Lines View\"");
    }

    [Fact]
    public async Task Procedures_security_definer_set_search_path_and_returns_table_are_read()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE TABLE app.t (id int, name text);
            CREATE PROCEDURE app.bump(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$;
            CREATE FUNCTION app.secret() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = app, pg_temp AS 'SELECT 42';
            CREATE FUNCTION app.rows(min_id int) RETURNS TABLE (id int, name text) LANGUAGE sql STABLE
                AS 'SELECT id, name FROM app.t WHERE id >= min_id';
            """);
        var objects = await ReadAsync(db);
        var proc = Assert.Single(objects, o => o.Name == "bump");
        Assert.Equal(PgObjectKind.Procedure, proc.Kind);
        Assert.Equal("app.bump(integer)", proc.Identity);
        Assert.StartsWith("CREATE OR REPLACE PROCEDURE app.bump(INOUT n integer)", proc.Definition, StringComparison.Ordinal);

        var secret = Assert.Single(objects, o => o.Name == "secret");
        Assert.Contains("SECURITY DEFINER", secret.Definition, StringComparison.Ordinal);
        Assert.Contains("SET search_path TO 'app', 'pg_temp'", secret.Definition, StringComparison.Ordinal);

        var rows = Assert.Single(objects, o => o.Name == "rows");
        Assert.Equal("app.rows(integer)", rows.Identity);
        Assert.Contains("RETURNS TABLE(id integer, name text)", rows.Definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Triggers_when_instead_of_statement_level_constraint_and_disabled_are_read()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, updated_at timestamptz);
            CREATE VIEW app.order_view AS SELECT id, total FROM app.orders;
            CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
            CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW WHEN (OLD.total IS DISTINCT FROM NEW.total) EXECUTE FUNCTION app.touch();
            CREATE TRIGGER view_insert INSTEAD OF INSERT ON app.order_view FOR EACH ROW EXECUTE FUNCTION app.noop();
            CREATE TRIGGER stmt AFTER TRUNCATE ON app.orders FOR EACH STATEMENT EXECUTE FUNCTION app.noop();
            CREATE CONSTRAINT TRIGGER check_later AFTER INSERT ON app.orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.noop();
            CREATE TRIGGER sleeping AFTER DELETE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.noop();
            ALTER TABLE app.orders DISABLE TRIGGER sleeping;
            """);
        var triggers = (await ReadAsync(db)).Where(o => o.Kind == PgObjectKind.Trigger).ToDictionary(o => o.Name);
        Assert.Equal(5, triggers.Count);
        Assert.Contains("WHEN ((old.total IS DISTINCT FROM new.total))", triggers["touch"].Definition, StringComparison.Ordinal);
        Assert.Contains("INSTEAD OF INSERT ON app.order_view", triggers["view_insert"].Definition, StringComparison.Ordinal);
        Assert.Equal("order_view", triggers["view_insert"].Table);
        Assert.Contains("FOR EACH STATEMENT", triggers["stmt"].Definition, StringComparison.Ordinal);
        Assert.True(triggers["check_later"].IsConstraintTrigger);
        Assert.StartsWith("CREATE CONSTRAINT TRIGGER check_later", triggers["check_later"].Definition, StringComparison.Ordinal);
        Assert.False(triggers["touch"].IsConstraintTrigger);
        Assert.Equal(TriggerState.Disabled, triggers["sleeping"].TriggerState);
        Assert.Equal(TriggerState.Enabled, triggers["touch"].TriggerState);
        Assert.Equal("touch ON app.orders", triggers["touch"].Identity);
    }

    [Fact]
    public async Task A_trigger_on_a_partitioned_table_is_one_object_not_one_per_partition()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER stamp BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION stamp();
            """);
        Assert.Equal(3, await db.ScalarAsync<long>("SELECT count(*) FROM pg_trigger WHERE tgname = 'stamp'"));
        var trigger = Assert.Single(await ReadAsync(db), o => o.Kind == PgObjectKind.Trigger);
        Assert.Equal("stamp ON public.events", trigger.Identity);
    }

    [Fact]
    public async Task View_options_and_check_option_are_part_of_the_definition()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var invoker = db.MajorVersion >= 15;
        await db.ExecuteAsync($"""
            CREATE TABLE items (id int, price numeric);
            CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10 WITH LOCAL CHECK OPTION;
            CREATE VIEW barrier WITH (security_barrier = true) AS SELECT id FROM items;
            {(invoker ? "CREATE VIEW invoker WITH (security_invoker = true) AS SELECT id FROM items;" : "")}
            """);
        var views = (await ReadAsync(db)).Where(o => o.Kind == PgObjectKind.View).ToDictionary(o => o.Name);
        Assert.StartsWith("CREATE OR REPLACE VIEW public.cheap AS", views["cheap"].Definition, StringComparison.Ordinal);
        Assert.EndsWith("WITH LOCAL CHECK OPTION;", views["cheap"].Definition, StringComparison.Ordinal);
        Assert.Contains("FROM public.items", views["cheap"].Definition, StringComparison.Ordinal);
        Assert.StartsWith("CREATE OR REPLACE VIEW public.barrier WITH (security_barrier=true) AS", views["barrier"].Definition, StringComparison.Ordinal);
        if (invoker)
        {
            Assert.StartsWith("CREATE OR REPLACE VIEW public.invoker WITH (security_invoker=true) AS", views["invoker"].Definition, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Definitions_read_the_same_whatever_the_sessions_search_path()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE TABLE app.t (id int);
            CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.f();
            CREATE VIEW app.v AS SELECT id FROM app.t;
            CREATE VIEW app.v2 AS SELECT id FROM app.v;
            """);
        var inPath = await ReadAsync(db, searchPath: "app, public");
        var outOfPath = await ReadAsync(db, searchPath: "public");
        Assert.Equal(outOfPath.Select(o => o.Definition), inPath.Select(o => o.Definition));
        Assert.Contains("FROM app.v", inPath.Single(o => o.Name == "v2").Definition, StringComparison.Ordinal);
        Assert.Contains("ON app.t", inPath.Single(o => o.Name == "tr").Definition, StringComparison.Ordinal);

        // The caller's search_path is restored afterwards.
        await using var conn = await db.OpenAsync();
        await using (var set = new NpgsqlCommand("SET search_path = app, public", conn))
        {
            await set.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await CatalogInspector.ReadAllAsync(conn, new CatalogFilter(), TestContext.Current.CancellationToken);
        await using var show = new NpgsqlCommand("SHOW search_path", conn);
        Assert.Equal("app, public", (string?)await show.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task View_dependencies_are_recorded()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION dbl(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
            CREATE TABLE t (id int);
            CREATE VIEW a AS SELECT dbl(id) AS d FROM t;
            CREATE VIEW b AS SELECT d FROM a;
            """);
        var objects = (await ReadAsync(db)).ToDictionary(o => o.Name);
        Assert.Equal(new[] { "public.dbl(integer)" }, objects["a"].DependsOn);
        Assert.Equal(new[] { "public.a" }, objects["b"].DependsOn);
    }

    [Fact]
    public async Task Extension_objects_are_not_managed()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE EXTENSION citext; CREATE FUNCTION mine() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'") > 10);
        var objects = await ReadAsync(db);
        Assert.Equal(new[] { "public.mine()" }, objects.Select(o => o.Identity));
    }

    [Fact]
    public async Task Kind_schema_and_name_filters_accept_wildcards_case_insensitively()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app; CREATE SCHEMA app_audit; CREATE SCHEMA other;
            CREATE FUNCTION app.get_user() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION app.set_user() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION app_audit.get_log() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION other.get_x() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE VIEW app.get_view AS SELECT 1 AS one;
            """);
        var bySchema = await ReadAsync(db, new CatalogFilter { Schemas = new[] { "APP*" } });
        Assert.Equal(new[] { "app.get_user()", "app.set_user()", "app_audit.get_log()", "app.get_view" }, bySchema.Select(o => o.Identity));

        var byName = await ReadAsync(db, new CatalogFilter { Names = new[] { "get_*" }, Kinds = new[] { PgObjectKind.Function } });
        Assert.Equal(new[] { "app.get_user()", "app_audit.get_log()", "other.get_x()" }, byName.Select(o => o.Identity));

        var exact = await ReadAsync(db, new CatalogFilter { Schemas = new[] { "app" }, Names = new[] { "set_user", "get_vie?" } });
        Assert.Equal(new[] { "app.set_user()", "app.get_view" }, exact.Select(o => o.Identity));
    }

    [Fact]
    public async Task Aggregates_are_not_functions()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION add_state(s int, v int) RETURNS int LANGUAGE sql AS 'SELECT s + v';
            CREATE AGGREGATE my_sum(int) (SFUNC = add_state, STYPE = int);
            """);
        Assert.Equal(new[] { "public.add_state(integer, integer)" }, (await ReadAsync(db)).Select(o => o.Identity));
    }
}
