using System.Reflection;
using System.Runtime.InteropServices;

namespace PgAutogen.Core.Parsing;

/// <summary>
/// Finds and loads the native libpg_query, in this order:
/// <list type="number">
/// <item>the path in <c>PGAUTOGEN_LIBPG_QUERY</c> when that variable is set (and nothing else then: a variable pointing
/// at a missing file, or at a library of a grammar PgAutogen does not read, is an error, not a hint);</item>
/// <item>the module's own library, <c>runtimes/&lt;rid&gt;/native/</c> beside PgAutogen.Core or one folder up (the module
/// lays Core out in <c>deps/</c> and the libraries in <c>runtimes/</c>): built from Debian's libpg-query 17-6.1.0 for
/// linux-x64, linux-arm64 and win-x64;</item>
/// <item>a system library found by its usual names (Homebrew's on macOS), only when it speaks a grammar in
/// <see cref="SupportedGrammarMajors"/>; one of another grammar is passed over and named in the error.</item>
/// </list>
/// The outcome is decided once per process (per load of PgAutogen.Core); <see cref="Description"/> says which was taken.
/// </summary>
public static class LibPgQueryLoader
{
    /// <summary>The environment variable that points at the library file.</summary>
    public const string PathVariable = "PGAUTOGEN_LIBPG_QUERY";

    /// <summary>The libpg_query release the module ships (Debian's source package libpg-query, PostgreSQL 17 grammar).</summary>
    public const string BundledVersion = "17-6.1.0";

    /// <summary>The PostgreSQL grammars whose parse trees PgAutogen reads (and is tested with).</summary>
    public static readonly IReadOnlyList<int> SupportedGrammarMajors = new[] { 17 };

    /// <summary>The names tried on the system's library path after the module's own library, in order.</summary>
    public static readonly IReadOnlyList<string> CandidateNames = new[]
    {
        "pg_query",
        "libpg_query.so",
        "libpg_query.dylib",
        "pg_query.dll",
    };

