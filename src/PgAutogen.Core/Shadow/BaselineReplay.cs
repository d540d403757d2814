using System.Globalization;
using System.Text.RegularExpressions;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Shadow;

/// <summary>
/// -Baseline: the user's migrations, replayed into the shadow in the order their tool runs them, recognised from the
/// folder's layout (the layouts New-PgMigration writes): sqitch (sqitch.plan's order, deploy/), Flyway (V&lt;version&gt;__,
/// by version: V10 after V9), golang-migrate (&lt;n&gt;_*.up.sql, by number), grate (up/), dbmate (-- migrate:up sections),
/// Liquibase formatted SQL, DbUp and plain files (by name; down scripts left out). EF Core's migrations are C# and
/// cannot be replayed without building the project.
/// </summary>
internal static partial class BaselineReplay
{
    [GeneratedRegex(@"^V(?<v>\d+(?:[._]\d+)*)__.+\.sql$", RegexOptions.IgnoreCase)]
    private static partial Regex FlywayVersioned();

    [GeneratedRegex(@"^(?<v>\d+)_.+\.up\.sql$", RegexOptions.IgnoreCase)]
    private static partial Regex GolangUp();

    /// <summary>The layout recognised and the files to run, in order.</summary>
    public static (string Layout, IReadOnlyList<string> Files) Plan(string folder)
    {
        if (File.Exists(folder))
        {
            return ("one file", new[] { folder });
        }

        if (!Directory.Exists(folder))
        {
            throw new PgAutogenException(PgErrorId.DeclarationFileNotFound, $"The baseline '{folder}' does not exist.")
            {
                Target = folder,
                RecommendedAction = "Give -Baseline the folder of your migration files.",
            };
        }

        var plan = Path.Combine(folder, "sqitch.plan");
        if (File.Exists(plan))
        {
            var changes = File.ReadLines(plan)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && l[0] is not ('%' or '#' or '@'))
                .Select(l => l.Split(' ', '\t')[0])
                .Select(name => Path.Combine(folder, "deploy", name + ".sql"))
                .ToList();
            var missing = changes.FirstOrDefault(f => !File.Exists(f));
            return missing is null
                ? ("sqitch (sqitch.plan)", changes)
                : throw Invalid(folder, $"sqitch.plan names a change whose deploy script {missing} does not exist");
        }

        var files = Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var flyway = files.Where(f => FlywayVersioned().IsMatch(f)).ToList();
        if (flyway.Count > 0)
        {
            return ("Flyway (V<version>__, by version)", flyway
                .OrderBy(f => FlywayVersioned().Match(f).Groups["v"].Value.Split('.', '_').Select(p => decimal.Parse(p, CultureInfo.InvariantCulture)).ToArray(), VersionComparer.Instance)
                .Select(f => Path.Combine(folder, f)).ToList());
        }

        var golang = files.Where(f => GolangUp().IsMatch(f)).ToList();
        if (golang.Count > 0)
        {
            return ("golang-migrate (<n>_*.up.sql, by number)", golang
                .OrderBy(f => decimal.Parse(GolangUp().Match(f).Groups["v"].Value, CultureInfo.InvariantCulture))
                .Select(f => Path.Combine(folder, f)).ToList());
        }

        var up = Path.Combine(folder, "up");
        if (Directory.Exists(up))
        {
            return ("grate (up/, by name)", Directory.EnumerateFiles(up, "*.sql").Order(StringComparer.Ordinal).ToList());
        }

        if (files.Any(f => f.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)) && !files.Any(f => f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase)))
        {
            throw Invalid(folder, "it holds EF Core migrations (C#), which PgAutogen cannot replay without building your project. " +
                "Apply them to a database of the target's major (dotnet ef database update) and give it as -ShadowConnectionString, or leave out -Baseline " +
                "(the shadow then copies the target's schema)");
        }

        // dbmate (its up sections), Liquibase formatted SQL (changeset markers and --rollback lines are comments), DbUp, plain.
        var sql = files
            .Where(f => f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) && !f.EndsWith(".down.sql", StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.Combine(folder, f))
            .ToList();
        return sql.Count > 0
            ? ("files by name (dbmate, Liquibase, DbUp, plain)", sql)
            : throw Invalid(folder, "it holds no migration files (.sql) in a layout PgAutogen knows");
    }

    public static async Task<string> ReplayAsync(ShadowDatabase shadow, string baseline, IEngineEvents events, CancellationToken cancellationToken)
    {
        var (layout, files) = Plan(baseline);
        var connection = new ConnectionOptions { ConnectionString = shadow.ConnectionString };
        foreach (var file in files)
        {
            events.Progress(new EngineProgress("Shadow compare", "Replaying " + Path.GetFileName(file), -1));
            await MigrationRunner.RunAsync(connection, file, down: false, events, cancellationToken).ConfigureAwait(false);
        }

        events.Verbose($"Shadow: replayed {files.Count} migration file(s) from {baseline} ({layout})");
        return layout;
    }

    private static PgAutogenException Invalid(string folder, string why) =>
        new(PgErrorId.ShadowSetupFailed, $"The baseline {folder} cannot be replayed: {why}.")
        {
            Target = folder,
            RecommendedAction = "Give -Baseline the folder New-PgMigration writes into (any of its formats but EF Core), or leave it out.",
        };

    private sealed class VersionComparer : IComparer<decimal[]>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(decimal[]? x, decimal[]? y)
        {
            for (var i = 0; i < Math.Max(x!.Length, y!.Length); i++)
            {
                var c = (i < x.Length ? x[i] : 0).CompareTo(i < y.Length ? y[i] : 0);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        }
    }
}
