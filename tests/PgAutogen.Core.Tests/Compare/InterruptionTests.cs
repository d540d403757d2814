using Npgsql;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// Errors that tell the truth: a compare waiting on a lock (deterministic) is cancelled by another session, or its
/// connection terminated; each is said as it happened — never as the statement timeout, never as a fault of the
/// declaration — and nothing is changed.
/// </summary>
[Trait("Category", "Database")]
public sealed class InterruptionTests(CoreDatabaseFixture fixture)
{
    [Theory]
    [InlineData("pg_cancel_backend", PgErrorId.Cancelled, "Another session cancelled the compare's statement")]
    [InlineData("pg_terminate_backend", PgErrorId.ConnectionLost, "was lost during the compare, terminated by an administrator or another session")]
    public async Task Another_session_stopping_the_compare_is_named_as_such(string function, PgErrorId expected, string says)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE orders (id int);
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            """);
        var before = await Harness.SnapshotAsync(db);
        var declarations = DeclarationParser.Parse(Array.Empty<string>(), new[]
        {
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;" +
            "CREATE TRIGGER touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()",
        }, cancellationToken: TestContext.Current.CancellationToken).Declarations;
        var application = "pgautogen-interrupted-" + function;
        var cs = new NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = application, Pooling = false }.ConnectionString;

        // Another session holds the table: the compare's CREATE TRIGGER waits (well within its 60 s lock timeout).
        await using var holder = await db.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var lockCmd = new NpgsqlCommand("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", holder, tx))
        {
            await lockCmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var compare = CompareService.CompareAsync(new ConnectionOptions { ConnectionString = cs },
            new CompareRequest { Declarations = declarations, Options = new Canonicalization.CanonicalizationOptions { LockTimeout = TimeSpan.FromSeconds(60) } },
            NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        for (var i = 0; i < 200 && (await db.QueryAsync($"SELECT 1 FROM pg_stat_activity WHERE application_name = '{application}' AND wait_event_type = 'Lock'")).Count == 0; i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        await db.ExecuteAsync($"SELECT {function}(pid) FROM pg_stat_activity WHERE application_name = '{application}'");
        var error = await Assert.ThrowsAsync<PgAutogenException>(() => compare);
        Assert.Equal(expected, error.ErrorId);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("-StatementTimeout (", error.Message.Replace("well within -StatementTimeout (", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("Fix the declaration", error.Message + error.RecommendedAction, StringComparison.Ordinal);
        await tx.RollbackAsync(TestContext.Current.CancellationToken);
        Assert.Equal(before, await Harness.SnapshotAsync(db));
    }
}
