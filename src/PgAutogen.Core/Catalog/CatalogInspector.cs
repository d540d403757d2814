using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace PgAutogen.Core.Catalog;

/// <summary>
/// Reads the managed objects of a live database: one query per kind, no per-object round trips, each row read by column
/// name into its row type (<see cref="ICatalogRow{TSelf}"/>). Definitions are read with search_path pinned to pg_catalog, so
/// they are schema-qualified and read the same from any session.
/// </summary>
public static class CatalogInspector
{
    internal const uint PgClassOid = 1259;
    internal const uint PgTriggerOid = 2620;
    internal const uint PgProcOid = 1255;
    internal const uint PgPolicyOid = 3256;
    internal const uint PgEventTriggerOid = 3466;

    /// <summary>
    /// Streams the objects that match the filter, kind by kind (routines, triggers, views, materialized views,
    /// policies, event triggers), each ordered by identity.
    /// </summary>
    public static async IAsyncEnumerable<PgObject> ReadAsync(
        NpgsqlConnection connection,
        CatalogFilter filter,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(filter);

        var saved = await PinSessionAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            var dependencies = await CatalogDependencies.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            var kinds = new (bool Wanted, Func<IAsyncEnumerable<PgObject>> Read)[]
            {
                (filter.Includes(PgObjectKind.Function) || filter.Includes(PgObjectKind.Procedure), () => ReadKindAsync<RoutineRow>(CatalogQueries.Routines)),
                (filter.Includes(PgObjectKind.Trigger), () => ReadKindAsync<TriggerRow>(CatalogQueries.Triggers)),
                (filter.Includes(PgObjectKind.View), () => ReadKindAsync<ViewRow>(CatalogQueries.Views)),
                (filter.Includes(PgObjectKind.MaterializedView), () => ReadKindAsync<MaterializedViewRow>(CatalogQueries.MaterializedViews)),
                (filter.Includes(PgObjectKind.Policy), () => ReadKindAsync<PolicyRow>(CatalogQueries.Policies)),
                (filter.Includes(PgObjectKind.EventTrigger), () => ReadKindAsync<EventTriggerRow>(CatalogQueries.EventTriggers)),
            };
            foreach (var (wanted, read) in kinds)
            {
                if (!wanted)
                {
                    continue;
                }

                await foreach (var obj in read().ConfigureAwait(false))
                {
                    yield return obj;
                }
            }

            async IAsyncEnumerable<PgObject> ReadKindAsync<TRow>(string sql) where TRow : ICatalogRow<TRow>
            {
                await using var cmd = Command(connection, sql, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var row = TRow.Bind(reader);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (row(reader).ToObject(filter, dependencies) is { } obj)
                    {
                        yield return obj;
                    }
                }
            }
        }
        finally
        {
            await RestoreSessionAsync(connection, saved).ConfigureAwait(false);
        }
    }

    /// <summary>Reads everything that matches into a list.</summary>
    public static async Task<List<PgObject>> ReadAllAsync(NpgsqlConnection connection, CatalogFilter filter, CancellationToken cancellationToken = default)
    {
        var result = new List<PgObject>();
        await foreach (var obj in ReadAsync(connection, filter, cancellationToken).ConfigureAwait(false))
        {
            result.Add(obj);
        }

        return result;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, CatalogFilter filter)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)filter.SchemaRegexes ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)filter.NameRegexes ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = (object?)filter.Oids?.ToArray() ?? DBNull.Value });
        return cmd;
    }

    /// <summary>Pins search_path to pg_catalog and turns JIT off for the catalog queries; returns the previous values.</summary>
    private static async Task<(string SearchPath, string Jit)> PinSessionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT current_setting('search_path'), current_setting('jit'), " +
            "pg_catalog.set_config('search_path', 'pg_catalog', false), pg_catalog.set_config('jit', 'off', false)", connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task RestoreSessionAsync(NpgsqlConnection connection, (string SearchPath, string Jit) saved)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT pg_catalog.set_config('search_path', $1, false), pg_catalog.set_config('jit', $2, false)", connection);
            cmd.Parameters.Add(new NpgsqlParameter { Value = saved.SearchPath });
            cmd.Parameters.Add(new NpgsqlParameter { Value = saved.Jit });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // Inside an aborted transaction the reset cannot run; the rollback that follows restores the settings.
        }
    }
}
