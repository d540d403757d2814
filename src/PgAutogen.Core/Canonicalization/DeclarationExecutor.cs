using Npgsql;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Canonicalization;

/// <summary>How the declarations were executed: those left out as unchanged (each with the current object it is), how many ran, and whether in one batch.</summary>
internal sealed record Execution(IReadOnlyDictionary<PgDeclaration, PgObject> Unchanged, int Executed, bool OneBatch);

/// <summary>
/// Executes the prepared statements: in one batch, one round trip, when it works; otherwise one savepoint per statement,
/// retrying what names an object declared later and re-creating what PostgreSQL cannot replace in place
/// (<see cref="Recreation"/>), so that declaration order never matters.
/// </summary>
internal sealed class DeclarationExecutor(CompareContext context, Recreation recreation)
{
    private static readonly IReadOnlyDictionary<PgDeclaration, PgObject> NoneUnchanged = new Dictionary<PgDeclaration, PgObject>();

    /// <summary>
    /// Executes the prepared declarations: with the parse-tree shortcut (<paramref name="trees"/>), only those it does not
    /// find unchanged, in one batch; without it, or when nothing is left out, or when that batch fails in any way, all of
    /// them (<see cref="ExecuteAllAsync"/>). Not the shortcut when a declared object is re-created (a materialized view): what depends on it
    /// was dropped and must run again; what a displaced overload took with it is executed, the rest may be left out.
    /// </summary>
    public async Task<Execution> ExecuteAsync(
        IReadOnlyList<PgDeclaration> declarations, List<PreparedStatement> prepared, IReadOnlyList<PgObject> current, CurrentTrees? trees, ShortcutSession session)
    {
        if (trees is not null && !recreation.RecreatesDeclared)
        {
            // What was dropped (a routine displaced by a new overload of its name, and its dependents) is created again by
            // its declaration: never unchanged.
            var (execute, unchanged) = ParseTreeShortcut.Select(prepared, current, trees, session, context.Events, recreation.Reasons.Keys.ToHashSet(StringComparer.Ordinal));
            if (unchanged.Count > 0)
            {
                var runnable = execute.Where(p => !p.Skipped).ToList();
                await LockBudget.CheckAsync(context, runnable).ConfigureAwait(false);
                if (await ParseTreeShortcut.TryBatchAsync(context, runnable).ConfigureAwait(false))
                {
                    return new Execution(unchanged, runnable.Select(p => p.Declaration).Distinct().Count(), OneBatch: true);
                }
            }
        }

        await LockBudget.CheckAsync(context, prepared).ConfigureAwait(false);
        var oneBatch = await ExecuteAllAsync(prepared).ConfigureAwait(false);
        return new Execution(NoneUnchanged, declarations.Count, oneBatch);
    }

