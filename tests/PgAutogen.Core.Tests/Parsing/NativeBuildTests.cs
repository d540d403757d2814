using System.Diagnostics;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Parsing;

/// <summary>
/// scripts/build-libpg-query.sh (what `dotnet build` runs for the parser) on a machine that lacks what it needs: it
/// stops with a sentence that says what to install or set, and leaves no library behind (the build never goes on
/// without its parser).
/// </summary>
public sealed class NativeBuildTests
{
    private static readonly string Script = Path.Combine(Paths.RepoRoot, "scripts", "build-libpg-query.sh");

    // What the script needs besides a compiler, make and apt-get.
    private static readonly string[] BaseTools =
    {
        "bash", "tar", "gzip", "sha256sum", "cut", "mkdir", "cp", "mv", "rm", "cat", "flock", "awk", "uname", "nproc", "dirname",
        "sed", "du", "tail", "tr", "grep", "id", "mktemp", "chmod", "head",
    };

    [Fact]
    public async Task Without_apt_or_a_tarball_it_says_how_to_get_the_source()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the native build runs on Linux");
        var (exit, output, libraries) = await RunAsync(withCompiler: true, tarball: null);
        Assert.NotEqual(0, exit);
        Assert.Contains("libpg_query: error: cannot fetch the libpg_query source", output, StringComparison.Ordinal);
        Assert.Contains("PGAUTOGEN_LIBPG_QUERY_TARBALL", output, StringComparison.Ordinal);
        Assert.Contains("a3dc0e4084a23da35128d4e9809ff27241c29a44fde74ba40a378b33d2cdefe2", output, StringComparison.Ordinal);
        Assert.Equal(0, libraries);
    }

    [Fact]
    public async Task Without_a_compiler_it_says_what_to_install()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the native build runs on Linux");
        var (exit, output, libraries) = await RunAsync(withCompiler: false, tarball: null);
        Assert.NotEqual(0, exit);
        Assert.Contains("libpg_query: error: building libpg_query needs make and a C compiler: apt-get install build-essential", output, StringComparison.Ordinal);
        Assert.Equal(0, libraries);
    }

    [Fact]
    public async Task A_tarball_that_is_not_the_pinned_one_is_refused()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the native build runs on Linux");
        var fake = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(fake, "not the source", TestContext.Current.CancellationToken);
            var (exit, output, _) = await RunAsync(withCompiler: true, tarball: fake);
            Assert.NotEqual(0, exit);
            Assert.Contains($"PGAUTOGEN_LIBPG_QUERY_TARBALL={fake} is missing or is not libpg-query_17-6.1.0.orig.tar.gz", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(fake);
        }
    }

    /// <summary>Runs the script with an empty cache and a PATH of only the base tools (plus gcc and make when asked); counts the libraries left in the cache.</summary>
    private static async Task<(int Exit, string Output, int Libraries)> RunAsync(bool withCompiler, string? tarball)
    {
        var root = Directory.CreateTempSubdirectory("pgautogen-native-").FullName;
        try
        {
            return await RunInAsync(root, withCompiler, tarball);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output, int Libraries)> RunInAsync(string root, bool withCompiler, string? tarball)
    {
        var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        var cache = Directory.CreateDirectory(Path.Combine(root, "cache")).FullName;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var tool in withCompiler ? BaseTools.Append("gcc").Append("cc").Append("make") : BaseTools)
        {
            var found = path.Split(':').Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
            if (found is not null)
            {
                File.CreateSymbolicLink(Path.Combine(bin, tool), found);
            }
        }

        var psi = new ProcessStartInfo(Path.Combine(bin, "bash")) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Script);
        psi.Environment["PATH"] = bin;
        psi.Environment["PGAUTOGEN_NATIVE_CACHE"] = cache;
        psi.Environment.Remove("PGAUTOGEN_LIBPG_QUERY_TARBALL");
        if (tarball is not null)
        {
            psi.Environment["PGAUTOGEN_LIBPG_QUERY_TARBALL"] = tarball;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var output = await stdout + await stderr;
        TestContext.Current.AddAttachment("script output", output);
        return (process.ExitCode, output, Directory.GetFiles(cache, "libpg_query.so", SearchOption.AllDirectories).Length);
    }
}
