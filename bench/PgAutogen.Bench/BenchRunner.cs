using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PgAutogen.Core;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Diff;
using PgAutogen.Core.Rendering;

namespace PgAutogen.Bench;

/// <summary>Everything measured at one scale; times are medians in milliseconds.</summary>
internal sealed record ScaleResult
{
    public required int Scale { get; init; }
    public required string Shape { get; init; }
    public required int Declarations { get; init; }
    public required int Steps { get; init; }
    public required int ExpectedSteps { get; init; }
    public required int Runs { get; init; }
    public required double GenerateMs { get; init; }
    public required double LoadMs { get; init; }
    public required double ParseMs { get; init; }
    public required double InspectMs { get; init; }
    public required double CanonicalizeMs { get; init; }
    public required double CurrentReadMs { get; init; }
    public required double ExecuteMs { get; init; }
    public required double ValidateMs { get; init; }
    public required double ReadBackMs { get; init; }

    /// <summary>The rest of canonicalization: the downgrade's check (current definitions replayed), the rollback, settings.</summary>
    public required double RestMs { get; init; }
    public required double PlanMs { get; init; }
    public required double RenderMs { get; init; }
    public required double CoreEndToEndMs { get; init; }
    public double? ModuleEndToEndMs { get; init; }

    /// <summary>
    /// -Verify on the engine's migration (MigrationVerifier, what New-PgMigration -Verify runs after the compare): upgrade,
    /// compare the declarations again, downgrade, the three catalog reads and checks, rolled back.
    /// </summary>
    public required double VerifyMs { get; init; }
    public required FloorTiming Floor { get; init; }

    /// <summary>The cold rows (issue 19): fresh processes; null with --no-cold.</summary>
    public ColdTiming? Cold { get; init; }

    /// <summary>How the shortcut did in a cold compare: the engine's "Executed … (… unchanged by their parse tree …)" line.</summary>
    public string? ShortcutLine { get; init; }

    /// <summary>The shadow compare and the longest writer wait (issue 16); null with --no-safety.</summary>
    public SafetyTiming? Safety { get; init; }
    public long? ModulePeakWorkingSet { get; init; }
    public required long BenchPeakWorkingSet { get; init; }

    /// <summary>The machine's 1-minute load average when the measurements of this scale started and ended (Linux), e.g. "1.9 → 2.4".</summary>
    public string LoadAverage { get; init; } = "";

    /// <summary>The module's time when it ran, else the engine's (core) end to end.</summary>
    public double EndToEndMs => ModuleEndToEndMs ?? CoreEndToEndMs;

    /// <summary>Median end-to-end over median floor.</summary>
    public double Ratio => EndToEndMs / Floor.TotalMs;

    /// <summary>
    /// The median of each run's end-to-end / floor: the two run back to back in every run, so a slow moment of a
    /// shared machine weighs on both; steadier than the ratio of the medians.
    /// </summary>
    public required double PairedRatio { get; init; }

    public double ObjectsPerSecond => Declarations / (EndToEndMs / 1000);
}

/// <summary>Runs the benchmark: per scale, generate, load, then measure each phase and the floor, interleaved, several times.</summary>
internal sealed class BenchRunner
{
    private readonly BenchOptions _options;
    private readonly TextWriter _log;

    public BenchRunner(BenchOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
    }

    /// <summary>Cold Import-Module of out/PgAutogen in a fresh host process: median over three processes (null without the module).</summary>
    public (double RunspaceMs, double ImportMs)? ImportProbe { get; private set; }

    public string ServerDescription { get; private set; } = "";

