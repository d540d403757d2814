using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>
/// The gallery package, installed the way a user's Install-PSResource installs it: build.ps1 -Task Package run through
/// the Shell, the .nupkg unpacked into a folder of a fresh PSModulePath (NuGet's own files left out, as PSResourceGet
/// does), then a clean process with no PGAUTOGEN_LIBPG_QUERY, no LD_LIBRARY_PATH and no out/PgAutogen imports
/// PgAutogen by name and parses with the library the package carries.
/// </summary>
public sealed class PackageTests
{
    private static readonly string[] AllRuntimes = { "linux-x64", "linux-arm64", "win-x64" };

    [Fact]
    public async Task The_package_installs_into_a_PSModulePath_and_imports_by_name_with_its_own_parser()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the package is built on Linux");
        var host = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        // Cross-building needs Debian's cross compilers and, to smoke-test, wine64 and qemu-user-static: CI installs them
        // (.ci/run); a developer machine without them packages its own platform only.
        var runtimes = CrossToolsPresent() || Environment.GetEnvironmentVariable("CI") == "true" ? AllRuntimes : new[] { host };

        var work = Directory.CreateTempSubdirectory("pgautogen-package-").FullName;
        try
        {
            var artifacts = Path.Combine(work, "artifacts");
            var (exit, output) = await RunShellAsync(new[] { "-NoModule", Path.Combine(Paths.RepoRoot, "build.ps1"), "-Task", "Package", "-NoBuild", "-OutputDirectory", artifacts, "-Runtime", string.Join(",", runtimes) }, null);
            Assert.True(exit == 0, output);
            foreach (var rid in runtimes)
            {
                Assert.Contains($"smoke test {rid}: ok", output, StringComparison.Ordinal);
            }

            var nupkg = Assert.Single(Directory.GetFiles(artifacts, "PgAutogen.*.nupkg"));
            using var zip = ZipFile.OpenRead(nupkg);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            foreach (var expected in new[] { "PgAutogen.psd1", "PgAutogen.psm1", "PgAutogen.dll", "PgAutogen.Model.dll", "PgAutogen.format.ps1xml", "LICENSE",
                "deps/PgAutogen.Core.dll", "deps/Npgsql.dll", "en-US/PgAutogen.dll-Help.xml", "en-US/about_PgAutogen.help.txt" })
            {
                Assert.Contains(expected, names);
            }

            foreach (var rid in AllRuntimes)
            {
                var native = $"runtimes/{rid}/native/{(rid.StartsWith("win", StringComparison.Ordinal) ? "pg_query.dll" : "libpg_query.so")}";
                Assert.Equal(runtimes.Contains(rid), names.Contains(native));
            }

            // The metadata a gallery shows and searches, from the manifest.
            XNamespace ns = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd";
            await using (var nuspecStream = zip.GetEntry("PgAutogen.nuspec")!.Open())
            {
                var metadata = XDocument.Load(nuspecStream).Root!.Elements().First(e => e.Name.LocalName == "metadata");
                string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
                Assert.Equal("PgAutogen", Field("id"));
                Assert.Matches(@"^\d+\.\d+\.\d+$", Field("version"));
                Assert.Contains("materialized views", Field("description"), StringComparison.Ordinal);
                Assert.Equal("MIT", Field("license"));
                Assert.StartsWith("https://", Field("projectUrl"), StringComparison.Ordinal);
                Assert.DoesNotMatch("^https?://", Field("releaseNotes"));
                var tags = Field("tags").Split(' ');
                Assert.Contains("PSModule", tags);
                Assert.Contains("PSCmdlet_Compare-PgDeclaration", tags);
            }

            // Install-PSResource's layout: <PSModulePath entry>/PgAutogen/<version>/, without NuGet's own files.
            var version = Path.GetFileNameWithoutExtension(nupkg)["PgAutogen.".Length..];
            var modules = Path.Combine(work, "Modules");
            var installed = Path.Combine(modules, "PgAutogen", version);
            foreach (var entry in zip.Entries.Where(e => !IsNuGetFile(e.FullName)))
            {
                var dest = Path.Combine(installed, entry.FullName);
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                entry.ExtractToFile(dest);
            }

            var env = new Dictionary<string, string?> { ["PSModulePath"] = modules, ["LD_LIBRARY_PATH"] = null, ["PGAUTOGEN_LIBPG_QUERY"] = null, ["PGAUTOGEN_MODULE"] = null };
            (exit, output) = await RunShellAsync(new[]
            {
                "-NoModule", "-Command",
                "$ErrorActionPreference = 'Stop'; Import-Module PgAutogen; 'base=' + (Get-Module PgAutogen).ModuleBase; " +
                "Get-PgDeclaration -Sql 'CREATE VIEW who AS SELECT SYSTEM_USER AS u' -Verbose 4>&1 | ForEach-Object { \"$_\" }",
            }, env);
            Assert.True(exit == 0, output);
            Assert.Contains("base=" + installed, output, StringComparison.Ordinal);
            Assert.Contains($"Parser: the module's libpg_query (PostgreSQL 17 grammar, 17.4) from {Path.Combine(installed, "runtimes", host, "native", "libpg_query.so")}", output, StringComparison.Ordinal);
            Assert.Contains("who", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static bool IsNuGetFile(string name) =>
        name is "[Content_Types].xml" or "PgAutogen.nuspec" || name.StartsWith("_rels/", StringComparison.Ordinal) || name.StartsWith("package/", StringComparison.Ordinal);

    private static bool CrossToolsPresent() =>
        new[] { "x86_64-w64-mingw32-gcc", "aarch64-linux-gnu-gcc", "qemu-aarch64-static" }.All(OnPath)
        && (OnPath("wine64") || OnPath("wine") || File.Exists("/usr/lib/wine/wine64"));

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, program)));

    private static async Task<(int Exit, string Output)> RunShellAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment)
    {
        var shell = Path.Combine(AppContext.BaseDirectory, "PgAutogen.Shell.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Paths.RepoRoot };
        psi.ArgumentList.Add(shell);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
