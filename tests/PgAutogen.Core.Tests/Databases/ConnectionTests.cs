using System.Net;
using System.Net.Sockets;
using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Tests.Databases;

public sealed class ConnectionTests(CoreDatabaseFixture fixture)
{
    [Fact]
    public void Builds_from_libpq_environment_variables_and_sets_application_name_and_error_detail()
    {
        var env = new Dictionary<string, string>
        {
            ["PGHOST"] = "db.example.com",
            ["PGPORT"] = "6543",
            ["PGDATABASE"] = "shop",
            ["PGUSER"] = "deployer",
            ["PGSSLMODE"] = "require",
        };
        var builder = PgConnectionFactory.Build(null, null, k => env.GetValueOrDefault(k));
        Assert.Equal("db.example.com", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("shop", builder.Database);
        Assert.Equal("deployer", builder.Username);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal("PgAutogen", builder.ApplicationName);
        Assert.True(builder.IncludeErrorDetail);
    }

    [Fact]
    public void Pghostaddr_wins_over_pghost_and_a_connection_string_ignores_the_environment()
    {
        var env = new Dictionary<string, string> { ["PGHOST"] = "name.example", ["PGHOSTADDR"] = "10.1.2.3", ["PGDATABASE"] = "envdb" };
        Assert.Equal("10.1.2.3", PgConnectionFactory.Build(null, null, k => env.GetValueOrDefault(k)).Host);
        var explicitBuilder = PgConnectionFactory.Build("Host=h;Database=d;Application Name=other", null, k => env.GetValueOrDefault(k));
        Assert.Equal("h", explicitBuilder.Host);
        Assert.Equal("d", explicitBuilder.Database);
        Assert.Equal("other", explicitBuilder.ApplicationName); // the user's name wins; PgAutogen is only the fallback
        Assert.Equal("PgAutogen", PgConnectionFactory.Build("Host=h", null, k => env.GetValueOrDefault(k)).ApplicationName);
    }

    [Fact]
    public void Idle_pooled_connections_close_after_15_s_unless_the_connection_string_says_otherwise()
    {
        // Npgsql's 300 s kept one idle connection per database a session compared: over 60 databases the server ran out
        // of connection slots ("sorry, too many clients already", the help examples' test).
        foreach (var cs in new[] { "Host=h;Database=d", "host=h dbname=d", "postgresql://h/d" })
        {
            var builder = PgConnectionFactory.Build(cs, null, _ => null);
            Assert.Equal(PgConnectionFactory.IdleLifetimeSeconds, builder.ConnectionIdleLifetime);
            Assert.True(builder.ConnectionPruningInterval <= builder.ConnectionIdleLifetime / 3);
        }

        var own = PgConnectionFactory.Build("Host=h;Connection Idle Lifetime=120", null, _ => null);
        Assert.Equal(120, own.ConnectionIdleLifetime);
        Assert.Equal(10, own.ConnectionPruningInterval);
    }

    [Fact]
    public void A_bad_sslmode_is_a_clear_error()
    {
        var ex = Assert.Throws<PgAutogenException>(() => PgConnectionFactory.Build(null, null, k => k == "PGSSLMODE" ? "sometimes" : null));
        Assert.Equal(PgErrorId.ConnectionStringInvalid, ex.ErrorId);
        Assert.Contains("sslmode 'sometimes' (from PGSSLMODE)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_overrides_user_and_password()
    {
        var builder = PgConnectionFactory.Build("Host=h;Username=a;Password=x", new NetworkCredential("b", "y"));
        Assert.Equal("b", builder.Username);
        Assert.Equal("y", builder.Password);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_connection_error_naming_host_and_database()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var options = new ConnectionOptions { ConnectionString = $"Host=127.0.0.1;Port={port};Database=shop;Username=u;Password=hunter2secret;Timeout=3" };
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
            CatalogService.ReadAsync(options, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(PgErrorId.ConnectionFailed, ex.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'shop'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Database")]
    public async Task A_wrong_password_is_an_authentication_error_without_the_password()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("DROP ROLE IF EXISTS pgautogen_pw; CREATE ROLE pgautogen_pw LOGIN PASSWORD 'right-password'");
        var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = "pgautogen_pw", Password = "Wr0ng-Pa55word" };
        var options = new ConnectionOptions { ConnectionString = builder.ConnectionString };
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
            CatalogService.ReadAsync(options, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(PgErrorId.AuthenticationFailed, ex.ErrorId);
        Assert.Contains("pgautogen_pw", ex.Message, StringComparison.Ordinal);
        Assert.Contains(db.Name, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng-Pa55word", ex.ToString(), StringComparison.Ordinal);

        // The right password works, through a credential.
        var ok = new ConnectionOptions
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = null, Password = null }.ConnectionString,
            Credential = new NetworkCredential("pgautogen_pw", "right-password"),
        };
        await CatalogService.ReadAsync(ok, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken);
    }

    [Fact]
    [Trait("Category", "Database")]
    public async Task A_missing_database_is_named()
    {
        var server = fixture.RequireServer();
        var options = new ConnectionOptions { ConnectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "no_such_db_here" }.ConnectionString };
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
            CatalogService.ReadAsync(options, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(PgErrorId.DatabaseNotFound, ex.ErrorId);
        Assert.Contains("no_such_db_here", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Database")]
    public async Task The_local_server_provider_starts_and_stops_a_server_and_leaves_nothing_behind()
    {
        if (LocalPostgresServer.FindBinDirectory() is null)
        {
            Assert.Skip("No local PostgreSQL binaries.");
        }

        string root;
        await using (var server = await LocalPostgresServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            root = server.RootDirectory;
            await using var conn = new NpgsqlConnection(server.ConnectionString());
            await conn.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand("SHOW fsync", conn);
            Assert.Equal("off", await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            Assert.DoesNotContain("Password", server.ConnectionString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.False(Directory.Exists(root));
    }
}
