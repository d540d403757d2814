using System.Globalization;
using System.Management.Automation;
using PgAutogen.Shell;
using System.Text;

namespace PgAutogen.TestSupport;

/// <summary>What a hosted script produced, stream by stream.</summary>
public sealed class PowerShellResult
{
    public List<PSObject> Output { get; } = new();

    public List<ErrorRecord> Errors { get; } = new();

    public List<string> Warnings { get; } = new();

    public List<string> Verbose { get; } = new();

    public List<string> Debug { get; } = new();

    public List<ProgressRecord> Progress { get; } = new();

    public List<InformationRecord> Information { get; } = new();

    /// <summary>What the script wrote to the host (Write-Host, Out-Default).</summary>
    public string HostText { get; set; } = "";

    public bool HadErrors { get; set; }

    /// <summary>The terminating error, if the script stopped with one.</summary>
    public RuntimeException? Terminating { get; set; }

    /// <summary>Every error record, the terminating one included.</summary>
    public IEnumerable<ErrorRecord> AllErrors => Terminating?.ErrorRecord is { } t ? Errors.Append(t) : Errors;

    public IEnumerable<T> OutputOf<T>() => Output.Select(o => o.BaseObject).OfType<T>();

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var e in AllErrors)
        {
            sb.AppendLine("ERROR [" + e.FullyQualifiedErrorId + "] " + e);
        }

        foreach (var w in Warnings)
        {
            sb.AppendLine("WARNING: " + w);
        }

        return sb.ToString();
    }
}

/// <summary>
/// Runs PowerShell script text in-process on the real engine (System.Management.Automation), with the
/// built module out/PgAutogen imported, and collects every stream. Only the engine's core cmdlets exist.
/// </summary>
public static class PowerShellHost
{
    /// <summary>Runs <paramref name="script"/> in a fresh runspace. Variables are set before it runs.</summary>
    public static PowerShellResult Run(string script, IDictionary<string, object?>? variables = null, bool importModule = true, bool ciStyle = false)
    {
        var host = new CapturingHost();
        using var runspace = EngineHost.OpenRunspace(host);
        var result = new PowerShellResult();

        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        if (variables is not null)
        {
            foreach (var (name, value) in variables)
            {
                runspace.SessionStateProxy.SetVariable(name, value);
            }
        }

        var prelude = new StringBuilder();
        prelude.AppendLine("$ProgressPreference = 'Continue'");
        if (ciStyle)
        {
            prelude.AppendLine("$ErrorActionPreference = 'Stop'");
        }

        if (importModule)
        {
            prelude.AppendLine(EngineHost.ImportStatement(Paths.ModuleManifest));
        }

        ps.AddScript(prelude + script);
        ps.Streams.Error.DataAdded += (_, e) => result.Errors.Add(ps.Streams.Error[e.Index]);
        ps.Streams.Warning.DataAdded += (_, e) => result.Warnings.Add(ps.Streams.Warning[e.Index].Message);
        ps.Streams.Verbose.DataAdded += (_, e) => result.Verbose.Add(ps.Streams.Verbose[e.Index].Message);
        ps.Streams.Debug.DataAdded += (_, e) => result.Debug.Add(ps.Streams.Debug[e.Index].Message);
        ps.Streams.Progress.DataAdded += (_, e) => result.Progress.Add(ps.Streams.Progress[e.Index]);
        ps.Streams.Information.DataAdded += (_, e) => result.Information.Add(ps.Streams.Information[e.Index]);
        try
        {
            foreach (var item in ps.Invoke())
            {
                if (item is not null)
                {
                    result.Output.Add(item);
                }
            }
        }
        catch (RuntimeException ex)
        {
            result.Terminating = ex;
        }

        result.HadErrors = ps.HadErrors || result.Terminating is not null;
        result.HostText = host.Text;
        return result;
    }
}
