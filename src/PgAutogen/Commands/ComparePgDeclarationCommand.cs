using System.Management.Automation;
using PgAutogen.Core;

namespace PgAutogen.Commands;

/// <summary>
/// Compares declarations with a live database and emits the migration steps (MigrationOp) in the order
/// they run. The declarations are executed inside a transaction that is always rolled back.
/// </summary>
[Cmdlet(VerbsData.Compare, "PgDeclaration", DefaultParameterSetName = PathSet, HelpUri = HelpUriBase + "Compare-PgDeclaration.md")]
[OutputType(typeof(MigrationOp))]
public sealed class ComparePgDeclarationCommand : PgCompareCmdlet
{
    private readonly List<PgObject> _current = new();
    private bool _currentPiped;

    /// <summary>
    /// The current state, from Get-PgCatalogObject: only these objects are compared (others are neither
    /// replaced nor dropped). Without it, every managed object in the compared schemas is.
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    public PgObject[]? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _currentPiped = true;
            _current.AddRange(InputObject);
        }

        base.ProcessRecord();
    }

    protected override void EndProcessing()
    {
        // The declarations are parsed while the compare connects and reads the current catalog; nothing is executed
        // before every one of them is read, and any error in them stops the compare (rolled back) before anything else.
        IReadOnlyList<MigrationOp>? ops;
        try
        {
            ops = CompareDeclarations(_currentPiped ? _current : null);
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
            return;
        }

        if (ops is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("The declarations have errors (see above); nothing was compared and the database was not changed."),
                "DeclarationsInvalid", ErrorCategory.InvalidData, null));
            return;
        }

        foreach (var op in ops)
        {
            WriteObject(op);
        }
    }
}
