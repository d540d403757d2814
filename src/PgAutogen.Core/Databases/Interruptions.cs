using Npgsql;

namespace PgAutogen.Core.Databases;

/// <summary>
/// What stopped a compare when it was not the declarations' fault, told as it happened: the server cancelled the
/// statement at -StatementTimeout, another session cancelled it (pg_cancel_backend), the connection was lost (terminated
/// by another session or by an administrator with pg_terminate_backend, the server shutting down or crashing, the network).
/// Ctrl+C is the caller's own cancellation and stays an OperationCanceledException. In every case nothing was changed:
/// the compare's transaction is rolled back (by the server, when the connection ends), so retrying is safe.
/// </summary>
internal static class Interruptions
{
    /// <summary>The error for an interrupted compare, or null when <paramref name="ex"/> is an error of another kind.</summary>
    public static PgAutogenException? Explain(Exception ex, ConnectionInfo where, TimeSpan statementTimeout, TimeSpan elapsed)
    {
        foreach (var inner in Chain(ex))
        {
            if (inner is PostgresException pg)
            {
                switch (pg.SqlState)
                {
                    case "57014" when pg.MessageText.Contains("statement timeout", StringComparison.Ordinal):
                        // Already said against the declaration that ran too long (file:line:column): keep that.
                        return ex as PgAutogenException is { ErrorId: PgErrorId.StatementTimeout } known ? known : new PgAutogenException(PgErrorId.StatementTimeout,
                            $"A statement of the compare ran longer than -StatementTimeout ({statementTimeout.TotalSeconds:0.###} s) on {where}, and the server cancelled it. " +
                            "Nothing was changed.", ex)
                        {
                            RecommendedAction = "Raise -StatementTimeout, or compare when the server is less busy.",
                        };
                    case "57014":
                        return new PgAutogenException(PgErrorId.Cancelled,
                            $"Another session cancelled the compare's statement on {where} (pg_cancel_backend, or a statement-cancelling tool)" +
                            (statementTimeout > TimeSpan.Zero ? $" after {elapsed.TotalSeconds:0.#} s, well within -StatementTimeout ({statementTimeout.TotalSeconds:0.###} s)" : " while it connected") +
                            ". Nothing was changed; comparing again is safe.", ex)
                        {
                            RecommendedAction = "Compare again; if it keeps happening, ask who cancels long statements on this server (a watchdog job, a DBA).",
                        };
                    case "57P01" or "57P02" or "57P03" or "57P05":
                        var who = pg.SqlState switch
                        {
                            "57P01" => "terminated by an administrator or another session (pg_terminate_backend, or the server shutting down)",
                            "57P02" => "terminated because the server crashed",
                            "57P05" => "closed by the server as idle",
                            _ => "refused: the server is starting up or shutting down",
                        };
                        return Lost(ex, where, $"{who}: {pg.MessageText}");
                }
            }
        }

        foreach (var inner in Chain(ex))
        {
            if (inner is IOException or EndOfStreamException or System.Net.Sockets.SocketException
                || (inner is NpgsqlException and not PostgresException && inner.InnerException is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
                || (inner is InvalidOperationException && inner.Message.Contains("Connection is not open", StringComparison.Ordinal))
                || inner is ObjectDisposedException { ObjectName: not null } && inner.Message.Contains("Npgsql", StringComparison.Ordinal))
            {
                return Lost(ex, where, "by whom is not known (the server closed it, or the network failed)");
            }
        }

        return null;
    }

    private static PgAutogenException Lost(Exception ex, ConnectionInfo where, string how) =>
        new(PgErrorId.ConnectionLost,
            $"The connection to {where} was lost during the compare, {how}. Nothing was changed: the compare's transaction is never " +
            "committed, and the server rolls it back when the connection ends. Comparing again is safe.", ex)
        {
            Target = where,
            RecommendedAction = "Compare again; if the connection keeps being lost, check the server's log and who terminates sessions.",
        };

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
