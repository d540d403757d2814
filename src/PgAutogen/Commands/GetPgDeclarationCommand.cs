using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Commands;

/// <summary>
/// Parses declaration files offline (no database) and streams one PgDeclaration per statement. Statements that are not
/// allowed, syntax errors, system-schema targets and duplicates are non-terminating errors naming file:line:column.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PgDeclaration", DefaultParameterSetName = PathSet, HelpUri = HelpUriBase + "Get-PgDeclaration.md")]
[OutputType(typeof(PgDeclaration))]
public sealed class GetPgDeclarationCommand : PgCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string SqlSet = "Sql";

    private DeclarationParser? _parser;
    private int _sqlIndex;

    /// <summary>.sql files, or folders searched recursively for *.sql files. Wildcards are supported.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>.sql files or folders, taken exactly as written (no wildcards). FileInfo and DirectoryInfo objects from the pipeline bind here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>SQL text to parse instead of files; positions are reported as -Sql[n]:line:column.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SqlSet)]
    [AllowEmptyString]
    public string[] Sql { get; set; } = Array.Empty<string>();

    protected override void BeginProcessing()
    {
        var events = new PipelineEvents(this);
        _parser = new DeclarationParser(WriteObject, error => WriteError(ToErrorRecord(error)), events);
    }

    protected override void ProcessRecord()
    {
        var parser = _parser!;
        try
        {
            switch (ParameterSetName)
            {
                case SqlSet:
                    foreach (var text in Sql)
                    {
                        parser.ParseSql(text ?? "", DeclarationParser.SqlLabel(_sqlIndex++), CancellationToken);
                    }

                    break;
                case LiteralPathSet:
                    foreach (var path in LiteralPath)
                    {
                        parser.ParsePath(GetUnresolvedProviderPathFromPSPath(path), CancellationToken);
                    }

                    break;
                default:
                    foreach (var path in Path)
                    {
                        foreach (var resolved in Resolve(path))
                        {
                            parser.ParsePath(resolved, CancellationToken);
                        }
                    }

                    break;
            }
        }
        catch (PgAutogenException ex)
        {
            // libpg_query missing: nothing can be parsed.
            ThrowTerminatingError(ToErrorRecord(ex));
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    protected override void EndProcessing()
    {
        if (_parser is { } parser)
        {
            WriteVerbose($"{parser.StatementCount} statement(s): {parser.Declarations.Count} declaration(s), {parser.Errors.Count} error(s).");
        }
    }

    /// <summary>Resolves a -Path (wildcards allowed) to file-system paths; reports a path or pattern that matches nothing.</summary>
    private List<string> Resolve(string path)
    {
        var result = new List<string>();
        try
        {
            var resolved = GetResolvedProviderPathFromPSPath(path, out var provider);
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.Ordinal))
            {
                WriteError(ToErrorRecord(new PgAutogenException(PgErrorId.DeclarationFileNotFound,
                    $"{path}: is not a file-system path (provider {provider.Name}).")
                {
                    Target = path,
                    RecommendedAction = "Give .sql files or folders on the file system.",
                }));
                return result;
            }

            result.AddRange(resolved);
        }
        catch (SessionStateException)
        {
            // ItemNotFoundException, DriveNotFoundException, ProviderNotFoundException: reported below.
        }

        if (result.Count == 0)
        {
            // A pattern that matches nothing is an error too: silently reading no declarations would look like "drop everything".
            WriteError(ToErrorRecord(new PgAutogenException(PgErrorId.DeclarationFileNotFound,
                $"{path}: no such file or folder{(WildcardPattern.ContainsWildcardCharacters(path) ? " (the pattern matches nothing)" : "")}.")
            {
                Target = path,
                RecommendedAction = "Check the path: give .sql files or folders that contain them (searched recursively); use -LiteralPath for names with [ ] characters.",
            }));
        }

        return result;
    }

    /// <summary>The parser runs on the pipeline thread, so its events can be written directly.</summary>
    private sealed class PipelineEvents : IEngineEvents
    {
        private readonly GetPgDeclarationCommand _owner;

        public PipelineEvents(GetPgDeclarationCommand owner) => _owner = owner;

        public void Verbose(string message) => _owner.WriteVerbose(message);

        public void Debug(string message) => _owner.WriteDebug(message);

        public void Warning(string message) => _owner.WriteWarning(message);

        public void Progress(EngineProgress progress)
        {
        }
    }
}
