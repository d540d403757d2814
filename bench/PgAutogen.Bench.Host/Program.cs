using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PgAutogen.Shell;

namespace PgAutogen.Bench.Host;

/// <summary>
/// The benchmark's module process: the PowerShell engine hosted the way PgAutogen.Shell and the module tests
/// host it (EngineHost), with out/PgAutogen imported. It references none of the module's assemblies, so the
/// module loads exactly as in pwsh (PgAutogen.Core and Npgsql in the module's private load context).
///
/// Line protocol (tab-separated), so the benchmark can interleave module runs with its other measurements:
///   started:  "ready	runspace_ms	import_ms"            (or "error	message" and exit 1)
///   "e2e	path	outFile	connectionString"  →  "ok	milliseconds"  |  "error	message"
///   "peak"                                     →  "peak	bytes"     (peak working set of this process)
///   "quit"                                     →  exits
/// With --import-only it prints "ready	runspace_ms	import_ms" and exits (a cold Import-Module probe).
/// </summary>
public static class Program
{
    /// <summary>What a user types: compare the declarations with the database and write the migration.</summary>
    private const string Script = """
        param([string] $Path, [string] $OutFile, [string] $ConnectionString)
        $ErrorActionPreference = 'Stop'
        $ProgressPreference = 'SilentlyContinue'
        # The synthetic schema's mutations change SECURITY DEFINER routines and more: the benchmark measures, and allows
        # every hazard by name (a user reviews them first).
        Compare-PgDeclaration -Path $Path -ConnectionString $ConnectionString |
            New-PgMigration -OutFile $OutFile -Force -AllowHazard ([enum]::GetValues([PgAutogen.HazardKind])) |
            Out-Null
        """;

    public static int Main(string[] args)
    {
        var watch = Stopwatch.StartNew();
        Runspace runspace;
        long runspaceMs, importMs;
        try
        {
            var manifest = EngineHost.FindModuleManifest();
            runspace = EngineHost.OpenRunspace(new CapturingHost());
            runspaceMs = watch.ElapsedMilliseconds;
            watch.Restart();
            using (var import = PowerShell.Create())
            {
                import.Runspace = runspace;
                import.AddScript(EngineHost.ImportStatement(manifest)).Invoke();
                if (import.HadErrors)
                {
                    throw new InvalidOperationException("Import-Module failed: " + string.Join("; ", import.Streams.Error));
                }
            }

            importMs = watch.ElapsedMilliseconds;
        }
        catch (Exception ex) when (ex is FileNotFoundException or RuntimeException or InvalidOperationException)
        {
            Console.WriteLine("error\t" + OneLine(ex.Message));
            return 1;
        }

        using (runspace)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ready\t{runspaceMs}\t{importMs}"));
            if (args.Contains("--import-only"))
            {
                return 0;
            }

            string? line;
            while ((line = Console.ReadLine()) is not null)
            {
                var parts = line.Split('\t');
                switch (parts[0])
                {
                    case "e2e" when parts.Length == 4:
                        Console.WriteLine(Run(runspace, parts[1], parts[2], parts[3]));
                        break;
                    case "peak":
                        using (var self = Process.GetCurrentProcess())
                        {
                            self.Refresh();
                            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak\t{self.PeakWorkingSet64}"));
                        }

                        break;
                    case "quit":
                        return 0;
                    default:
                        Console.WriteLine("error\tunknown command: " + parts[0]);
                        break;
                }
            }
        }

        return 0;
    }

    private static string Run(Runspace runspace, string path, string outFile, string connectionString)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(Script).AddArgument(path).AddArgument(outFile).AddArgument(connectionString);
        var watch = Stopwatch.StartNew();
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            return "error\t" + OneLine(ex.Message);
        }

        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (ps.HadErrors)
        {
            return "error\t" + OneLine(string.Join("; ", ps.Streams.Error));
        }

        return string.Create(CultureInfo.InvariantCulture, $"ok\t{elapsed:0.0}");
    }

    private static string OneLine(string text) => text.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
