using System.Text;
using Npgsql;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// What goes wrong during a compare, in words: a server error reported against the declaration that caused it (file,
/// line and column, the server's message, detail and hint), a lock wait that timed out (with who holds the locks), a
/// connection that failed. And the server's errors that are not errors: the ones that tell the slow path what to do.
/// </summary>
internal static class CanonicalizationErrors
{
    /// <summary>cannot change return type / name of input parameter / remove parameter defaults (42P13), cannot change routine kind (42809), cannot drop / rename / retype view columns (42P16).</summary>
    public static bool IsNotReplaceable(PostgresException ex) => ex.SqlState is "42P13" or "42809" or "42P16";

    /// <summary>undefined_table, undefined_function, undefined_object (a type), undefined_column: maybe declared later.</summary>
    public static bool IsOrderProblem(PostgresException ex) => ex.SqlState is "42P01" or "42883" or "42704" or "42703";

    /// <summary>lock_not_available, or a lock timeout already reported against a declaration.</summary>
    public static bool IsLockTimeout(Exception ex) =>
        ex is PostgresException { SqlState: "55P03" } || ex is PgAutogenException { ErrorId: PgErrorId.LockTimeout };

    /// <summary>The connection failed (not an error PostgreSQL reported).</summary>
    public static bool IsCommunicationFailure(Exception ex) => ex is NpgsqlException and not PostgresException;

    public static PgAutogenException CommunicationFailure(Exception ex) =>
        new(PgErrorId.QueryFailed, "The compare failed talking to the server: " + ex.Message, ex);

    /// <summary>
    /// A lock wait timed out (the transaction is rolled back by now): the error, naming what other sessions hold locked.
    /// </summary>
    public static async Task<PgAutogenException> LockTimeoutAsync(NpgsqlConnection connection, Exception ex, TimeSpan lockTimeout)
    {
        var holders = await DescribeLockHoldersAsync(connection).ConfigureAwait(false);
        var message = ex is PgAutogenException known
            ? known.Message
            : $"Timed out after {lockTimeout.TotalSeconds:0.###} s waiting for a lock while reading the managed objects' definitions. Nothing was changed. Retry when it is less busy, or raise -LockTimeout.";
        return new PgAutogenException(PgErrorId.LockTimeout, message + (holders.Length > 0 ? "\nLocked by other sessions: " + holders : ""), ex)
        {
            Target = (ex as PgAutogenException)?.Target,
            RecommendedAction = "Retry when the tables are not locked by long transactions, or raise -LockTimeout.",
        };
    }

    /// <summary>
    /// A server error, reported against the declaration: file:line:column (the server's error position
    /// mapped into the file), the server's message, detail and hint.
    /// </summary>
    public static Exception For(PostgresException ex, PreparedStatement? statement, CancellationToken cancellationToken, bool ignorePosition = false)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The compare was cancelled; nothing was changed.", ex, cancellationToken);
        }

        var declaration = statement?.Declaration;
        var what = declaration is null ? "" : $"{ObjectKey.Words(declaration.Kind)} {declaration.Identity}: ";
        var where = declaration is null ? "" : Locate(ex, statement!, ignorePosition) + ": ";
        var sb = new StringBuilder();
        PgErrorId id;
        if (ex.SqlState == "55P03")
        {
            id = PgErrorId.LockTimeout;
            var target = declaration?.Kind == PgObjectKind.Trigger
                ? (string.IsNullOrEmpty(declaration.TableSchema) ? "" : declaration.TableSchema + ".") + declaration.Table
                : declaration?.Identity ?? "an object";
            sb.Append(where).Append(what).Append($"timed out waiting for a lock on {target}: another session holds a conflicting lock ({ex.MessageText}). ")
              .Append("Nothing was changed. Retry when it is less busy, or raise -LockTimeout.");
        }
        else if (ex.SqlState == "57014")
        {
            id = PgErrorId.StatementTimeout;
            sb.Append(where).Append(what).Append("the statement ran longer than -StatementTimeout and was cancelled (").Append(ex.MessageText).Append("). Nothing was changed.");
        }
        else
        {
            id = PgErrorId.DeclarationInvalid;
            sb.Append(where).Append(what).Append(ex.MessageText);
            if (!string.IsNullOrEmpty(ex.Detail))
            {
                sb.Append("\nDETAIL: ").Append(ex.Detail);
            }

            if (!string.IsNullOrEmpty(ex.Hint))
            {
                sb.Append("\nHINT: ").Append(ex.Hint);
            }

            if (!string.IsNullOrEmpty(ex.Where) && ex.Where.Contains("PL/pgSQL", StringComparison.Ordinal))
            {
                sb.Append("\nCONTEXT: ").Append(ex.Where);
            }
        }

        return new PgAutogenException(id, sb.ToString(), ex)
        {
            Target = declaration,
            RecommendedAction = id == PgErrorId.DeclarationInvalid ? "Fix the declaration and compare again; nothing was changed in the database." : null,
        };
    }

    /// <summary>An error of one statement of a batch (<paramref name="ex"/>.BatchCommand), reported against its declaration: <paramref name="statements"/> follow <paramref name="before"/> other commands.</summary>
    public static Exception ForBatch(PostgresException ex, NpgsqlBatch batch, IReadOnlyList<PreparedStatement> statements, int before, CancellationToken cancellationToken)
    {
        var index = batch.BatchCommands.IndexOf(ex.BatchCommand!) - before;
        return For(ex, index >= 0 && index < statements.Count ? statements[index] : null, cancellationToken);
    }

    /// <summary>file:line:column of the server's error position (or of the position inside an internal query), else of the declaration.</summary>
    private static string Locate(PostgresException ex, PreparedStatement statement, bool ignorePosition)
    {
        var declaration = statement.Declaration;
        var offset = -1;
        if (!ignorePosition && ex.Position > 0)
        {
            offset = statement.ToDeclarationOffset(ex.Position);
        }
        else if (ex.InternalPosition > 0 && !string.IsNullOrEmpty(ex.InternalQuery))
        {
            var at = declaration.Sql.IndexOf(ex.InternalQuery, StringComparison.Ordinal);
            if (at >= 0)
            {
                offset = at + SourceText.CharOffset(ex.InternalQuery, ex.InternalPosition - 1);
            }
        }

        if (offset < 0)
        {
            return declaration.Location;
        }

        var (line, column) = SourceText.Advance(declaration.Line, declaration.Column, declaration.Sql, offset);
        return $"{declaration.File}:{line}:{column}";
    }

    /// <summary>The relations of this database that other sessions hold locks on, strongest first: "app.orders (AccessExclusiveLock by pid 123, 'psql')".</summary>
    private static async Task<string> DescribeLockHoldersAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT DISTINCT ON (l.relation) quote_ident(n.nspname) || '.' || quote_ident(c.relname), l.mode, l.pid, coalesce(a.application_name, '')
                FROM pg_catalog.pg_locks l
                JOIN pg_catalog.pg_class c ON c.oid = l.relation
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
                WHERE l.granted AND l.pid <> pg_catalog.pg_backend_pid()
                  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
                  AND l.mode NOT IN ('AccessShareLock', 'RowShareLock')
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                ORDER BY l.relation, l.mode DESC
                LIMIT 10
                """, connection);
            await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            var parts = new List<string>();
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var app = reader.GetString(3);
                parts.Add($"{reader.GetString(0)} ({reader.GetString(1)} by pid {reader.GetInt32(2)}{(app.Length > 0 ? ", '" + app + "'" : "")})");
            }

            return string.Join("; ", parts);
        }
        catch (NpgsqlException)
        {
            return "";
        }
    }
}
