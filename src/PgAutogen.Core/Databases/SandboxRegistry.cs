using System.Collections.Concurrent;

namespace PgAutogen.Core.Databases;

/// <summary>
/// The sandboxes this process started. They outlive a runspace (a script can start one and a later
/// one stop it) and are all stopped when the process exits.
/// </summary>
public static class SandboxRegistry
{
    private static readonly ConcurrentDictionary<string, LocalPostgresServer> Servers = new(StringComparer.Ordinal);
    private static int s_hooked;

    public static async Task<PgSandbox> StartAsync(string? binDirectory, IEngineEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (Interlocked.Exchange(ref s_hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        }

        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { BinDirectory = binDirectory, Log = events.Verbose }, cancellationToken)
            .ConfigureAwait(false);
        server.Log = null; // the starting cmdlet's event sink ends with it
        var id = Path.GetFileName(server.RootDirectory);
        Servers[id] = server;
        return new PgSandbox(id, server.ConnectionString(), server.Port, server.Version, server.DataDirectory);
    }

    /// <summary>Stops one sandbox; false when this process has no sandbox with that id.</summary>
    public static bool Stop(string id)
    {
        if (Servers.TryRemove(id, out var server))
        {
            server.Dispose();
            return true;
        }

        return false;
    }

    public static IReadOnlyList<string> Running => Servers.Keys.ToArray();

    /// <summary>What a running sandbox is, for a confirmation prompt: version, address and data directory.</summary>
    public static string Describe(string id) => Servers.TryGetValue(id, out var server)
        ? $"PostgreSQL {server.Version} sandbox on 127.0.0.1:{server.Port} (data directory {server.DataDirectory})"
        : id;

    public static void StopAll()
    {
        foreach (var id in Servers.Keys.ToArray())
        {
            Stop(id);
        }
    }
}
