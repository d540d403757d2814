using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace PgAutogen.Bench;

/// <summary>One cold run: each figure a whole process, started and waited for (milliseconds; peaks in bytes).</summary>
internal sealed record ColdRun(
    double ShellNothingMs, double ShellImportMs, double ShellCompareMs, long ShellComparePeak,
    double NodeNothingMs, double FloorProcessMs,
    double? PwshNothingMs, double? PwshCompareMs,
    double? MigraMs, double? MigraOutputMs)
{
    /// <summary>What the module adds to the Shell's process: import + compare − the Shell started and stopped with nothing to do.</summary>
    public double ModuleCostMs => ShellCompareMs - ShellNothingMs;
}

/// <summary>The cold rows of one scale (issue 19): what a CI step sees, one fresh process per figure.</summary>
internal sealed record ColdTiming(IReadOnlyList<ColdRun> Runs, string Shell, bool Pwsh, string? PeerCheck, int ChangedObjects)
{
    public double ShellNothingMs => Stats.Median(Runs.Select(r => r.ShellNothingMs));
    public double ShellImportMs => Stats.Median(Runs.Select(r => r.ShellImportMs));
    public double ShellCompareMs => Stats.Median(Runs.Select(r => r.ShellCompareMs));
    public double ModuleCostMs => Stats.Median(Runs.Select(r => r.ModuleCostMs));
    public double NodeNothingMs => Stats.Median(Runs.Select(r => r.NodeNothingMs));
    public double FloorProcessMs => Stats.Median(Runs.Select(r => r.FloorProcessMs));
    public long PeakBytes => Runs.Max(r => r.ShellComparePeak);

    /// <summary>The module's own cost over the floor process, the median of each run's ratio (both back to back).</summary>
    public double PairedRatio => Stats.Median(Runs.Select(r => r.ModuleCostMs / r.FloorProcessMs));

    /// <summary>The same, with node started and stopped with nothing to do subtracted from the floor too.</summary>
    public double PairedRatioBothNet => Stats.Median(Runs.Select(r => r.ModuleCostMs / (r.FloorProcessMs - r.NodeNothingMs)));

    /// <summary>The whole Shell process (import + compare) over the floor process.</summary>
    public double PairedRatioWhole => Stats.Median(Runs.Select(r => r.ShellCompareMs / r.FloorProcessMs));

    public double? PwshNothingMs => Pwsh ? Stats.Median(Runs.Select(r => r.PwshNothingMs ?? double.NaN)) : null;
    public double? PwshCompareMs => Pwsh ? Stats.Median(Runs.Select(r => r.PwshCompareMs ?? double.NaN)) : null;
    public double? PwshPairedRatio => Pwsh ? Stats.Median(Runs.Select(r => ((r.PwshCompareMs ?? double.NaN) - (r.PwshNothingMs ?? double.NaN)) / r.FloorProcessMs)) : null;

    public double? MigraMs => PeerCheck is null ? null : Stats.Median(Runs.Select(r => r.MigraMs ?? double.NaN));
    public double? MigraOutputMs => PeerCheck is null ? null : Stats.Median(Runs.Select(r => r.MigraOutputMs ?? double.NaN));

    /// <summary>migra's process over the Shell's whole process (import + compare), paired.</summary>
    public double? SpeedUp => PeerCheck is null ? null : Stats.Median(Runs.Select(r => (r.MigraMs ?? double.NaN) / r.ShellCompareMs));

    /// <summary>migra's process over the module's own cost, paired.</summary>
    public double? SpeedUpModuleCost => PeerCheck is null ? null : Stats.Median(Runs.Select(r => (r.MigraMs ?? double.NaN) / r.ModuleCostMs));
}

/// <summary>Where the benchmark's tools are (bench/scripts/fetch-bench-tools.sh installs them from npm).</summary>
internal sealed record BenchTools(string Node, string PgModule, string Migra)
{
    public static string RepoRoot =>
        Path.GetFullPath(typeof(BenchTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "PgAutogen.Bench.RepoRoot").Value!);

    /// <summary>Runs the fetch script (idempotent: a second run installs nothing); null, with the reason logged, when it fails.</summary>
    public static BenchTools? Fetch(TextWriter log)
    {
        var script = Path.Combine(RepoRoot, "bench", "scripts", "fetch-bench-tools.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            log.WriteLine($"The cold rows' tools could not be installed ({script}): {stderr.Result.Trim()}");
            return null;
        }

        string Get(string name) => lines.Select(l => l.Split(": ", 2)).First(p => p[0] == name)[1].Trim();
        return new BenchTools(Get("node"), Get("pg"), Get("migra"));
    }
}

