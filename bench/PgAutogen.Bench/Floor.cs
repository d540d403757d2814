using System.Data;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace PgAutogen.Bench;

/// <summary>One floor measurement: the whole, and its three round trips.</summary>
internal sealed record FloorTiming(double TotalMs, double ReadBeforeMs, double ExecuteMs, double ReadAfterMs, int RowsBefore, int RowsAfter);

/// <summary>
/// The floor: what PostgreSQL itself needs to do what a compare must do, with plain Npgsql and no PgAutogen
/// code. One REPEATABLE READ transaction with the compare's session settings; one catalog read per kind
/// (functions and procedures, triggers, views: their definitions) in one round trip; the declarations as one
/// batch in one round trip; the same reads again; rolled back.
/// </summary>
internal static class Floor
{
    /// <summary>The settings canonicalization runs with (CanonicalizationOptions' defaults), and JIT off as for its catalog reads.</summary>
    private const string Settings =
        "SET LOCAL lock_timeout = 5000; SET LOCAL statement_timeout = 120000; " +
        "SET LOCAL check_function_bodies = off; SET LOCAL client_min_messages = warning; SET LOCAL jit = off";

    private const string UserSchema = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'";

    private static readonly string[] Reads =
    {
        $"""
        SELECT p.oid, n.nspname, p.proname, pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind IN ('f', 'p') AND {UserSchema}
        """,
        $"""
        SELECT t.oid, n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND {UserSchema}
        """,
        $"""
        SELECT c.oid, n.nspname, c.relname, pg_get_viewdef(c.oid, true)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v' AND {UserSchema}
        """,
    };

    public static async Task<FloorTiming> RunAsync(string connectionString, IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        try
        {
            // Round trip 1: settings, the caller's search_path, then search_path pinned for the reads.
            var watch = Stopwatch.StartNew();
            string searchPath;
            await using (var settings = new NpgsqlCommand(Settings + "; SELECT current_setting('search_path')", connection, transaction))
            {
                searchPath = (string)(await settings.ExecuteScalarAsync(cancellationToken))!;
            }

            var before = await ReadAsync(connection, transaction, cancellationToken);
            var readBefore = watch.Elapsed.TotalMilliseconds;

            // Round trip 2: every declaration, as one batch. The unused positional parameter makes Npgsql send
            // each text as is (without it, Npgsql splits on semicolons and breaks BEGIN ATOMIC bodies).
            watch.Restart();
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                var restore = new NpgsqlBatchCommand("SELECT pg_catalog.set_config('search_path', $1, true)");
                restore.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = searchPath });
                batch.BatchCommands.Add(restore);
                foreach (var sql in statements)
                {
                    var command = new NpgsqlBatchCommand(sql);
                    command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = 0 });
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken);
            }

            var execute = watch.Elapsed.TotalMilliseconds;

            // Round trip 3: the same reads, now of the desired state.
            watch.Restart();
            var after = await ReadAsync(connection, transaction, cancellationToken);
            var readAfter = watch.Elapsed.TotalMilliseconds;

            await transaction.RollbackAsync(cancellationToken);
            return new FloorTiming(total.Elapsed.TotalMilliseconds, readBefore, execute, readAfter, before, after);
        }
        catch
        {
            await transaction.RollbackAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>One read per kind, in one round trip; every definition is materialized, as a compare must.</summary>
    private static async Task<int> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)"));
        foreach (var read in Reads)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(read));
        }

        var rows = new List<string>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.FieldCount > 1)
                {
                    rows.Add(reader.GetString(reader.FieldCount - 1));
                }
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return rows.Count;
    }
}
