using PgAutogen.Core.Databases;
using PgAutogen.Core.Rendering;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Rendering;

/// <summary>-Verify: up, compare (0 steps), down, catalog as before — inside a transaction that is always rolled back.</summary>
[Trait("Category", "Database")]
public sealed class MigrationVerifierTests(CoreDatabaseFixture fixture)
{
    private async Task<(TestDatabase Db, IReadOnlyList<MigrationOp> Ops, CompareRequest Request)> PrepareAsync()
    {
        var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(FormatExecutionTests.Setup);
        var request = new CompareRequest { Declarations = FormatExecutionTests.Parse(FormatExecutionTests.Declarations), Options = FormatExecutionTests.AppOnly };
        await using var conn = await db.OpenAsync();
        var ops = await CompareService.CompareAsync(conn, request, NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        return (db, ops, request);
    }

    private static IReadOnlyList<PlannedFile> Files(IReadOnlyList<MigrationOp> ops) =>
        new DbmateRenderer().Render(new MigrationRenderRequest { Ops = ops, OutPath = "/m/1_audit.sql" });

    private static Task<string> VerifyAsync(TestDatabase db, IReadOnlyList<MigrationOp> ops, CompareRequest? request) =>
        MigrationVerifier.VerifyAsync(new ConnectionOptions { ConnectionString = db.ConnectionString }, ops, Files(ops), request,
            FormatExecutionTests.AppOnly, NullEngineEvents.Instance, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_migration_that_applies_and_reverts_verifies_and_the_database_is_unchanged()
    {
        var (db, ops, request) = await PrepareAsync();
        await using var _ = db;
        var before = await Harness.SnapshotAsync(db);
        Assert.Contains("a compare after it gives no step", await VerifyAsync(db, ops, request), StringComparison.Ordinal);
        Assert.Contains("reaches each step's desired definition", await VerifyAsync(db, ops, null), StringComparison.Ordinal);
        Assert.Equal(before, await Harness.SnapshotAsync(db));
    }

    [Fact]
    public async Task An_upgrade_that_fails_names_the_step_and_its_line()
    {
        var (db, ops, request) = await PrepareAsync();
        await using var _ = db;
        var broken = ops.Select(o => o.Action == MigrationAction.Drop
            ? new MigrationOp(o.Action, o.Kind, o.Identity, "DROP FUNCTION app.gone(integer);", o.DownSql) { Current = o.Current, Order = o.Order, DownOrder = o.DownOrder }
            : o).ToList();
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => VerifyAsync(db, broken, request));
        Assert.Equal(PgErrorId.MigrationVerifyFailed, ex.ErrorId);
        var line = 1 + Files(broken)[0].Content.Split('\n').TakeWhile(l => l != "-- Drop function app.gone()").Count();
        Assert.Contains($"the upgrade fails at the step '-- Drop function app.gone()' at /m/1_audit.sql:{line}: function app.gone(integer) does not exist".Replace("'-- ", "'", StringComparison.Ordinal), ex.Message, StringComparison.Ordinal);
        Assert.Contains("no migration was written", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_downgrade_that_does_not_restore_says_what_differs()
    {
        var (db, ops, request) = await PrepareAsync();
        await using var _ = db;
        // The downgrade forgets the comment of the function it re-creates.
        var forgetful = ops.Select(o => o.Action == MigrationAction.Drop
            ? new MigrationOp(o.Action, o.Kind, o.Identity, o.UpSql, o.DownSql.Split("\nCOMMENT ON")[0]) { Current = o.Current, Order = o.Order, DownOrder = o.DownOrder }
            : o).ToList();
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => VerifyAsync(db, forgetful, request));
        Assert.Contains("the downgrade does not restore the catalog as it was", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the function app.gone() has comment '' instead of 'the old one'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'Create function app.gone()' at /m/1_audit.sql:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upgrade_that_misses_the_declarations_is_reported()
    {
        var (db, ops, request) = await PrepareAsync();
        await using var _ = db;
        // A subset (the view left out): the upgrade runs, but a compare after it still finds the view.
        var subset = ops.Where(o => o.Kind != PgObjectKind.View).ToList();
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => VerifyAsync(db, subset, request));
        Assert.Contains("after the upgrade, comparing the declarations again still gives", ex.Message, StringComparison.Ordinal);
        Assert.Contains("view app.big", ex.Message, StringComparison.Ordinal);
        // Without declarations (steps piped in), the subset is proven on its own terms.
        await VerifyAsync(db, subset, null);
    }
}
