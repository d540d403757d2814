namespace PgAutogen.Shell;

/// <summary>A command line the Shell cannot run (pwsh exits 64 for those).</summary>
public sealed class ShellUsageException(string message) : Exception(message);

/// <summary>The Shell's command line, read the way pwsh reads its own (the subset a script runner needs).</summary>
public sealed class ShellOptions
{
    public const string Usage =
        "usage: PgAutogen.Shell [-NoModule] [-NoProfile] [-NonInteractive] [-NoLogo] [-ExecutionPolicy <policy>] [-File] <script.ps1> [arguments...]\n" +
        "       PgAutogen.Shell [-NoModule] [...] -Command '<script text>' | -Command -";

    /// <summary>Import out/PgAutogen before running (off with -NoModule).</summary>
    public bool ImportModule { get; private set; } = true;

    /// <summary>-NoProfile was given. The Shell never runs a profile; the switch is accepted so that pwsh command lines run as they are.</summary>
    public bool NoProfile { get; private set; }

    public bool NonInteractive { get; private set; }

    public bool Help { get; private set; }

    /// <summary>The script file (-File, or the first positional argument).</summary>
    public string? File { get; private set; }

    /// <summary>The script text of -Command (its remaining arguments joined with spaces, as pwsh does), or "-" for standard input.</summary>
    public string? Command { get; private set; }

    /// <summary>The arguments after the script file: they become its parameters and $args.</summary>
    public IReadOnlyList<string> Arguments { get; private set; } = Array.Empty<string>();

    public static ShellOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ShellOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!IsSwitch(arg))
            {
                // The first argument that is not a switch is the script file; everything after it is the script's.
                options.File = arg;
                options.Arguments = args.Skip(i + 1).ToArray();
                return options;
            }

            var name = arg.TrimStart('-', '/').ToLowerInvariant();
            switch (name)
            {
                case "nomodule":
                    options.ImportModule = false;
                    break;
                case "noprofile" or "nop":
                    options.NoProfile = true;
                    break;
                case "noninteractive" or "noni":
                    options.NonInteractive = true;
                    break;
                case "nologo" or "nol":
                    break;
                case "executionpolicy" or "ex" or "ep":
                    if (++i >= args.Count)
                    {
                        throw new ShellUsageException("-ExecutionPolicy needs a value.");
                    }

                    break;
                case "h" or "?" or "help":
                    options.Help = true;
                    return options;
                case "file" or "f":
                    if (++i >= args.Count)
                    {
                        throw new ShellUsageException("-File needs the path of a script.");
                    }

                    options.File = args[i];
                    options.Arguments = args.Skip(i + 1).ToArray();
                    return options;
                case "command" or "c":
                    if (++i >= args.Count)
                    {
                        throw new ShellUsageException("-Command needs the script text (or - to read it from standard input).");
                    }

                    options.Command = string.Join(' ', args.Skip(i));
                    return options;
                default:
                    throw new ShellUsageException($"The argument '{arg}' is not a parameter the Shell knows.");
            }
        }

        throw new ShellUsageException("Give a script file or -Command.");
    }

    private static bool IsSwitch(string arg) => arg.Length > 1 && arg[0] == '-' && arg != "-" || arg is "/?" or "--help";
}
