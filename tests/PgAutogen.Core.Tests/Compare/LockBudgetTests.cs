using System.Text;
using Npgsql;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// A live compare never fills the server's lock table: on a server whose table is small (max_locks_per_transaction 10 ×
/// max_connections 20 = 200 entries), a compare that would lock hundreds of views is refused before it executes
/// anything, and another client connects and works meanwhile.
/// </summary>
[Trait("Category", "Database")]
public sealed class LockBudgetTests
{
    [Fact]
    public async Task A_compare_that_would_take_too_many_locks_is_refused_before_it_runs_and_others_keep_working()
    {
        var bin = LocalPostgresServer.FindBinDirectory();
        Assert.SkipWhen(bin is null, "no local PostgreSQL binaries");
        await using var server = await LocalPostgresServer.StartAsync(new LocalServerOptions
        {
            BinDirectory = bin,
            Settings = new Dictionary<string, string> { ["max_locks_per_transaction"] = "10", ["max_connections"] = "20" },
        }, TestContext.Current.CancellationToken);
        var cs = server.ConnectionString();
        var setup = new StringBuilder("CREATE TABLE t (id int);");
        for (var i = 0; i < 150; i++)
        {
            setup.Append($"CREATE TABLE t{i} (id int); CREATE VIEW v{i} AS SELECT id FROM t{i};");
        }

        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand(setup.ToString(), conn);
            await cmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // Every view changed: executing them would lock 150 views and their 150 tables.
        var sql = string.Join(";\n", Enumerable.Range(0, 150).Select(i => $"CREATE VIEW v{i} AS SELECT id, 1 AS one FROM t{i}"));
        var declarations = DeclarationParser.Parse(Array.Empty<string>(), new[] { sql }, cancellationToken: TestContext.Current.CancellationToken).Declarations;
        var events = new RecordingEvents();
        var compare = CompareService.CompareAsync(new ConnectionOptions { ConnectionString = cs }, new CompareRequest { Declarations = declarations }, events,
            TestContext.Current.CancellationToken);

        // Meanwhile another client connects and works.
        await using (var other = new NpgsqlConnection(cs))
        {
            await other.OpenAsync(TestContext.Current.CancellationToken);
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM t", other);
            Assert.Equal(0L, await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        var error = await Assert.ThrowsAsync<PgAutogenException>(() => compare);
        Assert.Equal(PgErrorId.LockBudgetExceeded, error.ErrorId);
        Assert.Contains("would take about 300 locks", error.Message, StringComparison.Ordinal);
        Assert.Contains("room for 200 (max_locks_per_transaction 10 × (max_connections 20 + max_prepared_transactions 0))", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was executed", error.Message, StringComparison.Ordinal);
        Assert.Contains("-Shadow", error.RecommendedAction, StringComparison.Ordinal);

        // A part at a time fits.
        var part = DeclarationParser.Parse(Array.Empty<string>(), new[] { string.Join(";\n", Enumerable.Range(0, 20).Select(i => $"CREATE VIEW v{i} AS SELECT id, 1 AS one FROM t{i}")) },
            cancellationToken: TestContext.Current.CancellationToken).Declarations;
        var ops = await CompareService.CompareAsync(new ConnectionOptions { ConnectionString = cs },
            new CompareRequest { Declarations = part },
            NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        Assert.Equal(20, ops.Where(o => o.Action != MigrationAction.Drop).Select(o => o.Identity).Distinct().Count());
    }
}
