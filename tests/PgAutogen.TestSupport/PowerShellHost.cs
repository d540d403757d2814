using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using PgAutogen.Shell;
using System.Security;
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

    /// <summary>A PSHost that records what is written to it; non-interactive (prompts fail like in CI).</summary>
    public sealed class CapturingHost : PSHost
    {
        private readonly CapturingUI _ui = new();

        public string Text => _ui.Text;

        public override string Name => "PgAutogen.TestHost";

        public override Version Version => new(1, 0);

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override PSHostUserInterface UI => _ui;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        public override void SetShouldExit(int exitCode)
        {
        }

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }
    }

    private sealed class CapturingUI : PSHostUserInterface
    {
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override PSHostRawUserInterface? RawUI => null;

        public override bool SupportsVirtualTerminal => false;

        public override string ReadLine() => throw new PSInvalidOperationException("The test host is non-interactive.");

        public override SecureString ReadLineAsSecureString() => throw new PSInvalidOperationException("The test host is non-interactive.");

        public override void Write(string value) => Append(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);

        public override void WriteLine(string value) => Append(value + "\n");

        public override void WriteErrorLine(string value) => Append(value + "\n");

        public override void WriteDebugLine(string message) => Append("DEBUG: " + message + "\n");

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => Append("VERBOSE: " + message + "\n");

        public override void WriteWarningLine(string message) => Append("WARNING: " + message + "\n");

        public override void WriteInformation(InformationRecord record) => Append(record.MessageData + "\n");

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new PSInvalidOperationException("The test host is non-interactive: " + message);

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new PSInvalidOperationException("The test host is non-interactive: " + message);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new PSInvalidOperationException("The test host is non-interactive: " + message);

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new PSInvalidOperationException("The test host is non-interactive: " + message);

        private void Append(string value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }
}