/// <summary>
/// Runs the cold figures of one scale: the Shell (and pwsh where it exists) started, importing the module, comparing once
/// and exiting; the same host with nothing to do; the floor as a process (node + pg); node with nothing to do; and the
/// peer, migra, diffing the current database against one built from the same declarations.
/// </summary>
internal sealed class ColdPhase
{
    private readonly BenchTools _tools;
    private readonly string _shell;
    private readonly string _module;
    private readonly string _declarations;
    private readonly string _outFile;
    private readonly string _statementsFile;
    private readonly string _currentConnection;
    private readonly string? _desiredConnection;
    private readonly int _expectedSteps;
    private readonly int _originalDefinitions;
    private readonly string? _pwsh;
    private readonly (int Unchanged, int Eligible) _triggers;

    public ColdPhase(BenchTools tools, string shell, string declarations, string work, GeneratedSchema schema, string currentConnection, string? desiredConnection)
    {
        _tools = tools;
        _shell = shell;
        // A published Shell carries its own copy of the module, compiled ReadyToRun for its runtime; else out/PgAutogen.
        var beside = Path.Combine(Path.GetDirectoryName(shell)!, "PgAutogen");
        _module = File.Exists(Path.Combine(beside, "PgAutogen.psd1")) ? beside : Path.Combine(BenchTools.RepoRoot, "out", "PgAutogen");
        _declarations = declarations;
        _outFile = Path.Combine(work, "cold.sql");
        _statementsFile = Path.Combine(work, "floor-statements.sql");
        File.WriteAllText(_statementsFile, string.Concat(schema.Mutated.Select(o => o.Sql + ";\n")));
        _currentConnection = currentConnection;
        _desiredConnection = desiredConnection;
        _expectedSteps = schema.Mutation.ExpectedOps;
        _originalDefinitions = schema.Original.Count;
        _pwsh = FindOnPath("pwsh");
        _triggers = SchemaGenerator.UnchangedTriggers(schema);
        ChangedObjects = SchemaGenerator.ChangedKeys(schema).Select(MigraKey).ToHashSet(StringComparer.Ordinal);
    }

    public bool Pwsh => _pwsh is not null;

    public bool Peer => _desiredConnection is not null;

    /// <summary>The objects the mutation touches, as migra's output names them (routines by name, triggers by name and table).</summary>
    public IReadOnlySet<string> ChangedObjects { get; }

    /// <summary>What migra's last output said against <see cref="ChangedObjects"/>.</summary>
    public string? PeerCheck { get; private set; }

    /// <summary>The Shell's file name and folder, and the module it imports, for the report.</summary>
    public string ShellName => _shell + " importing " + _module;

    /// <summary>
    /// One more cold compare with -Verbose: the engine's line saying how many declarations it executed, and how many of
    /// each kind the parse-tree shortcut recognised, the triggers as a share of those it could recognise (unchanged, and
    /// calling a function the mutation leaves alone: a trigger naming an executed routine is executed by design).
    /// </summary>
    public string? ShortcutLine()
    {
        File.Delete(_outFile);
        var run = Timed.Run(_shell, new[] { "-NoProfile", "-NonInteractive", "-Command", CompareScript.Replace("| New-PgMigration", "-Verbose | New-PgMigration", StringComparison.Ordinal) },
            new Dictionary<string, string> { ["PGAUTOGEN_MODULE"] = _module });
        run.Check("the Shell's verbose compare");
        var lines = run.Stderr.Split('\n').Select(l => l.Trim()).Select(l => l.StartsWith("VERBOSE: ", StringComparison.Ordinal) ? l[9..] : l).ToList();
        var executed = lines.FirstOrDefault(l => l.StartsWith("Executed ", StringComparison.Ordinal) && l.Contains("declaration(s)", StringComparison.Ordinal));
        var kinds = lines.Select(l => Regex.Match(l, @"\((?<r>\d+) routine\(s\), (?<t>\d+) trigger\(s\), (?<v>\d+) view\(s\);")).FirstOrDefault(m => m.Success);
        if (kinds is null)
        {
            return executed;
        }

        int Count(string group) => int.Parse(kinds.Groups[group].Value, CultureInfo.InvariantCulture);
        var triggers = Count("t");
        RecognisedTriggerShare = _triggers.Eligible == 0 ? null : (double)triggers / _triggers.Eligible;
        return executed + Invariant($"; recognised as unchanged: {Count("r")} routines, {Count("v")} views, {triggers} triggers: {RecognisedTriggerShare:P1} of the {_triggers.Eligible} triggers it could recognise ({_triggers.Unchanged} unchanged, of which {_triggers.Unchanged - _triggers.Eligible} call a changed function)");
    }

