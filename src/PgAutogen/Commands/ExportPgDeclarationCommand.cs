using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Rendering;

namespace PgAutogen.Commands;

/// <summary>
/// Writes the managed objects of a live database as declaration files, one per object, under
/// &lt;schema&gt;/&lt;kind&gt;/&lt;name&gt;.sql — how a team adopts PgAutogen on an existing database.
/// </summary>
[Cmdlet(VerbsData.Export, "PgDeclaration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpUriBase + "Export-PgDeclaration.md")]
[OutputType(typeof(FileInfo))]
public sealed class ExportPgDeclarationCommand : PgDatabaseCmdlet
{
    /// <summary>The folder to write into (created when missing).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The kinds to export; all managed kinds when omitted.</summary>
    [Parameter]
    public PgObjectKind[]? Kind { get; set; }

    /// <summary>Schemas to export (wildcards allowed); all non-system schemas when omitted.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SchemaCompleter))]
    public string[]? Schema { get; set; }

    /// <summary>Overwrite existing files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var root = GetUnresolvedProviderPathFromPSPath(Path);
        var filter = CatalogFilter.Create(Kind, Schema);
        var connection = GetConnectionOptions();
        try
        {
            var files = RunEngine((events, _, token) => DeclarationExporter.PlanAsync(connection, filter, root, events, token));
            if (files.Count == 0)
            {
                WriteWarning("The database has no managed objects in the selected kinds and schemas; nothing was exported.");
                return;
            }

            if (!ShouldProcess($"{root} ({files.Count} file(s))", "Export declarations"))
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
            ThrowTerminatingError(ToErrorRecord(ex, root));
        }
    }
}
