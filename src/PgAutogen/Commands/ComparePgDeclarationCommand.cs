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
        var declarations = CollectDeclarations();
        if (declarations is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("The declarations have errors (see above); nothing was compared and nothing was run against the database."),
                "DeclarationsInvalid", ErrorCategory.InvalidData, null));
            return;
        }

        var request = BuildRequest(declarations, _currentPiped ? _current : null);
        var connection = GetConnectionOptions();
        try
        {
            var ops = RunEngine((events, _, token) => CompareService.CompareAsync(connection, request, events, token));
            foreach (var op in ops)
            {
                WriteObject(op);
            }
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
    }
}
