using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>
/// Applies a dbmate-style migration file (its -- migrate:up section, or -- migrate:down with -Down) to a
/// database in one transaction. For trying migrations (the quickstart, CI checks of up/down); production
/// deployments keep using your migration tool, which also records what ran.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PgMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpUriBase + "Invoke-PgMigration.md")]
[OutputType(typeof(void))]
public sealed class InvokePgMigrationCommand : PgDatabaseCmdlet
{
    /// <summary>The migration file. Files piped in (Get-ChildItem *.sql) bind by their FullName and run one after the other, in pipeline order.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Run the -- migrate:down section instead of -- migrate:up.</summary>
    [Parameter]
    public SwitchParameter Down { get; set; }

    /// <summary>Once per file: each piped migration runs (in its own transaction) before the next is read.</summary>
    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        var connection = GetConnectionOptions();
        try
        {
            if (!ShouldProcess($"{connection.Describe()}", $"Apply the {(Down ? "down" : "up")} section of {path}"))
            {
                return;
            }

            RunEngine((events, _, token) => MigrationRunner.RunAsync(connection, path, Down, events, token));
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, path));
        }
    }
}
