using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>Compare-PgDeclaration, New-PgMigration, Test-PgDeclaration, Export-PgDeclaration through the hosted engine.</summary>
public sealed class CompareCmdletTests(ModuleDatabaseFixture fixture) : IDisposable
{
    private const string Schema = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, updated_at timestamptz);
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
        CREATE FUNCTION app.old_helper() RETURNS int LANGUAGE sql AS 'SELECT 1';
        CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
        CREATE VIEW app.big AS SELECT id FROM app.orders WHERE total > 100;
        """;

    private const string Declarations = """
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END $$;
        CREATE TRIGGER touch BEFORE INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
        CREATE VIEW app.big AS SELECT id FROM app.orders WHERE total > 200;
        CREATE FUNCTION app.new_helper(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("pgautogen-module-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, object?> Vars(params (string, object?)[] vars) => Ps.Vars(vars);

    [Fact]
    public async Task Compare_emits_ordered_ops_that_Where_Object_can_filter()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var result = PowerShellHost.Run("""
            $ops = @(Compare-PgDeclaration -ConnectionString $cs -Sql $decl)
            $ops | ForEach-Object { "$($_.Order) $($_.Action) $($_.Kind) $($_.Identity)" }
            '--'
            Compare-PgDeclaration -ConnectionString $cs -Sql $decl | Where-Object Action -eq Drop | ForEach-Object Identity
            '--'
            ($ops | Where-Object Action -eq Replace | Where-Object Kind -eq View).Diff
            """, Vars(("cs", db.ConnectionString), ("decl", Declarations)), ciStyle: true);
        Assert.False(result.HadErrors, result.ToString());
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal(new[]
        {
            "1 Create Function app.new_helper(integer)",
            "2 Replace Function app.touch()",
            "3 Replace View app.big",
            "4 Replace Trigger touch ON app.orders",
            "5 Drop Function app.old_helper()",
        }, lines.TakeWhile(l => l != "--"));
        Assert.Equal("app.old_helper()", lines[lines.IndexOf("--") + 1]);
        Assert.Contains("+ ", string.Join("\n", lines.Skip(lines.LastIndexOf("--") + 1)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_PgMigration_writes_a_dbmate_file_WhatIf_writes_nothing_and_existing_files_need_Force()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var file = Path.Combine(_dir, "V1__logic.sql");
        var whatIf = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Sql $decl | New-PgMigration -OutFile $f -WhatIf",
            Vars(("cs", db.ConnectionString), ("decl", Declarations), ("f", file)));
        Assert.False(whatIf.HadErrors, whatIf.ToString());
        Assert.Empty(whatIf.Output);
        Assert.False(File.Exists(file));

        var written = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Sql $decl | Where-Object Kind -ne 'View' | New-PgMigration -OutFile $f -Message 'audit'",
            Vars(("cs", db.ConnectionString), ("decl", Declarations), ("f", file)), ciStyle: true);
        Assert.False(written.HadErrors, written.ToString());
        Assert.Equal(file, Assert.Single(written.OutputOf<FileInfo>()).FullName);
        var text = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        Assert.StartsWith("-- audit\n", text, StringComparison.Ordinal);
        Assert.Contains("-- migrate:up\nSET check_function_bodies = off;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("VIEW app.big", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
        Assert.NotEqual(0xEF, (await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken))[0]);

        // The filtered subset runs: up, then down.
        var up = text[text.IndexOf("-- migrate:up", StringComparison.Ordinal)..text.IndexOf("-- migrate:down", StringComparison.Ordinal)];
        var down = text[text.IndexOf("-- migrate:down", StringComparison.Ordinal)..];
        await Psql.RunAsync(db.ConnectionString, up);
        await Psql.RunAsync(db.ConnectionString, down);

        var again = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Sql $decl | New-PgMigration -OutFile $f",
            Vars(("cs", db.ConnectionString), ("decl", Declarations), ("f", file)));
        var error = Assert.Single(again.AllErrors);
        Assert.StartsWith("OutputFileExists", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("-Force", error.ToString(), StringComparison.Ordinal);
        var forced = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Sql $decl | New-PgMigration -OutFile $f -Force",
            Vars(("cs", db.ConnectionString), ("decl", Declarations), ("f", file)));
        Assert.False(forced.HadErrors, forced.ToString());
    }

    [Fact]
    public async Task No_differences_write_nothing_and_say_so()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        var file = Path.Combine(_dir, "none.sql");
        var result = PowerShellHost.Run("New-PgMigration -ConnectionString $cs -Sql $decl -OutFile $f",
            Vars(("cs", db.ConnectionString), ("decl", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"), ("f", file)));
        Assert.False(result.HadErrors, result.ToString());
        Assert.False(File.Exists(file));
        Assert.Contains("No differences", result.HostText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Piped_catalog_objects_scope_the_comparison()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema + "CREATE SCHEMA other; CREATE FUNCTION other.keep_me() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        var result = PowerShellHost.Run("Get-PgCatalogObject -ConnectionString $cs -Schema app | Compare-PgDeclaration -ConnectionString $cs -Sql $decl | ForEach-Object Identity",
            Vars(("cs", db.ConnectionString), ("decl", Declarations)), ciStyle: true);
        Assert.False(result.HadErrors, result.ToString());
        Assert.DoesNotContain("other.keep_me()", result.Output.Select(o => o.ToString()));
        Assert.Contains("app.old_helper()", result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public async Task Test_PgDeclaration_returns_only_a_bool_and_annotates_drift_for_github_actions()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var summary = Path.Combine(_dir, "summary.md");
        var drift = PowerShellHost.Run("Test-PgDeclaration -ConnectionString $cs -Sql $decl -CIFormat GitHubActions -SummaryPath $s",
            Vars(("cs", db.ConnectionString), ("decl", Declarations), ("s", summary)), ciStyle: true);
        Assert.False(drift.HadErrors, drift.ToString());
        Assert.False(Assert.Single(drift.OutputOf<bool>()));
        Assert.Contains("::warning", drift.HostText, StringComparison.Ordinal);
        Assert.Contains("app.old_helper()", await File.ReadAllTextAsync(summary, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var exact = Schema.Replace("CREATE SCHEMA app;", "", StringComparison.Ordinal).Replace("CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, updated_at timestamptz);", "", StringComparison.Ordinal);
        var clean = PowerShellHost.Run("Test-PgDeclaration -ConnectionString $cs -Sql $decl -CIFormat None", Vars(("cs", db.ConnectionString), ("decl", exact)), ciStyle: true);
        Assert.False(clean.HadErrors, clean.ToString());
        Assert.True(Assert.Single(clean.OutputOf<bool>()));
    }

    [Fact]
    public async Task Export_then_compare_gives_nothing_to_do()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var result = PowerShellHost.Run("""
            $files = @(Export-PgDeclaration -ConnectionString $cs -Path $dir)
            $files.Count
            @(Compare-PgDeclaration -ConnectionString $cs -Path $dir).Count
            @(Export-PgDeclaration -ConnectionString $cs -Path $dir -WhatIf).Count
            """, Vars(("cs", db.ConnectionString), ("dir", _dir)), ciStyle: true);
        Assert.False(result.HadErrors, result.ToString());
        Assert.Equal(new[] { "4", "0", "0" }, result.Output.Select(o => o.ToString()));
        Assert.True(File.Exists(Path.Combine(_dir, "app", "triggers", "orders.touch.sql")));
        var again = PowerShellHost.Run("Export-PgDeclaration -ConnectionString $cs -Path $dir", Vars(("cs", db.ConnectionString), ("dir", _dir)));
        Assert.StartsWith("OutputFileExists", Assert.Single(again.AllErrors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_declaration_is_an_error_with_its_location_and_nothing_runs()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var result = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Sql $decl",
            Vars(("cs", db.ConnectionString), ("decl", "CREATE VIEW app.v AS\nSELECT nope FROM app.orders")));
        var error = Assert.Single(result.AllErrors);
        Assert.StartsWith("DeclarationInvalid", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains(":2:8: view app.v: column \"nope\" does not exist", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Compare-PgDeclaration")]
    [InlineData("Test-PgDeclaration")]
    [InlineData("New-PgMigration -OutFile $out")]
    public void Declaration_errors_come_first_even_when_the_database_cannot_be_reached(string command)
    {
        // Parsed while the compare connects: a refused statement is reported as such, never hidden by the connection
        // error, nor by a connection string that does not parse.
        foreach (var cs in new[] { "Host=127.0.0.1;Port=1;Database=none;Username=nobody;Timeout=2", "Host=127.0.0.1;Port=notanumber" })
        {
            var result = PowerShellHost.Run(command + " -ConnectionString $cs -Sql 'DROP TABLE app.orders', 'CREATE VIEW app.v AS SELECT 1'",
                Vars(("cs", cs), ("out", Path.Combine(_dir, "m.sql"))));
            Assert.Equal(new[] { "DeclarationStatementNotAllowed", "DeclarationsInvalid" },
                result.AllErrors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Contains("-Sql[0]:1:1: DROP TABLE is not allowed", result.AllErrors.First().ToString(), StringComparison.Ordinal);
            Assert.Empty(result.Output);
        }

        Assert.False(File.Exists(Path.Combine(_dir, "m.sql")));
    }
}

public sealed class CompareWarningTests(ModuleDatabaseFixture fixture)
{
    [Fact]
    public async Task Dropping_more_than_half_of_the_managed_objects_warns()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION a() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION b() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION c() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION d() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """);
        var result = PowerShellHost.Run("@(Compare-PgDeclaration -ConnectionString $cs -Sql \"CREATE FUNCTION a() RETURNS int LANGUAGE sql AS 'SELECT 1'\").Count",
            Ps.Vars(("cs", db.ConnectionString)));
        Assert.False(result.HadErrors, result.ToString());
        Assert.Equal("3", Assert.Single(result.Output).ToString());
        Assert.Contains(result.Warnings, w => w.Contains("drops 3 of the 4 managed objects", StringComparison.Ordinal) && w.Contains("-Path", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dropping_every_managed_object_of_a_small_database_warns_too()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION a() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE VIEW v AS SELECT 1 AS one;
            """);
        var empty = Directory.CreateTempSubdirectory("pgautogen-empty-");
        try
        {
            var result = PowerShellHost.Run("@(Compare-PgDeclaration -ConnectionString $cs -Path $folder).Count",
                Ps.Vars(("cs", db.ConnectionString), ("folder", empty.FullName)));
            Assert.False(result.HadErrors, result.ToString());
            Assert.Equal("2", Assert.Single(result.Output).ToString());
            Assert.Contains(result.Warnings, w => w.Contains("the folder contains no .sql files", StringComparison.Ordinal));
            Assert.Contains(result.Warnings, w => w.Contains("drops all 2 managed object(s) in the database", StringComparison.Ordinal) && w.Contains("-Path", StringComparison.Ordinal));
        }
        finally
        {
            empty.Delete();
        }
    }
}
