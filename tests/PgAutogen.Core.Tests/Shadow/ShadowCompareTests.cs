using Npgsql;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;
using PgAutogen.Core.Shadow;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Shadow;

/// <summary>
/// The shadow compare: the target is only read, the declarations execute on a copy of its schema of the same major, and
/// the ops are exactly the live compare's. Needs pg_dump/psql of the server's major or newer on this machine.
/// </summary>
[Trait("Category", "Database")]
// One at a time with the other tests that start throwaway shadows: the Ctrl+C test counts the server folders left.
[Collection("Shadow servers")]
public sealed class ShadowCompareTests(CoreDatabaseFixture fixture)
{
    private const string Schema = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, status text);
        INSERT INTO app.orders SELECT g, g, 'new' FROM generate_series(1, 300) g;
        ANALYZE app.orders;
        DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgautogen_shadow_app') THEN CREATE ROLE pgautogen_shadow_app NOLOGIN; END IF; END $$;
        CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1';
        CREATE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
        CREATE FUNCTION app.retype() RETURNS int LANGUAGE sql AS 'SELECT 1';
        CREATE FUNCTION app.gone() RETURNS int LANGUAGE sql AS 'SELECT 3';
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
        CREATE VIEW app.big AS SELECT id, total FROM app.orders WHERE total > 100;
        CREATE VIEW app.on_retype AS SELECT app.retype() AS r;
        CREATE MATERIALIZED VIEW app.totals AS SELECT status, sum(total) AS total FROM app.orders GROUP BY status WITH NO DATA;
        ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own ON app.orders USING (status <> 'hidden');
        GRANT EXECUTE ON FUNCTION app.change(int) TO pgautogen_shadow_app;
        COMMENT ON VIEW app.big IS 'big orders';
        """;

    private static readonly string[] Declared =
    {
        "CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1'",
        "CREATE FUNCTION app.retype() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'",
        "CREATE FUNCTION app.fresh(a text) RETURNS text LANGUAGE sql AS 'SELECT a'",
        "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.total := coalesce(NEW.total, 0); RETURN NEW; END $$",
        "CREATE TRIGGER touch BEFORE UPDATE OR INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch()",
        "CREATE VIEW app.big AS SELECT id, total, status FROM app.orders WHERE total > 100",
        "CREATE VIEW app.on_retype AS SELECT app.retype() AS r",
        "CREATE MATERIALIZED VIEW app.totals AS SELECT status, sum(total) AS total, count(*) AS n FROM app.orders GROUP BY status WITH NO DATA",
        "CREATE POLICY own ON app.orders USING (status <> 'secret')",
    };

    private static IReadOnlyList<PgDeclaration> Declarations(params string[] sql) =>
        DeclarationParser.Parse(Array.Empty<string>(), new[] { string.Join(";\n", sql) }, cancellationToken: TestContext.Current.CancellationToken).Declarations;

    // pg_dump refuses a server newer than itself: CI has Debian's 15 client, so these run on 14 and 15 there, and on every
    // major where a newer client is installed (postgresql-client-18 dumps 14 to 18).
    private static void SkipWithoutClient(TestDatabase db) =>
        Assert.SkipWhen(PostgresInstallations.FindClient(db.MajorVersion) is null,
            $"no pg_dump/psql of PostgreSQL {db.MajorVersion} or newer on this machine (a shadow needs one to copy the target's schema)");

    private static Task<IReadOnlyList<MigrationOp>> ShadowAsync(string connectionString, IReadOnlyList<PgDeclaration> declarations, ShadowOptions? shadow = null,
        IEngineEvents? events = null, CancellationToken? token = null) =>
        ShadowCompare.CompareAsync(new ConnectionOptions { ConnectionString = connectionString }, shadow ?? new ShadowOptions { Throwaway = true },
            new CompareRequest { Declarations = declarations }, events ?? NullEngineEvents.Instance, token ?? TestContext.Current.CancellationToken);

    private static List<string> Describe(IReadOnlyList<MigrationOp> ops) => ops.Select(o => string.Join("\n|", o.Action, o.Kind, o.Identity, o.Reason, o.Order,
        o.Current?.Definition, o.Current?.Owner, o.Current?.Acl, o.Current?.Comment, o.Desired?.Definition, o.Desired?.Owner, o.Desired?.Acl, o.UpSql, o.DownSql, string.Join("\n|", o.Hazards))).ToList();

    [Fact]
    public async Task A_shadow_compare_gives_exactly_the_live_ops_and_is_reused_while_the_target_is_unchanged()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        SkipWithoutClient(db);
        await db.ExecuteAsync(Schema);
        var declarations = Declarations(Declared);
        var live = await Harness.CompareAsync(db, declarations);
        Assert.Contains(live.Ops, o => o.Action == MigrationAction.DropAndCreate);
        // The hazards agree too: the shadow holds no rows, but a table lock's row count is the target's.
        Assert.Contains(live.Ops.SelectMany(o => o.Hazards), h => h.Kind == HazardKind.LocksTable && h.Reason.Contains("on app.orders (about 300 rows)", StringComparison.Ordinal));

        var events = new RecordingEvents();
        try
        {
            var shadow = await ShadowAsync(db.ConnectionString, declarations, events: events);
            Assert.Equal(Describe(live.Ops), Describe(shadow));
            Assert.Contains(events.VerboseLines, v => v.StartsWith("Shadow: loaded a throwaway PostgreSQL", StringComparison.Ordinal));

            // The second compare of the unchanged target reuses the shadow; a change of the target's schema reloads it.
            var again = new RecordingEvents();
            Assert.Equal(Describe(live.Ops), Describe(await ShadowAsync(db.ConnectionString, declarations, events: again)));
            Assert.Contains(again.VerboseLines, v => v.StartsWith("Shadow: reusing", StringComparison.Ordinal));
            await db.ExecuteAsync("CREATE FUNCTION app.added_later() RETURNS int LANGUAGE sql AS 'SELECT 7'");
            var changed = new RecordingEvents();
            var afterChange = await ShadowAsync(db.ConnectionString, declarations, events: changed);
            Assert.Contains(changed.VerboseLines, v => v.Contains("the target's schema changed", StringComparison.Ordinal));
            Assert.Contains(afterChange, o => o.Action == MigrationAction.Drop && o.Identity == "app.added_later()");
        }
        finally
        {
            await ShadowCompare.DropAllAsync();
        }

        Assert.Equal(0, ShadowCompare.Kept);
    }

    [Fact]
    public async Task A_baseline_is_replayed_in_its_tools_order_not_by_file_name()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        SkipWithoutClient(db);
        await db.ExecuteAsync("CREATE SCHEMA app; CREATE TABLE app.orders (id int PRIMARY KEY, total numeric)");
        var declarations = Declarations("CREATE FUNCTION app.big() RETURNS SETOF app.orders LANGUAGE sql AS 'SELECT * FROM app.orders WHERE total > 100'");
        var work = Directory.CreateTempSubdirectory("pgautogen-baseline-");
        try
        {
            // By name V10 sorts before V2 and "logic" before "schema": replayed by name, the table would not exist yet.
            var flyway = Directory.CreateDirectory(Path.Combine(work.FullName, "flyway")).FullName;
            await File.WriteAllTextAsync(Path.Combine(flyway, "V2__schema.sql"), "CREATE SCHEMA app;\nCREATE TABLE app.orders (id int PRIMARY KEY, total numeric);\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(flyway, "V10__logic.sql"), "CREATE FUNCTION app.big() RETURNS SETOF app.orders LANGUAGE sql AS 'SELECT * FROM app.orders';\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(flyway, "U10__logic.sql"), "DROP SCHEMA app CASCADE;\n", TestContext.Current.CancellationToken);
            var sqitch = Directory.CreateDirectory(Path.Combine(work.FullName, "sqitch", "deploy")).Parent!.FullName;
            await File.WriteAllTextAsync(Path.Combine(sqitch, "sqitch.plan"), "%syntax-version=1.0.0\n%project=app\n\nschema 2026-01-01T00:00:00Z me <me@example.com> # tables\nlogic [schema] 2026-01-02T00:00:00Z me <me@example.com> # logic\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(sqitch, "deploy", "schema.sql"), "BEGIN;\nCREATE SCHEMA app;\nCREATE TABLE app.orders (id int PRIMARY KEY, total numeric);\nCOMMIT;\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(sqitch, "deploy", "logic.sql"), "BEGIN;\nCREATE FUNCTION app.big() RETURNS SETOF app.orders LANGUAGE sql AS 'SELECT * FROM app.orders';\nCOMMIT;\n", TestContext.Current.CancellationToken);

            foreach (var (folder, layout) in new[] { (flyway, "Flyway"), (sqitch, "sqitch") })
            {
                var events = new RecordingEvents();
                var ops = await ShadowAsync(db.ConnectionString, declarations, new ShadowOptions { Throwaway = true, BaselinePath = folder, Reuse = false }, events);
                Assert.Equal(new[] { "Replace app.big()" }, ops.Select(o => $"{o.Action} {o.Identity}"));
                Assert.Contains(events.VerboseLines, v => v.Contains("Shadow: replayed 2 migration file(s)", StringComparison.Ordinal) && v.Contains(layout, StringComparison.Ordinal));
            }
        }
        finally
        {
            await ShadowCompare.DropAllAsync();
            work.Delete(recursive: true);
        }

        Assert.Equal(0, ShadowCompare.Kept);
    }

    [Fact]
    public async Task The_target_is_only_read_a_role_without_CREATE_on_a_read_only_database_can_compare()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        SkipWithoutClient(db);
        Assert.SkipWhen(db.MajorVersion < 14, "pg_read_all_data is PostgreSQL 14+");
        await db.ExecuteAsync(Schema + $"""

            DROP ROLE IF EXISTS pgautogen_reader;
            CREATE ROLE pgautogen_reader LOGIN PASSWORD 'reader-pw';
            GRANT pg_read_all_data TO pgautogen_reader;
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            REVOKE TEMPORARY ON DATABASE {db.Name} FROM PUBLIC;
            ALTER DATABASE {db.Name} SET default_transaction_read_only = on;
            """);
        var reader = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = "pgautogen_reader", Password = "reader-pw" }.ConnectionString;
        var declarations = Declarations(Declared);
        try
        {
            // Live, the compare needs to execute DDL: the read-only target refuses it.
            await Assert.ThrowsAnyAsync<Exception>(() => CompareService.CompareAsync(new ConnectionOptions { ConnectionString = reader },
                new CompareRequest { Declarations = declarations }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));

            // Through a shadow it only reads, so it works, and gives the ops a privileged live compare gives.
            var shadow = await ShadowAsync(reader, declarations, new ShadowOptions { Throwaway = true, Reuse = false });
            await db.ReadWriteAgainAsync();
            var live = await Harness.CompareAsync(db, declarations);
            Assert.Equal(live.Ops.Select(o => $"{o.Action} {o.Identity}"), shadow.Select(o => $"{o.Action} {o.Identity}"));
        }
        finally
        {
            await db.ReadWriteAgainAsync();
        }
    }

    [Fact]
    public async Task A_scratch_database_on_a_given_server_is_dropped_with_the_roles_it_created_also_after_an_error()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        SkipWithoutClient(db);
        await db.ExecuteAsync(Schema + "DROP ROLE IF EXISTS pgautogen_only_in_target; CREATE ROLE pgautogen_only_in_target NOLOGIN; GRANT SELECT ON app.orders TO pgautogen_only_in_target;");
        var server = fixture.RequireServer().ConnectionString;
        var options = new ShadowOptions { ServerConnectionString = server, Reuse = false };
        var declarations = Declarations(Declared);

        // The scratch database lives on the same server as the target here; the roles exist already, so none is created.
        var ops = await ShadowAsync(db.ConnectionString, declarations, options);
        Assert.Equal((await Harness.CompareAsync(db, declarations)).Ops.Select(o => $"{o.Action} {o.Identity}"), ops.Select(o => $"{o.Action} {o.Identity}"));
        Assert.Empty(await db.QueryAsync("SELECT datname FROM pg_database WHERE datname LIKE 'pgautogen_shadow_%'"));

        // An error while the compare runs on the shadow (a declaration that does not work there) leaves nothing either.
        var broken = Declarations("CREATE FUNCTION app.broken() RETURNS int LANGUAGE sql AS 'SELECT no_such_column FROM app.orders'");
        await Assert.ThrowsAsync<PgAutogenException>(() => ShadowAsync(db.ConnectionString, broken, options));
        Assert.Empty(await db.QueryAsync("SELECT datname FROM pg_database WHERE datname LIKE 'pgautogen_shadow_%'"));

        // Ctrl+C while the shadow is being set up (right after its database is created): nothing left behind either.
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ShadowAsync(db.ConnectionString, declarations, options,
            new CancelOn("Shadow: created the scratch database", cancel), cancel.Token));
        Assert.Empty(await db.QueryAsync("SELECT datname FROM pg_database WHERE datname LIKE 'pgautogen_shadow_%'"));
    }

    [Fact]
    public async Task A_throwaway_shadow_leaves_no_server_behind_after_Ctrl_C()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        SkipWithoutClient(db);
        await db.ExecuteAsync(Schema);

        // Ctrl+C during initdb, once the server listens, and while the schema is copied: the server's folder (named in
        // the verbose line that starts it) is gone afterwards.
        foreach (var moment in new[] { "Initializing PostgreSQL", "PostgreSQL", "Shadow: pg_dump" })
        {
            using var cancel = new CancellationTokenSource();
            var events = new CancelOn(moment, cancel);
            try
            {
                await ShadowAsync(db.ConnectionString, Declarations(Declared), new ShadowOptions { Throwaway = true, Reuse = false }, events, cancel.Token);
                Assert.Fail($"the compare was not cancelled at '{moment}'");
            }
            catch (OperationCanceledException)
            {
            }
            catch (PgAutogenException ex) when (ex.ErrorId == PgErrorId.Cancelled)
            {
            }

            var root = Assert.Single(events.Roots);
            Assert.False(Directory.Exists(root), $"Ctrl+C at '{moment}' left {root} behind");
        }
    }

    [Fact]
    public async Task An_extension_the_shadow_server_lacks_is_named_with_the_objects_that_need_it()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        SkipWithoutClient(db);
        var share = (await db.QueryAsync("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'"))[0][0] as string;
        var extensionDir = Path.Combine(share!, "extension");
        var control = Path.Combine(extensionDir, "pgautogen_fake.control");
        var script = Path.Combine(extensionDir, "pgautogen_fake--1.0.sql");
        try
        {
            File.WriteAllText(control, "default_version = '1.0'\nrelocatable = true\n");
            File.WriteAllText(script, "CREATE FUNCTION fake_double(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2';\n");
        }
        catch (UnauthorizedAccessException)
        {
            Assert.Skip($"cannot write a test extension into {extensionDir}");
        }

        try
        {
            await db.ExecuteAsync("CREATE SCHEMA app; CREATE EXTENSION pgautogen_fake SCHEMA app; CREATE VIEW app.doubled AS SELECT app.fake_double(21) AS n;");
            File.Delete(control); // the server of the shadow (here: the same binaries) no longer has it
            var error = await Assert.ThrowsAsync<PgAutogenException>(() =>
                ShadowAsync(db.ConnectionString, Declarations("CREATE VIEW app.doubled AS SELECT app.fake_double(21) AS n"), new ShadowOptions { Throwaway = true, Reuse = false }));
            Assert.Equal(PgErrorId.ShadowSetupFailed, error.ErrorId);
            Assert.Contains("lacks the extension(s) pgautogen_fake 1.0 (needed by view app.doubled)", error.Message, StringComparison.Ordinal);
            Assert.NotNull(error.RecommendedAction);
        }
        finally
        {
            File.Delete(control);
            File.Delete(script);
        }
    }

    /// <summary>Presses Ctrl+C (cancels) when the engine reports a verbose line that starts with <paramref name="prefix"/>.</summary>
    private sealed class CancelOn(string prefix, CancellationTokenSource cancel) : IEngineEvents
    {
        /// <summary>The folders of the throwaway servers started ("Initializing PostgreSQL 15.18 from ... in /tmp/pgautogen-pg-...").</summary>
        public List<string> Roots { get; } = new();

        public void Verbose(string message)
        {
            var at = message.IndexOf(" in /", StringComparison.Ordinal);
            if (message.StartsWith("Initializing PostgreSQL", StringComparison.Ordinal) && at > 0)
            {
                Roots.Add(message[(at + 4)..].Split(' ')[0]);
            }

            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }

        public void Debug(string message)
        {
        }

        public void Warning(string message)
        {
        }

        public void Progress(EngineProgress progress)
        {
        }
    }

}
