using System.Diagnostics;
using Npgsql;
using PgAutogen.Core;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Shadow;

namespace PgAutogen.Bench;

/// <summary>What a compare costs a busy database, and what the shadow that spares it costs (issue 16).</summary>
internal sealed record SafetyTiming(double? ShadowFirstMs, double? ShadowReusedMs, double WriterBaselineMs, double WriterBlockedMs, string WriterTable);

/// <summary>
/// Two measurements beside the live compare:
/// <list type="bullet">
/// <item>the shadow compare (<c>-Shadow</c>): the first (a throwaway server of the target's major started, the roles
/// created, pg_dump --schema-only of the target restored into it, then the compare there) and the second (the shadow
/// reused: the target's fingerprint read, the compare there);</item>
/// <item>the longest a writer waits: a loop of one-row UPDATEs on a table whose trigger the mutation changes (the
/// compare's CREATE OR REPLACE TRIGGER takes SHARE ROW EXCLUSIVE on it until the rollback), timed during a live compare,
/// next to the same loop's longest UPDATE without one.</item>
/// </list>
/// </summary>
internal static class SafetyPhase
{
    public static async Task<SafetyTiming> RunAsync(string connectionString, IReadOnlyList<PgDeclaration> declarations, GeneratedSchema schema, bool shortcut,
        TextWriter log, CancellationToken cancellationToken)
    {
        var request = new CompareRequest { Declarations = declarations, Options = new CanonicalizationOptions { ParseTreeShortcut = shortcut } };
        var target = new ConnectionOptions { ConnectionString = connectionString };

        double? first = null, reused = null;
        if (PostgresInstallations.FindClient(await MajorAsync(connectionString, cancellationToken)) is not null)
        {
            try
            {
                var watch = Stopwatch.StartNew();
                await ShadowCompare.CompareAsync(target, new ShadowOptions { Throwaway = true }, request, NullEngineEvents.Instance, cancellationToken);
                first = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                await ShadowCompare.CompareAsync(target, new ShadowOptions { Throwaway = true }, request, NullEngineEvents.Instance, cancellationToken);
                reused = watch.Elapsed.TotalMilliseconds;
            }
            finally
            {
                await ShadowCompare.DropAllAsync();
            }
        }
        else
        {
            log.WriteLine("  shadow: not measured (no pg_dump/psql of the server's major or newer here)");
        }

        // A table whose trigger the mutation changes: the compare replaces that trigger, locking the table.
        var changed = schema.Mutated.Where(o => o.Kind == PgObjectKind.Trigger)
            .Join(schema.Original.Where(o => o.Kind == PgObjectKind.Trigger), m => m.Key, o => o.Key, (m, o) => (m, o))
            .First(p => p.m.Sql != p.o.Sql && !p.m.Sql.Contains("INSTEAD OF", StringComparison.Ordinal)).m;
        var table = SqlIdentifier.Qualify(changed.TableSchema ?? "", changed.Table!);
        var baseline = await WriterLoopAsync(connectionString, table, () => Task.Delay(1000, cancellationToken), cancellationToken);
        var blocked = await WriterLoopAsync(connectionString, table,
            () => CompareService.CompareAsync(target, request, NullEngineEvents.Instance, cancellationToken), cancellationToken);
        return new SafetyTiming(first, reused, baseline, blocked, table);
    }

    /// <summary>Runs one-row UPDATEs on <paramref name="table"/> back to back while <paramref name="during"/> runs; returns the longest.</summary>
    private static async Task<double> WriterLoopAsync(string connectionString, string table, Func<Task> during, CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(cancellationToken);
        // The tables are empty: an UPDATE that matches nothing still takes ROW EXCLUSIVE on the table, which is what waits.
        await using var update = new NpgsqlCommand($"UPDATE {table} SET qty = qty WHERE id = -1", conn);
        using var stop = new CancellationTokenSource();
        var longest = 0.0;
        var writer = Task.Run(async () =>
        {
            var watch = new Stopwatch();
            while (!stop.IsCancellationRequested)
            {
                watch.Restart();
                await update.ExecuteNonQueryAsync(cancellationToken);
                longest = Math.Max(longest, watch.Elapsed.TotalMilliseconds);
            }
        }, cancellationToken);
        await Task.Delay(50, cancellationToken);
        await during();
        await stop.CancelAsync();
        await writer;
        return longest;
    }

    private static async Task<int> MajorAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(cancellationToken);
        return conn.PostgreSqlVersion.Major;
    }
}
