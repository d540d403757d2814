using System.Management.Automation;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>Stops a sandbox started by Start-PgSandbox and deletes its data.</summary>
[Cmdlet(VerbsLifecycle.Stop, "PgSandbox", DefaultParameterSetName = SandboxSet, HelpUri = HelpUriBase + "Stop-PgSandbox.md")]
[OutputType(typeof(void))]
public sealed class StopPgSandboxCommand : PgCmdlet
{
    private const string SandboxSet = "Sandbox";
    private const string AllSet = "All";

    /// <summary>The sandbox to stop, as Start-PgSandbox returned it.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SandboxSet)]
    public PgSandbox[] Sandbox { get; set; } = Array.Empty<PgSandbox>();

    /// <summary>Stop every sandbox this session started.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        if (All)
        {
            SandboxRegistry.StopAll();
            return;
        }

        foreach (var sandbox in Sandbox)
        {
            if (!SandboxRegistry.Stop(sandbox.Id))
            {
                WriteWarning($"{sandbox} is not running in this process (already stopped?).");
            }
        }
    }
}
