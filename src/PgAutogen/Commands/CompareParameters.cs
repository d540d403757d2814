using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Shadow;

namespace PgAutogen.Commands;

/// <summary>
/// The parameters shared by the cmdlets that compare declarations with a database (Compare-PgDeclaration,
/// New-PgMigration -Path): the declarations (-Path, -LiteralPath, -Sql, piped PgDeclaration), the scope
/// (-Kind, -Schema) and the safety limits (-LockTimeout, -StatementTimeout).
/// </summary>
public abstract class PgCompareCmdlet : PgDatabaseCmdlet
{
    internal const string PathSet = "Path";
    internal const string LiteralPathSet = "LiteralPath";

    private readonly List<PgDeclaration> _piped = new();
    private readonly List<string> _paths = new();
    private bool _pathErrors;

    /// <summary>Declaration files or folders (searched recursively for *.sql); wildcards allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>Declaration files or folders, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>Declarations as SQL text (each string may hold several statements).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Sql { get; set; }

    /// <summary>Declarations from Get-PgDeclaration.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PgDeclaration[]? Declaration { get; set; }

    /// <summary>The kinds compared; all managed kinds when omitted. Objects of other kinds are never dropped.</summary>
    [Parameter]
    public PgObjectKind[]? Kind { get; set; }

    /// <summary>The schemas compared (wildcards allowed); all non-system schemas when omitted. Objects in other schemas are never dropped.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SchemaCompleter))]
    public string[]? Schema { get; set; }

    /// <summary>Seconds a declaration may wait for a lock (lock_timeout) before the compare fails. Default 5.</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double LockTimeout { get; set; } = 5;

    /// <summary>Seconds one statement may run (statement_timeout) before the compare fails. Default 120.</summary>
    [Parameter]
    [ValidateRange(0.0, 86400.0)]
    public double StatementTimeout { get; set; } = 120;

    private readonly WarningQueue _parseWarnings = new();

    /// <summary>Canonicalize on a throwaway server of the target's major loaded with the target's schema: the target is only read.</summary>
    [Parameter]
    public SwitchParameter Shadow { get; set; }

    /// <summary>Canonicalize in a scratch database on this server (same major as the target), created and dropped by PgAutogen: the target is only read.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ShadowConnectionString { get; set; }

    /// <summary>Load the shadow by replaying these migration files (a folder, in name order) instead of copying the target's schema.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Baseline { get; set; }

    /// <summary>Another database whose managed objects are the declarations (staging as the desired state of production); only read.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ReferenceConnectionString { get; set; }

    protected override void ProcessRecord()
    {
        if (Declaration is not null)
        {
            _piped.AddRange(Declaration);
        }

        if (Path is not null)
        {
            foreach (var path in Path)
            {
                try
                {
                    _paths.AddRange(GetResolvedProviderPathFromPSPath(path, out _));
                }
                catch (ItemNotFoundException ex)
                {
                    // Comparing without these declarations would drop what they declare: the compare will refuse to run.
                    _pathErrors = true;
                    WriteError(new ErrorRecord(ex, "DeclarationFileNotFound", ErrorCategory.ObjectNotFound, path)
                    {
                        ErrorDetails = new ErrorDetails($"The declaration path '{path}' does not exist.") { RecommendedAction = "Check -Path." },
                    });
                }
            }
        }

        if (LiteralPath is not null)
        {
            _paths.AddRange(LiteralPath.Select(p => GetUnresolvedProviderPathFromPSPath(p)));
        }
    }

    /// <summary>True when any declaration source was given: -Path, -LiteralPath, -Sql or piped PgDeclaration.</summary>
    internal bool HasDeclarationInput => _piped.Count > 0 || _paths.Count > 0 || Sql is { Length: > 0 } || Path is not null || LiteralPath is not null
        || ReferenceConnectionString is not null;

    /// <summary>
    /// Starts reading the declarations on a worker thread, so that the compare connects and reads the current catalog
    /// meanwhile; their errors are queued in <paramref name="errors"/>, to be written on the pipeline thread. Null when a
    /// -Path did not exist (already reported): then nothing is to run at all.
    /// </summary>
    internal Task<IReadOnlyList<PgDeclaration>?>? StartCollectingDeclarations(System.Collections.Concurrent.ConcurrentQueue<PgAutogenException> errors, CompareProgress progress)
    {
        if (_pathErrors)
        {
            return null;
        }

        var piped = _piped.ToList();
        var paths = _paths.ToList();
        var sqls = Sql ?? Array.Empty<string>();
        var reference = ReferenceConnectionString is null ? null : new ConnectionOptions { ConnectionString = ReferenceConnectionString };
        var filter = CatalogFilter.Create(Kind, Schema);
        var token = CancellationToken;
        return Task.Run(async () =>
        {
            progress.Files(CountSources(paths) + sqls.Length);
            var loaded = DeclarationSources.Load(paths, sqls, errors.Enqueue, new ParseEvents(_parseWarnings, progress));
            if (reference is not null)
            {
                loaded = loaded.Concat(await ReferenceDeclarations.LoadAsync(reference, filter, errors.Enqueue, _parseWarnings, token).ConfigureAwait(false)).ToList();
            }

            progress.Declarations(piped.Count + loaded.Count);
            return errors.IsEmpty ? (IReadOnlyList<PgDeclaration>?)piped.Concat(loaded).ToList() : null;
        });
    }

