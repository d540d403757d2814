using Npgsql;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// What every phase of a compare works with: the connection and its transaction (always rolled back), the schema
/// unqualified names go to, the role the compare runs as, where its messages go, and when to stop.
/// </summary>
internal sealed class CompareContext(
    NpgsqlConnection connection, NpgsqlTransaction transaction, string currentSchema, string currentUser, IEngineEvents events, CancellationToken cancellationToken)
{
    public NpgsqlConnection Connection { get; } = connection;

    /// <summary>current_schema(): where unqualified declarations are created.</summary>
    public string CurrentSchema { get; } = currentSchema;

    /// <summary>current_user.</summary>
    public string CurrentUser { get; } = currentUser;

    public IEngineEvents Events { get; } = events;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>schema.name, quoted; an unqualified name (empty schema) in <see cref="CurrentSchema"/>.</summary>
    public string Qualify(string schema, string name) => SqlIdentifier.Qualify(schema.Length == 0 ? CurrentSchema : schema, name);

    /// <summary>Runs a statement PgAutogen wrote (no parameters, no BEGIN ATOMIC body).</summary>
    public Task ExecuteAsync(string sql) => SqlCommands.ExecuteAsync(Connection, sql, CancellationToken);

    /// <summary>Runs a statement as written (a declaration, a catalog definition).</summary>
    public Task ExecuteVerbatimAsync(string sql) => SqlCommands.ExecuteVerbatimAsync(Connection, sql, CancellationToken);

    /// <summary>SAVEPOINT (sent with the next command).</summary>
    public Task SaveAsync(string savepoint) => transaction.SaveAsync(savepoint, CancellationToken);

    /// <summary>ROLLBACK TO SAVEPOINT.</summary>
    public Task RollbackToAsync(string savepoint) => transaction.RollbackAsync(savepoint, CancellationToken);

    /// <summary>RELEASE SAVEPOINT.</summary>
    public Task ReleaseAsync(string savepoint) => transaction.ReleaseAsync(savepoint, CancellationToken);
}

/// <summary>The savepoints of a compare, each for one kind of attempt that may have to be undone.</summary>
internal static class Savepoints
{
    /// <summary>A batch of statements that may fail as a whole (the declarations; the downgrade's replay).</summary>
    public const string Batch = "pgautogen_fast";

    /// <summary>One statement that may fail on its own.</summary>
    public const string Statement = "pgautogen_stmt";

    /// <summary>The validation of routine bodies.</summary>
    public const string Validate = "pgautogen_validate";

    /// <summary>A setting that applies to one step only (a routine's SET options, replica mode).</summary>
    public const string Config = "pgautogen_config";

    /// <summary>A declared materialized view tried beside the live one.</summary>
    public const string MaterializedView = "pgautogen_matview";

    /// <summary>The changed declarations alone, executed by the parse-tree shortcut.</summary>
    public const string Shortcut = "pgautogen_shortcut";
}
