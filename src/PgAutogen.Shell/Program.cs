using PgAutogen.Shell;

// PgAutogen.Shell: pwsh's command line for machines without pwsh, on the same engine (the PowerShell SDK: the Core,
// Utility, Management and Security cmdlets), with PgAutogen loaded:
//   PgAutogen.Shell [-NoModule] [-NoProfile] [-NonInteractive] [-NoLogo] [-ExecutionPolicy X] [-File] <script.ps1> [arguments...]
//   PgAutogen.Shell [-NoModule] [...] -Command '<script text>' | -Command -   (the script text from standard input)
// As pwsh: output on stdout, errors, warnings, verbose and debug on stderr; a statement-terminating error is reported and
// the script goes on, a script-terminating one (throw, -ErrorAction Stop) ends it with exit code 1; 'exit N' sets N;
// -Command exits 1 when its last statement failed. -NoModule: do not import out/PgAutogen first.
try
{
    var options = ShellOptions.Parse(args);
    if (options.Help)
    {
        Console.Out.WriteLine(ShellOptions.Usage);
        return 0;
    }

    return ShellRunner.Run(options);
}
catch (ShellUsageException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(ShellOptions.Usage);
    return 64; // pwsh's exit code for a bad command line
}
