using PgAutogen.TestSupport;
using static PgAutogen.Core.Tests.Compare.D;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>Changes CREATE OR REPLACE cannot express: judged by PostgreSQL, dependents rebuilt, nothing lost.</summary>
[Trait("Category", "Database")]
public sealed class DropAndCreateTests(CoreDatabaseFixture fixture)
{
    private static string Ops(Migration m) => string.Join(", ", m.Ops.Select(o => $"{o.Action} {o.Identity}"));

    [Fact]
    public async Task A_return_type_change_rebuilds_the_view_and_the_trigger_that_use_the_function()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int, x int);
            CREATE FUNCTION score(v int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT v * 2';
            CREATE VIEW scored AS SELECT id, score(x) AS s FROM t;
            CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER big BEFORE INSERT ON t FOR EACH ROW WHEN (score(NEW.x) > 10) EXECUTE FUNCTION noop();
            """);
        var decls = new[]
        {
            Fn("CREATE FUNCTION score(v int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT v::bigint * 2'", "score", "int"),
            View("CREATE VIEW scored AS SELECT id, score(x) AS s FROM t", "scored"),
            Fn("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "noop"),
            Trg("CREATE TRIGGER big BEFORE INSERT ON t FOR EACH ROW WHEN (score(NEW.x) > 10) EXECUTE FUNCTION noop()", "big", "t"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.All(m.Ops, o => Assert.Equal(MigrationAction.DropAndCreate, o.Action));
        var order = m.Ops.Select(o => (o.UpSql.StartsWith("DROP", StringComparison.Ordinal) ? "drop " : "create ") + o.Identity).ToList();
        Assert.True(order.IndexOf("drop public.scored") < order.IndexOf("drop public.score(integer)"));
        Assert.True(order.IndexOf("drop big ON public.t") < order.IndexOf("drop public.score(integer)"));
        Assert.True(order.IndexOf("create public.score(integer)") < order.IndexOf("create public.scored"));
        Assert.True(order.IndexOf("create public.score(integer)") < order.IndexOf("create big ON public.t"));
        var function = m.Ops.First(o => o.Identity == "public.score(integer)");
        Assert.Contains("cannot change return type of existing function", function.Reason, StringComparison.Ordinal);
        Assert.Contains("rebuilt because public.score(integer) is re-created", m.Ops.First(o => o.Identity == "public.scored").Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("CASCADE", m.File, StringComparison.OrdinalIgnoreCase);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Theory]
    [InlineData("CREATE FUNCTION f(a int) RETURNS TABLE (x int) LANGUAGE sql AS 'SELECT a'",
                "CREATE FUNCTION f(a int) RETURNS TABLE (x int, y text) LANGUAGE sql AS 'SELECT a, ''y'''", "return type")]
    [InlineData("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'",
                "CREATE FUNCTION f(b int) RETURNS int LANGUAGE sql AS 'SELECT b'", "name of input parameter")]
    [InlineData("CREATE FUNCTION f(a int DEFAULT 1) RETURNS int LANGUAGE sql AS 'SELECT a'",
                "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'", "parameter defaults")]
    public async Task Function_changes_postgres_cannot_replace_become_drop_and_create(string before, string after, string reason)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(before);
        var decls = new[] { Fn(after, "f", "int") };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal(2, m.Ops.Count);
        Assert.All(m.Ops, o => Assert.Equal(MigrationAction.DropAndCreate, o.Action));
        Assert.Contains(reason, m.Ops[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("DROP FUNCTION public.f(integer);", m.Ops[0].UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_function_turned_into_a_procedure()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE FUNCTION work(n int) RETURNS void LANGUAGE sql AS 'SELECT 1';");
        var decls = new[] { Proc("CREATE PROCEDURE work(n int) LANGUAGE sql AS 'SELECT 1'", "work", "int") };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("DropAndCreate public.work(integer), DropAndCreate public.work(integer)", Ops(m));
        Assert.Contains("DROP FUNCTION public.work(integer);", m.Up, StringComparison.Ordinal);
        Assert.Contains("DROP PROCEDURE public.work(integer);", m.Down, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_view_column_dropped_under_a_chain_of_two_dependent_views()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int, a text, b text);
            CREATE VIEW base AS SELECT id, a, b FROM t;
            CREATE VIEW mid AS SELECT id, a FROM base;
            CREATE VIEW top AS SELECT id FROM mid;
            """);
        var decls = new[]
        {
            View("CREATE VIEW base AS SELECT id, a FROM t", "base"),
            View("CREATE VIEW mid AS SELECT id, a FROM base", "mid"),
            View("CREATE VIEW top AS SELECT id FROM mid", "top"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal(6, m.Ops.Count);
        Assert.Contains("cannot drop columns from view", m.Ops.First(o => o.Identity == "public.base").Reason, StringComparison.Ordinal);
        var drops = m.Ops.Where(o => o.UpSql.StartsWith("DROP", StringComparison.Ordinal)).Select(o => o.Identity).ToList();
        Assert.Equal(new[] { "public.top", "public.mid", "public.base" }, drops);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_view_column_retyped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t;");
        var decls = new[] { View("CREATE VIEW v AS SELECT id::bigint AS id FROM t", "v") };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Contains("cannot change data type of view column", m.Ops[0].Reason, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task An_unmanaged_dependent_is_one_clear_error_and_nothing_is_generated()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION next_code() RETURNS int LANGUAGE sql AS 'SELECT 42';
            CREATE TABLE items (id int, code int DEFAULT next_code());
            """);
        var before = await Harness.SnapshotAsync(db);
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
            Harness.CompareAsync(db, new[] { Fn("CREATE FUNCTION next_code() RETURNS bigint LANGUAGE sql AS 'SELECT 42'", "next_code", line: 3) }));
        Assert.Equal(PgErrorId.UnmanagedDependent, ex.ErrorId);
        Assert.StartsWith("db/test.sql:3:1: public.next_code() must be dropped and created again", ex.Message, StringComparison.Ordinal);
        Assert.Contains("default value for column code of table items", ex.Message, StringComparison.Ordinal);
        Assert.Contains("by hand", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Harness.SnapshotAsync(db));
    }

    [Fact]
    public async Task Grants_comment_owner_and_disabled_state_survive_a_drop_and_create()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgautogen_reader') THEN CREATE ROLE pgautogen_reader; END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgautogen_owner') THEN CREATE ROLE pgautogen_owner; END IF;
            END $$;
            CREATE TABLE t (id int, x int);
            CREATE FUNCTION val(v int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT v';
            COMMENT ON FUNCTION val(int) IS 'the value';
            REVOKE ALL ON FUNCTION val(int) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION val(int) TO pgautogen_reader;
            ALTER FUNCTION val(int) OWNER TO pgautogen_owner;
            CREATE VIEW vals AS SELECT val(x) AS v FROM t;
            COMMENT ON VIEW vals IS 'report';
            GRANT SELECT ON vals TO pgautogen_reader;
            CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER sleepy BEFORE INSERT ON t FOR EACH ROW WHEN (val(NEW.x) > 0) EXECUTE FUNCTION noop();
            ALTER TABLE t DISABLE TRIGGER sleepy;
            COMMENT ON TRIGGER sleepy ON t IS 'off for now';
            """);
        var decls = new[]
        {
            Fn("CREATE FUNCTION val(v int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT v::bigint'", "val", "int"),
            View("CREATE VIEW vals AS SELECT val(x) AS v FROM t", "vals"),
            Fn("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "noop"),
            Trg("CREATE TRIGGER sleepy BEFORE INSERT ON t FOR EACH ROW WHEN (val(NEW.x) > 0) EXECUTE FUNCTION noop()", "sleepy", "t"),
        };
        var m = await Harness.CompareAsync(db, decls);
        await Harness.ApplyAsync(db, m.Up);
        var attributes = await db.QueryAsync("""
            SELECT obj_description('val(int)'::regprocedure, 'pg_proc'), pg_get_userbyid(p.proowner), p.proacl::text,
                   obj_description('vals'::regclass, 'pg_class'), (SELECT relacl::text FROM pg_class WHERE oid = 'vals'::regclass),
                   (SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'sleepy'),
                   (SELECT obj_description(oid, 'pg_trigger') FROM pg_trigger WHERE tgname = 'sleepy'),
                   pg_get_function_result(p.oid)
            FROM pg_proc p WHERE p.oid = 'val(int)'::regprocedure
            """);
        var row = Assert.Single(attributes);
        Assert.Equal("the value", row[0]);
        Assert.Equal("pgautogen_owner", row[1]);
        Assert.Contains("pgautogen_reader=X/", (string)row[2]!, StringComparison.Ordinal);
        Assert.DoesNotContain("{=X", (string)row[2]!, StringComparison.Ordinal);
        Assert.Equal("report", row[3]);
        Assert.Contains("pgautogen_reader=r/", (string)row[4]!, StringComparison.Ordinal);
        Assert.Equal("D", row[5]);
        Assert.Equal("off for now", row[6]);
        Assert.Equal("bigint", row[7]);
        await Harness.ApplyAsync(db, m.Down);
        // Idempotence and the exact original catalog, checked both ways.
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_change_only_the_downgrade_cannot_replace_is_dropped_and_created_both_ways()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int, status text);
            CREATE VIEW v AS SELECT id FROM t;
            CREATE VIEW on_v AS SELECT id FROM v;
            CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
            """);
        var decls = new[]
        {
            // Going up both are plain replaces; going down, the view would lose a column and the function its default.
            View("CREATE VIEW v AS SELECT id, status FROM t", "v"),
            View("CREATE VIEW on_v AS SELECT id FROM v", "on_v"),
            Fn("CREATE FUNCTION f(a int DEFAULT 0) RETURNS int LANGUAGE sql AS 'SELECT a'", "f", "int"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Contains("the downgrade cannot replace it in place: cannot drop columns from view", m.Ops.First(o => o.Identity == "public.v").Reason, StringComparison.Ordinal);
        Assert.Contains("parameter defaults", m.Ops.First(o => o.Identity == "public.f(integer)").Reason, StringComparison.Ordinal);
        Assert.Contains("rebuilt because public.v is re-created", m.Ops.First(o => o.Identity == "public.on_v").Reason, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }
}

[Trait("Category", "Database")]
public sealed class PlpgsqlCallWarningTests(CoreDatabaseFixture fixture)
{
    private sealed class Collect : IEngineEvents
    {
        public List<string> Warnings { get; } = new();

        public void Verbose(string message)
        {
        }

        public void Debug(string message)
        {
        }

        public void Warning(string message) => Warnings.Add(message);

        public void Progress(EngineProgress progress)
        {
        }
    }

    /// <summary>
    /// A database with a dropped function <paramref name="callee"/> (SQL, x numeric), a PL/pgSQL caller app.price that
    /// calls it as <paramref name="call"/>, and app.<paramref name="other"/>() that does not; only the last two declared.
    /// </summary>
    private async Task<(IReadOnlyList<MigrationOp> Ops, string Warning)> DropCalledFunctionAsync(string callee, string call, string other)
    {
        var price = $"CREATE FUNCTION app.price(x numeric) RETURNS numeric LANGUAGE plpgsql AS $$ BEGIN RETURN {call}(x) + 1; END $$";
        var unrelated = $"CREATE FUNCTION app.{other}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$";
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync($"CREATE SCHEMA app; CREATE FUNCTION {callee}(x numeric) RETURNS numeric LANGUAGE sql AS 'SELECT x * 2'; {price}; {unrelated};");
        var decls = new[] { D.Fn(price, "price", "numeric", "app"), D.Fn(unrelated, other, schema: "app") };
        var events = new Collect();
        await using var conn = await db.OpenAsync();
        var ops = await CompareService.CompareAsync(conn, new CompareRequest { Declarations = decls }, events, TestContext.Current.CancellationToken);
        return (ops, Assert.Single(events.Warnings));
    }

    [Fact]
    public async Task Dropping_a_function_a_plpgsql_body_still_calls_warns_and_does_not_fail()
    {
        var (ops, warning) = await DropCalledFunctionAsync("app.rate", "app.rate", "unrelated");
        Assert.Equal("Drop app.rate(numeric)", Assert.Single(ops).ToString());
        Assert.StartsWith("app.price(numeric) calls app.rate in its PL/pgSQL body, but this migration drops app.rate(numeric): the call will fail", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_to_a_dropped_function_with_a_quoted_mixed_case_name_is_found_too()
    {
        // rate_of_total shares words with "Rate-Of" but does not call it: one warning, for app.price.
        var (ops, warning) = await DropCalledFunctionAsync("app.\"Rate-Of\"", "app.\"Rate-Of\"", "rate_of_total");
        Assert.Equal("Drop app.\"Rate-Of\"(numeric)", Assert.Single(ops).ToString());
        Assert.StartsWith("app.price(numeric) calls ", warning, StringComparison.Ordinal);
        Assert.Contains("but this migration drops app.\"Rate-Of\"(numeric)", warning, StringComparison.Ordinal);
    }
}
