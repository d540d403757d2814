using Npgsql;
using Xunit;

namespace PgAutogen.TestSupport;

/// <summary>
/// One PostgreSQL server per test run (an assembly fixture); a fresh database per test, cloned from a
/// template. Under CI=true a missing server fails the tests; locally they skip with the reason.
/// </summary>
public abstract class PostgresFixture : IAsyncLifetime
{
    private const string TemplateName = "pgautogen_test_template";
    private static int s_counter;

    public TestServer? Server { get; private set; }

    public string? UnavailableReason { get; private set; }

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Starts a server from local binaries, or returns null when none is found.</summary>
    protected abstract Task<TestServer?> StartLocalAsync();

    public async ValueTask InitializeAsync()
    {
        try
        {
            Server = await TestServerResolver.ResolveAsync(StartLocalAsync);
            await Server.ReadVersionAsync();
            if (ExpectedMajor() is { } expected && expected != Server.MajorVersion)
            {
                // The version matrix (.ci/run) says which major it means to test: running on another would report a false result.
                throw new InvalidOperationException(
                    $"PGAUTOGEN_TEST_PG_MAJOR={expected}, but the test server ({Server.Source}) is PostgreSQL {Server.Version}.");
            }

            await using var conn = new NpgsqlConnection(Server.ConnectionString);
            await conn.OpenAsync();
            await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {TemplateName}", conn))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await using (var create = new NpgsqlCommand($"CREATE DATABASE {TemplateName} TEMPLATE template0 ENCODING 'UTF8'", conn))
            {
                await create.ExecuteNonQueryAsync();
            }

            var line = $"PgAutogen tests: PostgreSQL {Server.Version} ({Server.Source})";
            Console.WriteLine(line);
            File.AppendAllText(Path.Combine(Path.GetTempPath(), "pgautogen-test-servers.log"), DateTime.UtcNow.ToString("O") + " " + line + Environment.NewLine);
        }
        catch (Exception ex)
        {
            UnavailableReason = ex.Message;
            if (Server is not null)
            {
                await Server.DisposeAsync();
                Server = null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>The major version the run must test (PGAUTOGEN_TEST_PG_MAJOR), if one is set.</summary>
    public static int? ExpectedMajor() =>
        int.TryParse(Environment.GetEnvironmentVariable("PGAUTOGEN_TEST_PG_MAJOR"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var major) ? major : null;

    /// <summary>The server, or skip (locally) / fail (CI=true) with the reason none is available.</summary>
    public TestServer RequireServer()
    {
        if (Server is not null)
        {
            return Server;
        }

        var reason = UnavailableReason ?? TestServerResolver.NoServerMessage;
        if (InCi)
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
        return null!;
    }

    /// <summary>A fresh, empty database for one test; dropped when disposed.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var server = RequireServer();
        var name = $"t_{Environment.ProcessId}_{Interlocked.Increment(ref s_counter)}";
        await using (var conn = new NpgsqlConnection(server.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {TemplateName}", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString, server);
    }
}

/// <summary>A database that exists for one test.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly TestServer _server;

    public TestDatabase(string name, string connectionString, TestServer server)
    {
        Name = name;
        ConnectionString = connectionString;
        _server = server;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public int MajorVersion => _server.MajorVersion;

    public async Task ExecuteAsync(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs exactly one statement as written, even when it holds semicolons of its own, such as a SQL-standard body
    /// (BEGIN ATOMIC ... END): Npgsql 9 splits a plain command there, and refuses it in a batch (npgsql issue 4445),
    /// so the statement goes to the server as a dollar-quoted string that a DO block executes.
    /// </summary>
    public async Task ExecuteStatementAsync(string sql)
    {
        const string tag = "$pgautogen_statement$";
        if (sql.Contains(tag, StringComparison.Ordinal))
        {
            throw new ArgumentException("The statement contains " + tag, nameof(sql));
        }

        await ExecuteAsync($"DO $pgautogen_do$ BEGIN EXECUTE {tag}{sql}{tag}; END $pgautogen_do$");
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        var value = await cmd.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }

    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var conn = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>ALTER DATABASE ... RESET default_transaction_read_only, from a session that is not read-only itself (a pooled one may be).</summary>
    public async Task ReadWriteAgainAsync()
    {
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { Options = "-c default_transaction_read_only=off", Pooling = false }.ConnectionString;
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"ALTER DATABASE {Name} RESET default_transaction_read_only", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(_server.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
