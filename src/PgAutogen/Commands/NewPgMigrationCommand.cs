using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Rendering;

namespace PgAutogen.Commands;

/// <summary>
/// Writes a migration file (upgrade and downgrade) from MigrationOp objects (piped from
/// Compare-PgDeclaration), or computes them from -Path and a database.
/// </summary>
[Cmdlet(VerbsCommon.New, "PgMigration", DefaultParameterSetName = OpsSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    HelpUri = HelpUriBase + "New-PgMigration.md")]
[OutputType(typeof(FileInfo))]
public sealed class NewPgMigrationCommand : PgCompareCmdlet
{
    private const string OpsSet = "Ops";
    private readonly List<MigrationOp> _ops = new();

    /// <summary>The steps to write, from Compare-PgDeclaration (a filtered subset still gives two halves that run).</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = OpsSet)]
    public MigrationOp[]? InputObject { get; set; }

    /// <summary>
    /// The migrations folder (every format; the file names come from its numbering and -Message), or for Dbmate also the
    /// file itself. Relative paths are relative to PowerShell's current location.
    /// </summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string OutFile { get; set; } = "";

    /// <summary>A description written as a comment at the top of the file.</summary>
    [Parameter]
    public string? Message { get; set; }

    /// <summary>The migration tool the files are for: Dbmate (default), Flyway, GolangMigrate, Sqitch, Liquibase, EfCore, DbUp, Grate, Plain.</summary>
    [Parameter]
    public MigrationFormat Format { get; set; } = MigrationFormat.Dbmate;

    /// <summary>EfCore: the namespace of the migration class (e.g. MyApp.Migrations).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>EfCore: the DbContext type the migration belongs to (e.g. MyApp.AppDbContext).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DbContext { get; set; }

    /// <summary>
    /// Before writing, prove the migration on the database: apply the upgrade, check it reaches the declarations, apply
    /// the downgrade, check the catalog is as it was — in one transaction that is rolled back. On failure nothing is written.
    /// </summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    /// <summary>
    /// Each half first checks, in one statement, that every object it replaces, drops or creates is as it was when the
    /// migration was generated (the downgrade: as the upgrade left it), and stops, changing nothing, naming each object
    /// that drifted (a hot-fix applied by hand) instead of overwriting it.
    /// </summary>
    [Parameter]
    public SwitchParameter Guard { get; set; }

    /// <summary>
    /// The hazards (MigrationOp.Hazards) that may be written: a migration with a hazard that gates (RecreatesMaterializedView,
    /// DropsObjectInUse, DropsRoutineCalledByName, ChangesSecurityDefiner, ChangesVolatilityInUse) is refused unless its kind is named here.
    /// </summary>
    [Parameter]
    public HazardKind[]? AllowHazard { get; set; }

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _ops.AddRange(InputObject);
        }

        base.ProcessRecord();
    }

    protected override void EndProcessing()
    {
        var outFile = GetUnresolvedProviderPathFromPSPath(OutFile);
        IReadOnlyList<MigrationOp> ops = _ops;
        try
        {
            // Steps piped in are written as they are; without them, the steps are computed from the declarations.
            var hasDeclarations = HasDeclarationInput;
            if (_ops.Count > 0 && hasDeclarations)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Give either migration steps (piped from Compare-PgDeclaration) or declarations (-Path, -LiteralPath, -Sql, piped PgDeclaration), not both."),
                    "AmbiguousInput", ErrorCategory.InvalidArgument, null));
                return;
            }

            if (_ops.Count == 0 && hasDeclarations)
            {
                var compared = CompareDeclarations(null);
                if (compared is null)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new InvalidOperationException("The declarations have errors (see above); no migration was written."),
                        "DeclarationsInvalid", ErrorCategory.InvalidData, null));
                    return;
                }

                ops = compared;
            }

            if (ops.Count == 0)
            {
                var said = hasDeclarations || _ops.Count > 0 || MyInvocation.ExpectingInput
                    ? "No differences: the database matches the declarations; no migration was written."
                    : "No migration steps were given (pipe them from Compare-PgDeclaration, or give -Path or -Sql); no migration was written.";
                WriteInformation(new InformationRecord(new HostInformationMessage { Message = said }, "New-PgMigration")
                {
                    Tags = { "PSHOST" },
                });
                return;
            }

            if (OutFile.EndsWith('/') || OutFile.EndsWith('\\'))
            {
                outFile += System.IO.Path.DirectorySeparatorChar; // a folder, also for Dbmate
            }

            if (Format != MigrationFormat.EfCore && (Namespace is not null || DbContext is not null))
            {
                WriteWarning($"-Namespace and -DbContext are used by -Format EfCore only; they are ignored for -Format {Format}.");
            }

            // Hazards: the gated ones must be allowed by name; the others are said.
            var allowed = AllowHazard ?? Array.Empty<HazardKind>();
            foreach (var (op, hazard) in ops.OrderBy(o => o.Order).SelectMany(o => o.Hazards.Select(h => (o, h))))
            {
                WriteVerbose($"Hazard {hazard.Kind}{(hazard.Gated ? allowed.Contains(hazard.Kind) ? " (allowed)" : "" : " (does not gate)")}: {Core.Diff.HazardGate.Describe(op)}: {hazard.Reason}");
            }

            Core.Diff.HazardGate.Check(ops, allowed);

            var files = MigrationWriter.Plan(new MigrationRenderRequest
            {
                Ops = ops,
                OutPath = outFile,
                Message = Message,
                Namespace = Namespace,
                DbContext = DbContext,
                Guard = Guard,
            }, Format);
            if (Verify)
            {
                VerifyMigration(ops, files, Guard);
            }

            var description = $"{string.Join(", ", files.Select(f => f.Path))} ({Format}, {ops.Count} step(s))";
            if (!ShouldProcess(description, "Write migration"))
            {
                return;
            }

            foreach (var path in OutputFiles.Write(files, Force))
            {
                WriteObject(new FileInfo(path));
            }
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, outFile));
        }
    }
}
