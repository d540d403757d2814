using System.Diagnostics;
using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// Nothing a declaration says runs during a compare. A C-language function makes PostgreSQL dlopen() its library as
/// soon as it is created — before any body check, inside a transaction that is rolled back — so the library's
/// constructor runs on the server. PgAutogen refuses such declarations before anything executes.
/// </summary>
[Trait("Category", "Database")]
public sealed class NothingDeclaredRunsTests(CoreDatabaseFixture fixture)
{
    [Theory]
    [InlineData("c")]
    [InlineData("C")]
    [InlineData("'c'")]
    [InlineData("internal")]
    public void A_routine_in_a_language_PostgreSQL_loads_on_creation_is_refused_offline_with_its_position(string language)
    {
        var sql = $"CREATE VIEW ok AS SELECT 1;\n  CREATE FUNCTION app.evil() RETURNS int LANGUAGE {language} AS '/tmp/lib.so', 'evil';\nCREATE VIEW ok2 AS SELECT 2";
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { sql }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(new[] { "ok", "ok2" }, set.Declarations.Select(d => d.Name));
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationStatementNotAllowed, error.ErrorId);
        Assert.Equal(new SourceLocation("-Sql[0]", 2, 3), error.Location);
        Assert.StartsWith($"-Sql[0]:2:3: function app.evil() is LANGUAGE {language.Trim('\'').ToLowerInvariant()}, which PgAutogen never executes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was executed", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public async Task A_C_library_declared_in_a_file_is_never_loaded_by_the_server()
    {
        var gcc = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);
        Assert.SkipWhen(gcc is null || !OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("PGAUTOGEN_TEST_CONNECTION") is { Length: > 0 },
            "needs gcc and a server on this machine (the library must be where the server can dlopen it)");
        await using var db = await fixture.CreateDatabaseAsync();
        var dir = Directory.CreateTempSubdirectory("pgautogen-clib-");
        try
        {
            // A library whose constructor leaves a mark: proof of code run on the server.
            var mark = Path.Combine(dir.FullName, "constructor-ran");
            var source = Path.Combine(dir.FullName, "evil.c");
            var library = Path.Combine(dir.FullName, "evil.so");
            await File.WriteAllTextAsync(source, $$"""
                #include <stdio.h>
                __attribute__((constructor)) static void mark(void) { FILE *f = fopen("{{mark}}", "w"); if (f) fclose(f); }
                int evil(void) { return 42; }
                """, TestContext.Current.CancellationToken);
            using (var cc = Process.Start(gcc!, new[] { "-shared", "-fPIC", "-o", library, source })!)
            {
                await cc.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.Equal(0, cc.ExitCode);
            }

            // Everyone may read the library and write the mark (the server runs as another user).
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dir.FullName, (UnixFileMode)0x1FF);
            }
            await db.ExecuteAsync("CREATE SCHEMA app");

            // What happened before: executing the declaration, even in a transaction that is rolled back, runs the constructor.
            var file = Path.Combine(dir.FullName, "evil.sql");
            await File.WriteAllTextAsync(file, $"CREATE FUNCTION app.evil() RETURNS int LANGUAGE c AS '{library}', 'evil';", TestContext.Current.CancellationToken);
            var errors = new List<PgAutogenException>();
            var declarations = DeclarationSources.Load(new[] { file }, Array.Empty<string>(), errors.Add);
            Assert.Empty(declarations);
            Assert.Equal(PgErrorId.DeclarationStatementNotAllowed, Assert.Single(errors).ErrorId);
            Assert.False(File.Exists(mark), "the library's constructor ran during parsing");

