using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>New-PgMigration -Format / -Verify and Test-PgDeclaration -Verify through the hosted engine.</summary>
public sealed class MigrationFormatCmdletTests(ModuleDatabaseFixture fixture) : IDisposable
{
    private const string Schema = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
        CREATE FUNCTION app.total(o app.orders) RETURNS numeric LANGUAGE sql AS 'SELECT o.total';
        CREATE VIEW app.big AS SELECT o.id, app.total(o) AS total FROM app.orders o;
        """;

    // The function's return type changes: it is dropped and created again, and the view that uses it around it.
    private const string Declarations = """
        CREATE FUNCTION app.total(o app.orders) RETURNS integer LANGUAGE sql AS 'SELECT o.total::int';
        CREATE VIEW app.big AS SELECT o.id, app.total(o) AS total FROM app.orders o;
        CREATE FUNCTION app.fresh() RETURNS int LANGUAGE sql AS 'SELECT 1';
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("pgautogen-formats-module-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Flyway_files_are_numbered_after_the_folder_and_verified_before_they_are_written()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        File.WriteAllText(Path.Combine(_dir, "V1__init.sql"), "SELECT 1;\n");
        var result = PowerShellHost.Run("New-PgMigration -ConnectionString $cs -Sql $decl -Schema app -Format Flyway -OutFile $dir -Message 'Audit orders' -Verify -Verbose | ForEach-Object Name",
            Ps.Vars(("cs", db.ConnectionString), ("decl", Declarations), ("dir", _dir)), ciStyle: true);
        Assert.False(result.HadErrors, result.ToString());
        Assert.Equal(new[] { "V2__audit_orders.sql", "U2__audit_orders.sql" }, result.Output.Select(o => o.ToString()));
        Assert.Contains(result.Verbose, v => v.StartsWith("Verified: the upgrade", StringComparison.Ordinal));
        Assert.Contains("DROP FUNCTION app.total(app.orders);", File.ReadAllText(Path.Combine(_dir, "V2__audit_orders.sql")), StringComparison.Ordinal);

        // Verified means rolled back: the database still differs, and the next migration takes the next number.
        var again = PowerShellHost.Run("New-PgMigration -ConnectionString $cs -Sql $decl -Schema app -Format Flyway -OutFile $dir -Message 'Audit orders' | ForEach-Object Name",
            Ps.Vars(("cs", db.ConnectionString), ("decl", Declarations), ("dir", _dir)), ciStyle: true);
        Assert.Equal(new[] { "V3__audit_orders.sql", "U3__audit_orders.sql" }, again.Output.Select(o => o.ToString()));
    }

    [Fact]
    public async Task A_subset_that_would_fail_on_deploy_is_reported_by_Verify_and_nothing_is_written()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var result = PowerShellHost.Run("""
            Compare-PgDeclaration -ConnectionString $cs -Sql $decl -Schema app |
                Where-Object Kind -ne 'View' |
                New-PgMigration -Format GolangMigrate -OutFile $dir -Verify -ConnectionString $cs
            """, Ps.Vars(("cs", db.ConnectionString), ("decl", Declarations), ("dir", _dir)), ciStyle: true);
        var error = Assert.Single(result.AllErrors);
        Assert.StartsWith("MigrationVerifyFailed", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        var message = error.ToString();
        Assert.Contains("the upgrade fails at the step 'DropAndCreate function app.total(app.orders)", message, StringComparison.Ordinal);
        Assert.Contains("000001_pgautogen.up.sql:", message, StringComparison.Ordinal);
        Assert.Contains("other objects depend on it", message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Bad_input_is_refused_with_what_to_do_and_nothing_is_written()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var unknown = PowerShellHost.Run("New-PgMigration -Sql $decl -Format Flyaway -OutFile $dir", Ps.Vars(("dir", _dir), ("decl", Declarations)));
        Assert.Contains("Dbmate, Flyway, GolangMigrate, Sqitch, Liquibase, EfCore, DbUp, Grate, Plain", Assert.Single(unknown.AllErrors).ToString(), StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_dir, "V3__a.sql"), "");
        File.WriteAllText(Path.Combine(_dir, "V3__b.sql"), "");
        string Error(string script)
        {
            var result = PowerShellHost.Run("$ops = @(Compare-PgDeclaration -ConnectionString $cs -Sql $decl -Schema app); " + script,
                Ps.Vars(("cs", db.ConnectionString), ("decl", Declarations), ("dir", _dir)), ciStyle: true);
            var error = Assert.Single(result.AllErrors);
            return error.FullyQualifiedErrorId + ": " + error;
        }

        var duplicate = Error("$ops | New-PgMigration -Format Flyway -OutFile $dir");
        Assert.StartsWith("MigrationFolderInvalid", duplicate, StringComparison.Ordinal);
        Assert.Contains("'V3__a.sql' and 'V3__b.sql' have the same version 3", duplicate, StringComparison.Ordinal);
        var fileName = Error("$ops | New-PgMigration -Format Flyway -OutFile ($dir + '/new/V42__audit.sql')");
        Assert.StartsWith("MigrationOptionInvalid", fileName, StringComparison.Ordinal);
        Assert.Contains("-OutFile is the migrations folder, not a file", fileName, StringComparison.Ordinal);
        var ns = Error("$ops | New-PgMigration -Format EfCore -OutFile ($dir + '/ef') -Namespace 'Shop.class' -DbContext Shop.Ctx");
        Assert.StartsWith("MigrationOptionInvalid", ns, StringComparison.Ordinal);
        Assert.Contains("-Namespace 'Shop.class' is not a C# name", ns, StringComparison.Ordinal);
        Assert.Equal(new[] { "V3__a.sql", "V3__b.sql" }, Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var ignored = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Sql $decl -Schema app | New-PgMigration -Format Plain -OutFile ($dir + '/plain') -Namespace Shop",
            Ps.Vars(("cs", db.ConnectionString), ("decl", Declarations), ("dir", _dir)));
        Assert.False(ignored.HadErrors, ignored.ToString());
        Assert.Contains("-Namespace and -DbContext are used by -Format EfCore only; they are ignored for -Format Plain.", ignored.Warnings);
        Assert.Equal(new[] { "pgautogen.down.sql", "pgautogen.up.sql" }, Directory.EnumerateFiles(Path.Combine(_dir, "plain")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Test_PgDeclaration_Verify_proves_the_fix_and_still_answers_false()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var result = PowerShellHost.Run("Test-PgDeclaration -ConnectionString $cs -Sql $decl -Schema app -Verify -CIFormat None -Verbose",
            Ps.Vars(("cs", db.ConnectionString), ("decl", Declarations)), ciStyle: true);
        Assert.False(result.HadErrors, result.ToString());
        Assert.False(Assert.Single(result.OutputOf<bool>()));
        Assert.Contains(result.Verbose, v => v.StartsWith("Verified: the upgrade", StringComparison.Ordinal));
    }
}
