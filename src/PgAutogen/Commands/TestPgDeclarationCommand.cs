using System.Management.Automation;
using PgAutogen.Core;
using PgAutogen.Core.Rendering;

namespace PgAutogen.Commands;

/// <summary>
/// Drift check for CI: $true when the database matches the declarations, else $false. Drift is not an
/// error; with -CIFormat each drifting object becomes an Azure DevOps / GitHub Actions warning annotation.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PgDeclaration", DefaultParameterSetName = PathSet, HelpUri = HelpUriBase + "Test-PgDeclaration.md")]
[OutputType(typeof(bool))]
public sealed class TestPgDeclarationCommand : PgCompareCmdlet
{
    /// <summary>Annotations for a CI system: None, Auto (default: Azure DevOps when TF_BUILD is set, GitHub Actions when GITHUB_ACTIONS is), AzureDevOps, GitHubActions.</summary>
    [Parameter]
    public CIFormat CIFormat { get; set; } = CIFormat.Auto;

    /// <summary>Also write a Markdown summary of the drift to this file (e.g. $env:GITHUB_STEP_SUMMARY).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SummaryPath { get; set; }

    /// <summary>
    /// When there is drift, also prove the migration that would fix it: apply its upgrade and downgrade inside a
    /// transaction that is rolled back; an upgrade that fails or a downgrade that does not restore is an error.
    /// </summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            var ops = CompareDeclarations(null);
            if (ops is null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("The declarations have errors (see above); nothing was compared."),
                    "DeclarationsInvalid", ErrorCategory.InvalidData, null));
                return;
            }

            var format = DriftReport.Resolve(CIFormat);
            foreach (var line in DriftReport.Annotations(ops, format, null, SessionState.Path.CurrentFileSystemLocation.ProviderPath))
            {
                // The CI agent reads these from the host's output.
                WriteInformation(new InformationRecord(new HostInformationMessage { Message = line, NoNewLine = false }, "Test-PgDeclaration") { Tags = { "PSHOST" } });
            }

            if (SummaryPath is not null)
            {
                var path = GetUnresolvedProviderPathFromPSPath(SummaryPath);
                File.AppendAllText(path, DriftReport.Markdown(ops, GetConnectionOptions().Describe().ToString()) + "\n");
            }

            if (Verify && ops.Count > 0)
            {
                var files = new Core.Rendering.DbmateRenderer().Render(new Core.Rendering.MigrationRenderRequest { Ops = ops, OutPath = "drift.sql" });
                try
                {
                    VerifyMigration(ops, files);
                }
                catch (PgAutogenException ex) when (ex.ErrorId == PgErrorId.MigrationVerifyFailed)
                {
                    WriteError(ToErrorRecord(ex));
                }
            }

            WriteVerbose(ops.Count == 0 ? "No drift." : $"{ops.Count} step(s) of drift.");
            WriteObject(ops.Count == 0);
        }
        catch (PgAutogenException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex));
        }
    }
}