    /// <summary>
    /// The fast path: every statement in one batch, one round trip (true when it worked). When a statement fails because
    /// something it names does not exist yet (a view on a view declared later, a BEGIN ATOMIC function
    /// calling a later one), fall back to one savepoint per statement, deferring failures to later rounds,
    /// so declaration order never matters.
    /// </summary>
    private async Task<bool> ExecuteAllAsync(List<PreparedStatement> prepared)
    {
        var runnable = prepared.Where(p => !p.Skipped).ToList();
        if (runnable.Count == 0)
        {
            return true;
        }

        await using (var batch = new NpgsqlBatch(context.Connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Batch));
            foreach (var statement in runnable)
            {
                batch.BatchCommands.Add(SqlCommands.Verbatim(statement.Sql));
                context.Events.Debug(statement.Sql);
            }

            try
            {
                await batch.ExecuteNonQueryAsync(context.CancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PostgresException ex) when (CanonicalizationErrors.IsOrderProblem(ex) || CanonicalizationErrors.IsNotReplaceable(ex))
            {
                context.Events.Verbose((CanonicalizationErrors.IsNotReplaceable(ex) ? "PostgreSQL cannot replace an object in place (" : "A declaration refers to one declared later (")
                    + ex.MessageText + "); executing one by one.");
                await context.RollbackToAsync(Savepoints.Batch).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw CanonicalizationErrors.ForBatch(ex, batch, runnable, before: 1, context.CancellationToken);
            }
        }

        var pending = runnable;
        var executed = 0;
        var throttle = System.Diagnostics.Stopwatch.StartNew();
        while (pending.Count > 0)
        {
            var deferred = new List<(PreparedStatement Statement, PostgresException Error)>();
            for (var i = 0; i < pending.Count; i++)
            {
                var statement = pending[i];
                if (throttle.ElapsedMilliseconds >= 250)
                {
                    // One by one is the slow path (thousands of round trips): say how far it is, K of M.
                    throttle.Restart();
                    context.Events.Progress(new EngineProgress(CompareProgress.Activity,
                        $"Executing the declarations one by one: {executed} of {runnable.Count}", 35 + (int)(35L * executed / Math.Max(1, runnable.Count))));
                }

                executed++;
                await context.SaveAsync(Savepoints.Statement).ConfigureAwait(false);
                try
                {
                    await context.ExecuteVerbatimAsync(statement.Sql).ConfigureAwait(false);
                    await context.ReleaseAsync(Savepoints.Statement).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (CanonicalizationErrors.IsOrderProblem(ex))
                {
                    await context.RollbackToAsync(Savepoints.Statement).ConfigureAwait(false);
                    deferred.Add((statement, ex));
                }
                catch (PostgresException ex) when (CanonicalizationErrors.IsNotReplaceable(ex) && !statement.Declaration.IsComment)
                {
                    await context.RollbackToAsync(Savepoints.Statement).ConfigureAwait(false);
                    var rerun = await RecreateAsync(statement, ex, prepared).ConfigureAwait(false);
                    pending.InsertRange(i + 1, rerun);
                }
                catch (PostgresException ex)
                {
                    throw CanonicalizationErrors.For(ex, statement, context.CancellationToken);
                }
            }

            if (deferred.Count == pending.Count)
            {
                var (statement, error) = RootCause(deferred);
                throw CanonicalizationErrors.For(error, statement, context.CancellationToken);
            }

            pending = deferred.Select(d => d.Statement).ToList();
        }

        return false;
    }

    /// <summary>
    /// Of statements that all failed naming what does not exist, the one to report: the first whose failure is not a
    /// knock-on of another's, that is, whose declaration neither references nor is on (a comment, privileges, an owner, an
    /// index, a trigger or policy on a view) the object of another failed declaration. A view on a view that failed
    /// because a function it calls does not exist reports the function, not the view. When each failure may be a
    /// knock-on (a cycle, or a reference too broad to tell), the first. Matched by name and, where both are written,
    /// schema, as <see cref="DependencyOrder"/> does.
    /// </summary>
    private static (PreparedStatement Statement, PostgresException Error) RootCause(List<(PreparedStatement Statement, PostgresException Error)> failed)
    {
        var failedObjects = failed.Select(f => f.Statement.Declaration)
            .Where(d => !d.IsAttribute && !d.IsIndex && d.Kind != PgObjectKind.Trigger)
            .Distinct()
            .ToList();

        bool IsFailedObject(PgDeclaration self, string? schema, string? name) =>
            name is { Length: > 0 }
            && failedObjects.Any(d => !ReferenceEquals(d, self) && string.Equals(d.Name, name, StringComparison.Ordinal)
                && (string.IsNullOrEmpty(schema) || d.Schema.Length == 0 || string.Equals(d.Schema, schema, StringComparison.Ordinal)));

        foreach (var candidate in failed)
        {
            var declaration = candidate.Statement.Declaration;
            var knockOn = ((declaration.IsAttribute || declaration.IsIndex) && IsFailedObject(declaration, declaration.Schema, declaration.Name))
                || IsFailedObject(declaration, declaration.TableSchema, declaration.Table)
                || (!declaration.IsAttribute && DeclarationFacts.For(declaration).References.Any(r => IsFailedObject(declaration, r.Schema, r.Name)));
            if (!knockOn)
            {
                return candidate;
            }
        }

        return failed[0];
    }

    /// <summary>
    /// Drops the object the statement cannot replace (and its dependents), creates it from the declaration,
    /// and returns the statements of the dependents' declarations, to run again after it.
    /// </summary>
    private async Task<List<PreparedStatement>> RecreateAsync(PreparedStatement statement, PostgresException refusal, List<PreparedStatement> prepared)
    {
        var declaration = statement.Declaration;
        // Which declarations build the dependents: resolved before they are dropped.
        var targets = await new TargetResolver(context).ResolveAsync(prepared.Select(p => p.Declaration).Distinct().ToList()).ConfigureAwait(false);
        await context.SaveAsync(Savepoints.Statement).ConfigureAwait(false);
        try
        {
            var dropped = await recreation.DropAsync(context, declaration, refusal.MessageText).ConfigureAwait(false)
                ?? throw CanonicalizationErrors.For(refusal, statement, context.CancellationToken);
            context.Events.Verbose($"{declaration.Identity}: {refusal.MessageText}; dropped and created again" +
                (dropped.Count > 1 ? $" with {dropped.Count - 1} dependent object(s)" : ""));
            await context.ExecuteVerbatimAsync(statement.Sql).ConfigureAwait(false);
            await context.ReleaseAsync(Savepoints.Statement).ConfigureAwait(false);
            var rebuild = targets.Where(t => t.Id is { } id && dropped.Contains(id)).Select(t => t.Declaration).ToHashSet();
            return prepared.Where(p => rebuild.Contains(p.Declaration)).ToList();
        }
        catch (PostgresException ex)
        {
            throw CanonicalizationErrors.For(ex, statement, context.CancellationToken);
        }
    }
}
