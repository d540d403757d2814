using System.Reflection;
using System.Runtime.InteropServices;

namespace PgAutogen.Core.Parsing;

/// <summary>
/// Finds and loads the native libpg_query: the path in <c>PGAUTOGEN_LIBPG_QUERY</c> when that variable is set
/// (and nothing else then: a variable pointing at a missing file is an error, not a hint), otherwise the usual names
/// through the runtime's probing (the assembly's folder, then the system's library path).
/// The outcome is decided once per process (per load of PgAutogen.Core).
/// </summary>
public static class LibPgQueryLoader
{
    /// <summary>The environment variable that points at the library file.</summary>
    public const string PathVariable = "PGAUTOGEN_LIBPG_QUERY";

    /// <summary>The names tried when <see cref="PathVariable"/> is not set, in order.</summary>
    public static readonly IReadOnlyList<string> CandidateNames = new[]
    {
        "pg_query",
        "libpg_query.so.1504.0",
        "libpg_query.so",
        "libpg_query.dylib",
        "pg_query.dll",
    };

    private static readonly Lazy<LoadOutcome> Outcome = new(
        () => TryLoad(Environment.GetEnvironmentVariable(PathVariable)), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Where the library was loaded from (the path or the name that worked), or null when it is missing.</summary>
    public static string? LoadedFrom => Outcome.Value.LoadedFrom;

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

    /// <summary>Tries to load the library: from <paramref name="overridePath"/> when given, else by <see cref="CandidateNames"/>.</summary>
    internal static LoadOutcome TryLoad(string? overridePath)
    {
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            try
            {
                return new LoadOutcome(NativeLibrary.Load(overridePath), overridePath, null);
            }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or ArgumentException)
            {
                var reason = File.Exists(overridePath)
                    ? string.Join(' ', ex.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                    : "there is no such file.";
                return new LoadOutcome(IntPtr.Zero, null, Missing(
                    $"{PathVariable} is set to '{overridePath}', but libpg_query could not be loaded from there: {reason}", ex));
            }
        }

        foreach (var name in CandidateNames)
        {
            if (NativeLibrary.TryLoad(name, typeof(LibPgQueryLoader).Assembly, null, out var handle))
            {
                return new LoadOutcome(handle, name, null);
            }
        }

        return new LoadOutcome(IntPtr.Zero, null, Missing(
            "libpg_query (the PostgreSQL parser as a library) was not found; PgAutogen needs it to parse declaration files. " +
            "Tried: " + string.Join(", ", CandidateNames) + ".", null));
    }

    private static PgAutogenException Missing(string what, Exception? inner) =>
        new(PgErrorId.LibPgQueryMissing,
            what + " Install it (Debian/Ubuntu: apt-get install libpg-query-dev; macOS: brew install libpg_query), " +
            $"or set {PathVariable} to the path of the library file (libpg_query.so, libpg_query.dylib or pg_query.dll).", inner)
        {
            Target = PathVariable,
            RecommendedAction = $"Install libpg_query (apt-get install libpg-query-dev, or brew install libpg_query), or set {PathVariable} to the library's path.",
        };

    internal sealed record LoadOutcome(IntPtr Handle, string? LoadedFrom, PgAutogenException? Error);
}
