using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Rendering;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Rendering;

/// <summary>
/// New-PgMigration -Guard on a real server of every major: the guard of each half passes when the database is as the
/// migration expects, and stops the half — naming the object, changing nothing — when an object it replaces or drops was
/// changed or dropped by hand, or one it creates already exists; for every kind of object, up and down.
/// </summary>
[Trait("Category", "Database")]
public sealed class GuardTests(CoreDatabaseFixture fixture)
{
    private const string Setup = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, status text);
        ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
        CREATE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
        CREATE FUNCTION app.gone() RETURNS int LANGUAGE sql AS 'SELECT 3';
        CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'stamped'; RETURN NEW; END $$;
        CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE TRIGGER orders_stamp BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.stamp();
        CREATE VIEW app.big WITH (security_barrier) AS SELECT id, total FROM app.orders WHERE total > 100 WITH LOCAL CHECK OPTION;
        CREATE MATERIALIZED VIEW app.totals WITH (fillfactor = 90) AS SELECT status, sum(total) AS total FROM app.orders GROUP BY status;
        CREATE UNIQUE INDEX totals_status ON app.totals (status);
        CREATE INDEX totals_total ON app.totals (total) WHERE total > 0;
        CREATE POLICY own ON app.orders AS RESTRICTIVE FOR UPDATE TO PUBLIC, postgres USING (status <> 'closed') WITH CHECK (total >= 0);
        CREATE EVENT TRIGGER pgautogen_guard_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION app.on_ddl();
        ALTER EVENT TRIGGER pgautogen_guard_ddl DISABLE;
        """;

    /// <summary>Replaces app.f, drops app.gone, creates app.fresh.</summary>
    private const string Declarations = """
        CREATE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';
        CREATE FUNCTION app.fresh() RETURNS int LANGUAGE sql AS 'SELECT 4';
        CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'stamped'; RETURN NEW; END $$;
        CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE TRIGGER orders_stamp BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.stamp();
        CREATE VIEW app.big WITH (security_barrier) AS SELECT id, total FROM app.orders WHERE total > 100 WITH LOCAL CHECK OPTION;
        CREATE MATERIALIZED VIEW app.totals WITH (fillfactor = 90) AS SELECT status, sum(total) AS total FROM app.orders GROUP BY status;
        CREATE UNIQUE INDEX totals_status ON app.totals (status);
        CREATE INDEX totals_total ON app.totals (total) WHERE total > 0;
        CREATE POLICY own ON app.orders AS RESTRICTIVE FOR UPDATE TO PUBLIC, postgres USING (status <> 'closed') WITH CHECK (total >= 0);
        CREATE EVENT TRIGGER pgautogen_guard_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION app.on_ddl();
        """;

    private async Task<(TestDatabase Db, IReadOnlyList<MigrationOp> Ops)> PrepareAsync()
    {
        var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        await using var conn = await db.OpenAsync();
        var ops = await CompareService.CompareAsync(conn, new CompareRequest { Declarations = FormatExecutionTests.Parse(Declarations) },
            NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        Assert.Equal("Create app.fresh(), Drop app.gone(), Replace app.f(integer)", string.Join(", ", ops.Select(o => $"{o.Action} {o.Identity}").Order(StringComparer.Ordinal)));
        return (db, ops);
    }

    private static (string Up, string Down) Halves(IReadOnlyList<MigrationOp> ops)
    {
        var file = MigrationWriter.Plan(new MigrationRenderRequest { Ops = ops, OutPath = "m.sql", Guard = true }, MigrationFormat.Dbmate).Single().Content;
        var up = file[file.IndexOf("-- migrate:up", StringComparison.Ordinal)..file.IndexOf("-- migrate:down", StringComparison.Ordinal)];
        return (up, file[file.IndexOf("-- migrate:down", StringComparison.Ordinal)..]);
    }

    private static async Task<string> MustStopAsync(TestDatabase db, string half)
    {
        var before = await Harness.SnapshotAsync(db);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => Harness.ApplyAsync(db, half));
        Assert.Equal(before, await Harness.SnapshotAsync(db));
        Assert.Contains("PgAutogen -Guard", ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }

    private static void StopsSaying(string message, string expected) =>
        Assert.True(message.Contains(expected, StringComparison.Ordinal), $"Expected the guard to say \"{expected}\"; it said:\n{message}");

    [Fact]
    public async Task The_guard_is_the_first_statement_of_each_half_and_names_what_it_checks()
    {
        var (db, ops) = await PrepareAsync();
        await using var _ = db;
        var (up, down) = Halves(ops);
        Assert.StartsWith("-- migrate:up\nSET check_function_bodies = off;\n\n-- Guard: stop, changing nothing, unless the 3 object(s) this upgrade replaces, drops or creates are as they were when it was generated",
            up, StringComparison.Ordinal);
        Assert.Contains("(1, 'r', 'function app.f(integer)', 'app.f(integer)', NULL, '" + ops.Single(o => o.Identity == "app.f(integer)").Current!.Fingerprint + "')", up, StringComparison.Ordinal);
        Assert.Contains("'function app.fresh()', 'app.fresh()', NULL, NULL)", up, StringComparison.Ordinal);
        Assert.Contains("unless the 3 object(s) this downgrade replaces, drops or creates are as they were when the upgrade ran", down, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unchanged_database_runs_up_and_down_and_a_hot_fix_stops_either_half()
    {
        var (db, ops) = await PrepareAsync();
        await using var _ = db;
        var (up, down) = Halves(ops);

        // A hot-fix to what the upgrade replaces, a drop by hand of what it drops, what it creates already there.
        await db.ExecuteAsync("CREATE OR REPLACE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2'");
        StopsSaying(await MustStopAsync(db, up), "function app.f(integer) was changed. Nothing was changed.");
        await db.ExecuteAsync("CREATE OR REPLACE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x'; DROP FUNCTION app.gone(); CREATE FUNCTION app.fresh() RETURNS int LANGUAGE sql AS 'SELECT 0'");
        StopsSaying(await MustStopAsync(db, up),
            "the database is no longer as it was when this migration was generated: function app.fresh() already exists; function app.gone() is missing.");
        await db.ExecuteAsync("CREATE FUNCTION app.gone() RETURNS int LANGUAGE sql AS 'SELECT 3'; DROP FUNCTION app.fresh()");

        await Harness.ApplyAsync(db, up);

        // After the upgrade, a hot-fix to what the downgrade replaces back.
        await db.ExecuteAsync("CREATE OR REPLACE FUNCTION app.fresh() RETURNS int LANGUAGE sql AS 'SELECT 5'");
        StopsSaying(await MustStopAsync(db, down), "the database is no longer as it was when the upgrade ran: function app.fresh() was changed.");
        await db.ExecuteAsync("CREATE OR REPLACE FUNCTION app.fresh() RETURNS int LANGUAGE sql AS 'SELECT 4'");

        await Harness.ApplyAsync(db, down);
        await Harness.ApplyAsync(db, up);
    }

    [Theory]
    [InlineData("ALTER VIEW app.big SET (security_barrier = false)", "view app.big was changed")]
    [InlineData("CREATE OR REPLACE VIEW app.big AS SELECT id, total FROM app.orders WHERE total > 200", "view app.big was changed")]
    [InlineData("DROP INDEX app.totals_total", "materialized view app.totals was changed")]
    [InlineData("ALTER MATERIALIZED VIEW app.totals SET (fillfactor = 80)", "materialized view app.totals was changed")]
    [InlineData("CREATE OR REPLACE TRIGGER orders_stamp BEFORE INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.stamp()", "trigger orders_stamp ON app.orders was changed")]
    [InlineData("ALTER POLICY own ON app.orders TO postgres", "policy own ON app.orders was changed")]
    [InlineData("ALTER POLICY own ON app.orders USING (true)", "policy own ON app.orders was changed")]
    [InlineData("DROP EVENT TRIGGER pgautogen_guard_ddl; CREATE EVENT TRIGGER pgautogen_guard_ddl ON ddl_command_end EXECUTE FUNCTION app.on_ddl(); ALTER EVENT TRIGGER pgautogen_guard_ddl DISABLE",
        "event trigger pgautogen_guard_ddl was changed")]
    [InlineData("DROP MATERIALIZED VIEW app.totals; CREATE VIEW app.totals AS SELECT 1 AS one", "materialized view app.totals is missing")]
    public async Task Every_kind_of_object_is_checked(string change, string message)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var objects = await ReadAsync(db);
        var guard = GuardOver(objects);

        // As read, every object passes (the fingerprints are computed alike in the database and here); changed, it stops.
        await Harness.ApplyAsync(db, guard);
        await db.ExecuteAsync(change);
        StopsSaying(await MustStopAsync(db, guard), message);
    }

    [Fact]
    public async Task Trigger_states_owners_privileges_and_comments_are_not_part_of_the_fingerprint()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var guard = GuardOver(await ReadAsync(db));
        await db.ExecuteAsync("""
            ALTER TABLE app.orders DISABLE TRIGGER orders_stamp;
            COMMENT ON VIEW app.big IS 'changed';
            REVOKE ALL ON FUNCTION app.f(int) FROM PUBLIC;
            GRANT SELECT ON app.totals TO PUBLIC;
            """);
        await Harness.ApplyAsync(db, guard);
    }

    /// <summary>Every managed object of the database, as the inspector reads it.</summary>
    internal static async Task<IReadOnlyList<PgObject>> ReadAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        return await CatalogInspector.ReadAllAsync(conn, new CatalogFilter());
    }

    /// <summary>A guard that checks every one of <paramref name="objects"/> (as if the upgrade replaced each), as a psql script.</summary>
    internal static string GuardOver(IReadOnlyList<PgObject> objects) =>
        MigrationGuard.Statement(objects.Select((o, i) => new MigrationOp(MigrationAction.Replace, o.Kind, o.Identity, "", "") { Current = o, Desired = o, Order = i + 1 }).ToList(), up: true)
        + ";\n";
}
