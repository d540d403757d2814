using Npgsql;
using NpgsqlTypes;

namespace PgAutogen.Bench;

/// <summary>The database of one scale: created, loaded with the original schema, vacuumed between measurements, dropped.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private readonly bool _keep;

    private BenchDatabase(string adminConnectionString, string name, bool keep)
    {
        _adminConnectionString = adminConnectionString;
        _keep = keep;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>To this database, as the superuser of the admin connection.</summary>
    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string adminConnectionString, string name, bool keep, CancellationToken cancellationToken)
    {
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        return new BenchDatabase(adminConnectionString, name, keep);
    }

    /// <summary>The tables, then the original declarations as one batch, with bodies checked; committed, then VACUUM ANALYZE.</summary>
    public async Task LoadAsync(string setupSql, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var setup = new NpgsqlCommand(setupSql, connection, transaction) { CommandTimeout = 0 })
            {
                await setup.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var batch = new NpgsqlBatch(connection, transaction) { Timeout = 0 })
            {
                foreach (var sql in statements)
                {
                    var command = new NpgsqlBatchCommand(sql);
                    command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = 0 });
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await VacuumAsync(analyze: true, cancellationToken);
    }

    /// <summary>
    /// Every canonicalization (and the floor) creates and rolls back thousands of catalog rows; vacuuming before
    /// each measurement gives every run the same catalog instead of a growing pile of dead rows.
    /// </summary>
    public async Task VacuumAsync(bool analyze, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var vacuum = new NpgsqlCommand(analyze ? "VACUUM ANALYZE" : "VACUUM", connection);
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_keep)
        {
            return;
        }

        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
