namespace PgAutogen.TestSupport;

/// <summary>Where things are in the repository, found from the test assembly's location.</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ModuleDirectory => Path.Combine(RepoRoot, "out", "PgAutogen");

    public static string ModuleManifest => Path.Combine(ModuleDirectory, "PgAutogen.psd1");

    /// <summary>The shared corpora: PGAUTOGEN_CORPORA, else ../shared/corpora beside the repository.</summary>
    public static string CorporaDirectory =>
        Environment.GetEnvironmentVariable("PGAUTOGEN_CORPORA") is { Length: > 0 } dir
            ? dir
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpora"));

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PgAutogen.psd1")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        throw new InvalidOperationException("Could not find the repository root (the folder with PgAutogen.psd1) above " + AppContext.BaseDirectory);
    }
}