    /// <summary>
    /// Compares the declarations with the database, parsing them while the compare connects and reads the current
    /// catalog. Returns the steps, or null when the declarations had errors (written here; the caller stops with its
    /// own DeclarationsInvalid error). Engine errors (PgAutogenException) go to the caller.
    /// </summary>
    internal IReadOnlyList<MigrationOp>? CompareDeclarations(IReadOnlyList<PgObject>? piped)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<PgAutogenException>();
        var progress = new CompareProgress();
        var pending = StartCollectingDeclarations(errors, progress);
        if (pending is null)
        {
            return null;
        }

        var request = BuildRequest(piped, pending);
        try
        {
            var connection = GetConnectionOptions();
            var shadow = GetShadowOptions();
            var ops = RunEngine((events, _, token) =>
            {
                progress.Target = events;
                return shadow.Enabled
                    ? ShadowCompare.CompareAsync(connection, shadow, request, progress, token)
                    : CompareService.CompareAsync(connection, request, progress, token);
            });
            LastCompare = new CompareRequest { Declarations = pending.GetAwaiter().GetResult() ?? Array.Empty<PgDeclaration>(), PipedCurrent = piped, Options = request.Options };
            return ops;
        }
        catch (DeclarationsInvalidException)
        {
            WriteDeclarationErrors(errors);
            return null;
        }
        catch (PgAutogenException) when (pending.GetAwaiter().GetResult() is null)
        {
            // A connection string that does not parse: the declaration errors still come first.
            WriteDeclarationErrors(errors);
            return null;
        }
        finally
        {
            // What parsing warned about (a folder without .sql files), said on the pipeline thread.
            foreach (var warning in _parseWarnings.Drain())
            {
                WriteWarning(warning);
            }
        }
    }

    /// <summary>The declarations and scope of the last successful <see cref="CompareDeclarations"/> (for -Verify's compare after the upgrade).</summary>
    internal CompareRequest? LastCompare { get; private set; }

    /// <summary>The compare's settings from -Kind, -Schema, -LockTimeout, -StatementTimeout.</summary>
    internal CanonicalizationOptions CompareOptions => new()
    {
        LockTimeout = TimeSpan.FromSeconds(LockTimeout),
        StatementTimeout = TimeSpan.FromSeconds(StatementTimeout),
        Filter = CatalogFilter.Create(Kind, Schema),
    };

    /// <summary>
    /// -Verify: applies the upgrade and the downgrade of <paramref name="ops"/> inside a transaction that is rolled back,
    /// checking each half (see MigrationVerifier). Throws PgAutogenException (MigrationVerifyFailed) when it does not hold.
    /// </summary>
    internal void VerifyMigration(IReadOnlyList<MigrationOp> ops, IReadOnlyList<Core.Rendering.PlannedFile> files, bool guard = false)
    {
        var connection = GetConnectionOptions();
        var compare = LastCompare;
        var options = CompareOptions;
        var shadow = GetShadowOptions();
        if (shadow.Enabled)
        {
            // With a shadow the upgrade and the downgrade are tried there too: the target sees no DDL, not even rolled back.
            RunEngine((events, _, token) => ShadowCompare.RunOnShadowAsync(connection, shadow,
                async on => { await MigrationVerifier.VerifyAsync(on, ops, files, compare, options, events, token, guard).ConfigureAwait(false); return true; }, events, token));
            return;
        }

        RunEngine((events, _, token) => MigrationVerifier.VerifyAsync(connection, ops, files, compare, options, events, token, guard));
    }

    private ShadowOptions GetShadowOptions() => new()
    {
        Throwaway = Shadow.IsPresent || (Baseline is not null && ShadowConnectionString is null),
        ServerConnectionString = ShadowConnectionString,
        BaselinePath = Baseline is null ? null : GetUnresolvedProviderPathFromPSPath(Baseline),
    };

    /// <summary>How many files parsing will read: a file counts one, a folder its *.sql files (for progress only).</summary>
    private static int CountSources(IReadOnlyList<string> paths)
    {
        var count = 0;
        foreach (var path in paths)
        {
            try
            {
                count += Directory.Exists(path) ? Directory.EnumerateFiles(path, "*.sql", SearchOption.AllDirectories).Count() : 1;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Writes the queued declaration errors (on the pipeline thread).</summary>
    internal void WriteDeclarationErrors(System.Collections.Concurrent.ConcurrentQueue<PgAutogenException> errors)
    {
        foreach (var error in errors)
        {
            WriteError(ToErrorRecord(error));
        }
    }

    private CompareRequest BuildRequest(IReadOnlyList<PgObject>? piped, Task<IReadOnlyList<PgDeclaration>?> pending) => new()
    {
        Declarations = Array.Empty<PgDeclaration>(),
        Pending = pending,
        PipedCurrent = piped,
        Options = CompareOptions,
    };
}

/// <summary>What parsing reports: its warnings kept for the pipeline thread, its lines counted as progress.</summary>
internal sealed class ParseEvents(WarningQueue warnings, CompareProgress progress) : IEngineEvents
{
    public void Warning(string message) => warnings.Warning(message);

    public void Verbose(string message) => progress.Parsing(message);

    public void Debug(string message)
    {
    }

    public void Progress(EngineProgress progress)
    {
    }
}

/// <summary>Keeps the warnings of work done off the pipeline thread (parsing), to be written on it afterwards.</summary>
internal sealed class WarningQueue : IEngineEvents
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();

    public void Warning(string message) => _warnings.Enqueue(message);

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Progress(EngineProgress progress)
    {
    }

    public IEnumerable<string> Drain()
    {
        while (_warnings.TryDequeue(out var warning))
        {
            yield return warning;
        }
    }
}