    /// <summary>The triggers the shortcut recognised over those it could (<see cref="ShortcutLine"/>); null before it ran.</summary>
    public double? RecognisedTriggerShare { get; private set; }

    /// <remarks>The mutations change SECURITY DEFINER routines and more: every hazard is allowed by name, as in the module host.</remarks>
    private string CompareScript =>
        "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; " +
        $"Compare-PgDeclaration -Path {Quote(_declarations)} -ConnectionString {Quote(_currentConnection)} | New-PgMigration -OutFile {Quote(_outFile)} -Force -AllowHazard ([enum]::GetValues([PgAutogen.HazardKind])) | Out-Null";

    public async Task<ColdRun> RunOnceAsync(Func<Task> vacuum, TextWriter log, string label)
    {
        var env = new Dictionary<string, string> { ["PGAUTOGEN_MODULE"] = _module };
        var nothing = Timed.Run(_shell, new[] { "-NoModule", "-NoProfile", "-NonInteractive", "-Command", "$null" }, env);
        nothing.Check("the Shell with nothing to do");
        var import = Timed.Run(_shell, new[] { "-NoProfile", "-NonInteractive", "-Command", "$null" }, env);
        import.Check("the Shell importing the module");

        await vacuum();
        File.Delete(_outFile);
        var compare = Timed.Run(_shell, new[] { "-NoProfile", "-NonInteractive", "-Command", CompareScript }, env);
        compare.Check("the Shell's Compare-PgDeclaration | New-PgMigration");
        CheckSteps("the Shell", _outFile);

        await vacuum();
        var floor = Timed.Run(_tools.Node, new[] { Path.Combine(AppContext.BaseDirectory, "node", "floor.js"), NodeConnection(_currentConnection), _statementsFile },
            new Dictionary<string, string> { ["PGAUTOGEN_BENCH_PG"] = _tools.PgModule });
        floor.Check("the floor process (node + pg)");
        using (var counts = JsonDocument.Parse(floor.Stdout))
        {
            var before = counts.RootElement.GetProperty("before").GetInt32();
            if (before != _originalDefinitions)
            {
                throw new InvalidOperationException($"Benchmark check failed: the floor process read {before} definitions, the original has {_originalDefinitions}.");
            }
        }

        var nodeNothing = Timed.Run(_tools.Node, new[] { "-e", "0" }, null);
        nodeNothing.Check("node with nothing to do");

        double? pwshNothing = null, pwshCompare = null;
        if (_pwsh is not null)
        {
            pwshNothing = Timed.Run(_pwsh, new[] { "-NoProfile", "-NonInteractive", "-Command", "$null" }, null).Check("pwsh with nothing to do").Ms;
            await vacuum();
            File.Delete(_outFile);
            pwshCompare = Timed.Run(_pwsh, new[] { "-NoProfile", "-NonInteractive", "-Command", $"Import-Module {Quote(Path.Combine(_module, "PgAutogen.psd1"))}; " + CompareScript }, null)
                .Check("pwsh's Compare-PgDeclaration | New-PgMigration").Ms;
            CheckSteps("pwsh", _outFile);
        }

        double? migra = null, migraOutput = null;
        if (_desiredConnection is not null)
        {
            await vacuum();
            var run = Timed.Run(_tools.Migra, new[] { MigraUrl(_currentConnection), MigraUrl(_desiredConnection), "--unsafe" }, null);
            run.Check("migra");
            migra = run.Ms;
            migraOutput = run.LastOutputMs;
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(_outFile)!, "migra.sql"), run.Stdout);
            PeerCheck = CheckPeer(run.Stdout);
        }

        var result = new ColdRun(nothing.Ms, import.Ms, compare.Ms, compare.PeakBytes, nodeNothing.Ms, floor.Ms, pwshNothing, pwshCompare, migra, migraOutput);
        log.WriteLine(Invariant($"{label} (cold processes): Shell alone {nothing.Ms:0} | + Import-Module {import.Ms:0} | + compare {compare.Ms:0} ms (peak {compare.PeakBytes / 1048576.0:0} MB; module's own {result.ModuleCostMs:0}) | floor process {floor.Ms:0} | node alone {nodeNothing.Ms:0}")
            + (pwshCompare is null ? "" : Invariant($" | pwsh alone {pwshNothing:0}, + compare {pwshCompare:0}"))
            + (migra is null ? "" : Invariant($" | migra {migra:0} ms (output complete at {migraOutput:0}): {PeerCheck}")));
        return result;
    }

    private void CheckSteps(string who, string file)
    {
        var steps = BenchRunner.StepsIn(file);
        if (steps != _expectedSteps)
        {
            throw new InvalidOperationException($"Benchmark check failed: {who} produced {steps} step(s); the mutation should give {_expectedSteps}.");
        }
    }

    /// <summary>The objects migra's script creates, replaces or drops, against the mutation's; a sentence either way.</summary>
    private string CheckPeer(string script)
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        var other = new List<string>();
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.TrimEnd();
            Match m;
            if ((m = Regex.Match(line, @"^drop (?:function|procedure) if exists ""(?<s>[^""]+)""\.""(?<n>[^""]+)""\(")).Success
                || (m = Regex.Match(line, @"^CREATE OR REPLACE (?:FUNCTION|PROCEDURE) (?<s>[^.\s(]+)\.(?<n>[^\s(]+)\(")).Success)
            {
                touched.Add("routine:" + Unquote(m.Groups["s"].Value) + "." + Unquote(m.Groups["n"].Value));
            }
            else if ((m = Regex.Match(line, @"^drop trigger if exists ""(?<n>[^""]+)"" on ""(?<s>[^""]+)""\.""(?<t>[^""]+)""")).Success
                     || (m = Regex.Match(line, @"^CREATE (?:CONSTRAINT )?TRIGGER (?<n>\S+) .*? ON (?<s>[^.\s]+)\.(?<t>\S+) ")).Success)
            {
                touched.Add("trigger:" + Unquote(m.Groups["n"].Value) + " ON " + Unquote(m.Groups["s"].Value) + "." + Unquote(m.Groups["t"].Value));
            }
            else if (Regex.IsMatch(line, @"^(create|drop|alter|CREATE|DROP|ALTER|grant|revoke|comment|COMMENT) ") && !line.StartsWith("set ", StringComparison.Ordinal))
            {
                other.Add(line.Length > 80 ? line[..80] + "…" : line);
            }
        }

        var missing = ChangedObjects.Except(touched).ToList();
        var extra = touched.Except(ChangedObjects).ToList();
        if (missing.Count == 0 && extra.Count == 0 && other.Count == 0)
        {
            return Invariant($"the same change set ({touched.Count} objects)");
        }

        return Invariant($"a DIFFERENT change set: {missing.Count} missing ({string.Join(", ", missing.Take(3))}), {extra.Count} extra ({string.Join(", ", extra.Take(3))}), {other.Count} other statements ({string.Join("; ", other.Take(3))})");
    }

    /// <summary>A generator key as <see cref="CheckPeer"/> names it: routines without their argument types (migra names some by parameter).</summary>
    private static string MigraKey(string key) => key.StartsWith("routine:", StringComparison.Ordinal) ? key[..key.IndexOf('(', StringComparison.Ordinal)] : key;

    private static string Unquote(string identifier) => identifier.Trim('"');

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string NodeConnection(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return JsonSerializer.Serialize(new Dictionary<string, object?> { ["host"] = b.Host, ["port"] = b.Port, ["user"] = b.Username, ["password"] = b.Password, ["database"] = b.Database });
    }

    private static string MigraUrl(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var auth = Uri.EscapeDataString(b.Username ?? "postgres") + (string.IsNullOrEmpty(b.Password) ? "" : ":" + Uri.EscapeDataString(b.Password));
        return $"postgresql://{auth}@{b.Host}:{b.Port}/{Uri.EscapeDataString(b.Database ?? "postgres")}";
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A whole process, timed from its start to its exit; its peak resident set (VmHWM, polled) and when it last wrote.</summary>
internal sealed record Timed(string What, double Ms, long PeakBytes, int ExitCode, string Stdout, string Stderr, double LastOutputMs)
{
    public static Timed Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var watch = Stopwatch.StartNew();
        double lastOutput = 0;
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Append(e.Data).Append('\n');
                    lastOutput = watch.Elapsed.TotalMilliseconds;
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        var status = $"/proc/{process.Id}/status";
        while (!process.WaitForExit(10))
        {
            peak = Math.Max(peak, PeakOf(status));
        }

        var elapsed = watch.Elapsed.TotalMilliseconds;
        process.WaitForExit(); // the output streams drained
        return new Timed(Path.GetFileName(file), elapsed, peak, process.ExitCode, stdout.ToString(), stderr.ToString(), lastOutput);
    }

    public Timed Check(string what) => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"Benchmark check failed: {what} exited with {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}".Trim());

    /// <summary>VmHWM of /proc/PID/status in bytes (0 when it cannot be read: the process is gone).</summary>
    private static long PeakOf(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