            // Control: the mark does appear when the server is made to create it (so its absence above means something).
            await Assert.ThrowsAnyAsync<Exception>(() => db.ExecuteAsync($"BEGIN; CREATE FUNCTION app.evil() RETURNS int LANGUAGE c AS '{library}', 'evil'; SELECT 1/0;"));
            Assert.True(File.Exists(mark), "control: creating the function should have loaded the library");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Routines_in_c_or_internal_in_the_database_are_not_managed_so_never_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE FUNCTION app.length_of(text) RETURNS int LANGUAGE internal IMMUTABLE STRICT AS 'textlen';
            CREATE FUNCTION app.managed() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE VIEW app.uses_it AS SELECT app.length_of('abc') AS n;
            """);
        await using var conn = await db.OpenAsync();
        var objects = await PgAutogen.Core.Catalog.CatalogInspector.ReadAllAsync(conn, new PgAutogen.Core.Catalog.CatalogFilter(), TestContext.Current.CancellationToken);
        Assert.DoesNotContain(objects, o => o.Name == "length_of");

        // Declaring only the view: the managed function is dropped, the internal one is left alone.
        var m = await Harness.CompareAsync(db, new[] { D.View("CREATE VIEW app.uses_it AS SELECT app.length_of('abc') AS n", "uses_it", "app") });
        Assert.Equal("Drop app.managed()", Harness.Actions(m));
        await Harness.RoundTripAsync(db, new[] { D.View("CREATE VIEW app.uses_it AS SELECT app.length_of('abc') AS n", "uses_it", "app") }, m);
    }

    [Fact]
    public async Task An_ENABLE_ALWAYS_event_trigger_never_runs_a_re_declared_body_during_a_compare()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE SEQUENCE app.fired;
            CREATE TABLE app.t (id int);
            CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;
            CREATE EVENT TRIGGER watch_ddl ON ddl_command_end EXECUTE FUNCTION app.on_ddl();
            ALTER EVENT TRIGGER watch_ddl ENABLE ALWAYS;
            DROP ROLE IF EXISTS pgautogen_body_owner;
            CREATE ROLE pgautogen_body_owner LOGIN PASSWORD 'owner-pw';
            GRANT USAGE, CREATE ON SCHEMA app TO pgautogen_body_owner;
            GRANT SELECT ON app.t TO pgautogen_body_owner;
            ALTER FUNCTION app.on_ddl() OWNER TO pgautogen_body_owner;
            """);
        var start = await db.ScalarAsync<long>("SELECT last_value FROM app.fired");

        // The declared body advances a sequence (outside any transaction's reach) every time it fires.
        var declarations = DeclarationParser.Parse(Array.Empty<string>(), new[]
        {
            "CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('app.fired'); END $$;\n" +
            "CREATE VIEW app.v AS SELECT id FROM app.t;\n" +
            "CREATE EVENT TRIGGER watch_ddl ON ddl_command_end EXECUTE FUNCTION app.on_ddl()",
        }, cancellationToken: TestContext.Current.CancellationToken).Declarations;

        // A role that may disable the trigger (a superuser here): disabled inside the transaction, the body never runs.
        var m = await Harness.CompareAsync(db, declarations);
        Assert.Equal("Replace app.on_ddl(), Create app.v", Harness.Actions(m));
        Assert.Equal(start, await db.ScalarAsync<long>("SELECT last_value FROM app.fired"));

        // A role that owns the function but not the trigger: the compare is refused before anything runs, naming both.
        var owner = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = "pgautogen_body_owner", Password = "owner-pw" }.ConnectionString;
        var error = await Assert.ThrowsAsync<PgAutogenException>(() => CompareService.CompareAsync(new PgAutogen.Core.Databases.ConnectionOptions { ConnectionString = owner },
            new CompareRequest { Declarations = declarations }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(PgErrorId.EventTriggerWouldFire, error.ErrorId);
        Assert.StartsWith("-Sql[0]:1:1: the event trigger watch_ddl (ENABLE ALWAYS) runs app.on_ddl(), which this declaration replaces", error.Message, StringComparison.Ordinal);
        Assert.Contains("-Shadow", error.RecommendedAction, StringComparison.Ordinal);
        Assert.Equal(start, await db.ScalarAsync<long>("SELECT last_value FROM app.fired"));
    }
}
