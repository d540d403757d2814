using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>The connection forms and secrets as a PowerShell user meets them: every stream, $Error and its exceptions.</summary>
public sealed class ConnectionCmdletTests(ModuleDatabaseFixture fixture)
{
    private const string Secret = "S3cr3t!pw";

    [Fact]
    public void A_psql_style_string_with_a_password_shows_the_password_nowhere_when_the_server_is_unreachable()
    {
        // The probe's case: a libpq keyword/value string was taken as one host name, password included, into -Verbose and the error.
        var result = PowerShellHost.Run("""
            $cs = "host=127.0.0.1 port=1 dbname=app user=u password=$secret connect_timeout=3"
            Get-PgCatalogObject -ConnectionString $cs -Verbose -ErrorAction SilentlyContinue
            $Error | ForEach-Object { $_.ToString(); $_.Exception.ToString(); $_.ErrorDetails; $_.TargetObject } | Out-String
            """, Ps.Vars(("secret", Secret)));
        var everything = result.ToString() + string.Join("\n", result.Output.Select(o => o.ToString())) + string.Join("\n", result.Verbose);
        Assert.Contains(result.Verbose, v => v.Contains("u@127.0.0.1:1/app", StringComparison.Ordinal));
        Assert.Contains("ConnectionFailed", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessToken_takes_a_script_block_that_is_asked_again_for_each_command_and_a_uri()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("DROP ROLE IF EXISTS pgautogen_cloud; CREATE ROLE pgautogen_cloud LOGIN PASSWORD 'token-1';" +
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'");
        var server = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
        var uri = $"postgresql://pgautogen_cloud@{server.Host}:{server.Port}/{db.Name}";
        var result = PowerShellHost.Run("""
            $script:token = 'token-1'
            $script:asked = 0
            $provider = { $script:asked++; $script:token }
            (Get-PgCatalogObject -ConnectionString $uri -AccessToken $provider).Identity
            $admin.Invoke()
            $script:token = 'token-2'
            (Get-PgCatalogObject -ConnectionString $uri -AccessToken $provider -Verbose).Identity
            "asked=$script:asked"
            $plain = ConvertTo-SecureString 'token-2' -AsPlainText -Force
            (Get-PgCatalogObject -ConnectionString $uri -AccessToken $plain).Identity
            $stale = 'token-1'  # in a variable: the error shows the command line as written
            Get-PgCatalogObject -ConnectionString $uri -AccessToken $stale -ErrorAction SilentlyContinue
            $Error[0].FullyQualifiedErrorId
            ($Error[0] | Out-String) -like '*token-1*'
            """, Ps.Vars(("uri", uri), ("admin", new Action(() => db.ExecuteAsync("ALTER ROLE pgautogen_cloud PASSWORD 'token-2'").GetAwaiter().GetResult()))), ciStyle: false);
        var lines = result.Output.Select(o => o?.ToString()).ToList();
        Assert.Equal(new[] { "public.f()", "public.f()", "asked=2", "public.f()" }, lines.Take(4));
        Assert.Contains(result.Verbose, v => v.Contains("password from the access token provider", StringComparison.Ordinal));
        Assert.StartsWith("AuthenticationFailed", lines[4], StringComparison.Ordinal);
        Assert.Equal("False", lines[5]);
    }
}
