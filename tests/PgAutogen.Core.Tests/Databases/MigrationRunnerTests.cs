using PgAutogen.Core.Databases;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Databases;

/// <summary>Invoke-PgMigration's engine: one transaction per section, or none where dbmate's transaction:false says so.</summary>
[Trait("Category", "Database")]
public sealed class MigrationRunnerTests(CoreDatabaseFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgautogen-migrations-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".sql");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_section_runs_in_one_transaction_and_is_rolled_back_as_a_whole()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var path = Write("""
            -- migrate:up
            CREATE TABLE t (id int);
            CREATE INDEX CONCURRENTLY t_id ON t (id);

            -- migrate:down
            DROP TABLE t;
            """);
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() =>
            MigrationRunner.RunAsync(new ConnectionOptions { ConnectionString = db.ConnectionString }, path, down: false, new RecordingEvents(), TestContext.Current.CancellationToken));
        Assert.Contains(":3:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction block", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back; nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Null(await db.ScalarAsync<string>("SELECT to_regclass('t')::text"));
    }

    [Fact]
    public async Task Transaction_false_runs_each_statement_on_its_own()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var options = new ConnectionOptions { ConnectionString = db.ConnectionString };
        var path = Write("""
            -- migrate:up transaction:false
            CREATE TABLE t (id int);
            CREATE INDEX CONCURRENTLY t_id ON t (id);

            -- migrate:down
            DROP TABLE t;
            """);
        var events = new RecordingEvents();
        Assert.Equal(2, await MigrationRunner.RunAsync(options, path, down: false, events, TestContext.Current.CancellationToken));
        Assert.Equal("t_id", await db.ScalarAsync<string>("SELECT to_regclass('t_id')::text"));
        Assert.Contains(events.VerboseLines, v => v.Contains("without a transaction (transaction:false)", StringComparison.Ordinal));
        Assert.Equal(1, await MigrationRunner.RunAsync(options, path, down: true, events, TestContext.Current.CancellationToken));
        Assert.Null(await db.ScalarAsync<string>("SELECT to_regclass('t')::text"));

        // An error: what ran before it stays, and the message says so.
        var failing = Write("""
            -- migrate:up transaction:false
            CREATE TABLE kept (id int);
            CREATE TABLE kept (id int);
            """);
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => MigrationRunner.RunAsync(options, failing, down: false, events, TestContext.Current.CancellationToken));
        Assert.Contains(":3:1: relation \"kept\" already exists", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the 1 statement(s) before this one were applied and stay applied", ex.Message, StringComparison.Ordinal);
        Assert.Equal("kept", await db.ScalarAsync<string>("SELECT to_regclass('kept')::text"));
    }

    [Fact]
    public async Task A_file_with_its_own_BEGIN_and_COMMIT_runs_as_written()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var options = new ConnectionOptions { ConnectionString = db.ConnectionString };
        var events = new RecordingEvents();

        // sqitch's deploy scripts: BEGIN; ...; COMMIT;
        var deploy = Write("-- Deploy app:logic to pg\n\nBEGIN;\n\nCREATE TABLE t (id int);\n\nCOMMIT;\n");
        Assert.Equal(3, await MigrationRunner.RunAsync(options, deploy, down: false, events, TestContext.Current.CancellationToken));
        Assert.Equal("t", await db.ScalarAsync<string>("SELECT to_regclass('t')::text"));
        Assert.Contains(events.VerboseLines, v => v.Contains("in the transactions it opens itself", StringComparison.Ordinal));

        // An error inside the file's transaction: its transaction is rolled back, what it committed before stays.
        var failing = Write("BEGIN;\nCREATE TABLE first (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE second (id int);\nCREATE TABLE t (id int);\nCOMMIT;\n");
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => MigrationRunner.RunAsync(options, failing, down: false, events, TestContext.Current.CancellationToken));
        Assert.Contains(":6:1: relation \"t\" already exists", ex.Message, StringComparison.Ordinal);
        Assert.Contains("its open transaction was rolled back", ex.Message, StringComparison.Ordinal);
        Assert.Equal("first", await db.ScalarAsync<string>("SELECT to_regclass('first')::text"));
        Assert.Null(await db.ScalarAsync<string>("SELECT to_regclass('second')::text"));
    }
}
