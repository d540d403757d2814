using System.Diagnostics;
using Npgsql;

namespace PgAutogen.TestSupport;

/// <summary>Runs SQL text with psql in one transaction (ON_ERROR_STOP), the way migration tools run a file.</summary>
public static class Psql
{
    public static async Task RunAsync(string connectionString, string sql)
    {
        var file = Path.Combine(Path.GetTempPath(), "pgautogen-" + Guid.NewGuid().ToString("N") + ".sql");
        await File.WriteAllTextAsync(file, sql);
        try
        {
            var (exitCode, output) = await RunFileAsync(connectionString, file);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"psql failed ({exitCode}): {output}\n--- SQL ---\n{sql}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Runs a file with psql in one transaction (ON_ERROR_STOP, VERBOSITY verbose so errors carry their SQLSTATE);
    /// returns psql's exit code and its output (stderr, then stdout). The file's text is not echoed.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunFileAsync(string connectionString, string file)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var psi = new ProcessStartInfo(FindPsql()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "--single-transaction", "-h", b.Host!, "-p", b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", b.Username!, "-d", b.Database!, "-f", file })
        {
            psi.ArgumentList.Add(arg);
        }

        if (!string.IsNullOrEmpty(b.Password))
        {
            psi.Environment["PGPASSWORD"] = b.Password;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stderr + await stdout);
    }

    private static string FindPsql()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "psql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")).FirstOrDefault(File.Exists)
            : null;
        return debian ?? throw new InvalidOperationException("psql was not found: apt-get install postgresql-client");
    }
}
