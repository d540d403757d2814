using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>Starts a throwaway local PostgreSQL server (for trying PgAutogen without a database).</summary>
[Cmdlet(VerbsLifecycle.Start, "PgSandbox", HelpUri = HelpUriBase + "Start-PgSandbox.md")]
[OutputType(typeof(PgSandbox))]
public sealed class StartPgSandboxCommand : PgCmdlet
{
    /// <summary>The folder with initdb, pg_ctl and postgres. Default: PGAUTOGEN_PG_BIN, initdb on PATH, or the newest /usr/lib/postgresql/*/bin.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BinDirectory { get; set; }

    protected override void EndProcessing()
    {
        var bin = BinDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(BinDirectory);
        try
        {
            var sandbox = RunEngine((events, _, token) => SandboxRegistry.StartAsync(bin, events, token));
            WriteObject(sandbox);
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, bin));
        }
    }
}
