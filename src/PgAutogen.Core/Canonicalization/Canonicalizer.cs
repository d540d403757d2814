using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Diff;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// Executes the declarations inside one REPEATABLE READ transaction, reads the catalog back, and rolls
/// back — always: on success, on a PostgreSQL error, on an exception in our code and on cancellation.
/// What PostgreSQL stores is the canonical form, so formatting, int vs integer, quoting and default
/// schemas never cause false diffs.
/// <para>
/// <see cref="RunAsync(NpgsqlConnection, Task{IReadOnlyList{PgDeclaration}}, CanonicalizationOptions, IEngineEvents, CancellationToken)"/>
/// is the method, phase by phase; each phase is a class of its own (see src/PgAutogen.Core/README.md).
/// </para>
/// </summary>
public static class Canonicalizer
{
    public static Task<CanonicalizationResult> RunAsync(
        NpgsqlConnection connection,
        IReadOnlyList<PgDeclaration> declarations,
        CanonicalizationOptions options,
        IEngineEvents events,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        return RunAsync(connection, Task.FromResult<IReadOnlyList<PgDeclaration>?>(declarations), options, events, cancellationToken);
    }

    /// <summary>
    /// As above, with the declarations still being parsed: the transaction begins and the current catalog is read
    /// meanwhile (the client would be idle while PostgreSQL reads it), and nothing is executed before they are all
    /// read. A null result (they had errors, reported by whoever parsed them) rolls back and throws
    /// <see cref="DeclarationsInvalidException"/>.
    /// </summary>
    public static async Task<CanonicalizationResult> RunAsync(
        NpgsqlConnection connection,
        Task<IReadOnlyList<PgDeclaration>?> pending,
        CanonicalizationOptions options,
        IEngineEvents events,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);

        var watch = Stopwatch.StartNew();
        await using var session = await CompareSession.BeginAsync(connection, options.OuterTransaction, cancellationToken).ConfigureAwait(false);
        try
        {
            // 1. The session: the compare's settings, where unqualified names go, who runs it; event triggers quieted.
            var context = await session.OpenAsync(options, events, cancellationToken).ConfigureAwait(false);

            // 2. The current state, read while the declarations are still being parsed (and hashed for the shortcut meanwhile).
            var current = await CatalogInspector.ReadAllAsync(connection, options.Filter, cancellationToken).ConfigureAwait(false);
            events.Verbose($"Read the current catalog: {current.Count} object(s) in {watch.ElapsedMilliseconds} ms");
            using var trees = !options.ParseTreeShortcut ? null : pending.IsCompleted ? new CurrentTrees() : CurrentTrees.Start(current, cancellationToken);
            var declarations = await pending.WaitAsync(cancellationToken).ConfigureAwait(false) ?? throw new DeclarationsInvalidException();
            await (trees?.StopAsync() ?? Task.CompletedTask).ConfigureAwait(false);

            // Declared privileges and owners name declared objects and existing roles: checked before anything executes,
            // even the compare's own DISABLE of event triggers.
            var attributes = new AttributeDeclarations(context);
            await attributes.CheckAsync(declarations).ConfigureAwait(false);
            await session.QuietFiringEventTriggersAsync(context, declarations).ConfigureAwait(false);

            // 3. Prepare: materialized views tried beside the live ones, OR REPLACE where it is missing, drop-first kinds.
            var executeWatch = Stopwatch.StartNew();
            var recreation = new Recreation(current);
            var unchangedViews = await new MaterializedViews(context).JudgeAsync(declarations, current, recreation).ConfigureAwait(false);
            var prepared = new StatementPreparer(current).Prepare(declarations, unchangedViews);

            // 4. Order: what each declaration references runs before it.
            prepared = DependencyOrder.Sort(prepared, out var moved);
            if (moved > 0)
            {
                events.Verbose($"Ordered the declarations so that what each one references runs before it: {moved} statement(s) moved.");
            }

            // 5. Execute: one batch; one by one (re-creating what cannot be replaced) when that fails.
            var execution = await new DeclarationExecutor(context, recreation).ExecuteAsync(declarations, prepared, current, trees, session.Shortcut).ConfigureAwait(false);
            var unchanged = execution.Unchanged;
            events.Verbose($"Executed {execution.Executed} declaration(s) {(execution.OneBatch ? "in one batch" : "one by one")}" +
                (unchanged.Count > 0 ? $" ({declarations.Count - execution.Executed} unchanged by their parse tree, not executed)" : "") +
                $" in {executeWatch.ElapsedMilliseconds} ms");

            // 6. Resolve: the catalog row of each executed declaration (those left out as unchanged are their current objects).
            var validateWatch = Stopwatch.StartNew();
            var targets = await new TargetResolver(context).ResolveAsync(
                unchanged.Count == 0 ? declarations : declarations.Where(d => !unchanged.ContainsKey(d)).ToList()).ConfigureAwait(false);
            targets.AddRange(await attributes.ExpandAllInSchemaAsync(declarations).ConfigureAwait(false));

            // 7. Read back: the desired state as PostgreSQL stores it, each object with its declaration.
            var state = await new DesiredStateReader(context, options.Filter).ReadAsync(targets, unchanged, current).ConfigureAwait(false);

            // 8. Validate the bodies of the new and changed routines, now that everything exists.
            var validated = await new BodyValidator(context).ValidateAsync(targets, state.Desired, current).ConfigureAwait(false);
            events.Verbose($"Resolved {targets.Count} declaration(s) and validated {validated} new or changed routine body(ies) in {validateWatch.ElapsedMilliseconds - state.ReadMilliseconds} ms");

            // 9. Judge the downgrade: what cannot be replaced back in place, what differs only in PostgreSQL's printing.
            var verdict = await new DowngradeJudge(context).JudgeAsync(current, state.Desired, recreation.Reasons, state.Catalog).ConfigureAwait(false);
            var desired = verdict.KeepLiveText(state.Desired, current);

            // 10. The result (rolled back below).
            if (state.OutOfScope > 0)
            {
                events.Verbose($"{state.OutOfScope} declared object(s) are outside the compared kinds or schemas and are ignored.");
            }

            events.Verbose($"Canonicalized: {current.Count} current, {desired.Count} desired object(s) in {watch.ElapsedMilliseconds} ms (rolled back)");
            return new CanonicalizationResult
            {
                Current = current,
                Desired = desired,
                Decisions = ObjectDecisions.From(state.DeclarationByKey, verdict.RecreatedWith(recreation.Reasons), state.CommentedKeys,
                    state.PrivilegedKeys, state.OwnedKeys,
                    await AclDefaults.ReadAsync(connection, cancellationToken).ConfigureAwait(false)),
                CurrentSchema = context.CurrentSchema,
                CurrentUser = context.CurrentUser,
            };
        }
        catch (Exception ex) when (CanonicalizationErrors.IsCommunicationFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw CanonicalizationErrors.CommunicationFailure(ex);
        }
        catch (Exception ex) when (CanonicalizationErrors.IsLockTimeout(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Roll back first (the transaction is aborted), then name what other sessions hold locked.
            await session.RollbackAsync().ConfigureAwait(false);
            throw await CanonicalizationErrors.LockTimeoutAsync(connection, ex, options.LockTimeout).ConfigureAwait(false);
        }
        finally
        {
            await session.RollbackAsync().ConfigureAwait(false); // never committed
        }
    }
}
