using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace PgAutogen.Bench;

/// <summary>
/// Drives PgAutogen.Bench.Host: the PowerShell engine with out/PgAutogen imported, in its own process (so the
/// module loads exactly as in pwsh, and its peak working set is the module's, not the benchmark's).
/// </summary>
internal sealed class ModuleProcess : IDisposable
{
    private readonly Process _process;

    private ModuleProcess(Process process, double runspaceMs, double importMs)
    {
        _process = process;
        RunspaceMs = runspaceMs;
        ImportMs = importMs;
    }

    /// <summary>Opening the runspace (the PowerShell engine's own start).</summary>
    public double RunspaceMs { get; }

    /// <summary>Import-Module of out/PgAutogen, cold (the first in this process).</summary>
    public double ImportMs { get; }

    public static string HostPath
    {
        get
        {
            var path = typeof(ModuleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "PgAutogen.Bench.HostPath").Value!;
            return File.Exists(path)
                ? Path.GetFullPath(path)
                : throw new FileNotFoundException($"The module host {path} was not built; build bench/PgAutogen.Bench (it builds the host).");
        }
    }

    public static ModuleProcess Start(bool importOnly = false)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(HostPath);
        if (importOnly)
        {
            psi.ArgumentList.Add("--import-only");
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the module host.");
        var line = process.StandardOutput.ReadLine() ?? "error\tthe module host exited without a word";
        var parts = line.Split('\t');
        if (parts[0] != "ready")
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException("The module host failed: " + line);
        }

        return new ModuleProcess(process, double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Compare-PgDeclaration -Path | New-PgMigration -OutFile, timed inside the host (milliseconds).</summary>
    public double EndToEnd(string path, string outFile, string connectionString)
    {
        var reply = Ask($"e2e\t{path}\t{outFile}\t{connectionString}");
        return reply[0] == "ok"
            ? double.Parse(reply[1], CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("Compare-PgDeclaration | New-PgMigration failed in the module host: " + string.Join(' ', reply.Skip(1)));
    }

    /// <summary>The host process's peak working set so far, in bytes.</summary>
    public long PeakWorkingSet() => long.Parse(Ask("peak")[1], CultureInfo.InvariantCulture);

    private string[] Ask(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The module host exited.");
        return line.Split('\t');
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill();
                }
            }
        }
        catch (IOException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
