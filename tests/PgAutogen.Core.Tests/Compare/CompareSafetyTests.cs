using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Canonicalization;
using PgAutogen.TestSupport;
using static PgAutogen.Core.Tests.Compare.D;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>The database is never changed by comparing: success, error, cancellation; locks fail fast.</summary>
[Trait("Category", "Database")]
public sealed class CompareSafetyTests(CoreDatabaseFixture fixture)
{
    private const string Setup = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
        CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER t BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.f();
        CREATE VIEW app.v AS SELECT id FROM app.orders;
        """;

    private static PgDeclaration[] Changes() => new[]
    {
        Fn("CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$", "f", schema: "app"),
        Fn("CREATE FUNCTION app.g() RETURNS int LANGUAGE sql AS 'SELECT 1'", "g", schema: "app"),
        Trg("CREATE TRIGGER t2 AFTER INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.f()", "t2", "orders", "app"),
        View("CREATE VIEW app.v AS SELECT id, total FROM app.orders", "v", "app"),
    };

    private static async Task<string> FullCatalogAsync(TestDatabase db)
    {
        // Broader than PgAutogen's own view: every relation, routine, trigger and rule row, with xmin.
        var rows = await db.QueryAsync("""
            SELECT 'class', c.oid::text || c.relname || c.relkind::text || c.xmin::text FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace
            UNION ALL SELECT 'proc', p.oid::text || p.proname || md5(p.prosrc) || p.xmin::text FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace
            UNION ALL SELECT 'trigger', t.oid::text || t.tgname || t.xmin::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'app'::regnamespace
            UNION ALL SELECT 'rule', r.oid::text || md5(r.ev_action::text) || r.xmin::text FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = 'app'::regnamespace
            ORDER BY 1, 2
            """);
        return string.Join("\n", rows.Select(r => r[0] + " " + r[1])) + "\n" + await Harness.SnapshotAsync(db);
    }

    /// <summary>Another session takes ACCESS EXCLUSIVE on app.orders and keeps it until the returned transaction ends.</summary>
    private static async Task<NpgsqlTransaction> LockOrdersAsync(NpgsqlConnection locker)
    {
        var lockTx = await locker.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using var lockCmd = new NpgsqlCommand("LOCK TABLE app.orders IN ACCESS EXCLUSIVE MODE", locker, lockTx);
        await lockCmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return lockTx;
    }

    [Fact]
    public async Task A_successful_compare_leaves_the_catalog_byte_identical()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var before = await FullCatalogAsync(db);
        var m = await Harness.CompareAsync(db, Changes());
        // f, g, t2; v gains a column, which its downgrade cannot undo in place: dropped and created (2 steps); t is not declared: dropped.
        Assert.Equal(6, m.Ops.Count);
        Assert.Equal(before, await FullCatalogAsync(db));
    }

    [Fact]
    public async Task A_postgres_error_is_reported_against_the_declaration_and_leaves_the_catalog_unchanged()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var before = await FullCatalogAsync(db);
        var bad = View("CREATE VIEW app.broken AS\nSELECT id,\n       no_such_column\nFROM app.orders", "broken", "app", line: 20);
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, Changes().Append(bad)));
        Assert.Equal(PgErrorId.DeclarationInvalid, ex.ErrorId);
        Assert.StartsWith("db/test.sql:22:8: view app.broken: column \"no_such_column\" does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Same(bad, ex.Target);
        Assert.Equal(before, await FullCatalogAsync(db));
    }

    [Fact]
    public async Task A_body_referencing_a_missing_table_names_the_file_and_line_in_the_body()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var sql = "CREATE FUNCTION count_them() RETURNS bigint LANGUAGE sql AS $$\n  SELECT count(*)\n  FROM missing_table\n$$";
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, new[] { Fn(sql, "count_them", line: 10) }));
        Assert.Equal(PgErrorId.DeclarationInvalid, ex.ErrorId);
        Assert.Contains("relation \"missing_table\" does not exist", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("db/test.sql:12:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_rolls_back_and_leaves_the_catalog_unchanged()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var before = await FullCatalogAsync(db);
        await using var locker = await db.OpenAsync();
        await using var lockTx = await LockOrdersAsync(locker);

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await using var conn = await db.OpenAsync();
        var request = new CompareRequest { Declarations = Changes(), Options = new CanonicalizationOptions { LockTimeout = TimeSpan.FromSeconds(60) } };
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CompareService.CompareAsync(conn, request, NullEngineEvents.Instance, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "Cancellation took " + watch.Elapsed);
        await lockTx.RollbackAsync(TestContext.Current.CancellationToken);
        Assert.Equal(before, await FullCatalogAsync(db));
        Assert.Equal(0L, await db.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{db.Name}' AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"));
    }

    [Fact]
    public async Task A_locked_table_fails_within_the_lock_timeout_naming_the_table()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var before = await FullCatalogAsync(db);
        await using var locker = await db.OpenAsync();
        await using var lockTx = await LockOrdersAsync(locker);

        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, Changes(),
            new CanonicalizationOptions { LockTimeout = TimeSpan.FromMilliseconds(500) }));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "Took " + watch.Elapsed);
        Assert.Equal(PgErrorId.LockTimeout, ex.ErrorId);
        Assert.Contains("app.orders", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-LockTimeout", ex.Message, StringComparison.Ordinal);
        await lockTx.RollbackAsync(TestContext.Current.CancellationToken);
        Assert.Equal(before, await FullCatalogAsync(db));
    }

    [Fact]
    public async Task Declarations_in_any_order_are_executed_in_one_batch_or_ordered_by_retry()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        // A trigger on a view declared after it, a view on a view declared after it.
        var decls = new[]
        {
            Trg("CREATE TRIGGER ins INSTEAD OF INSERT ON app.v2 FOR EACH ROW EXECUTE FUNCTION app.f()", "ins", "v2", "app"),
            View("CREATE VIEW app.v3 AS SELECT id FROM app.v2", "v3", "app"),
            View("CREATE VIEW app.v2 AS SELECT id FROM app.v", "v2", "app"),
            Fn("CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "f", schema: "app"),
            Trg("CREATE TRIGGER t BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.f()", "t", "orders", "app"),
            View("CREATE VIEW app.v AS SELECT id FROM app.orders", "v", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create app.v2, Create app.v3, Create ins ON app.v2", Harness.Actions(m));
        await Harness.RoundTripAsync(db, decls, m);
    }
}
