using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using PgAutogen.TestSupport;

namespace PgAutogen.Pester.Tests;

/// <summary>
/// The Pester suite (tests/Pester/*.Tests.ps1) as xunit test cases: one case per Pester test, so that `dotnet test`'s
/// totals count them and a failing Pester test fails the run. The suite runs once, through the Shell
/// (tests/Pester/Invoke-PesterTests.ps1), when the first case executes; listing the cases only discovers them.
/// </summary>
public sealed class PesterTests
{
    private const string DiscoveryFailed = "Pester discovery";

    public static IEnumerable<TheoryDataRow<string>> Tests()
    {
        IReadOnlyList<PesterResult> listed;
        try
        {
            listed = PesterSuite.List();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or JsonException)
        {
            PesterSuite.DiscoveryError = ex.Message;
            listed = [];
        }

        if (listed.Count == 0)
        {
            return [new TheoryDataRow<string>(DiscoveryFailed) { TestDisplayName = DiscoveryFailed }];
        }

        return listed.Select(t => new TheoryDataRow<string>(t.Name) { TestDisplayName = "Pester: " + t.Name });
    }

    [Theory]
    [MemberData(nameof(Tests))]
    public void Pester(string name)
    {
        if (name == DiscoveryFailed)
        {
            Assert.Fail("The Pester tests could not be listed: " + (PesterSuite.DiscoveryError ?? "no test was found in tests/Pester."));
        }

        var results = PesterSuite.Run();
        if (!results.Tests.TryGetValue(name, out var result))
        {
            Assert.Fail($"The Pester run did not report '{name}'.\n{results.Log}");
            return;
        }

        switch (result.Result)
        {
            case "Passed":
                return;
            case "Skipped" or "NotRun" or "Inconclusive":
                Assert.Skip($"Pester: {result.Result}. {result.Message}".Trim());
                return;
            default:
                Assert.Fail(result.Message.Length > 0 ? result.Message : $"Pester: {result.Result}\n{results.Log}");
                return;
        }
    }

    [Fact]
    public void The_Pester_run_reports_no_failed_container()
    {
        var results = PesterSuite.Run();
        var failed = results.Tests.Values.Where(t => t.Name.EndsWith(": container", StringComparison.Ordinal)).ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed.Select(f => f.Name + ": " + f.Message)));
        Assert.True(results.Tests.Count > 0, "The Pester run reported no test.\n" + results.Log);
    }
}

public sealed record PesterResult(string Name, string Result, string Message, double Duration);

/// <summary>Runs tests/Pester/Invoke-PesterTests.ps1 in the Shell (a child process, as the README says) and reads its results.</summary>
internal static class PesterSuite
{
    private static readonly Lazy<(Dictionary<string, PesterResult> Tests, string Log)> Results = new(RunOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string? DiscoveryError { get; set; }

    public static IReadOnlyList<PesterResult> List() => Invoke(listOnly: true).Results;

    public static (Dictionary<string, PesterResult> Tests, string Log) Run() => Results.Value;

    private static (Dictionary<string, PesterResult>, string) RunOnce()
    {
        var (results, log) = Invoke(listOnly: false);
        return (results.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal), log);
    }

    private static (IReadOnlyList<PesterResult> Results, string Log) Invoke(bool listOnly)
    {
        var shell = Path.Combine(AppContext.BaseDirectory, "PgAutogen.Shell.dll");
        var resultPath = Path.Combine(Path.GetTempPath(), $"pgautogen-pester-{Environment.ProcessId}-{(listOnly ? "list" : "run")}.json");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Paths.RepoRoot,
        };
        foreach (var arg in new[] { shell, "-NoProfile", "-File", Path.Combine(Paths.RepoRoot, "tests", "Pester", "Invoke-PesterTests.ps1"), "-ResultPath", resultPath })
        {
            psi.ArgumentList.Add(arg);
        }

        if (listOnly)
        {
            psi.ArgumentList.Add("-ListOnly");
        }

        psi.Environment["PGAUTOGEN_PESTER"] = PesterManifest;
        psi.Environment["PGAUTOGEN_MODULE"] = Paths.ModuleDirectory;
        File.Delete(resultPath);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var log = $"exit code {process.ExitCode}\n{stdout.Result}\n{stderr.Result}";
        if (!listOnly)
        {
            // The Pester output, in the test run's log.
            Console.WriteLine(stdout.Result);
        }

        if (!File.Exists(resultPath))
        {
            throw new InvalidOperationException("The Pester runner wrote no results.\n" + log);
        }

        var results = JsonSerializer.Deserialize<List<PesterResult>>(File.ReadAllText(resultPath)) ?? [];
        File.Delete(resultPath);
        return (results, log);
    }

    /// <summary>The Pester package's module manifest (the package is restored with this project).</summary>
    private static string PesterManifest =>
        typeof(PesterSuite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PesterModule").Value!;
}
