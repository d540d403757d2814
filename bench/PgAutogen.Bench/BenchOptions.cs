using System.Globalization;

namespace PgAutogen.Bench;

/// <summary>The command line.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/PgAutogen.Bench -- [options]

          --quick              N=500, one run, no warm-up: proves the benchmark works (CI)
          --scales 1000,5000   the scales N to run (default 1000,5000,20000)
          --runs 5             measured runs per phase; the median is reported (default 5)
          --no-warmup          skip the unmeasured warm-up run of each database phase
          --seed 7             the generator's seed (default 7)
          --connection CS      a superuser connection string (default: PGAUTOGEN_TEST_CONNECTION,
                               else a throwaway local server); a database per scale is created and dropped
          --no-module          skip the module end to end (PowerShell host process)
          --work DIR           where the declaration files go (default: a temp folder, deleted after)
          --keep               keep the declaration files and the databases
          --markdown FILE      also write the result tables to FILE
          --settle 2.5         before each run, wait (up to 2 min) for the 1-minute load average to
                               drop to this (a shared machine)
          --shuffle            name the compared (mutated) files so that their path order is a seeded
                               random order, not one that creates them (the floor keeps creation order)
          --no-shortcut        the engine phases with the parse-tree shortcut off (every declaration
                               executed); implies --no-module, whose cmdlets always use the default
          --no-safety          skip the shadow compare and the writer-block measurement (run by default
                               except with --quick)
          --shape pipeline     the generator's shape: classic (issue 7's, default) or pipeline (issue 19's:
                               literals in trigger WHEN clauses, EXECUTE PROCEDURE, the default FOR EACH STATEMENT)
          --no-cold            skip the cold rows (fresh processes: the Shell importing the module and comparing
                               once, the floor as a node + pg process, migra); run by default except with --quick
          --cold-only          only the cold rows (no engine phases, no warm module, no floor in this process)
          --no-peer            the cold rows without migra
          --shell PATH         the Shell executable of the cold rows (default: src/PgAutogen.Shell's build output);
                               --shell published: the Shell published ReadyToRun by bench/scripts/publish-shell.sh
        """;

    public IReadOnlyList<int> Scales { get; init; } = new[] { 1000, 5000, 20000 };

    public int Runs { get; init; } = 5;

    public bool Warmup { get; init; } = true;

    public ulong Seed { get; init; } = 7;

    public string? Connection { get; init; }

    public bool Module { get; init; } = true;

    public string? WorkDirectory { get; init; }

    public bool Keep { get; init; }

    public string? MarkdownPath { get; init; }

    public bool Quick { get; init; }

    public double? Settle { get; init; }

    public bool Shuffle { get; init; }

    public bool Shortcut { get; init; } = true;

    public bool Safety { get; init; } = true;

    public GeneratorShape Shape { get; init; } = GeneratorShape.Classic;

    public bool Cold { get; init; } = true;

    public bool ColdOnly { get; init; }

    public bool Peer { get; init; } = true;

    public string? Shell { get; init; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            options = args[i] switch
            {
                "--quick" => new BenchOptions
                {
                    Scales = new[] { 500 }, Runs = 1, Warmup = false, Quick = true, Seed = options.Seed, Connection = options.Connection,
                    Module = options.Module, WorkDirectory = options.WorkDirectory, Keep = options.Keep, MarkdownPath = options.MarkdownPath,
                    Settle = options.Settle, Shuffle = options.Shuffle, Shortcut = options.Shortcut, Safety = false,
                    Shape = options.Shape, Cold = false, Peer = options.Peer, Shell = options.Shell,
                },
                "--scales" => options.With(scales: Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToArray()),
                "--runs" => options.With(runs: int.Parse(Value(), CultureInfo.InvariantCulture)),
                "--no-warmup" => options.With(warmup: false),
                "--seed" => options.With(seed: ulong.Parse(Value(), CultureInfo.InvariantCulture)),
                "--connection" => options.With(connection: Value()),
                "--no-module" => options.With(module: false),
                "--work" => options.With(work: Value()),
                "--keep" => options.With(keep: true),
                "--markdown" => options.With(markdown: Value()),
                "--settle" => options.With(settle: double.Parse(Value(), CultureInfo.InvariantCulture)),
                "--shuffle" => options.With(shuffle: true),
                "--no-shortcut" => options.With(shortcut: false, module: false),
                "--no-safety" => options.With(safety: false),
                "--shape" => options.With(shape: Enum.Parse<GeneratorShape>(Value(), ignoreCase: true)),
                "--no-cold" => options.With(cold: false),
                "--cold-only" => options.With(cold: true, coldOnly: true),
                "--no-peer" => options.With(peer: false),
                "--shell" => options.With(shell: Value() is var shell && shell == "published" ? shell : Path.GetFullPath(shell)),
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }

        if (options.Runs < 1 || options.Scales.Count == 0 || options.Scales.Any(s => s < 30))
        {
            throw new ArgumentException($"--runs must be at least 1 and every scale at least 30.\n{Usage}");
        }

        return options;
    }

    private BenchOptions With(IReadOnlyList<int>? scales = null, int? runs = null, bool? warmup = null, ulong? seed = null, string? connection = null,
        bool? module = null, string? work = null, bool? keep = null, string? markdown = null, double? settle = null, bool? shuffle = null,
        bool? shortcut = null, bool? safety = null, GeneratorShape? shape = null, bool? cold = null, bool? coldOnly = null, bool? peer = null,
        string? shell = null) => new()
    {
        Scales = scales ?? Scales,
        Runs = runs ?? Runs,
        Warmup = warmup ?? Warmup,
        Seed = seed ?? Seed,
        Connection = connection ?? Connection,
        Module = module ?? Module,
        WorkDirectory = work ?? WorkDirectory,
        Keep = keep ?? Keep,
        MarkdownPath = markdown ?? MarkdownPath,
        Quick = Quick,
        Settle = settle ?? Settle,
        Shuffle = shuffle ?? Shuffle,
        Shortcut = shortcut ?? Shortcut,
        Safety = safety ?? Safety,
        Shape = shape ?? Shape,
        Cold = cold ?? Cold,
        ColdOnly = coldOnly ?? ColdOnly,
        Peer = peer ?? Peer,
        Shell = shell ?? Shell,
    };
}
