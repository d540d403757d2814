using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Catalog;

/// <summary>The cmdlet-facing entry point of the inspector.</summary>
public static class CatalogService
{
    /// <summary>Connects and streams the matching objects to <paramref name="emit"/>.</summary>
    public static async Task<int> ReadAsync(ConnectionOptions connection, CatalogFilter filter, Action<PgObject> emit, IEngineEvents events, CancellationToken cancellationToken) =>
        (await ReadAsync(connection, filter, emit, events, aclDefaults: false, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>
    /// Connects, streams the matching objects to <paramref name="emit"/>, and returns how many, with the server's
    /// default privileges (<see cref="Diff.AclDefaults"/>) when <paramref name="aclDefaults"/> is set (else
    /// <see cref="Diff.AclDefaults.Assumed"/>): what writing the objects' privileges as declarations needs.
    /// </summary>
    public static async Task<(int Count, Diff.AclDefaults AclDefaults)> ReadAsync(
        ConnectionOptions connection, CatalogFilter filter, Action<PgObject> emit, IEngineEvents events, bool aclDefaults, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(emit);
        ArgumentNullException.ThrowIfNull(events);
        await using var conn = await connection.OpenAsync(events, cancellationToken).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        var count = 0;
        var defaults = Diff.AclDefaults.Assumed;
        try
        {
            if (aclDefaults)
            {
                defaults = await Diff.AclDefaults.ReadAsync(conn, cancellationToken).ConfigureAwait(false);
            }

            await foreach (var obj in CatalogInspector.ReadAsync(conn, filter, cancellationToken).ConfigureAwait(false))
            {
                emit(obj);
                count++;
            }
        }
        catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw QueryError(ex, connection);
        }

        events.Verbose($"Inspected the catalog: {count} object(s) in {watch.ElapsedMilliseconds} ms");
        return (count, defaults);
    }

    internal static PgAutogenException QueryError(NpgsqlException ex, ConnectionOptions connection)
    {
        var message = ex is PostgresException pg ? pg.MessageText : ex.Message;
        return new PgAutogenException(PgErrorId.QueryFailed,
            $"Reading the catalog of {connection.Describe()} failed: {message}", ex);
    }
}
