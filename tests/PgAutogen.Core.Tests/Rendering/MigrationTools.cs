using System.Diagnostics;
using Npgsql;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Rendering;

/// <summary>
/// Finds and runs the migration tools the format execution tests use. scripts/fetch-tools.sh installs them under
/// PGAUTOGEN_TOOLS (default: .tools in the repository); sqitch, psql and java come from PATH; Evolve and DbUp run in
/// tests/PgAutogen.ToolRunner. A missing tool skips the test locally and fails it under CI=true, like the server.
/// </summary>
internal static class MigrationTools
{
    public static string ToolsDirectory =>
        Environment.GetEnvironmentVariable("PGAUTOGEN_TOOLS") is { Length: > 0 } dir ? dir : Path.Combine(Paths.RepoRoot, ".tools");

    public static string Dbmate => Require(Path.Combine(ToolsDirectory, "npm", "node_modules", ".bin", "dbmate"), "dbmate");

    public static string Liquibase
    {
        get
        {
            OnPath("java", "java (for liquibase)");
            return Require(Path.Combine(ToolsDirectory, "npm", "node_modules", "liquibase", "dist", "liquibase", "liquibase"), "liquibase");
        }
    }

    public static string Grate => Require(Path.Combine(ToolsDirectory, "dotnet", "grate"), "grate");

    public static string DotnetEf => Require(Path.Combine(ToolsDirectory, "dotnet", "dotnet-ef"), "dotnet-ef");

    public static string Sqitch => OnPath("sqitch", "sqitch");

    public static string Psql => OnPath("psql", "psql");

    /// <summary>The built tests/PgAutogen.ToolRunner (Evolve, DbUp), beside this test assembly's output.</summary>
    public static string ToolRunner => Require(Path.Combine(
        Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!
            .Replace("PgAutogen.Core.Tests", "PgAutogen.ToolRunner", StringComparison.Ordinal),
        Path.GetFileName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)), "PgAutogen.ToolRunner.dll"), "PgAutogen.ToolRunner (dotnet build)");

    private static string Require(string path, string what)
    {
        if (File.Exists(path))
        {
            return path;
        }

        var reason = $"{what} is not installed ({path}): run scripts/fetch-tools.sh";
        if (PostgresFixture.InCi)
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
        return null!;
    }

    private static string OnPath(string name, string what)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Require(Path.Combine("/usr/bin", name), what);
    }

    /// <summary>Runs a program; returns its exit code and output (stdout then stderr). Killed after <paramref name="timeoutSeconds"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} did not finish in {timeoutSeconds} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Runs a program and fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> MustRunAsync(
        string program, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var list = args.ToList();
        var (exit, output) = await RunAsync(program, list, workingDirectory, environment, timeoutSeconds);
        Assert.True(exit == 0, $"{Path.GetFileName(program)} {string.Join(' ', list)} exited with {exit}:\n{output}");
        return output;
    }

    /// <summary>psql -X -v ON_ERROR_STOP=1 -f <paramref name="file"/>, as a user runs a script (no --single-transaction: the file says).</summary>
    public static Task<string> PsqlFileAsync(TestDatabase db, string file, bool singleTransaction = false)
    {
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var args = new List<string> { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", b.Host!, "-p", Port(b), "-U", b.Username!, "-d", b.Database!, "-f", file };
        if (singleTransaction)
        {
            args.Insert(0, "--single-transaction");
        }

        return MustRunAsync(Psql, args, environment: PasswordEnv(b));
    }

    public static string Port(NpgsqlConnectionStringBuilder b) => b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static Dictionary<string, string> PasswordEnv(NpgsqlConnectionStringBuilder b) =>
        string.IsNullOrEmpty(b.Password) ? new() : new() { ["PGPASSWORD"] = b.Password };

    /// <summary>postgres://user[:password]@host:port/db?sslmode=disable</summary>
    public static string Url(TestDatabase db, string scheme = "postgres")
    {
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var auth = Uri.EscapeDataString(b.Username!) + (string.IsNullOrEmpty(b.Password) ? "" : ":" + Uri.EscapeDataString(b.Password));
        return $"{scheme}://{auth}@{b.Host}:{Port(b)}/{b.Database}";
    }
}
