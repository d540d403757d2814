using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Shadow;

/// <summary>
/// Finds PostgreSQL binaries of a given major on this machine: the server (initdb, pg_ctl, postgres) of exactly the
/// target's major for a throwaway shadow, and the client tools (pg_dump, psql) of that major or newer (pg_dump refuses
/// to dump a server newer than itself). Places searched, in order: PGAUTOGEN_PG_BIN, PATH (clients), the distributions'
/// folders (Debian/Ubuntu /usr/lib/postgresql/N/bin, PGDG /usr/pgsql-N/bin, Homebrew postgresql@N, the EDB installer
/// on Windows) and the cache of scripts/fetch-postgres.sh (PGAUTOGEN_PG_CACHE, /var/tmp/pgautogen-pg).
/// </summary>
internal static class PostgresInstallations
{
    /// <summary>The bin folder of a server of exactly <paramref name="major"/>, or null.</summary>
    public static string? FindServer(int major, Func<string, string?>? environment = null) =>
        Candidates(major, environment).FirstOrDefault(dir => HasAll(dir, "initdb", "pg_ctl", "postgres") && MajorOf(Path.Combine(dir, Exe("postgres"))) == major);

    /// <summary>pg_dump and psql of <paramref name="major"/> or newer (the same major preferred), from one folder; null when none.</summary>
    public static (string PgDump, string Psql, int Major)? FindClient(int major, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var folders = Enumerable.Range(major, 30).SelectMany(m => Candidates(m, environment))
            .Concat((environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(ResolveBin))
            .Distinct(StringComparer.Ordinal);
        (string, string, int)? best = null;
        foreach (var dir in folders)
        {
            if (!HasAll(dir, "pg_dump", "psql"))
            {
                continue;
            }

            var found = MajorOf(Path.Combine(dir, Exe("pg_dump")));
            if (found >= major && (best is null || found < best.Value.Item3))
            {
                best = (Path.Combine(dir, Exe("pg_dump")), Path.Combine(dir, Exe("psql")), found);
            }
        }

        return best;
    }

    /// <summary>Where binaries of <paramref name="major"/> may be.</summary>
    private static IEnumerable<string> Candidates(int major, Func<string, string?>? environment)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("PGAUTOGEN_PG_BIN") is { Length: > 0 } fromEnv)
        {
            yield return fromEnv;
        }

        var m = major.ToString(CultureInfo.InvariantCulture);
        yield return $"/usr/lib/postgresql/{m}/bin";
        yield return $"/usr/pgsql-{m}/bin";
        yield return $"/opt/homebrew/opt/postgresql@{m}/bin";
        yield return $"/usr/local/opt/postgresql@{m}/bin";
        if (OperatingSystem.IsWindows())
        {
            yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "PostgreSQL", m, "bin");
        }

        if (environment("PGAUTOGEN_PG_CACHE") is { Length: > 0 } cache)
        {
            yield return Path.Combine(cache, m, "bin");
        }

        yield return Path.Combine("/var/tmp/pgautogen-pg", m, "bin");
    }

    /// <summary>The folder of a PATH entry's real binaries (Debian's /usr/bin/psql is a wrapper script that picks a version).</summary>
    private static string ResolveBin(string dir)
    {
        var psql = Path.Combine(dir, Exe("psql"));
        if (!File.Exists(psql))
        {
            return dir;
        }

        var target = new FileInfo(psql).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        return target is null ? dir : Path.GetDirectoryName(target) ?? dir;
    }

    private static bool HasAll(string dir, params string[] names) => names.All(n => File.Exists(Path.Combine(dir, Exe(n))));

    /// <summary>The major of a PostgreSQL binary from its --version, 0 when it cannot be run.</summary>
    internal static int MajorOf(string binary)
    {
        try
        {
            var psi = new ProcessStartInfo(binary, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(psi);
            if (process is null)
            {
                return 0;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            var match = Regex.Match(output, @"\(PostgreSQL\)\s+(\d+)");
            return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return 0;
        }
    }

    internal static string Exe(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    /// <summary>
    /// Runs a client tool with the given environment (PG* variables of the parent removed, so nothing points it elsewhere),
    /// killing it on cancellation. Returns stdout; throws <see cref="PgAutogenException"/> (<paramref name="failure"/>) with
    /// the end of stderr when it fails.
    /// </summary>
    internal static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment,
        PgErrorId failure, string what, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo
        {
            FileName = fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["LC_ALL"] = "C";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi) ?? throw new PgAutogenException(failure, $"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await Databases.ChildProcess.WaitOrKillAsync(process, cancellationToken).ConfigureAwait(false);

        var output = await stdout.ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var firstError = lines.FirstOrDefault(l => l.Contains("ERROR:", StringComparison.Ordinal) || l.Contains("error:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "";
            throw new PgAutogenException(failure, $"{what} failed ({Path.GetFileName(fileName)} exited with code {process.ExitCode}): {firstError}");
        }

        return output;
    }
}
