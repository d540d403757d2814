using System.Net.Sockets;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;

namespace PgAutogen.TestSupport;

/// <summary>A PostgreSQL server the tests use: its superuser connection string, version and how it was obtained.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;

    public TestServer(string connectionString, string source, Func<ValueTask> dispose)
    {
        ConnectionString = connectionString;
        Source = source;
        _dispose = dispose;
    }

    /// <summary>A superuser connection string to the maintenance database.</summary>
    public string ConnectionString { get; }

    /// <summary>How the server was obtained (environment, Docker, local binaries).</summary>
    public string Source { get; }

    public string Version { get; private set; } = "";

    public int MajorVersion { get; private set; }

    public async Task ReadVersionAsync()
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SHOW server_version_num", conn);
        var num = int.Parse((string)(await cmd.ExecuteScalarAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        MajorVersion = num / 10000;
        Version = $"{num / 10000}.{num % 10000}";
    }

    public ValueTask DisposeAsync() => _dispose();
}

/// <summary>
/// Finds a server for the test run: PGAUTOGEN_TEST_CONNECTION, else Docker (Testcontainers), else local
/// binaries (through the starter the test project gives), else one clear error.
/// </summary>
public static class TestServerResolver
{
    public const string NoServerMessage =
        "No PostgreSQL server is available for the tests. Provide one of: " +
        "(1) PGAUTOGEN_TEST_CONNECTION='Host=...;Username=...;Password=...' (a superuser connection); " +
        "(2) a running Docker engine (Testcontainers starts postgres:17); " +
        "(3) local PostgreSQL binaries: apt-get install postgresql, or PGAUTOGEN_PG_BIN=<folder with initdb, pg_ctl, postgres>.";

    public static async Task<TestServer> ResolveAsync(Func<Task<TestServer?>> startLocal)
    {
        var fromEnv = Environment.GetEnvironmentVariable("PGAUTOGEN_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return new TestServer(fromEnv, "PGAUTOGEN_TEST_CONNECTION", () => ValueTask.CompletedTask);
        }

        if (Environment.GetEnvironmentVariable("PGAUTOGEN_PG_BIN") is not { Length: > 0 } && await DockerAvailableAsync())
        {
            var image = "postgres:" + (Environment.GetEnvironmentVariable("PGAUTOGEN_TEST_PG_MAJOR") ?? "17");
            var container = new PostgreSqlBuilder(image).Build();
            await container.StartAsync();
            return new TestServer(container.GetConnectionString(), "Docker " + image, () => container.DisposeAsync());
        }

        return await startLocal() ?? throw new InvalidOperationException(NoServerMessage);
    }

    /// <summary>True when a Docker engine answers on DOCKER_HOST or the default socket (the client alone is not enough).</summary>
    public static async Task<bool> DockerAvailableAsync()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        string socketPath;
        if (string.IsNullOrEmpty(host))
        {
            socketPath = "/var/run/docker.sock";
        }
        else if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            socketPath = host["unix://".Length..];
        }
        else
        {
            return true; // A TCP engine: let Testcontainers try it.
        }

        if (!File.Exists(socketPath))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"), SocketFlags.None, cts.Token);
            var buffer = new byte[256];
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, n).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