    public async Task<IReadOnlyList<ScaleResult>> RunAsync(CancellationToken cancellationToken)
    {
        var (adminConnectionString, server) = await ResolveServerAsync(cancellationToken);
        var work = _options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "pgautogen-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            await using (var probe = new NpgsqlConnection(adminConnectionString))
            {
                await probe.OpenAsync(cancellationToken);
                ServerDescription = "PostgreSQL " + probe.PostgreSqlVersion + (server is null ? " (given connection)" : " (throwaway local server)");
            }

            if (_options.Module && !_options.ColdOnly)
            {
                var probes = Enumerable.Range(0, _options.Quick ? 1 : 3).Select(_ =>
                {
                    using var host = ModuleProcess.Start(importOnly: true);
                    return (host.RunspaceMs, host.ImportMs);
                }).ToList();
                ImportProbe = (Stats.Median(probes.Select(p => p.RunspaceMs)), Stats.Median(probes.Select(p => p.ImportMs)));
                _log.WriteLine($"Import-Module (cold, median of {probes.Count}): {ImportProbe.Value.ImportMs:0} ms (runspace open {ImportProbe.Value.RunspaceMs:0} ms)");
            }

            var results = new List<ScaleResult>();
            foreach (var scale in _options.Scales)
            {
                results.Add(await RunScaleAsync(adminConnectionString, scale, Path.Combine(work, "n" + scale.ToString(CultureInfo.InvariantCulture)), cancellationToken));
            }

            return results;
        }
        finally
        {
            if (!_options.Keep && _options.WorkDirectory is null)
            {
                Directory.Delete(work, recursive: true);
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private async Task<(string ConnectionString, LocalPostgresServer? Server)> ResolveServerAsync(CancellationToken cancellationToken)
    {
        var given = _options.Connection ?? Environment.GetEnvironmentVariable("PGAUTOGEN_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(given))
        {
            return (given, null);
        }

        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { Log = m => _log.WriteLine(m) }, cancellationToken);
        return (server.ConnectionString(), server);
    }

    private async Task<ScaleResult> RunScaleAsync(string adminConnectionString, int scale, string root, CancellationToken cancellationToken)
    {
        _log.WriteLine($"\n== N = {scale:N0} ==");
        var watch = Stopwatch.StartNew();
        var schema = SchemaGenerator.Generate(scale, _options.Seed, _options.Shape);
        if (_options.Shuffle)
        {
            schema = schema.WithShuffledFiles(_options.Seed);
        }
        Directory.CreateDirectory(root);
        schema.Write(root);
        var generateMs = watch.Elapsed.TotalMilliseconds;
        var mutatedDir = Path.Combine(root, "mutated");
        var generated = schema.Mutated.Select(o => o.ToDeclaration(mutatedDir)).ToList();

        // What the engine phases get: the parser's declarations (checked to be what the generator wrote).
        var declarations = ParsePhase.Parse(mutatedDir);
        ParsePhase.CheckAgainst(declarations, generated);
        var statements = schema.Mutated.Select(o => o.Sql).ToList();
        _log.WriteLine($"Generated {SchemaGenerator.Describe(schema)}; mutation: {schema.Mutation}; {generateMs:0} ms" +
                       (_options.Shuffle ? "; the compared files in a shuffled order" : ""));

        await using var database = await BenchDatabase.CreateAsync(adminConnectionString, $"pgautogen_bench_{scale}", _options.Keep, cancellationToken);
        watch.Restart();
        await database.LoadAsync(schema.SetupSql, schema.Original.Select(o => o.Sql), cancellationToken);
        var loadMs = watch.Elapsed.TotalMilliseconds;
        _log.WriteLine($"Loaded the original into {database.Name}: {loadMs:0} ms");
        var cs = database.ConnectionString;

        // The peer's target: a database built from the compared declarations (migra diffs two databases).
        var tools = _options.Cold ? BenchTools.Fetch(_log) : null;
        await using var desired = tools is not null && _options.Peer
            ? await BenchDatabase.CreateAsync(adminConnectionString, $"pgautogen_bench_{scale}_desired", _options.Keep, cancellationToken)
            : null;
        if (desired is not null)
        {
            watch.Restart();
            await desired.LoadAsync(schema.SetupSql, statements, cancellationToken);
            _log.WriteLine($"Loaded the compared declarations into {desired.Name} (migra's target): {watch.Elapsed.TotalMilliseconds:0} ms");
        }

        var cold = tools is null ? null : new ColdPhase(tools, ResolveShell(), mutatedDir, root, schema, cs, desired?.ConnectionString);
        if (_options.ColdOnly)
        {
            if (cold is null)
            {
                throw new InvalidOperationException("--cold-only needs node and npm (bench/scripts/fetch-bench-tools.sh failed).");
            }

            var coldTiming = await ColdRunsAsync(cold, database, cancellationToken);
            return ColdOnlyResult(scale, schema, declarations.Count, generateMs, loadMs, coldTiming);
        }

        using var module = _options.Module ? ModuleProcess.Start() : null;
        var outDir = Path.Combine(root, "out");
        Directory.CreateDirectory(outDir);

        var loadBefore = Machine.LoadAverage();
        var inspect = new List<double>();
        var canonicalize = new List<(double Total, double Current, double Execute, double Validate, double ReadBack, double Others)>();
        var core = new List<double>();
        var moduleRuns = new List<double>();
        var verifyRuns = new List<double>();
        var floors = new List<FloorTiming>();
        CanonicalizationResult? canonical = null;
        IReadOnlyList<MigrationOp>? coreOps = null;

        for (var run = _options.Warmup ? 0 : 1; run <= _options.Runs; run++)
        {
            var measured = run > 0;
            var label = measured ? $"run {run}/{_options.Runs}" : "warm-up";
            if (_options.Settle is { } settle)
            {
                await Machine.SettleAsync(settle, _log, cancellationToken);
            }

            await database.VacuumAsync(analyze: false, cancellationToken);
            watch.Restart();
            await using (var connection = new NpgsqlConnection(cs))
            {
                await connection.OpenAsync(cancellationToken);
                var objects = await CatalogInspector.ReadAllAsync(connection, new CatalogFilter(), cancellationToken);
                Check(objects.Count == schema.Original.Count, $"the inspector read {objects.Count} objects, the original has {schema.Original.Count}");
            }

            var inspectMs = watch.Elapsed.TotalMilliseconds;
            Add(inspect, measured, inspectMs);

            await database.VacuumAsync(analyze: false, cancellationToken);
            var events = new CapturingEvents();
            watch.Restart();
            await using (var connection = new NpgsqlConnection(cs))
            {
                await connection.OpenAsync(cancellationToken);
                canonical = await Canonicalizer.RunAsync(connection, declarations, new CanonicalizationOptions { ParseTreeShortcut = _options.Shortcut }, events, cancellationToken);
            }

            var total = watch.Elapsed.TotalMilliseconds;
            if (measured)
            {
                canonicalize.Add(events.Split(total));
            }
            else
            {
                // How the declarations were executed (one batch or not; how many the parse-tree shortcut left out).
                foreach (var line in events.Lines.Where(l => l.StartsWith("Executed ", StringComparison.Ordinal) || l.Contains("parse tree", StringComparison.Ordinal)))
                {
                    _log.WriteLine("  canonicalize: " + line);
                }
            }

            await database.VacuumAsync(analyze: false, cancellationToken);
            var floor = await Floor.RunAsync(cs, statements, cancellationToken);
            Check(floor.RowsBefore == schema.Original.Count, $"the floor read {floor.RowsBefore} definitions, the original has {schema.Original.Count}");
            if (measured)
            {
                floors.Add(floor);
            }

            await database.VacuumAsync(analyze: false, cancellationToken);
            watch.Restart();
            coreOps = await CoreEndToEndAsync(cs, mutatedDir, Path.Combine(outDir, "core.sql"), cancellationToken);
            var coreMs = watch.Elapsed.TotalMilliseconds;
            Add(core, measured, coreMs);
            CheckSteps(coreOps.Count, schema.Mutation, "the engine", coreOps);

            var moduleMs = double.NaN;
            if (module is not null)
            {
                await database.VacuumAsync(analyze: false, cancellationToken);
                var moduleOut = Path.Combine(outDir, "module.sql");
                moduleMs = module.EndToEnd(mutatedDir, moduleOut, cs);
                Add(moduleRuns, measured, moduleMs);
                CheckSteps(StepsIn(moduleOut), schema.Mutation, "the module", null);
            }

            await database.VacuumAsync(analyze: false, cancellationToken);
            watch.Restart();
            await VerifyAsync(cs, mutatedDir, coreOps, Path.Combine(outDir, "core.sql"), cancellationToken);
            var verifyMs = watch.Elapsed.TotalMilliseconds;
            Add(verifyRuns, measured, verifyMs);

            _log.WriteLine($"{label}: inspect {inspectMs:0} | canonicalize {total:0} | floor {floor.TotalMs:0} | engine e2e {coreMs:0}"
                + (module is null ? "" : $" | module e2e {moduleMs:0}") + $" | verify {verifyMs:0} ms");
        }

        SafetyTiming? safety = null;
        if (_options.Safety)
        {
            await database.VacuumAsync(analyze: false, cancellationToken);
            safety = await SafetyPhase.RunAsync(cs, declarations, schema, _options.Shortcut, _log, cancellationToken);
            _log.WriteLine($"safety: shadow first {safety.ShadowFirstMs:0} ms, reused {safety.ShadowReusedMs:0} ms; longest UPDATE of {safety.WriterTable} " +
                $"{safety.WriterBaselineMs:0} ms alone, {safety.WriterBlockedMs:0} ms during a live compare");
        }

        (ColdTiming Timing, string? ShortcutLine)? coldResult = cold is null ? null : await ColdRunsAsync(cold, database, cancellationToken);

        // The CPU-only phases: repeated, median.
        var parse = new List<double>();
        var plan = new List<double>();
        var render = new List<double>();
        IReadOnlyList<MigrationOp> ops = Array.Empty<MigrationOp>();
        for (var i = 0; i < Math.Max(3, _options.Runs); i++)
        {
            watch.Restart();
            var parsed = ParsePhase.Parse(mutatedDir);
            parse.Add(watch.Elapsed.TotalMilliseconds);
            ParsePhase.CheckAgainst(parsed, generated);

            watch.Restart();
            ops = MigrationPlanner.Plan(canonical!.Current, canonical.Desired, canonical.Decisions, canonical.CurrentUser)
                .OrderBy(o => o.Order).ToList();
            plan.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            _ = new DbmateRenderer().Render(ops, "migration.sql", null);
            render.Add(watch.Elapsed.TotalMilliseconds);
        }

        var peak = module?.PeakWorkingSet();
        using var self = Process.GetCurrentProcess();
        return new ScaleResult
        {
            Scale = scale,
            Shape = SchemaGenerator.Describe(schema),
            Declarations = declarations.Count,
            Steps = coreOps!.Count,
            ExpectedSteps = schema.Mutation.ExpectedOps,
            Runs = _options.Runs,
            GenerateMs = generateMs,
            LoadMs = loadMs,
            ParseMs = Stats.Median(parse),
            InspectMs = Stats.Median(inspect),
            CanonicalizeMs = Stats.Median(canonicalize.Select(c => c.Total)),
            CurrentReadMs = Stats.Median(canonicalize.Select(c => c.Current)),
            ExecuteMs = Stats.Median(canonicalize.Select(c => c.Execute)),
            ValidateMs = Stats.Median(canonicalize.Select(c => c.Validate)),
            ReadBackMs = Stats.Median(canonicalize.Select(c => c.ReadBack)),
            RestMs = Stats.Median(canonicalize.Select(c => c.Others)),
            PlanMs = Stats.Median(plan),
            RenderMs = Stats.Median(render),
            CoreEndToEndMs = Stats.Median(core),
            ModuleEndToEndMs = moduleRuns.Count > 0 ? Stats.Median(moduleRuns) : null,
            VerifyMs = Stats.Median(verifyRuns),
            Floor = new FloorTiming(
                Stats.Median(floors.Select(f => f.TotalMs)), Stats.Median(floors.Select(f => f.ReadBeforeMs)),
                Stats.Median(floors.Select(f => f.ExecuteMs)), Stats.Median(floors.Select(f => f.ReadAfterMs)),
                floors[0].RowsBefore, floors[0].RowsAfter),
            ModulePeakWorkingSet = peak,
            Safety = safety,
            Cold = coldResult?.Timing,
            ShortcutLine = coldResult?.ShortcutLine,
            PairedRatio = Stats.Median((moduleRuns.Count > 0 ? moduleRuns : core).Zip(floors, (e, f) => e / f.TotalMs)),
            BenchPeakWorkingSet = self.PeakWorkingSet64,
            LoadAverage = $"{loadBefore} → {Machine.LoadAverage()}",
        };
    }

    /// <summary>The Shell of the cold rows: --shell, the published one (--shell published), else the one built beside the benchmark.</summary>
    private string ResolveShell()
    {
        if (_options.Shell != "published")
        {
            return _options.Shell ?? ShellPath;
        }

        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(BenchTools.RepoRoot, "bench", "scripts", "publish-shell.sh"));
        using var process = Process.Start(psi)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        return process.ExitCode == 0 && lines.Length > 0
            ? lines[^1].Trim()
            : throw new InvalidOperationException("bench/scripts/publish-shell.sh failed (see bench/.tools/publish-shell.log).");
    }

    /// <summary>The Shell built beside the benchmark (its apphost).</summary>
    private static string ShellPath => Path.GetFullPath(System.Reflection.CustomAttributeExtensions.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>(typeof(BenchRunner).Assembly)
        .First(a => a.Key == "PgAutogen.Bench.ShellPath").Value!);

    /// <summary>The cold rows: a verbose probe of what the shortcut left out, then the warm-up and the measured runs.</summary>
    private async Task<(ColdTiming Timing, string? ShortcutLine)> ColdRunsAsync(ColdPhase cold, BenchDatabase database, CancellationToken cancellationToken)
    {
        Task Vacuum() => database.VacuumAsync(analyze: false, cancellationToken);
        await Vacuum();
        var shortcut = cold.ShortcutLine();
        _log.WriteLine("  cold compare: " + (shortcut ?? "(no shortcut line)"));
        var runs = new List<ColdRun>();
        for (var run = _options.Warmup ? 0 : 1; run <= _options.Runs; run++)
        {
            if (_options.Settle is { } settle)
            {
                await Machine.SettleAsync(settle, _log, cancellationToken);
            }

            var label = run > 0 ? $"run {run}/{_options.Runs}" : "warm-up";
            var result = await cold.RunOnceAsync(Vacuum, _log, label + $", load {Machine.LoadAverage()}");
            if (run > 0)
            {
                runs.Add(result);
            }
        }

        return (new ColdTiming(runs, cold.ShellName, cold.Pwsh, cold.PeerCheck, cold.ChangedObjects.Count), shortcut);
    }

    private ScaleResult ColdOnlyResult(int scale, GeneratedSchema schema, int declarations, double generateMs, double loadMs, (ColdTiming Timing, string? ShortcutLine) cold)
    {
        using var self = Process.GetCurrentProcess();
        var nan = double.NaN;
        return new ScaleResult
        {
            Scale = scale, Shape = SchemaGenerator.Describe(schema), Declarations = declarations, Steps = schema.Mutation.ExpectedOps,
            ExpectedSteps = schema.Mutation.ExpectedOps, Runs = _options.Runs, GenerateMs = generateMs, LoadMs = loadMs, ParseMs = nan, InspectMs = nan,
            CanonicalizeMs = nan, CurrentReadMs = nan, ExecuteMs = nan, ValidateMs = nan, ReadBackMs = nan, RestMs = nan, PlanMs = nan, RenderMs = nan,
            CoreEndToEndMs = nan, VerifyMs = nan, Floor = new FloorTiming(nan, nan, nan, nan, 0, 0), PairedRatio = nan,
            BenchPeakWorkingSet = self.PeakWorkingSet64, Cold = cold.Timing, ShortcutLine = cold.ShortcutLine,
        };
    }

    /// <summary>What Compare-PgDeclaration | New-PgMigration does, through Core's public API: parse, compare (its own connection), render, write.</summary>
    private async Task<IReadOnlyList<MigrationOp>> CoreEndToEndAsync(
        string connectionString, string path, string outFile, CancellationToken cancellationToken)
    {
        var declarations = ParsePhase.Parse(path);
        var ops = await CompareService.CompareAsync(new ConnectionOptions { ConnectionString = connectionString },
            new CompareRequest { Declarations = declarations, Options = new CanonicalizationOptions { ParseTreeShortcut = _options.Shortcut } },
            NullEngineEvents.Instance, cancellationToken);
        OutputFiles.Write(MigrationWriter.Plan(ops, outFile, null, MigrationFormat.Dbmate), force: true);
        return ops;
    }

    /// <summary>What -Verify adds to New-PgMigration: the declarations parsed again for its compare, then MigrationVerifier.</summary>
    private async Task VerifyAsync(string connectionString, string path, IReadOnlyList<MigrationOp> ops, string outFile, CancellationToken cancellationToken)
    {
        var options = new CanonicalizationOptions { ParseTreeShortcut = _options.Shortcut };
        var files = MigrationWriter.Plan(new MigrationRenderRequest { Ops = ops, OutPath = outFile }, MigrationFormat.Dbmate);
        await MigrationVerifier.VerifyAsync(new ConnectionOptions { ConnectionString = connectionString }, ops, files,
            new CompareRequest { Declarations = ParsePhase.Parse(path), Options = options }, options, NullEngineEvents.Instance, cancellationToken);
    }

    private static void Add(List<double> list, bool measured, double value)
    {
        if (measured)
        {
            list.Add(value);
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark check failed: " + message);
        }
    }

    /// <summary>The compare must find exactly the mutation: otherwise the benchmark measures something else.</summary>
    private static void CheckSteps(int steps, MutationSummary mutation, string who, IReadOnlyList<MigrationOp>? ops)
    {
        if (steps != mutation.ExpectedOps)
        {
            var detail = ops is null ? "" : "\n" + string.Join("\n", ops.GroupBy(o => (o.Action, o.Kind)).Select(g => $"  {g.Key.Action} {g.Key.Kind}: {g.Count()}"));
            throw new InvalidOperationException($"Benchmark check failed: {who} produced {steps} step(s); the mutation ({mutation}) should give {mutation.ExpectedOps}.{detail}");
        }
    }

    /// <summary>The step count from the dbmate header: "-- Generated by PgAutogen: 123 step(s): ...".</summary>
    internal static int StepsIn(string file)
    {
        using var reader = new StreamReader(file);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            var match = Regex.Match(line, @"^-- Generated by PgAutogen: (\d+) step");
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>Collects the engine's verbose lines, which time the parts of canonicalization.</summary>
    private sealed class CapturingEvents : IEngineEvents
    {
        private readonly List<string> _verbose = new();

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_verbose)
                {
                    return _verbose.ToArray();
                }
            }
        }

