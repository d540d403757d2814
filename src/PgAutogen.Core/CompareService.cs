using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Diff;

namespace PgAutogen.Core;

/// <summary>What Compare-PgDeclaration asks for.</summary>
public sealed class CompareRequest
{
    public required IReadOnlyList<PgDeclaration> Declarations { get; init; }

    /// <summary>
    /// Declarations still being parsed, used instead of <see cref="Declarations"/> when set: the compare connects and
    /// reads the current catalog meanwhile. A null result means they had errors: nothing is compared, and the compare
    /// throws <see cref="Canonicalization.DeclarationsInvalidException"/>, also when the connection failed meanwhile.
    /// </summary>
    public Task<IReadOnlyList<PgDeclaration>?>? Pending { get; init; }

    /// <summary>When set (objects piped in), only these existing objects are in scope: others are neither replaced nor dropped.</summary>
    public IReadOnlyList<PgObject>? PipedCurrent { get; init; }

    public CanonicalizationOptions Options { get; init; } = new();
}

/// <summary>The cmdlet-facing entry point of canonicalize + diff + order.</summary>
public static class CompareService
{
    public static async Task<IReadOnlyList<MigrationOp>> CompareAsync(ConnectionOptions connection, CompareRequest request, IEngineEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(events);
        var started = Stopwatch.StartNew();
        try
        {
            await using var conn = await connection.OpenAsync(events, cancellationToken).ConfigureAwait(false);
            try
            {
                return await CompareAsync(conn, request, events, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && Interruptions.Explain(ex, connection.Describe(), request.Options.StatementTimeout, started.Elapsed) is { } interrupted)
            {
                // Cancelled by another session, timed out, or the connection lost: said as it happened, not as a fault of a declaration.
                throw interrupted;
            }
            catch (NpgsqlException ex) when (ex is not PostgresException && !cancellationToken.IsCancellationRequested)
            {
                throw CatalogService.QueryError(ex, connection);
            }
            catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw CatalogService.QueryError(ex, connection);
            }
        }
        catch (Exception ex) when (ex is not DeclarationsInvalidException && request.Pending is not null)
        {
            // Declarations parsed while connecting: their errors (or a parser that cannot load) come first, as they would
            // without a connection.
            if (await request.Pending.ConfigureAwait(false) is null)
            {
                throw new DeclarationsInvalidException();
            }

            throw;
        }
    }

    internal static async Task<IReadOnlyList<MigrationOp>> CompareAsync(NpgsqlConnection connection, CompareRequest request, IEngineEvents events, CancellationToken cancellationToken)
    {
        events.Progress(new EngineProgress(CompareProgress.Activity,
            request.Pending is null ? $"Reading the current catalog; {request.Declarations.Count} declaration(s) to execute" : "Reading the current catalog", 20, NewPhase: true));
        var result = request.Pending is { } pending
            ? await Canonicalizer.RunAsync(connection, pending, request.Options, events, cancellationToken).ConfigureAwait(false)
            : await Canonicalizer.RunAsync(connection, request.Declarations, request.Options, events, cancellationToken).ConfigureAwait(false);
        events.Progress(new EngineProgress(CompareProgress.Activity, $"Diffing {result.Current.Count} current and {result.Desired.Count} desired object(s)", 92, NewPhase: true));
        var watch = Stopwatch.StartNew();
        var (current, desired) = Scope(result, request.PipedCurrent);
        var ops = MigrationPlanner.Plan(current, desired, result.Decisions, result.CurrentUser);
        events.Verbose($"Diffed and ordered: {ops.Count} step(s) in {watch.ElapsedMilliseconds} ms");
        DesiredStateCheck.ThrowIfImpossible(ops, desired, result.Decisions);
        events.Progress(new EngineProgress(CompareProgress.Activity, $"{ops.Count} step(s)", 100, Completed: true));

        var calls = PlpgsqlCallCheck.Calls(ops, desired);
        foreach (var call in calls)
        {
            events.Warning(call.Warning);
        }

        // The hazards of each step, from what the compare knows and what the database says of the rest.
        ops = Hazards.Attach(ops, calls, await HazardFacts.ReadAsync(connection, ops, current, cancellationToken).ConfigureAwait(false));
        var hazards = ops.Sum(o => o.Hazards.Count);
        if (hazards > 0)
        {
            events.Verbose($"{hazards} hazard(s): {string.Join(", ", ops.SelectMany(o => o.Hazards).GroupBy(h => h.Kind).Select(g => $"{g.Count()} {g.Key}"))}");
        }

        // Dropping every managed object (an empty folder, a wrong -Path) is worth a word at any size; most of them, from 4 up.
        var drops = ops.Count(o => o.Action == MigrationAction.Drop);
        if (drops > 0 && drops == current.Count)
        {
            events.Warning($"The comparison drops all {drops} managed object(s) in the database{(request.Declarations.Count == 0 && request.Pending is null ? " (no declarations were given)" : "")}. " +
                "Is -Path the right folder, and -Schema the right scope?");
        }
        else if (current.Count >= 4 && drops * 2 > current.Count)
        {
            events.Warning($"The comparison drops {drops} of the {current.Count} managed objects in the database. Is -Path the right folder, and -Schema the right scope?");
        }

        return ops.OrderBy(o => o.Order).ToList();
    }

    /// <summary>
    /// With objects piped in, only they are the current state: a declared object that exists but was not
    /// piped is out of scope (neither replaced nor dropped); a declared object that does not exist is created.
    /// </summary>
    private static (IReadOnlyList<PgObject> Current, IReadOnlyList<PgObject> Desired) Scope(CanonicalizationResult result, IReadOnlyList<PgObject>? piped)
    {
        if (piped is null)
        {
            return (result.Current, result.Desired);
        }

        var live = result.Current.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var pipedKeys = piped.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var current = result.Current.Where(o => pipedKeys.Contains(o.Key)).ToList();
        var desired = result.Desired.Where(o => pipedKeys.Contains(o.Key) || !live.ContainsKey(o.Key)).ToList();
        return (current, desired);
    }
}