    private static readonly Lazy<LoadOutcome> Outcome = new(
        () => TryLoad(Environment.GetEnvironmentVariable(PathVariable), BundledDirectories()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Where the library was loaded from (the path or the name that worked), or null when it is missing.</summary>
    public static string? LoadedFrom => Outcome.Value.LoadedFrom;

    /// <summary>One line for -Verbose: which libpg_query is used, its grammar and why it was chosen (or why none could be).</summary>
    public static string Description => Outcome.Value.Description;

    /// <summary>Throws LibPgQueryMissing when the library cannot be loaded.</summary>
    public static void EnsureLoaded()
    {
        if (Outcome.Value.Error is { } error)
        {
            throw error;
        }
    }

    /// <summary>The DllImport resolver of PgAutogen.Core: serves "pg_query" with the loaded handle.</summary>
    internal static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        string.Equals(libraryName, LibPgQuery.LibraryName, StringComparison.Ordinal) ? Outcome.Value.Handle : IntPtr.Zero;

    /// <summary>The runtime identifier of the module's native folder for this process (linux-x64, win-x64, osx-arm64, ...).</summary>
    public static string RuntimeIdentifier
    {
        get
        {
            var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            var arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return os + "-" + arch;
        }
    }

    /// <summary>The file name of the library on this platform.</summary>
    public static string PlatformFileName =>
        OperatingSystem.IsWindows() ? "pg_query.dll" : OperatingSystem.IsMacOS() ? "libpg_query.dylib" : "libpg_query.so";

    /// <summary>Where the module's own library is looked for: runtimes/&lt;rid&gt;/native beside PgAutogen.Core, then one folder up.</summary>
    internal static IReadOnlyList<string> BundledDirectories()
    {
        var here = Path.GetDirectoryName(typeof(LibPgQueryLoader).Assembly.Location);
        if (string.IsNullOrEmpty(here))
        {
            return Array.Empty<string>();
        }

        var relative = Path.Combine("runtimes", RuntimeIdentifier, "native");
        var folders = new List<string> { Path.Combine(here, relative) };
        if (Path.GetDirectoryName(here) is { Length: > 0 } parent)
        {
            folders.Add(Path.Combine(parent, relative));
        }

        return folders;
    }

    /// <summary>
    /// Tries to load the library: from <paramref name="overridePath"/> when given; else the module's own in
    /// <paramref name="bundledDirectories"/>; else a system library of a supported grammar by <see cref="CandidateNames"/>.
    /// </summary>
    internal static LoadOutcome TryLoad(string? overridePath, IReadOnlyList<string> bundledDirectories)
    {
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            return LoadOverride(overridePath);
        }

        var passedOver = new List<string>();
        foreach (var folder in bundledDirectories)
        {
            var file = Path.Combine(folder, PlatformFileName);
            if (!File.Exists(file))
            {
                continue;
            }

            if (!NativeLibrary.TryLoad(file, out var handle))
            {
                passedOver.Add($"{file} (present, but this process could not load it)");
                continue;
            }

            var grammar = LibPgQuery.ReadGrammarVersion(handle);
            if (Supported(grammar))
            {
                return new LoadOutcome(handle, file, null, $"Parser: the module's libpg_query ({Grammar(grammar)}) from {file}.");
            }

            NativeLibrary.Free(handle);
            passedOver.Add($"{file} ({Grammar(grammar)})");
        }

        foreach (var name in CandidateNames)
        {
            if (!NativeLibrary.TryLoad(name, typeof(LibPgQueryLoader).Assembly, null, out var handle))
            {
                continue;
            }

            var grammar = LibPgQuery.ReadGrammarVersion(handle);
            if (Supported(grammar))
            {
                return new LoadOutcome(handle, name, null,
                    $"Parser: the system's libpg_query '{name}' ({Grammar(grammar)}); the module has none for {RuntimeIdentifier}" +
                    (bundledDirectories.Count > 0 ? $" (looked in {string.Join(", ", bundledDirectories)})." : "."));
            }

            NativeLibrary.Free(handle);
            passedOver.Add($"the system's '{name}' ({Grammar(grammar)}, not one PgAutogen reads)");
        }

        var tried = $"Looked for the module's own library ({PlatformFileName} in {(bundledDirectories.Count == 0 ? "no folder" : string.Join(", ", bundledDirectories))}) " +
            $"and for a system library of the PostgreSQL {string.Join("/", SupportedGrammarMajors)} grammar ({string.Join(", ", CandidateNames)})" +
            (passedOver.Count == 0 ? "." : "; passed over: " + string.Join("; ", passedOver) + ".");
        var error = Missing(
            $"libpg_query (the PostgreSQL parser as a library) was not found for {RuntimeIdentifier}; PgAutogen needs it to parse declaration files. {tried}", null);
        return new LoadOutcome(IntPtr.Zero, null, error, "Parser: none. " + error.Message);
    }

    private static LoadOutcome LoadOverride(string path)
    {
        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or ArgumentException)
        {
            var reason = File.Exists(path)
                ? string.Join(' ', ex.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                : "there is no such file.";
            var error = Missing($"{PathVariable} is set to '{path}', but libpg_query could not be loaded from there: {reason}", ex);
            return new LoadOutcome(IntPtr.Zero, null, error, "Parser: none. " + error.Message);
        }

        var grammar = LibPgQuery.ReadGrammarVersion(handle);
        if (!Supported(grammar))
        {
            NativeLibrary.Free(handle);
            var error = Missing(
                $"{PathVariable} is set to '{path}', which is not a libpg_query PgAutogen reads ({Grammar(grammar)}): it reads the parse trees of the " +
                $"PostgreSQL {string.Join("/", SupportedGrammarMajors)} grammar (libpg_query {BundledVersion}).", null);
            return new LoadOutcome(IntPtr.Zero, null, error, "Parser: none. " + error.Message);
        }

        return new LoadOutcome(handle, path, null, $"Parser: libpg_query ({Grammar(grammar)}) from {path}, as {PathVariable} says.");
    }

    private static bool Supported(int versionNumber) => SupportedGrammarMajors.Contains(versionNumber / 10000);

    private static string Grammar(int versionNumber) =>
        versionNumber <= 0 ? "grammar unknown" : $"PostgreSQL {versionNumber / 10000} grammar, {versionNumber / 10000}.{versionNumber % 10000}";

    private static PgAutogenException Missing(string what, Exception? inner) =>
        new(PgErrorId.LibPgQueryMissing,
            what + $" The module ships it in runtimes/<platform>/native/ for linux-x64, linux-arm64 and win-x64: reinstall the module " +
            $"(or, from a clone, run 'dotnet build', which builds it); on macOS install Homebrew's (brew install libpg_query); " +
            $"or set {PathVariable} to the path of a libpg_query {BundledVersion} library.", inner)
        {
            Target = PathVariable,
            RecommendedAction = $"Reinstall the module (it ships libpg_query for linux-x64, linux-arm64 and win-x64), brew install libpg_query on macOS, " +
                $"or set {PathVariable} to the path of a libpg_query {BundledVersion} library.",
        };

    internal sealed record LoadOutcome(IntPtr Handle, string? LoadedFrom, PgAutogenException? Error, string Description);
}
