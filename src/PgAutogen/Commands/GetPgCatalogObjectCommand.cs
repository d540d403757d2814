using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Catalog;

namespace PgAutogen.Commands;

/// <summary>Reads the managed objects of a live database (functions, procedures, triggers, views) and streams them as PgObject.</summary>
[Cmdlet(VerbsCommon.Get, "PgCatalogObject", HelpUri = HelpUriBase + "Get-PgCatalogObject.md")]
[OutputType(typeof(PgObject))]
public sealed class GetPgCatalogObjectCommand : PgDatabaseCmdlet
{
    /// <summary>The kinds to read; all managed kinds when omitted.</summary>
    [Parameter(Position = 0)]
    public PgObjectKind[]? Kind { get; set; }

    /// <summary>Schema names or wildcard patterns (app*), case-insensitive.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SchemaCompleter))]
    public string[]? Schema { get; set; }

    /// <summary>Object names or wildcard patterns, case-insensitive. For triggers, the trigger's name.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Once per input: a sandbox or any object with a ConnectionString piped in is read, each in turn.</summary>
    protected override void ProcessRecord()
    {
        var filter = CatalogFilter.Create(Kind, Schema, Name);
        var connection = GetConnectionOptions();
        try
        {
            RunEngine((events, emit, token) => CatalogService.ReadAsync(connection, filter, emit, events, token));
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
    }
}
