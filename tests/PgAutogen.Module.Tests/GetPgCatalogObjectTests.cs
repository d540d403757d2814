using System.Diagnostics;
using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

public sealed class GetPgCatalogObjectTests(ModuleDatabaseFixture fixture)
{
    private const string Schema = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
        CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE FUNCTION app.total(o app.orders) RETURNS numeric LANGUAGE sql AS 'SELECT o.total';
        CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
        CREATE VIEW app.big_orders AS SELECT id FROM app.orders WHERE total > 100;
        CREATE FUNCTION public.helper() RETURNS int LANGUAGE sql AS 'SELECT 1';
        """;

    [Fact]
    public async Task Objects_stream_as_typed_PgObjects_that_Where_Object_can_filter()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var result = PowerShellHost.Run("""
            $all = @(Get-PgCatalogObject -ConnectionString $cs)
            $all.Count
            Get-PgCatalogObject -ConnectionString $cs | Where-Object Kind -eq Trigger | ForEach-Object Identity
            Get-PgCatalogObject -ConnectionString $cs -Kind View, Function -Schema 'AP*' | ForEach-Object { "$($_.Kind) $_" }
            ($all[0] -is [PgAutogen.PgObject])
            """, Ps.Vars(("cs", db.ConnectionString)), ciStyle: true);
        Assert.False(result.HadErrors, result.ToString());
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("5", lines[0]);
        Assert.Equal("touch ON app.orders", lines[1]);
        Assert.Equal(new[] { "Function app.total(app.orders)", "Function app.touch()", "View app.big_orders" }.Order(), lines.Skip(2).Take(3).Order());
        Assert.Equal("True", lines[5]);
    }

    [Fact]
    public async Task A_typo_in_Kind_fails_loudly()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var result = PowerShellHost.Run("Get-PgCatalogObject -ConnectionString $cs -Kind Tigger", Ps.Vars(("cs", db.ConnectionString)));
        Assert.True(result.HadErrors);
        Assert.Contains("Tigger", result.AllErrors.First().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_comes_from_PG_environment_variables_when_no_connection_string_is_given()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var b = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        var result = PowerShellHost.Run("""
            $env:PGHOST = $h; $env:PGPORT = $p; $env:PGDATABASE = $d; $env:PGUSER = $u
            try { Get-PgCatalogObject -Kind Trigger | ForEach-Object Identity }
            finally { 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER' | ForEach-Object { [Environment]::SetEnvironmentVariable($_, $null) } }
            """, Ps.Vars(("h", b.Host), ("p", b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("d", b.Database), ("u", b.Username)));
        Assert.False(result.HadErrors, result.ToString());
        Assert.Equal("touch ON app.orders", Assert.Single(result.Output).ToString());
    }

    [Fact]
    public async Task A_wrong_password_is_one_terminating_authentication_error_without_the_password()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("DROP ROLE IF EXISTS pgautogen_mod; CREATE ROLE pgautogen_mod LOGIN PASSWORD 'good-one'");
        var b = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = null, Password = null };
        var result = PowerShellHost.Run("""
            $cred = [pscredential]::new('pgautogen_mod', [System.Net.NetworkCredential]::new('', 'S3cret-But-Wrong').SecurePassword)
            Get-PgCatalogObject -ConnectionString $cs -Credential $cred -Verbose
            """, Ps.Vars(("cs", b.ConnectionString)));
        var error = Assert.Single(result.AllErrors);
        Assert.Equal("AuthenticationFailed,PgAutogen.Commands.GetPgCatalogObjectCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("pgautogen_mod", error.ToString(), StringComparison.Ordinal);
        var everything = string.Join("\n", result.Verbose) + error + result.HostText;
        Assert.DoesNotContain("S3cret-But-Wrong", everything, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_server_is_a_connection_error_with_host_and_database()
    {
        var result = PowerShellHost.Run("Get-PgCatalogObject -ConnectionString 'Host=127.0.0.1;Port=1;Database=shop;Username=x;Password=pw-should-not-show;Timeout=2'");
        var error = Assert.Single(result.AllErrors);
        Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("127.0.0.1:1", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("'shop'", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw-should-not-show", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_module_works_beside_another_Npgsql_loaded_first_in_the_same_process()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var probe = Path.Combine(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!
            .Replace("PgAutogen.Module.Tests", "PgAutogen.IsolationProbe", StringComparison.Ordinal), Path.GetFileName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)), "PgAutogen.IsolationProbe.dll");
        Assert.True(File.Exists(probe), "The isolation probe was not built: " + probe);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(probe);
        psi.ArgumentList.Add(Paths.ModuleManifest);
        psi.ArgumentList.Add(db.ConnectionString);
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, stdout + stderr);
        Assert.Contains("host-npgsql=8.0.9.0", stdout, StringComparison.Ordinal);
        Assert.Contains("object=public.probe_fn()", stdout, StringComparison.Ordinal);
        Assert.Matches(@"loaded-npgsql=8\.0\.9\.0 context=Default", stdout);
        Assert.Matches(@"loaded-npgsql=9\.\d+\.\d+\.\d+ context=PgAutogen", stdout);
    }
}
