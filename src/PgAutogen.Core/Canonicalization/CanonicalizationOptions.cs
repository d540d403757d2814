using PgAutogen.Core.Catalog;

namespace PgAutogen.Core.Canonicalization;

/// <summary>How a compare runs against the database.</summary>
public sealed class CanonicalizationOptions
{
    /// <summary>The longest a declaration waits for a lock (lock_timeout) before the compare fails.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest one statement may run (statement_timeout).</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Do not execute a declaration whose parse tree is that of the current object's catalog definition: it is unchanged
    /// (see <see cref="ParseTreeShortcut"/> for when that is trusted). Off: every declaration is executed.
    /// </summary>
    public bool ParseTreeShortcut { get; init; } = true;

    /// <summary>The kinds and schemas compared.</summary>
    public CatalogFilter Filter { get; init; } = new();

    /// <summary>
    /// Run inside this transaction of the caller (on its connection) under a savepoint that is rolled back, instead of
    /// in a transaction of its own: how -Verify compares after applying the upgrade it has not committed.
    /// </summary>
    internal Npgsql.NpgsqlTransaction? OuterTransaction { get; init; }
}
