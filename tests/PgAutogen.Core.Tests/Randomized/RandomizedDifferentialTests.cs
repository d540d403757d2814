using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>
/// Randomized differential testing (issue 20): seeded random schemas A of every managed kind with real dependencies, a
/// random set of mutations making B (replaceable and not, drops of what others use, additions, and invalid desired
/// states), checked both ways on a real server against the generator's own expectation. A failure is shrunk to a
/// minimal case whose SQL is written to the test output.
/// <para>
/// CI runs a fixed list of seeds on every major. <c>PGAUTOGEN_RANDOM_CASES=N</c> runs N cases instead (from
/// <c>PGAUTOGEN_RANDOM_SEED</c>, default 1000, <c>PGAUTOGEN_RANDOM_PARALLEL</c> at a time, default 2; a report per failure
/// under <c>PGAUTOGEN_RANDOM_OUT</c>, default the temp folder's pgautogen-random); <c>PGAUTOGEN_RANDOM_SEED=S</c> alone
/// replays one seed. <c>PGAUTOGEN_RANDOM_SHRINK=0</c> reports failures unshrunk.
/// </para>
/// </summary>
[Trait("Category", "Database")]
public sealed class RandomizedDifferentialTests(CoreDatabaseFixture fixture)
{
    /// <summary>
    /// The seeds CI runs on every major: 1-8, and seeds that once found a class (each also kept as a minimal test in
    /// <see cref="RandomFindingsTests"/>). About 2.5 s a case on a busy 2-core machine: well under a minute per major.
    /// </summary>
    private static readonly int[] CiSeeds = { 1, 2, 3, 4, 5, 6, 7, 8, 78, 92, 109, 129, 161, 205, 289, 315 };

    public static TheoryData<string> Cases()
    {
        var count = Env("PGAUTOGEN_RANDOM_CASES");
        var seed = Env("PGAUTOGEN_RANDOM_SEED");
        if (count is > 0)
        {
            return new TheoryData<string>($"{count} cases from seed {seed ?? 1000}");
        }

        return seed is { } one ? new TheoryData<string>("seed " + one) : new TheoryData<string>(CiSeeds.Select(s => "seed " + s));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Random_schemas_and_changes_migrate_exactly_both_ways(string cases)
    {
        var runner = new RandomCaseRunner(fixture);
        if (cases.StartsWith("seed ", StringComparison.Ordinal))
        {
            var seed = int.Parse(cases[5..], CultureInfo.InvariantCulture);
            var result = await RunOneAsync(runner, seed, shrink: Env("PGAUTOGEN_RANDOM_SHRINK") != 0);
            TestContext.Current.TestOutputHelper?.WriteLine(result.Report);
            Assert.SkipWhen(result.Known is not null, $"Known open class ({result.Known}): {result.Failure?.Stage}. Minimal case in the test output.");
            Assert.True(result.Failure is null, result.Report);
            return;
        }

        var count = Env("PGAUTOGEN_RANDOM_CASES")!.Value;
        var first = Env("PGAUTOGEN_RANDOM_SEED") ?? 1000;
        var parallel = Math.Max(1, Env("PGAUTOGEN_RANDOM_PARALLEL") ?? 2);
        var folder = Environment.GetEnvironmentVariable("PGAUTOGEN_RANDOM_OUT") is { Length: > 0 } o ? o : Path.Combine(Path.GetTempPath(), "pgautogen-random");
        Directory.CreateDirectory(folder);
        var results = new System.Collections.Concurrent.ConcurrentBag<CaseResult>();
        var shrunk = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = TestContext.Current.CancellationToken },
            async (seed, _) =>
            {
                // Shrink the first case of each failure class only: the others are the same report.
                var result = await RunOneAsync(runner, seed, shrink: false);
                if (result.Failure is not null && Env("PGAUTOGEN_RANDOM_SHRINK") != 0 && shrunk.TryAdd(result.Class, true))
                {
                    result = await RunOneAsync(runner, seed, shrink: true);
                }

                results.Add(result);
                if (result.Failure is not null)
                {
                    await File.WriteAllTextAsync(Path.Combine(folder, $"seed-{seed}.txt"), result.Report);
                }
            });

