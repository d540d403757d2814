using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Databases;

/// <summary>Options for a throwaway local PostgreSQL server.</summary>
public sealed class LocalServerOptions
{
    /// <summary>The folder with initdb, pg_ctl and postgres; null to search (PGAUTOGEN_PG_BIN, PATH, /usr/lib/postgresql/*/bin).</summary>
    public string? BinDirectory { get; init; }

    /// <summary>Turn durability off (fsync, synchronous_commit, full_page_writes): for tests and sandboxes only.</summary>
    public bool Fast { get; init; } = true;

    /// <summary>The OS user to run the server as when this process is root (initdb refuses root).</summary>
    public string UnprivilegedUser { get; init; } = "postgres";

    /// <summary>Reports each step (for -Verbose).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>More server settings (-c name=value at start), e.g. a small max_locks_per_transaction for a test.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }
}

/// <summary>
/// A throwaway PostgreSQL server from local binaries: a fresh data directory in a temp folder, a free
/// port on 127.0.0.1. The superuser postgres connects from 127.0.0.1 without a password (so no secret is
/// ever printed); every other role needs its password (scram-sha-256). Stopped and deleted on dispose; leftovers of an
/// aborted run are swept by <see cref="SweepOrphans"/>.
/// </summary>
public sealed class LocalPostgresServer : IDisposable, IAsyncDisposable
{
    private const string DirectoryPrefix = "pgautogen-pg-";
    private const string OwnerFile = "owner.pid";
    private readonly string? _runAs;
    private int _stopped;

    private LocalPostgresServer(string root, string binDirectory, string? runAs, int port, string version, Action<string> log)
    {
        RootDirectory = root;
        BinDirectory = binDirectory;
        _runAs = runAs;
        Port = port;
        Version = version;
        Log = log;
    }

    public string RootDirectory { get; }

    /// <summary>Where stop messages go; replaceable because the caller that started the server may be gone when it stops.</summary>
    public Action<string>? Log { get; set; }

    public string DataDirectory => Path.Combine(RootDirectory, "data");

    public string BinDirectory { get; }

    public int Port { get; }

    /// <summary>The server version as <c>postgres --version</c> prints it (e.g. 15.18).</summary>
    public string Version { get; }

    public int MajorVersion => int.Parse(Version.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);

    public string Username => "postgres";

    /// <summary>A connection string for the superuser to database <paramref name="database"/> (no password needed, none included).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres";

