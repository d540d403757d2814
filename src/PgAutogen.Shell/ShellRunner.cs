using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PgAutogen.Shell;

/// <summary>Runs a script file or command text the way pwsh -File / -Command does, and returns the process exit code.</summary>
public static class ShellRunner
{
    private const string LastStatusVariable = "__PgAutogenShellLastStatus";

    public static int Run(ShellOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string body;
        if (options.File is { } file)
        {
            var script = Path.GetFullPath(file);
            if (!System.IO.File.Exists(script))
            {
                Console.Error.WriteLine($"The argument '{file}' is not recognized as the name of a script file. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.");
                return 64;
            }

            body = FileInvocation(script, options.Arguments);
        }
        else
        {
            var text = options.Command == "-" ? Console.In.ReadToEnd() : options.Command!;

            // pwsh -Command exits 1 when the last statement failed: its $? is kept for after the run.
            body = text + "\n$global:" + LastStatusVariable + " = $?";
        }

        string? manifest = null;
        if (options.ImportModule)
        {
            try
            {
                manifest = EngineHost.FindModuleManifest();
            }
            catch (FileNotFoundException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
        }

        var host = new ConsoleHost(options.NonInteractive);
        using var runspace = EngineHost.OpenRunspace(host);
        var prelude = new List<string>
        {
            "$global:LASTEXITCODE = 0",
        };
        if (Console.IsOutputRedirected)
        {
            // Formatting decorates with ANSI escapes; a log file or a pipe gets plain text.
            prelude.Add("$PSStyle.OutputRendering = 'PlainText'");
        }

        if (manifest is not null)
        {
            prelude.Add(EngineHost.ImportStatement(manifest));
        }

        if (Invoke(runspace, string.Join('\n', prelude), host) is { } failed)
        {
            return failed;
        }

        if (Invoke(runspace, body, host) is { } code)
        {
            return code;
        }

        if (host.ExitCode is { } exit)
        {
            return exit;
        }

        if (options.Command is not null)
        {
            return runspace.SessionStateProxy.GetVariable(LastStatusVariable) is false ? 1 : 0;
        }

        // A script that ended with 'exit N' (invoked with &, exit sets $LASTEXITCODE).
        return runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int last ? last : 0;
    }

    /// <summary>
    /// Runs <paramref name="script"/> in the global scope with its output and errors through Out-Default (errors reach the
    /// host's error line, stderr). Returns an exit code when the run ended it: 1 for a script-terminating error, N for exit N.
    /// </summary>
    private static int? Invoke(Runspace runspace, string script, ConsoleHost host)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script, useLocalScope: false);
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        ps.AddCommand("Out-Default");
        try
        {
            ps.Invoke();
            return host.ExitCode;
        }
        catch (RuntimeException ex)
        {
            if (host.ExitCode is { } exit)
            {
                return exit;
            }

            ReportTerminatingError(runspace, ex);
            return 1;
        }
    }

    /// <summary>Writes a script-terminating error to stderr in the session's error view, as pwsh does.</summary>
    private static void ReportTerminatingError(Runspace runspace, RuntimeException ex)
    {
        var record = ex.ErrorRecord ?? new ErrorRecord(ex, "ScriptTerminated", ErrorCategory.NotSpecified, null);
        string text;
        try
        {
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddCommand("Out-String").AddParameter("InputObject", record).AddParameter("Width", ConsoleHost.Width);
            text = string.Concat(ps.Invoke().Select(o => o?.ToString()));
        }
        catch (RuntimeException)
        {
            text = record.ToString();
        }

        Console.Error.WriteLine(text.Trim('\r', '\n'));
    }

    /// <summary>pwsh -File's binding: '-Name' and '-Name:' arguments are parameter names, everything else a (quoted) value.</summary>
    internal static string FileInvocation(string script, IReadOnlyList<string> arguments)
    {
        var invocation = new System.Text.StringBuilder("& ").Append(Quote(script));
        foreach (var argument in arguments)
        {
            invocation.Append(' ').Append(System.Text.RegularExpressions.Regex.IsMatch(argument, @"^-[A-Za-z_][\w-]*:?$") ? argument : Quote(argument));
        }

        return invocation.ToString();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