        var failures = results.Where(r => r.Failure is not null).ToList();
        var summary = new StringBuilder();
        summary.Append(CultureInfo.InvariantCulture, $"{results.Count} random cases (seeds {first}..{first + count - 1}) in {watch.Elapsed.TotalSeconds:0} s: ")
            .Append(CultureInfo.InvariantCulture, $"{results.Count(r => r.Failure is null && !r.Refused)} migrated both ways, {results.Count(r => r.Refused)} refused as expected, ")
            .Append(CultureInfo.InvariantCulture, $"{failures.Count} failed; reports in {folder}\n");
        foreach (var group in failures.GroupBy(f => (f.Known is null ? "" : $"known ({f.Known}): ") + f.Class).OrderByDescending(g => g.Count()))
        {
            summary.Append(CultureInfo.InvariantCulture, $"  {group.Count()} x {group.Key}: seeds {string.Join(", ", group.Select(g => g.Seed).Order().Take(20))}\n");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(summary.ToString());
        RandomReport.Line(summary.ToString());
        Assert.True(failures.All(f => f.Known is not null), summary.ToString());
    }

    private sealed record CaseResult(int Seed, CaseFailure? Failure, bool Refused, string? Known, string Class, string Report);

    private async Task<CaseResult> RunOneAsync(RandomCaseRunner runner, int seed, bool shrink)
    {
        var watch = Stopwatch.StartNew();
        var c = RandomCase.Generate(seed);
        CaseOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(c);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outcome = new CaseOutcome(new CaseFailure("-", "harness", ex.ToString()), 0, false, "");
        }

        var failure = outcome.Failure;
        var (_, refusal, _, _) = c.Derive();
        if (failure is null)
        {
            RandomReport.Line($"seed {seed}: ok in {watch.ElapsedMilliseconds} ms; {c.A.Objects.Count} objects, {c.Mutations.Count} mutation(s); {outcome.Summary}; {outcome.Ops} step(s) in all");
            return new CaseResult(seed, null, outcome.Refused, null, "", $"seed {seed}: ok ({outcome.Summary})\n{c.Describe()}");
        }

        var trials = 0;
        if (shrink && failure.Stage != "generator")
        {
            (c, failure, trials) = await RandomShrinker.ShrinkAsync(runner, c, failure, TimeSpan.FromMinutes(Env("PGAUTOGEN_RANDOM_SHRINK_MINUTES") ?? 4));
            refusal = c.Derive().Refusal;
        }

        // A refusal the engine does not give yet, in a class a known issue tracks.
        var known = refusal?.Known is { } issue && failure.Stage == "refusal" ? issue : null;
        var cls = $"{failure.Direction}, {failure.Stage}" + (refusal is null ? "" : $" ({refusal.Class})");
        var report = $"PostgreSQL {fixture.Server?.Version}: seed {seed} failed ({cls}){(trials > 0 ? $", shrunk in {trials} trial(s)" : "")}.\n" +
            $"Replay: PGAUTOGEN_RANDOM_SEED={seed} dotnet test --project tests/PgAutogen.Core.Tests --filter-class '*RandomizedDifferentialTests'\n\n" +
            failure.Message + "\n\n" + c.Describe();
        RandomReport.Line($"seed {seed}: FAILED {(known is null ? "" : $"(known: {known}) ")}{cls} in {watch.ElapsedMilliseconds} ms");
        return new CaseResult(seed, failure, false, known, cls, report);
    }

    private static int? Env(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}

/// <summary>One line per case to a log beside the test servers' (for the issue's record: how many ran, per major, and what failed).</summary>
internal static class RandomReport
{
    private static readonly object Gate = new();

    public static void Line(string text)
    {
        lock (Gate)
        {
            File.AppendAllText(Path.Combine(Path.GetTempPath(), "pgautogen-random-report.log"),
                DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + $" PostgreSQL {Environment.GetEnvironmentVariable("PGAUTOGEN_TEST_PG_MAJOR") ?? "?"} " + text.TrimEnd() + Environment.NewLine);
        }
    }
}