    /// <summary>Finds the PostgreSQL binaries: PGAUTOGEN_PG_BIN, else initdb on PATH, else the newest /usr/lib/postgresql/*/bin.</summary>
    public static string? FindBinDirectory(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var fromEnv = environment("PGAUTOGEN_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return File.Exists(Path.Combine(fromEnv, Exe("initdb"))) ? Path.GetFullPath(fromEnv) : null;
        }

        foreach (var dir in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, Exe("initdb"));
            if (File.Exists(candidate))
            {
                // Follow a symlink (Debian's /usr/bin wrappers are not real initdb; /usr/local/bin links are).
                var target = new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? candidate;
                var binDir = Path.GetDirectoryName(target)!;
                if (File.Exists(Path.Combine(binDir, Exe("pg_ctl"))) && File.Exists(Path.Combine(binDir, Exe("postgres"))))
                {
                    return binDir;
                }
            }
        }

        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            return Directory.GetDirectories(debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), out var m) ? m : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")))
                .OrderByDescending(d => d.Major)
                .Select(d => d.Dir)
                .FirstOrDefault();
        }

        return null;
    }

    /// <summary>Initializes and starts a new server. Throws <see cref="PgAutogenException"/> (ServerUnavailable) with the server's log when it cannot.</summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalServerOptions();
        var log = options.Log ?? (_ => { });
        SweepOrphans(log);

        var bin = options.BinDirectory ?? FindBinDirectory() ?? throw new PgAutogenException(PgErrorId.ServerUnavailable,
            "No PostgreSQL server binaries were found. Install PostgreSQL (apt-get install postgresql), or set PGAUTOGEN_PG_BIN to the folder that holds initdb, pg_ctl and postgres.");
        string? runAs = IsRoot() ? options.UnprivilegedUser : null;

        var root = Path.Combine(Path.GetTempPath(), DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        try
        {
            if (runAs is not null)
            {
                await RunAsync("chown", new[] { "-R", runAs, root }, null, cancellationToken).ConfigureAwait(false);
            }

            var version = ParseVersion(await RunAsync(Path.Combine(bin, Exe("postgres")), new[] { "--version" }, runAs, cancellationToken).ConfigureAwait(false));
            log($"Initializing PostgreSQL {version} from {bin} in {root}" + (runAs is null ? "" : $" as user '{runAs}'"));
            await RunAsync(Path.Combine(bin, Exe("initdb")), new[]
            {
                "-D", Path.Combine(root, "data"), "-U", "postgres", "-E", "UTF8", "--locale=C",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions",
            }, runAs, cancellationToken).ConfigureAwait(false);
            var hba = Path.Combine(root, "data", "pg_hba.conf");
            var rules = "# PgAutogen throwaway server: the superuser needs no password on loopback; other roles do.\n" +
                        "host all postgres 127.0.0.1/32 trust\n";
            await File.WriteAllTextAsync(hba, rules + await File.ReadAllTextAsync(hba, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

            // A free port can be taken between probing and binding: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var settings = new StringBuilder()
                    .Append($"-c port={port} -c listen_addresses=127.0.0.1 -c max_connections=100")
                    .Append(OperatingSystem.IsWindows() ? "" : $" -c unix_socket_directories={root}");
                if (options.Fast)
                {
                    settings.Append(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
                }

                foreach (var (name, value) in options.Settings ?? new Dictionary<string, string>())
                {
                    settings.Append($" -c {name}={value}");
                }

                try
                {
                    await RunAsync(Path.Combine(bin, Exe("pg_ctl")), new[]
                    {
                        "-D", Path.Combine(root, "data"), "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", settings.ToString(), "start",
                    }, runAs, cancellationToken).ConfigureAwait(false);
                    log($"PostgreSQL {version} listening on 127.0.0.1:{port}");
                    return new LocalPostgresServer(root, bin, runAs, port, version, log);
                }
                catch (PgAutogenException) when (attempt < 3)
                {
                    log($"Start on port {port} failed; retrying on another port.");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C while starting: the tool was killed (RunAsync); a server that did start is stopped; nothing stays behind.
            StopQuietly(bin, root, runAs);
            TryDelete(root);
            throw;
        }
        catch (Exception ex) when (ex is PgAutogenException or IOException or System.ComponentModel.Win32Exception)
        {
            var serverLog = Path.Combine(root, "server.log");
            var tail = File.Exists(serverLog) ? string.Join('\n', File.ReadLines(serverLog).TakeLast(15)) : "";
            TryDelete(root);
            throw new PgAutogenException(PgErrorId.ServerUnavailable,
                "Could not start a local PostgreSQL server from " + bin + ": " + ex.Message + (tail.Length > 0 ? "\nServer log:\n" + tail : ""), ex);
        }
    }

    /// <summary>Stops a server that may have started in <paramref name="root"/> (best effort, not cancellable).</summary>
    private static void StopQuietly(string bin, string root, string? runAs)
    {
        if (!File.Exists(Path.Combine(root, "data", "postmaster.pid")))
        {
            return;
        }

        try
        {
            RunAsync(Path.Combine(bin, Exe("pg_ctl")), new[] { "-D", Path.Combine(root, "data"), "-m", "immediate", "-w", "-t", "30", "stop" }, runAs, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (PgAutogenException)
        {
            // Not running after all.
        }
    }

    /// <summary>Stops and deletes the servers left behind by processes that no longer run (an aborted test run). Returns how many.</summary>
    public static int SweepOrphans(Action<string>? log = null)
    {
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var ownerFile = Path.Combine(dir, OwnerFile);
            if (File.Exists(ownerFile) && int.TryParse(SafeRead(ownerFile), out var owner) && ProcessAlive(owner))
            {
                continue;
            }

            if (!File.Exists(ownerFile) && Directory.GetCreationTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-5))
            {
                continue; // Being created right now by another process.
            }

            var pidFile = Path.Combine(dir, "data", "postmaster.pid");
            if (File.Exists(pidFile) && int.TryParse(SafeRead(pidFile).Split('\n')[0].Trim(), out var postmaster))
            {
                try
                {
                    using var process = Process.GetProcessById(postmaster);
                    process.Kill(entireProcessTree: false);
                    process.WaitForExit(10_000);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }

            TryDelete(dir);
            log?.Invoke("Removed a leftover PostgreSQL server directory: " + dir);
            count++;
        }

        return count;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            RunAsync(Path.Combine(BinDirectory, Exe("pg_ctl")), new[] { "-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop" }, _runAs, CancellationToken.None)
                .GetAwaiter().GetResult();
            Log?.Invoke($"Stopped PostgreSQL on port {Port}");
        }
        catch (PgAutogenException ex)
        {
            Log?.Invoke("pg_ctl stop failed: " + ex.Message);
        }

        TryDelete(RootDirectory);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    internal static string ParseVersion(string versionOutput)
    {
        var match = Regex.Match(versionOutput, @"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)");
        return match.Success ? match.Groups[1].Value : versionOutput.Trim();
    }

    private static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, string? runAs, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (runAs is null)
        {
            psi.FileName = fileName;
        }
        else
        {
            psi.FileName = "runuser";
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(runAs);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Run the tools in the C locale so their messages parse; never inherit PG* variables that could point them elsewhere.
        psi.Environment["LC_ALL"] = "C";
        foreach (var key in new[] { "PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE", "PGPASSWORD" })
        {
            psi.Environment.Remove(key);
        }

        using var process = Process.Start(psi) ?? throw new PgAutogenException(PgErrorId.ServerUnavailable, "Could not start " + fileName);
        // pg_ctl start leaves the server holding the pipes open; read until the tool itself exits.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        // Cancelled, the tool must not go on alone (an initdb writing into a folder about to be deleted).
        await ChildProcess.WaitOrKillAsync(process, cancellationToken).ConfigureAwait(false);
        var output = await WithTimeout(stdout).ConfigureAwait(false);
        var error = await WithTimeout(stderr).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new PgAutogenException(PgErrorId.ServerUnavailable,
                $"{Path.GetFileName(fileName)} exited with code {process.ExitCode}: {(error + output).Trim()}");
        }

        return output;
    }

    private static async Task<string> WithTimeout(Task<string> read)
    {
        var done = await Task.WhenAny(read, Task.Delay(2000)).ConfigureAwait(false);
        return done == read ? await read.ConfigureAwait(false) : "";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool ProcessAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static void TryDelete(string dir)
    {
        for (var i = 0; i < 5; i++)
        {
            try
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                Thread.Sleep(200);
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }

    private static string Exe(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    private static bool IsRoot() => !OperatingSystem.IsWindows() && Geteuid() == 0;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Geteuid();
}

/// <summary>A child process waited for; killed (with its children) when the wait is cancelled, so that it never goes on alone.</summary>
internal static class ChildProcess
{
    public static async Task WaitOrKillAsync(Process process, CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            throw;
        }
    }
}
