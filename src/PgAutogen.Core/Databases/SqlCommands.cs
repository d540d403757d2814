using Npgsql;
using NpgsqlTypes;

namespace PgAutogen.Core.Databases;

/// <summary>The commands PgAutogen sends the way it needs them sent: statements verbatim, one-off statements, bound arrays.</summary>
internal static class SqlCommands
{
    /// <summary>
    /// A command Npgsql sends exactly as written. Without parameters Npgsql parses the text to split it on
    /// semicolons, which breaks BEGIN ATOMIC bodies (npgsql#4445); with a positional parameter it sends the
    /// text as is. The typed parameter is unused by the statement and ignored by the server.
    /// </summary>
    public static NpgsqlBatchCommand Verbatim(string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = 0 });
        return command;
    }

    /// <summary>Runs one statement as written (<see cref="Verbatim"/>), in a round trip of its own.</summary>
    public static async Task ExecuteVerbatimAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var single = new NpgsqlBatch(connection) { BatchCommands = { Verbatim(sql) } };
        await single.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a statement PgAutogen wrote itself (no BEGIN ATOMIC body, no parameters).</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A batch command with its values bound as the text[] parameter $1.</summary>
    public static NpgsqlBatchCommand WithTextArray(string sql, IEnumerable<string> values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(TextArray(values));
        return command;
    }

    /// <summary>A text[] parameter.</summary>
    public static NpgsqlParameter TextArray(IEnumerable<string> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values.ToArray() };

    /// <summary>An oid[] parameter.</summary>
    public static NpgsqlParameter OidArray(IEnumerable<uint> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = values.ToArray() };
}
