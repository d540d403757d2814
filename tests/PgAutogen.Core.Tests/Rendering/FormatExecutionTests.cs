using Npgsql;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Rendering;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Rendering;

/// <summary>
/// Every format, run by the tool that runs it (where the registries have it) on a real server, written with -Guard: first
/// a hot-fix by hand to an object the migration replaces (the guard stops the upgrade, nothing changes), then up, compare
/// again (0 ops), down, the catalog exactly as before (definitions, owners, ACLs, comments, trigger states), up again.
/// </summary>
[Trait("Category", "Database")]
public sealed class FormatExecutionTests(CoreDatabaseFixture fixture) : IDisposable
{
    internal const string Setup = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, status text);
        CREATE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
        CREATE FUNCTION app.gone() RETURNS int LANGUAGE sql AS 'SELECT 3';
        COMMENT ON FUNCTION app.gone() IS 'the old one';
        CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'stamped'; RETURN NEW; END $$;
        CREATE VIEW app.big AS SELECT id FROM app.orders WHERE total > 100;
        """;

    /// <summary>
    /// A replace, creates with semicolons in bodies (a dollar-quoted PL/pgSQL body, a BEGIN ATOMIC body) and a line that
    /// is only GO inside a string, a trigger, a view change, a drop.
    /// </summary>
    internal const string Declarations = """
        CREATE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';
        CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'stamped'; RETURN NEW; END $$;
        CREATE FUNCTION app.fresh(a text) RETURNS text LANGUAGE plpgsql AS $body$
        DECLARE
            said text := 'it''s "quoted"; really';
            batch text := 'a line that says
        GO
        as SQL Server tools split batches there';
        BEGIN
            RETURN a || said;
        END
        $body$;
        CREATE FUNCTION app.atomic(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;
        CREATE TRIGGER orders_stamp BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.stamp();
        CREATE VIEW app.big AS SELECT id, total FROM app.orders WHERE total > 100;
        """;

    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("pgautogen-formats-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static IReadOnlyList<PgDeclaration> Parse(string sql)
    {
        var errors = new List<PgAutogenException>();
        var declarations = DeclarationSources.Load(Array.Empty<string>(), new[] { sql }, errors.Add);
        Assert.Empty(errors);
        return declarations;
    }

    internal static CanonicalizationOptions AppOnly => new() { Filter = CatalogFilter.Create(null, new[] { "app" }) };

    private static async Task<IReadOnlyList<MigrationOp>> CompareAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        return await CompareService.CompareAsync(conn, new CompareRequest { Declarations = Parse(Declarations), Options = AppOnly },
            NullEngineEvents.Instance, TestContext.Current.CancellationToken);
    }

    /// <summary>Sets up the database, compares, renders the format into the temporary folder and writes it.</summary>
    private async Task<(TestDatabase Db, IReadOnlyList<PlannedFile> Files)> PrepareAsync(MigrationFormat format, string? outPath = null, string? ns = null, string? context = null)
    {
        var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var ops = await CompareAsync(db);
        Assert.Equal(
            "Create app.atomic(integer), Create app.fresh(text), Create orders_stamp ON app.orders, Drop app.gone(), DropAndCreate app.big, DropAndCreate app.big, Replace app.change(integer)",
            string.Join(", ", ops.Select(o => $"{o.Action} {o.Identity}").Order(StringComparer.Ordinal)));
        var files = MigrationWriter.Plan(new MigrationRenderRequest
        {
            Ops = ops,
            OutPath = outPath ?? _dir,
            Message = "Audit orders",
            Now = Now,
            Namespace = ns,
            DbContext = context,
            Guard = true,
        }, format);
        OutputFiles.Write(files, force: false);
        return (db, files);
    }

    private static string Snapshot(TestDatabase db) => Harness.SnapshotAsync(db).GetAwaiter().GetResult();

    /// <summary>
    /// A hot-fix by hand to what the migration replaces: up stops in its guard and changes nothing; the hot-fix undone: up,
    /// compare again (0 ops), down (catalog as before), up again (catalog as after the first up).
    /// </summary>
    private static async Task CycleAsync(TestDatabase db, Func<Task> up, Func<Task> down)
    {
        await db.ExecuteAsync("CREATE OR REPLACE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 100'");
        var hotFixed = Snapshot(db);
        var stopped = await Record.ExceptionAsync(up);
        Assert.NotNull(stopped);
        Assert.Contains("PgAutogen -Guard", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("function app.change(integer) was changed", stopped.Message, StringComparison.Ordinal);
        Assert.Equal(hotFixed, Snapshot(db));
        await db.ExecuteAsync("CREATE OR REPLACE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x'");

        var before = Snapshot(db);
        await up();
        var again = await CompareAsync(db);
        Assert.True(again.Count == 0, "The upgrade did not reach the declarations; a second compare gave:\n" + string.Join("\n", again.Select(o => o + "\n" + o.UpSql)));
        var upgraded = Snapshot(db);
        Assert.NotEqual(before, upgraded);
        await down();
        Assert.Equal(before, Snapshot(db));
        await up();
        Assert.Equal(upgraded, Snapshot(db));
    }

    private static string One(IReadOnlyList<PlannedFile> files, string suffix) => files.Single(f => f.Path.EndsWith(suffix, StringComparison.Ordinal)).Path;

    [Fact]
    public async Task Dbmate_runs_it()
    {
        var dbmate = MigrationTools.Dbmate;
        var (db, files) = await PrepareAsync(MigrationFormat.Dbmate, _dir + "/");
        await using var _ = db;
        Assert.Equal("20261125120000_audit_orders.sql", Path.GetFileName(files.Single().Path));
        var url = MigrationTools.Url(db) + "?sslmode=disable";
        string[] Args(string command) => new[] { "--url", url, "--migrations-dir", _dir, "--no-dump-schema", command };
        await CycleAsync(db,
            () => MigrationTools.MustRunAsync(dbmate, Args("up")),
            () => MigrationTools.MustRunAsync(dbmate, Args("rollback")));
    }

    [Fact]
    public async Task Flyway_files_run_by_Evolve_with_the_undo_run_as_Flyway_Teams_would()
    {
        var runner = MigrationTools.ToolRunner;
        var (db, files) = await PrepareAsync(MigrationFormat.Flyway);
        await using var _ = db;
        Assert.Equal(new[] { "U1__audit_orders.sql", "V1__audit_orders.sql" }, files.Select(f => Path.GetFileName(f.Path)).Order(StringComparer.Ordinal));
        await CycleAsync(db,
            () => MigrationTools.MustRunAsync("dotnet", new[] { runner, "evolve", db.ConnectionString, _dir }),
            async () =>
            {
                // Flyway Teams' `flyway undo` runs U1 in one transaction and marks V1 undone; Evolve has no undo.
                await MigrationTools.PsqlFileAsync(db, One(files, "U1__audit_orders.sql"), singleTransaction: true);
                await db.ExecuteAsync("DELETE FROM public.changelog WHERE version = '1'");
            });
    }

    [Fact]
    public async Task GolangMigrate_files_run_whole_as_its_postgres_driver_sends_them()
    {
        var (db, files) = await PrepareAsync(MigrationFormat.GolangMigrate);
        await using var _ = db;
        Assert.Equal(new[] { "000001_audit_orders.down.sql", "000001_audit_orders.up.sql" }, files.Select(f => Path.GetFileName(f.Path)).Order(StringComparer.Ordinal));
        var options = new ConnectionOptions { ConnectionString = db.ConnectionString };
        await CycleAsync(db,
            () => MigrationRunner.RunAsync(options, One(files, ".up.sql"), down: false, NullEngineEvents.Instance, TestContext.Current.CancellationToken),
            () => MigrationRunner.RunAsync(options, One(files, ".down.sql"), down: false, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sqitch_deploys_verifies_reverts_and_deploys_again()
    {
        var sqitch = MigrationTools.Sqitch;
        var (db, files) = await PrepareAsync(MigrationFormat.Sqitch);
        await using var _ = db;
        var target = "db:" + MigrationTools.Url(db, "pg");
        var env = new Dictionary<string, string> { ["SQITCH_FULLNAME"] = "Test", ["SQITCH_EMAIL"] = "test@localhost", ["SQITCH_CONFIG"] = Path.Combine(_dir, "none.conf"), ["SQITCH_USER_CONFIG"] = Path.Combine(_dir, "none.conf") };
        await CycleAsync(db,
            async () =>
            {
                await MigrationTools.MustRunAsync(sqitch, new[] { "deploy", "--target", target }, _dir, env);
                await MigrationTools.MustRunAsync(sqitch, new[] { "verify", "--target", target }, _dir, env);
            },
            () => MigrationTools.MustRunAsync(sqitch, new[] { "revert", "-y", "--target", target }, _dir, env));
    }

    [Fact]
    public async Task Liquibase_updates_and_rolls_back_the_changeset()
    {
        var liquibase = MigrationTools.Liquibase;
        var (db, files) = await PrepareAsync(MigrationFormat.Liquibase);
        await using var _ = db;
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var file = Path.GetFileName(files.Single().Path);
        Assert.Equal("0001_audit_orders.sql", file);
        string[] Args(params string[] command) => new[]
        {
            $"--url=jdbc:postgresql://{b.Host}:{MigrationTools.Port(b)}/{b.Database}", $"--username={b.Username}", $"--password={b.Password ?? ""}",
            $"--search-path={_dir}", $"--changelog-file={file}", "--show-banner=false",
        }.Concat(command).ToArray();
        await CycleAsync(db,
            () => MigrationTools.MustRunAsync(liquibase, Args("update"), _dir),
            () => MigrationTools.MustRunAsync(liquibase, Args("rollback-count", "--count=1"), _dir));
    }

    [Fact]
    public async Task DbUp_runs_the_script_and_the_down_script_beside_it_undoes_it()
    {
        var runner = MigrationTools.ToolRunner;
        var (db, files) = await PrepareAsync(MigrationFormat.DbUp);
        await using var _ = db;
        Assert.Equal(new[] { "0001_audit_orders.down.psql", "0001_audit_orders.sql" }, files.Select(f => Path.GetFileName(f.Path)).Order(StringComparer.Ordinal));
        await CycleAsync(db,
            () => MigrationTools.MustRunAsync("dotnet", new[] { runner, "dbup", db.ConnectionString, _dir }),
            async () =>
            {
                await MigrationTools.PsqlFileAsync(db, One(files, ".down.psql"));
                await db.ExecuteAsync("DELETE FROM public.schemaversions WHERE scriptname LIKE '%0001_audit_orders.sql'");
            });
    }

    [Fact]
    public async Task Grate_runs_the_up_script_and_the_down_script_undoes_it()
    {
        var grate = MigrationTools.Grate;
        var (db, files) = await PrepareAsync(MigrationFormat.Grate);
        await using var _ = db;
        await CycleAsync(db,
            () => MigrationTools.MustRunAsync(grate, new[]
            {
                "--connectionstring=" + db.ConnectionString, "--databasetype=postgresql", "--sqlfilesdirectory=" + _dir, "--silent", "--transaction",
                "--outputPath=" + Path.Combine(_dir, ".grate-output"),
            }, _dir),
            async () =>
            {
                await MigrationTools.PsqlFileAsync(db, One(files, "down" + Path.DirectorySeparatorChar + "0001_audit_orders.sql"), singleTransaction: true);
                await db.ExecuteAsync("DELETE FROM grate.\"ScriptsRun\" WHERE script_name = '0001_audit_orders.sql'");
            });
    }

    [Fact]
    public async Task EfCore_migration_applied_and_reverted_by_dotnet_ef()
    {
        var ef = MigrationTools.DotnetEf;
        var project = Path.Combine(_dir, "Shop");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "Shop.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="10.0.3" />
                <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="10.0.15" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "ShopContext.cs"), """
            using Microsoft.EntityFrameworkCore;

            namespace Shop.Data;

            public class ShopContext : DbContext
            {
                protected override void OnConfiguring(DbContextOptionsBuilder options) =>
                    options.UseNpgsql(Environment.GetEnvironmentVariable("SHOP_DB"));
            }

            public static class Program
            {
                public static void Main()
                {
                }
            }
            """);
        var (db, files) = await PrepareAsync(MigrationFormat.EfCore, Path.Combine(project, "Migrations"), "Shop.Data.Migrations", "Shop.Data.ShopContext");
        await using var _ = db;
        Assert.Equal("20261125120000_AuditOrders.cs", Path.GetFileName(files.Single().Path));
        var env = new Dictionary<string, string> { ["SHOP_DB"] = db.ConnectionString, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        await MigrationTools.MustRunAsync("dotnet", new[] { "build", project, "-v", "q", "-nologo" }, project, env, timeoutSeconds: 600);
        string[] Update(string? target) => (target is null ? new[] { "database", "update" } : new[] { "database", "update", target })
            .Concat(new[] { "--project", project, "--no-build" }).ToArray();
        await CycleAsync(db,
            () => MigrationTools.MustRunAsync(ef, Update(null), project, env),
            () => MigrationTools.MustRunAsync(ef, Update("0"), project, env));
    }

    [Fact]
    public async Task Plain_files_run_by_psql()
    {
        var (db, files) = await PrepareAsync(MigrationFormat.Plain);
        await using var _ = db;
        await CycleAsync(db,
            () => MigrationTools.PsqlFileAsync(db, One(files, "audit_orders.up.sql")),
            () => MigrationTools.PsqlFileAsync(db, One(files, "audit_orders.down.sql")));
    }
}
