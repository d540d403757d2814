using System.Management.Automation;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>Stops a sandbox started by Start-PgSandbox and deletes its data.</summary>
[Cmdlet(VerbsLifecycle.Stop, "PgSandbox", DefaultParameterSetName = SandboxSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpUriBase + "Stop-PgSandbox.md")]
[OutputType(typeof(void))]
public sealed class StopPgSandboxCommand : PgCmdlet
{
    private const string SandboxSet = "Sandbox";
    private const string AllSet = "All";
    private const string StopAction = "Stop the server and delete its data directory";

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
            foreach (var id in SandboxRegistry.Running)
            {
                if (ShouldProcess(SandboxRegistry.Describe(id), StopAction))
                {
                    SandboxRegistry.Stop(id);
                }
            }

            return;
        }

        foreach (var sandbox in Sandbox)
        {
            if (!ShouldProcess($"{sandbox} (data directory {sandbox.DataDirectory})", StopAction))
            {
                continue;
            }

            if (!SandboxRegistry.Stop(sandbox.Id))
            {
                WriteWarning($"{sandbox} is not running in this process (already stopped?).");
            }
        }
    }
}
