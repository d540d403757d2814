using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Databases;

/// <summary>
/// Applies one section of a dbmate-style migration file (<c>-- migrate:up</c> / <c>-- migrate:down</c>) in one
/// transaction: split into statements by the same lexer as the declarations (dollar quotes and BEGIN ATOMIC
/// bodies stay whole), sent as one batch, committed only when every statement succeeded. A section marked
/// <c>transaction:false</c> on its marker line (dbmate's option, for statements such as CREATE INDEX
/// CONCURRENTLY that cannot run in a transaction) runs statement by statement, each committed on its own.
/// </summary>
public static class MigrationRunner
{
    private const string UpMarker = "-- migrate:up";
    private const string DownMarker = "-- migrate:down";

    /// <summary>Runs the up (or down) section of <paramref name="path"/>; returns how many statements ran.</summary>
    public static async Task<int> RunAsync(ConnectionOptions connection, string path, bool down, IEngineEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(events);
        if (!File.Exists(path))
        {
            throw new PgAutogenException(PgErrorId.DeclarationFileNotFound, $"The migration file '{path}' does not exist.") { Target = path };
        }

        var source = SourceText.FromBytes(path, await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        var (start, end) = Section(source, down);
        var inTransaction = !MarkerSaysNoTransaction(source.Bytes, start);
        var statements = SqlLexer.SplitStatements(source.Bytes, start, end)
            .Select(r => (Start: SqlLexer.SkipTrivia(source.Bytes, r.Start, r.End), r.End))
            .Where(r => r.Start < r.End)
            .ToList();
        if (statements.Count == 0)
        {
            events.Warning($"{path}: the {(down ? "down" : "up")} section has no statements; nothing was run.");
            return 0;
        }

        var watch = Stopwatch.StartNew();
        await using var conn = await connection.OpenAsync(events, cancellationToken).ConfigureAwait(false);
        if (!inTransaction)
        {
            await RunEachAsync(conn, source, path, statements, ownTransactions: false, events, cancellationToken).ConfigureAwait(false);
            events.Verbose($"Applied the {(down ? "down" : "up")} section of {path} without a transaction (transaction:false): {statements.Count} statement(s) in {watch.ElapsedMilliseconds} ms");
            return statements.Count;
        }

        if (statements.Any(r => IsTransactionControl(source.Bytes, r.Start, r.End)))
        {
            // sqitch's deploy scripts (and many hand-written files) say BEGIN ... COMMIT themselves: run them as written.
            await RunEachAsync(conn, source, path, statements, ownTransactions: true, events, cancellationToken).ConfigureAwait(false);
            events.Verbose($"Applied the {(down ? "down" : "up")} section of {path} in the transactions it opens itself (BEGIN/COMMIT): {statements.Count} statement(s) in {watch.ElapsedMilliseconds} ms");
            return statements.Count;
        }

        await using var transaction = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(conn, transaction);
        foreach (var (s, e) in statements)
        {
            var sql = source.Decode(s, e);
            events.Debug(sql);
            batch.BatchCommands.Add(SqlCommands.Verbatim(sql));
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var index = batch.BatchCommands.IndexOf(ex.BatchCommand!);
            var (line, column) = index >= 0 ? Where(source, statements[index].Start, ex) : (0, 0);
            throw new PgAutogenException(PgErrorId.QueryFailed,
                $"{path}:{line}:{column}: {ex.MessageText}" + (string.IsNullOrEmpty(ex.Detail) ? "" : "\nDETAIL: " + ex.Detail) +
                (string.IsNullOrEmpty(ex.Hint) ? "" : "\nHINT: " + ex.Hint) + "\nThe migration was rolled back; nothing was changed.", ex)
            {
                Target = path,
                RecommendedAction = "Fix the statement (or the database) and run the migration again.",
            };
        }

        events.Verbose($"Applied the {(down ? "down" : "up")} section of {path}: {statements.Count} statement(s) in {watch.ElapsedMilliseconds} ms");
        return statements.Count;
    }

    /// <summary>
    /// transaction:false, or a file with its own BEGIN/COMMIT: each statement as written; an error names it and what was
    /// already applied (a transaction the file left open is rolled back when the connection closes).
    /// </summary>
    private static async Task RunEachAsync(
        NpgsqlConnection conn, SourceText source, string path, IReadOnlyList<(int Start, int End)> statements, bool ownTransactions, IEngineEvents events,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < statements.Count; i++)
        {
            var (s, e) = statements[i];
            var sql = source.Decode(s, e);
            events.Debug(sql);
            try
            {
                await SqlCommands.ExecuteVerbatimAsync(conn, sql, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested)
            {
                var (line, column) = Where(source, s, ex);
                throw new PgAutogenException(PgErrorId.QueryFailed,
                    $"{path}:{line}:{column}: {ex.MessageText}" + (string.IsNullOrEmpty(ex.Detail) ? "" : "\nDETAIL: " + ex.Detail) +
                    (string.IsNullOrEmpty(ex.Hint) ? "" : "\nHINT: " + ex.Hint) +
                    (ownTransactions
                        ? "\nThe file opens its own transactions (BEGIN/COMMIT): what it committed before this statement stays applied; its open transaction was rolled back."
                        : $"\nThe section is marked transaction:false: the {i} statement(s) before this one were applied and stay applied."), ex)
                {
                    Target = path,
                    RecommendedAction = "Fix the statement (or the database), then apply the rest by hand or make the section idempotent and run it again.",
                };
            }
        }
    }

    /// <summary>Does the statement open or end a transaction (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT)?</summary>
    private static bool IsTransactionControl(ReadOnlySpan<byte> text, int start, int end)
    {
        var length = 0;
        while (start + length < end && length < 16 && char.IsAsciiLetter((char)text[start + length]))
        {
            length++;
        }

        var word = System.Text.Encoding.ASCII.GetString(text.Slice(start, length)).ToUpperInvariant();
        return word is "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK" or "ABORT";
    }

    /// <summary>Where the server's error lies in the file: at its position inside the statement, or at the statement's start.</summary>
    private static (int Line, int Column) Where(SourceText source, int statementStart, PostgresException ex) =>
        source.Locate(ex.Position > 0 ? source.AdvanceCodePoints(statementStart, ex.Position - 1) : statementStart);

    /// <summary>True when the marker line that ends at <paramref name="sectionStart"/> carries dbmate's <c>transaction:false</c>.</summary>
    private static bool MarkerSaysNoTransaction(ReadOnlySpan<byte> text, int sectionStart)
    {
        if (sectionStart == 0)
        {
            return false; // no marker: the whole file, in a transaction
        }

        var lineStart = text[..Math.Max(0, sectionStart - 1)].LastIndexOf((byte)'\n') + 1;
        var line = System.Text.Encoding.UTF8.GetString(text[lineStart..sectionStart]);
        return line.StartsWith("-- migrate:", StringComparison.Ordinal)
            && line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(w => string.Equals(w, "transaction:false", StringComparison.Ordinal));
    }

    /// <summary>The byte range of the section: up from its marker to the down marker; down from its marker to the end. Without markers the whole file is up.</summary>
    private static (int Start, int End) Section(SourceText source, bool down)
    {
        var text = source.Bytes;
        var up = IndexOfMarker(text, UpMarker);
        var dn = IndexOfMarker(text, DownMarker);
        if (down)
        {
            if (dn < 0)
            {
                throw new PgAutogenException(PgErrorId.DeclarationInvalid, $"{source.Label}: there is no '{DownMarker}' section to run.") { Target = source.Label };
            }

            return (LineEnd(text, dn), text.Length);
        }

        var start = up < 0 ? 0 : LineEnd(text, up);
        var end = dn >= 0 && dn > start ? dn : text.Length;
        return (start, end);
    }

    private static int IndexOfMarker(ReadOnlySpan<byte> text, string marker)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(marker);
        var from = 0;
        while (true)
        {
            var at = text[from..].IndexOf(needle);
            if (at < 0)
            {
                return -1;
            }

            at += from;
            if (at == 0 || text[at - 1] == (byte)'\n')
            {
                return at;
            }

            from = at + needle.Length;
        }
    }

    private static int LineEnd(ReadOnlySpan<byte> text, int from)
    {
        var nl = text[from..].IndexOf((byte)'\n');
        return nl < 0 ? text.Length : from + nl + 1;
    }
}
