using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace PgAutogen.Shell;

/// <summary>
/// Creates PowerShell runspaces on the engine (System.Management.Automation) with a given host and the
/// PgAutogen module imported from its folder. Shared by the Shell and by the module tests.
/// </summary>
public static class EngineHost
{
    /// <summary>Finds out/PgAutogen/PgAutogen.psd1: PGAUTOGEN_MODULE, else a PgAutogen folder beside this program, else out/PgAutogen above it.</summary>
    public static string FindModuleManifest()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PGAUTOGEN_MODULE");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? Path.Combine(fromEnv, "PgAutogen.psd1") : fromEnv;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "PgAutogen", "PgAutogen.psd1"), Path.Combine(dir.FullName, "out", "PgAutogen", "PgAutogen.psd1") })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            dir = dir.Parent;
        }

        throw new FileNotFoundException("The PgAutogen module was not found. Build it with 'dotnet build' (it is laid out in out/PgAutogen), or set PGAUTOGEN_MODULE to its folder.");
    }

    /// <summary>Opens a runspace with the default session state on <paramref name="host"/>.</summary>
    public static Runspace OpenRunspace(PSHost host)
    {
        var iss = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        var runspace = RunspaceFactory.CreateRunspace(host, iss);
        runspace.Open();
        return runspace;
    }

    /// <summary>The script line that imports the module, failing the script when it cannot.</summary>
    public static string ImportStatement(string manifest) =>
        $"Import-Module -Name '{manifest.Replace("'", "''", StringComparison.Ordinal)}' -ErrorAction Stop";
}