        public void Verbose(string message)
        {
            lock (_verbose)
            {
                _verbose.Add(message);
            }
        }

        public void Debug(string message)
        {
        }

        public void Warning(string message)
        {
        }

        public void Progress(EngineProgress progress)
        {
        }

        /// <summary>
        /// (total, current catalog read, execute, resolve + validate, read back, the rest: the downgrade's check and the
        /// rollback) from the engine's verbose lines "Read the current catalog: … in N ms", "Executed … in N ms",
        /// "Resolved … and validated … in N ms" and "Read the desired catalog: … in N ms".
        /// </summary>
        public (double Total, double Current, double Execute, double Validate, double ReadBack, double Others) Split(double total)
        {
            double Find(string pattern)
            {
                var match = _verbose.Select(v => Regex.Match(v, pattern)).FirstOrDefault(m => m.Success);
                return match is null ? double.NaN : double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            var current = Find(@"^Read the current catalog: .* in (\d+) ms");
            var execute = Find(@"^Executed \d+ declaration\(s\) .*in (\d+) ms");
            var validate = Find(@"^Resolved \d+ declaration\(s\) and validated .* in (\d+) ms");
            var readBack = Find(@"^Read the desired catalog: .* in (\d+) ms");
            return (total, current, execute, validate, readBack, total - current - execute - validate - readBack);
        }
    }
}

internal static class Machine
{
    /// <summary>Waits (at most two minutes) until the 1-minute load average is at most <paramref name="threshold"/>: another job on a shared machine skews every phase.</summary>
    public static async Task SettleAsync(double threshold, TextWriter log, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(2)
               && double.TryParse(LoadAverage(), NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load > threshold)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        if (watch.Elapsed > TimeSpan.FromSeconds(1))
        {
            log.WriteLine($"(waited {watch.Elapsed.TotalSeconds:0} s for the load average to settle: {LoadAverage()})");
        }
    }

    /// <summary>The 1-minute load average (/proc/loadavg), or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
