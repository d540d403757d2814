using System.Net;
using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Databases;

/// <summary>
/// The connection forms teams paste (psql's keyword/value string, the postgresql:// URI of dbmate, golang-migrate and CI
/// secrets), pg_service.conf and the PG* variables read as libpq reads them, and cloud access tokens as a password
/// provider. A password shows nowhere: not in what Describe prints (the verbose line), not in any error.
/// </summary>
public sealed class LibpqConnectionTests(CoreDatabaseFixture fixture)
{
    private const string Secret = "S3cr3t!pw";

    private static NpgsqlConnectionStringBuilder Build(string? connectionString, Dictionary<string, string>? env = null) =>
        PgConnectionFactory.Build(connectionString, null, k => (env ?? new Dictionary<string, string>()).GetValueOrDefault(k));

    private static PgAutogenException Invalid(string? connectionString, Dictionary<string, string>? env = null)
    {
        var ex = Assert.Throws<PgAutogenException>(() => Build(connectionString, env));
        Assert.Equal(PgErrorId.ConnectionStringInvalid, ex.ErrorId);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public void A_libpq_keyword_value_string_is_read_as_psql_reads_it()
    {
        var b = Build($"host=db.example.com port=6432 dbname=shop user=deployer password={Secret} sslmode=verify-full application_name='nightly deploy' options='-c search_path=app'");
        Assert.Equal("db.example.com", b.Host);
        Assert.Equal(6432, b.Port);
        Assert.Equal("shop", b.Database);
        Assert.Equal("deployer", b.Username);
        Assert.Equal(Secret, b.Password);
        Assert.Equal(SslMode.VerifyFull, b.SslMode);
        Assert.Equal("nightly deploy", b.ApplicationName);
        Assert.Equal("-c search_path=app", b.Options);
        Assert.True(b.IncludeErrorDetail);
        Assert.Equal("deployer@db.example.com:6432/shop", PgConnectionFactory.Describe(b).ToString());

        // Quoted values with escapes, spaces around '='.
        var quoted = Build(@"host = db   password = 'it\'s a \\ secret' dbname=x");
        Assert.Equal(@"it's a \ secret", quoted.Password);
        Assert.Equal("PgAutogen", quoted.ApplicationName);
    }

    [Fact]
    public void A_postgresql_uri_is_read_with_percent_encoding_several_hosts_and_query_parameters()
    {
        var b = Build($"postgresql://deploy%40corp:{Uri.EscapeDataString(Secret + "@/:")}@db1.example.com:5433,db2.example.com/shop%20prod?sslmode=require&connect_timeout=7&target_session_attrs=read-write");
        Assert.Equal("deploy@corp", b.Username);
        Assert.Equal(Secret + "@/:", b.Password);
        Assert.Equal("db1.example.com:5433,db2.example.com", b.Host);
        Assert.Equal("shop prod", b.Database);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal(7, b.Timeout);
        Assert.Equal("read-write", b.TargetSessionAttributes);

        var v6 = Build("postgres://[::1]:6543/app?ssl=true");
        Assert.Equal("::1", v6.Host);
        Assert.Equal(6543, v6.Port);
        Assert.Equal(SslMode.Require, v6.SslMode);

        var socket = Build("postgresql://%2Fvar%2Frun%2Fpostgresql/app");
        Assert.Equal("/var/run/postgresql", socket.Host);
    }

    [Fact]
    public void Malformed_strings_say_what_is_wrong_without_the_password()
    {
        Assert.Contains("quoted value of 'password'", Invalid($"host=db password='{Secret}").Message, StringComparison.Ordinal);
        Assert.Contains("the port '54x32'", Invalid($"postgresql://u:{Secret}@db:54x32/app").Message, StringComparison.Ordinal);
        Assert.Contains("'sslmod'", Invalid($"postgresql://u:{Secret}@db/app?sslmod=require").Message, StringComparison.Ordinal);
        Assert.Contains("sslmode 'sometimes'", Invalid($"host=db password={Secret} sslmode=sometimes").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_libpq_forms_the_environment_fills_what_is_unset_and_an_Npgsql_string_is_left_alone()
    {
        var env = new Dictionary<string, string> { ["PGHOST"] = "envhost", ["PGPORT"] = "7777", ["PGUSER"] = "envuser", ["PGDATABASE"] = "envdb" };
        var libpq = Build("dbname=explicit", env);
        Assert.Equal(("envhost", 7777, "explicit", "envuser"), (libpq.Host, libpq.Port, libpq.Database, libpq.Username));
        var uri = Build("postgresql:///explicit", env);
        Assert.Equal(("envhost", "explicit"), (uri.Host, uri.Database));
        var npgsql = Build("Host=h;Database=d", env);
        Assert.Equal(("h", "d"), (npgsql.Host, npgsql.Database));
        Assert.Null(npgsql.Username);
    }

    [Fact]
    public void The_other_libpq_variables_are_read_or_refused_by_name()
    {
        var env = new Dictionary<string, string>
        {
            ["PGAPPNAME"] = "ci-drift",
            ["PGCONNECT_TIMEOUT"] = "9",
            ["PGOPTIONS"] = "-c statement_timeout=5s",
            ["PGTZ"] = "Europe/Paris",
            ["PGDATESTYLE"] = "ISO, DMY",
            ["PGSSLROOTCERT"] = "/etc/ssl/ca.pem",
            ["PGSSLCERT"] = "/etc/ssl/client.crt",
            ["PGSSLKEY"] = "/etc/ssl/client.key",
            ["PGCLIENTENCODING"] = "UTF8",
            ["PGTARGETSESSIONATTRS"] = "primary",
            ["PGCHANNELBINDING"] = "require",
            ["PGLOADBALANCEHOSTS"] = "random",
        };
        var b = Build(null, env);
        Assert.Equal("ci-drift", b.ApplicationName);
        Assert.Equal(9, b.Timeout);
        Assert.Equal(@"-c statement_timeout=5s -c DateStyle=ISO,\ DMY", b.Options);
        Assert.Equal("Europe/Paris", b.Timezone);
        Assert.Equal("/etc/ssl/ca.pem", b.RootCertificate);
        Assert.Equal("/etc/ssl/client.crt", b.SslCertificate);
        Assert.Equal("/etc/ssl/client.key", b.SslKey);
        Assert.Equal("UTF8", b.ClientEncoding);
        Assert.Equal("primary", b.TargetSessionAttributes);
        Assert.Equal(ChannelBinding.Require, b.ChannelBinding);
        Assert.True(b.LoadBalanceHosts);

        // What Npgsql cannot honour is refused by name, never ignored.
        var refused = Invalid(null, new Dictionary<string, string> { ["PGREQUIREAUTH"] = "scram-sha-256" });
        Assert.Contains("'require_auth' (or the environment variable PGREQUIREAUTH)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'sslcrl'", Invalid("host=db sslcrl=/etc/ssl/crl.pem").Message, StringComparison.Ordinal);
        Assert.Contains("'gssencmode'", Invalid("host=db gssencmode=require").Message, StringComparison.Ordinal);
        Assert.Equal("db", Build("host=db gssencmode=prefer sslsni=1").Host); // the values that ask for what Npgsql does anyway
    }

    [Fact]
    public void A_service_fills_what_the_string_leaves_unset_before_the_environment_and_a_missing_one_is_an_error()
    {
        var dir = Directory.CreateTempSubdirectory("pgautogen-service-");
        try
        {
            var file = Path.Combine(dir.FullName, "pg_service.conf");
            File.WriteAllText(file, """
                # a comment
                [other]
                host=wrong

                [prod]
                host=svc.example.com
                port=6000
                dbname=svcdb
                user=svcuser
                """);
            var env = new Dictionary<string, string> { ["PGSERVICEFILE"] = file, ["PGSYSCONFDIR"] = dir.FullName, ["PGUSER"] = "envuser", ["PGPASSWORD"] = Secret };
            var b = Build("service=prod dbname=explicit", env);
            Assert.Equal(("svc.example.com", 6000, "explicit", "svcuser", Secret), (b.Host, b.Port, b.Database, b.Username, b.Password));

            env["PGSERVICE"] = "prod";
            Assert.Equal("svc.example.com", Build(null, env).Host);

            env["PGSERVICE"] = "nope";
            var missing = Invalid(null, env);
            Assert.Contains("the service 'nope'", missing.Message, StringComparison.Ordinal);
            Assert.Contains(file, missing.Message, StringComparison.Ordinal);

            File.WriteAllText(file, "[bad]\nhots=x\n");
            env["PGSERVICE"] = "bad";
            Assert.Contains($"{file}:2: 'hots'", Invalid(null, env).Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    [Trait("Category", "Database")]
    public async Task A_libpq_string_and_a_uri_connect_and_a_wrong_password_names_no_password()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync($"DROP ROLE IF EXISTS pgautogen_libpq; CREATE ROLE pgautogen_libpq LOGIN PASSWORD '{Secret}'");
        var server = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var forms = new[]
        {
            $"host={server.Host} port={server.Port} dbname={db.Name} user=pgautogen_libpq password='{Secret}'",
            $"postgresql://pgautogen_libpq:{Uri.EscapeDataString(Secret)}@{server.Host}:{server.Port}/{db.Name}?application_name=uri-test",
        };
        foreach (var form in forms)
        {
            var events = new Compare.RecordingEvents();
            var count = await CatalogService.ReadAsync(new ConnectionOptions { ConnectionString = form }, new CatalogFilter(), _ => { }, events, TestContext.Current.CancellationToken);
            Assert.Equal(0, count);
            Assert.Contains(events.VerboseLines, l => l.Contains($"pgautogen_libpq@{server.Host}:{server.Port}/{db.Name}", StringComparison.Ordinal));
            Assert.DoesNotContain(events.VerboseLines, l => l.Contains(Secret, StringComparison.Ordinal));

            var wrong = form.Replace(Secret, "X" + Secret, StringComparison.Ordinal).Replace(Uri.EscapeDataString(Secret), Uri.EscapeDataString("X" + Secret), StringComparison.Ordinal);
            var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
                CatalogService.ReadAsync(new ConnectionOptions { ConnectionString = wrong }, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
            Assert.Equal(PgErrorId.AuthenticationFailed, ex.ErrorId);
            Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait("Category", "Database")]
    public async Task An_access_token_provider_is_asked_for_every_new_connection_so_a_changed_password_is_followed()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("DROP ROLE IF EXISTS pgautogen_token; CREATE ROLE pgautogen_token LOGIN PASSWORD 'token-1'");
        var cs = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = "pgautogen_token", Password = "not-this-one" }.ConnectionString;
        var current = "token-1";
        var asked = 0;
        ValueTask<string> Provider(CancellationToken _)
        {
            Interlocked.Increment(ref asked);
            return ValueTask.FromResult(current);
        }

        using (var first = new ConnectionOptions { ConnectionString = cs, PasswordProvider = Provider })
        {
            await CatalogService.ReadAsync(first, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        }

        // The token rotates (a new one is issued, the old one no longer works): the next connection asks again.
        await db.ExecuteAsync("ALTER ROLE pgautogen_token PASSWORD 'token-2'");
        current = "token-2";
        using (var second = new ConnectionOptions { ConnectionString = cs, PasswordProvider = Provider })
        {
            await CatalogService.ReadAsync(second, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, asked);

        // A stale token is an authentication error that does not show the token.
        current = "token-1-expired";
        using var stale = new ConnectionOptions { ConnectionString = cs, PasswordProvider = Provider };
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
            CatalogService.ReadAsync(stale, new CatalogFilter(), _ => { }, NullEngineEvents.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(PgErrorId.AuthenticationFailed, ex.ErrorId);
        Assert.DoesNotContain("token-1-expired", ex.ToString(), StringComparison.Ordinal);
    }
}
