using System.Diagnostics;
using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>The README's main job, exactly as a user runs it: the Shell executable running examples/quickstart.ps1.</summary>
public sealed class QuickstartTests(ModuleDatabaseFixture fixture)
{
    [Fact]
    public async Task The_quickstart_runs_end_to_end_through_the_Shell()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var shell = Path.Combine(AppContext.BaseDirectory, "PgAutogen.Shell.dll");
        Assert.True(File.Exists(shell), "The Shell was not built next to the tests: " + shell);
        var outDir = Directory.CreateTempSubdirectory("pgautogen-quickstart-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.RepoRoot };
            foreach (var arg in new[] { shell, Path.Combine("examples", "quickstart.ps1"), "-ConnectionString", db.ConnectionString, "-OutDirectory", outDir })
            {
                psi.ArgumentList.Add(arg);
            }

            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var output = await stdout + await stderr;
            Assert.True(process.ExitCode == 0, output);
            Assert.Contains("the database matches the declarations", output, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal); // redirected output is plain text
            var second = await File.ReadAllTextAsync(Path.Combine(outDir, "002_audit.sql"), TestContext.Current.CancellationToken);
            Assert.Contains("CREATE TRIGGER orders_audit_status", second, StringComparison.Ordinal);
            Assert.Contains("-- migrate:down", second, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_failing_script_makes_the_Shell_exit_non_zero()
    {
        await Task.CompletedTask;
        var shell = Path.Combine(AppContext.BaseDirectory, "PgAutogen.Shell.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { shell, "-Command", "$ErrorActionPreference = 'Stop'; Get-PgDeclaration -Sql 'DROP TABLE orders'" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("-Sql[0]:1:1", output, StringComparison.Ordinal);
    }
}
