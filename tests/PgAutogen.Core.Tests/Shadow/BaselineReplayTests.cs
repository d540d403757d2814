using PgAutogen.Core.Shadow;

namespace PgAutogen.Core.Tests.Shadow;

/// <summary>-Baseline replays the user's migrations in the order their tool runs them, whatever the format's layout.</summary>
public sealed class BaselineReplayTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pgautogen-baseline-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(_folder.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "SELECT 1;");
        return path;
    }

    private IEnumerable<string> Names(IReadOnlyList<string> files) => files.Select(f => Path.GetRelativePath(_folder.FullName, f).Replace('\\', '/'));

    [Fact]
    public void Flyway_versions_run_in_version_order_and_undo_files_not_at_all()
    {
        foreach (var f in new[] { "V10__c.sql", "V2__b.sql", "V1__a.sql", "V1.1__a2.sql", "U2__b.sql", "R__repeatable.sql" })
        {
            Touch(f);
        }

        var (layout, files) = BaselineReplay.Plan(_folder.FullName);
        Assert.StartsWith("Flyway", layout, StringComparison.Ordinal);
        Assert.Equal(new[] { "V1__a.sql", "V1.1__a2.sql", "V2__b.sql", "V10__c.sql" }, Names(files));
    }

    [Fact]
    public void Golang_migrate_runs_the_up_files_by_number()
    {
        foreach (var f in new[] { "10_c.up.sql", "10_c.down.sql", "2_b.up.sql", "1_a.up.sql", "1_a.down.sql" })
        {
            Touch(f);
        }

        Assert.Equal(new[] { "1_a.up.sql", "2_b.up.sql", "10_c.up.sql" }, Names(BaselineReplay.Plan(_folder.FullName).Files));
    }

    [Fact]
    public void Sqitch_follows_its_plan_and_a_missing_deploy_script_is_named()
    {
        File.WriteAllText(Path.Combine(_folder.FullName, "sqitch.plan"), "%syntax-version=1.0.0\n%project=app\n\nschema 2026-01-01T00:00:00Z me <me@x> # first\n@v1 2026-01-01T00:00:00Z me <me@x>\nlogic [schema] 2026-01-02T00:00:00Z me <me@x>\n");
        Touch("deploy/logic.sql");
        var error = Assert.Throws<PgAutogenException>(() => BaselineReplay.Plan(_folder.FullName));
        Assert.Contains("deploy", error.Message, StringComparison.Ordinal);
        Touch("deploy/schema.sql");
        Assert.Equal(new[] { "deploy/schema.sql", "deploy/logic.sql" }, Names(BaselineReplay.Plan(_folder.FullName).Files));
    }

    [Fact]
    public void Grate_runs_up_and_dbmate_or_plain_folders_run_by_name_without_down_scripts()
    {
        Touch("up/0002_b.sql");
        Touch("up/0001_a.sql");
        Touch("down/0001_a.sql");
        Assert.Equal(new[] { "up/0001_a.sql", "up/0002_b.sql" }, Names(BaselineReplay.Plan(_folder.FullName).Files));

        Directory.Delete(Path.Combine(_folder.FullName, "up"), recursive: true);
        Directory.Delete(Path.Combine(_folder.FullName, "down"), recursive: true);
        foreach (var f in new[] { "20260102_b.sql", "20260101_a.sql", "x.down.sql" })
        {
            Touch(f);
        }

        Assert.Equal(new[] { "20260101_a.sql", "20260102_b.sql" }, Names(BaselineReplay.Plan(_folder.FullName).Files));
    }

    [Fact]
    public void EF_Core_migrations_are_refused_with_what_to_do()
    {
        Touch("20260101_Init.cs");
        var error = Assert.Throws<PgAutogenException>(() => BaselineReplay.Plan(_folder.FullName));
        Assert.Equal(PgErrorId.ShadowSetupFailed, error.ErrorId);
        Assert.Contains("EF Core", error.Message, StringComparison.Ordinal);
    }
}
