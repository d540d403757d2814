using System.Management.Automation;
using PgAutogen.Shell;

// PgAutogen.Shell: pwsh's -File and -Command for machines without pwsh, on the same engine (the PowerShell SDK: the
// Core, Utility, Management and Security cmdlets), with PgAutogen loaded.
//   PgAutogen.Shell [-NoModule] <script.ps1> [arguments...]
//   PgAutogen.Shell [-NoModule] -Command '<script text>'
// -NoModule: do not import out/PgAutogen first (a script that imports an installed PgAutogen by name, for example).
// Output is formatted like pwsh (Out-Default); the exit code is the script's 'exit N', 1 when it failed, else 0.
const string usage = "usage: PgAutogen.Shell [-NoModule] <script.ps1> [arguments...] | [-NoModule] -Command '<script>'";
var importModule = true;
if (args.Length > 0 && args[0].Equals("-NoModule", StringComparison.OrdinalIgnoreCase))
{
    importModule = false;
    args = args[1..];
}

if (args.Length == 0 || args[0] is "-h" or "--help" or "-?")
{
    Console.Error.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}

string body;
string[] scriptArgs;
if (args[0].Equals("-Command", StringComparison.OrdinalIgnoreCase) || args[0].Equals("-c", StringComparison.OrdinalIgnoreCase))
{
    if (args.Length < 2)
    {
        Console.Error.WriteLine(usage);
        return 2;
    }

    // The command runs as its own script block, so errors point at its lines, not at this wrapper's.
    scriptArgs = new[] { string.Join(' ', args.Skip(1)) };
    body = "& ([scriptblock]::Create($PgAutogenShellArgs[0]))";
}
else
{
    var script = Path.GetFullPath(args[0]);
    if (!File.Exists(script))
    {
        Console.Error.WriteLine($"The script '{args[0]}' does not exist.");
        return 2;
    }

    // Like pwsh -File: '-Name' arguments bind as parameter names, everything else as (quoted) values.
    var invocation = new System.Text.StringBuilder("& ").Append(Quote(script));
    foreach (var argument in args.Skip(1))
    {
        invocation.Append(' ').Append(System.Text.RegularExpressions.Regex.IsMatch(argument, @"^-[A-Za-z_][\w-]*:?$") ? argument : Quote(argument));
    }

    body = invocation.ToString();
    scriptArgs = Array.Empty<string>();
}

var import = "";
if (importModule)
{
    try
    {
        import = EngineHost.ImportStatement(EngineHost.FindModuleManifest());
    }
    catch (FileNotFoundException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }
}

var host = new ConsoleHost();
using var runspace = EngineHost.OpenRunspace(host);
using var ps = PowerShell.Create();
ps.Runspace = runspace;

// Every stream goes through Out-Default, so errors, warnings and objects look like they do in pwsh.
// Like pwsh -File: a terminating error fails the run (exit 1); 'exit N' sets the code.
ps.AddScript($$"""
    param([object[]] $PgAutogenShellArgs)
    {{import}}
    {{(Console.IsOutputRedirected ? "$PSStyle.OutputRendering = 'PlainText'" : "")}}
    $global:__pgautogen_failed = $false
    $global:LASTEXITCODE = 0
    & {
        try {
            {{body.Replace("@args", "@PgAutogenShellArgs", StringComparison.Ordinal)}}
        }
        catch {
            $global:__pgautogen_failed = $true
            $_
        }
    } *>&1 | Out-Default
    """).AddArgument(scriptArgs);

try
{
    ps.Invoke();
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine(ex.ErrorRecord?.ToString() ?? ex.Message);
    return 1;
}

if (host.ExitCode is { } exit)
{
    return exit;
}

if (runspace.SessionStateProxy.GetVariable("__pgautogen_failed") is true)
{
    return 1;
}

// A script that ended with 'exit N' (the script is invoked with &, which turns exit into $LASTEXITCODE).
return runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int code ? code : 0;

static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
