using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Diff;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// Executes the declarations inside one REPEATABLE READ transaction, reads the catalog back, and rolls
/// back — always: on success, on a PostgreSQL error, on an exception in our code and on cancellation.
/// What PostgreSQL stores is the canonical form, so formatting, int vs integer, quoting and default
/// schemas never cause false diffs.
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
        await using var session = await CompareSession.BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        using var stopHashing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // the shortcut's background work
        try
        {
            var context = await session.OpenAsync(options, events, cancellationToken).ConfigureAwait(false);
            var currentSchema = context.CurrentSchema;
            var currentUser = context.CurrentUser;
            var shortcutSession = session.Shortcut;
            var current = await CatalogInspector.ReadAllAsync(connection, options.Filter, cancellationToken).ConfigureAwait(false);
            events.Verbose($"Read the current catalog: {current.Count} object(s) in {watch.ElapsedMilliseconds} ms");
            // Hashing the current definitions overlaps the parse when there is one to overlap.
            var trees = !options.ParseTreeShortcut ? null : pending.IsCompleted ? new CurrentTrees() : CurrentTrees.Start(current, stopHashing.Token);
            var declarations = await pending.WaitAsync(cancellationToken).ConfigureAwait(false) ?? throw new DeclarationsInvalidException();
            await stopHashing.CancelAsync().ConfigureAwait(false);
            if (trees is not null)
            {
                await trees.StopAsync().ConfigureAwait(false);
            }

            var executeWatch = Stopwatch.StartNew();
            var recreation = new Recreation(current);
            var unchangedViews = await MaterializedViews.JudgeAsync(connection, declarations, current, currentSchema, recreation, events, cancellationToken).ConfigureAwait(false);
            var prepared = DependencyOrder.Sort(new StatementPreparer(current).Prepare(declarations, unchangedViews), out var moved);
            if (moved > 0)
            {
                events.Verbose($"Ordered the declarations so that what each one references runs before it: {moved} statement(s) moved.");
            }

            var execution = await ExecuteDeclarationsAsync(connection, declarations, prepared, current, trees, shortcutSession, recreation, currentSchema, events, cancellationToken).ConfigureAwait(false);
            var skipped = execution.Unchanged;
            events.Verbose($"Executed {execution.Executed} declaration(s) {(execution.OneBatch ? "in one batch" : "one by one")}" +
                (skipped.Count > 0 ? $" ({declarations.Count - execution.Executed} unchanged by their parse tree, not executed)" : "") +
                $" in {executeWatch.ElapsedMilliseconds} ms");

            // Each declaration's catalog row, looked up once (to_regprocedure costs a catalog-cache miss per
            // routine); the body validation and the mapping of the read-back both use it.
            var validateWatch = Stopwatch.StartNew();
            // Declarations left out as unchanged are their current objects: neither resolved nor read back (most of a
            // large compare); what was executed is read back by oid.
            var targets = await ResolveTargetsAsync(connection, skipped.Count == 0 ? declarations : declarations.Where(d => !skipped.ContainsKey(d)).ToList(), currentSchema, cancellationToken).ConfigureAwait(false);

            // COMMENT ON declarations name objects; they create none.
            var resolved = Resolve(targets.Where(t => !t.Declaration.IsComment && !t.Declaration.IsIndex)
                .Concat(skipped.Select(s => (s.Key, ObjectKey.Family(s.Value.Kind), (uint?)s.Value.Oid))).ToList());
            var commented = targets
                .Where(t => t.Declaration.IsComment && t.Oid is not null)
                .Select(t => (t.Family, t.Oid!.Value))
                .ToHashSet();
            var readBackWatch = Stopwatch.StartNew();
            var after = skipped.Count == 0
                ? await CatalogInspector.ReadAllAsync(connection, options.Filter, cancellationToken).ConfigureAwait(false)
                : await ReadBackAsync(connection, options.Filter, targets, skipped, current, cancellationToken).ConfigureAwait(false);
            var readBackMs = readBackWatch.ElapsedMilliseconds;
            events.Verbose($"Read the desired catalog: {after.Count} object(s) in {readBackMs} ms");
            var desired = new List<PgObject>();
            var byKey = new Dictionary<string, PgDeclaration>(StringComparer.Ordinal);
            var commentedKeys = after.Where(o => commented.Contains((ObjectKey.Family(o.Kind), o.Oid))).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var obj in after)
            {
                if (resolved.TryGetValue((ObjectKey.Family(obj.Kind), obj.Oid), out var declaration))
                {
                    desired.Add(obj.Kind switch
                    {
                        // Created WITH NO DATA here whatever was declared; the declaration says how a migration creates it.
                        PgObjectKind.MaterializedView => new PgObject(obj) { WithNoData = declaration.WithNoData },
                        // Disabled here so that it never fires during the compare; declared, it is enabled.
                        PgObjectKind.EventTrigger => new PgObject(obj) { TriggerState = TriggerState.Enabled },
                        _ => obj,
                    });
                    byKey[obj.Key] = declaration;
                }
            }

            var currentDefinitions = current.ToDictionary(o => o.Key, o => o.Definition, StringComparer.Ordinal);
            var unchanged = desired
                .Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure
                    && currentDefinitions.TryGetValue(o.Key, out var definition) && string.Equals(definition, o.Definition, StringComparison.Ordinal))
                .Select(o => o.Oid)
                .ToHashSet();
            var validated = await ValidateBodiesAsync(connection, targets, unchanged, events, cancellationToken).ConfigureAwait(false);
            events.Verbose($"Resolved {targets.Count} declaration(s) and validated {validated} new or changed routine body(ies) in {validateWatch.ElapsedMilliseconds - readBackMs} ms");
            var printedAlike = await JudgeDowngradeAsync(connection, current, desired, recreation, after, events, cancellationToken).ConfigureAwait(false);
            if (printedAlike.Count > 0)
            {
                // Executing the live definition gives exactly the desired one: the same object, printed differently
                // by PostgreSQL after a round trip. No change: the desired state keeps the live text.
                var live = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
                desired = desired.Select(o => printedAlike.Contains(o.Key) ? new PgObject(o) { Definition = live[o.Key].Definition } : o).ToList();
                events.Verbose($"{printedAlike.Count} object(s) differ from the database only in how PostgreSQL prints them after re-creation: unchanged.");
            }

            var outOfScope = resolved.Count - desired.Count;
            if (outOfScope > 0)
            {
                events.Verbose($"{outOfScope} declared object(s) are outside the compared kinds or schemas and are ignored.");
            }

            events.Verbose($"Canonicalized: {current.Count} current, {desired.Count} desired object(s) in {watch.ElapsedMilliseconds} ms (rolled back)");
            return new CanonicalizationResult
            {
                Current = current,
                Desired = desired,
                Decisions = ObjectDecisions.From(byKey, recreation.Reasons, commentedKeys),
                CurrentSchema = currentSchema,
                CurrentUser = currentUser,
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
            await stopHashing.CancelAsync().ConfigureAwait(false);
            await session.RollbackAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The desired catalog when the shortcut left declarations out: the objects the executed declarations target, read by
    /// oid, and every other current object as it is (nothing executed refers to them, or they would have been executed).
    /// </summary>
    private static async Task<List<PgObject>> ReadBackAsync(
        NpgsqlConnection connection, CatalogFilter filter, IReadOnlyList<(PgDeclaration Declaration, ObjectFamily Family, uint? Oid)> targets,
        IReadOnlyDictionary<PgDeclaration, PgObject> skipped, IReadOnlyList<PgObject> current, CancellationToken cancellationToken)
    {
        var executed = targets.Where(t => t.Oid is not null).Select(t => (t.Family, Oid: t.Oid!.Value)).ToHashSet();
        var read = executed.Count == 0
            ? new List<PgObject>()
            : await CatalogInspector.ReadAllAsync(connection,
                new CatalogFilter { Kinds = filter.Kinds, Schemas = filter.Schemas, Names = filter.Names, Oids = executed.Select(e => e.Oid).ToHashSet() },
                cancellationToken).ConfigureAwait(false);
        read.RemoveAll(o => !executed.Contains((ObjectKey.Family(o.Kind), o.Oid))); // an oid shared by rows of two catalogs
        var keys = read.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        read.AddRange(current.Where(o => !keys.Contains(o.Key)));
        return read;
    }

    /// <summary>Finds triggers or policies (<paramref name="catalog"/>) by name and the table they are on: (declaration index, oid or null).</summary>
    private static NpgsqlBatchCommand OnTable(string catalog, string nameColumn, string relationColumn, IReadOnlyList<PgDeclaration> declarations)
    {
        var command = SqlCommands.WithTextArray($"""
            SELECT s.i::int, x.oid
            FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(name, tbl, i)
            LEFT JOIN pg_catalog.{catalog} x ON x.{nameColumn} = s.name AND x.{relationColumn} = pg_catalog.to_regclass(s.tbl)
            """, declarations.Select(d => d.Name));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = declarations.Select(StatementPreparer.TableOf).ToArray() });
        return command;
    }

    /// <summary>How the declarations were executed: those left out as unchanged (each with the current object it is), how many ran, and whether in one batch.</summary>
    private sealed record Execution(IReadOnlyDictionary<PgDeclaration, PgObject> Unchanged, int Executed, bool OneBatch);

    private static readonly IReadOnlyDictionary<PgDeclaration, PgObject> NoneUnchanged = new Dictionary<PgDeclaration, PgObject>();

    /// <summary>
    /// Executes the prepared declarations: with the parse-tree shortcut, only those it does not find unchanged, in one
    /// batch; without it, or when nothing is left out, or when that batch fails in any way, all of them
    /// (<see cref="ExecuteAsync"/>). Not the shortcut when a materialized view is re-created: what depends on it was
    /// dropped and must run again.
    /// </summary>
    private static async Task<Execution> ExecuteDeclarationsAsync(
        NpgsqlConnection connection, IReadOnlyList<PgDeclaration> declarations, List<PreparedStatement> prepared, IReadOnlyList<PgObject> current,
        CurrentTrees? trees, ShortcutSession session, Recreation recreation, string currentSchema, IEngineEvents events, CancellationToken cancellationToken)
    {
        if (trees is not null && recreation.Reasons.Count == 0)
        {
            var (execute, unchanged) = ParseTreeShortcut.Select(prepared, current, trees, session, events);
            if (unchanged.Count > 0)
            {
                var runnable = execute.Where(p => !p.Skipped).ToList();
                if (await ParseTreeShortcut.TryBatchAsync(connection, runnable, events, cancellationToken).ConfigureAwait(false))
                {
                    return new Execution(unchanged, runnable.Select(p => p.Declaration).Distinct().Count(), OneBatch: true);
                }
            }
        }

        var oneBatch = await ExecuteAsync(connection, prepared, recreation, currentSchema, events, cancellationToken).ConfigureAwait(false);
        return new Execution(NoneUnchanged, declarations.Count, oneBatch);
    }

    /// <summary>
    /// The fast path: every statement in one batch, one round trip (true when it worked). When a statement fails because
    /// something it names does not exist yet (a view on a view declared later, a BEGIN ATOMIC function
    /// calling a later one), fall back to one savepoint per statement, deferring failures to later rounds,
    /// so declaration order never matters.
    /// </summary>
    private static async Task<bool> ExecuteAsync(
        NpgsqlConnection connection, List<PreparedStatement> prepared, Recreation recreation, string currentSchema, IEngineEvents events, CancellationToken cancellationToken)
    {
        var runnable = prepared.Where(p => !p.Skipped).ToList();
        if (runnable.Count == 0)
        {
            return true;
        }

        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Batch));
            foreach (var statement in runnable)
            {
                batch.BatchCommands.Add(SqlCommands.Verbatim(statement.Sql));
                events.Debug(statement.Sql);
            }

            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PostgresException ex) when (CanonicalizationErrors.IsOrderProblem(ex) || CanonicalizationErrors.IsNotReplaceable(ex))
            {
                events.Verbose((CanonicalizationErrors.IsNotReplaceable(ex) ? "PostgreSQL cannot replace an object in place (" : "A declaration refers to one declared later (")
                    + ex.MessageText + "); executing one by one.");
                await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Batch, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                var index = batch.BatchCommands.IndexOf(ex.BatchCommand!) - 1;
                throw CanonicalizationErrors.For(ex, index >= 0 && index < runnable.Count ? runnable[index] : null, cancellationToken);
            }
        }

        var pending = runnable;
        while (pending.Count > 0)
        {
            var deferred = new List<(PreparedStatement Statement, PostgresException Error)>();
            for (var i = 0; i < pending.Count; i++)
            {
                var statement = pending[i];
                await SqlCommands.ExecuteAsync(connection, "SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
                try
                {
                    await SqlCommands.ExecuteVerbatimAsync(connection, statement.Sql, cancellationToken).ConfigureAwait(false);
                    await SqlCommands.ExecuteAsync(connection, "RELEASE SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (CanonicalizationErrors.IsOrderProblem(ex))
                {
                    await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
                    deferred.Add((statement, ex));
                }
                catch (PostgresException ex) when (CanonicalizationErrors.IsNotReplaceable(ex))
                {
                    await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
                    var rerun = await RecreateAsync(connection, statement, ex, prepared, recreation, currentSchema, events, cancellationToken).ConfigureAwait(false);
                    pending.InsertRange(i + 1, rerun);
                }
                catch (PostgresException ex)
                {
                    throw CanonicalizationErrors.For(ex, statement, cancellationToken);
                }
            }

            if (deferred.Count == pending.Count)
            {
                throw CanonicalizationErrors.For(deferred[0].Error, deferred[0].Statement, cancellationToken);
            }

            pending = deferred.Select(d => d.Statement).ToList();
        }

        return false;
    }

    /// <summary>
    /// PostgreSQL judges the downgrade too: with the desired state in place, each changed view and routine is
    /// replaced by its current definition (one batch, rolled back to a savepoint). What PostgreSQL refuses (a
    /// view that gained a column cannot lose it again; a parameter default added cannot be removed) is
    /// dropped and created again, in both directions, with its dependents.
    /// <para>
    /// The same replay tells which differences are only PostgreSQL's printing: a definition that, executed, is
    /// read back as the desired one is the same object (pg_get_viewdef output does not always re-create itself
    /// verbatim: an unnamed column of a later UNION arm, <c>NULL::integer</c>, comes back as
    /// <c>NULL::integer AS int4</c>). Returns the keys of those objects.
    /// </para>
    /// </summary>
    private static async Task<HashSet<string>> JudgeDowngradeAsync(
        NpgsqlConnection connection, IReadOnlyList<PgObject> current, IReadOnlyList<PgObject> desired, Recreation upward,
        IReadOnlyList<PgObject> after, IEngineEvents events, CancellationToken cancellationToken)
    {
        var currentByKey = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var candidates = desired
            .Where(d => d.Kind is PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View && !upward.Reasons.ContainsKey(d.Key)
                && currentByKey.TryGetValue(d.Key, out var c) && c.Kind == d.Kind
                && !string.Equals(c.Definition, d.Definition, StringComparison.Ordinal))
            .Select(d => (Desired: d, Current: currentByKey[d.Key]))
            .ToList();
        if (candidates.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var sameAsDesired = await ReplayAsync(connection, candidates, cancellationToken).ConfigureAwait(false);
        if (sameAsDesired is not null)
        {
            return sameAsDesired; // every downgrade replace works in place
        }

        var downward = new Recreation(after);
        var replaceable = new List<(PgObject Desired, PgObject Current)>();
        foreach (var (des, cur) in candidates)
        {
            await SqlCommands.ExecuteAsync(connection, "SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
            PostgresException? refusal = null;
            try
            {
                await SqlCommands.ExecuteVerbatimAsync(connection, cur.Definition, cancellationToken).ConfigureAwait(false);
                replaceable.Add((des, cur));
            }
            catch (PostgresException ex) when (CanonicalizationErrors.IsNotReplaceable(ex))
            {
                refusal = ex;
            }
            catch (PostgresException)
            {
                // Not about replaceability (it names something the desired state no longer has): the
                // downgrade's order takes care of it.
            }

            await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                events.Verbose($"{cur.Identity}: the downgrade cannot replace it in place ({refusal.MessageText}); it is dropped and created again both ways.");
                await downward.MarkForDowngradeAsync(connection, des, refusal.MessageText, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (key, why) in downward.Reasons)
        {
            upward.Reasons.TryAdd(key, why);
        }

        // The ones replaced in place, together, for the printing check (a failure here only means no object is spared).
        return await ReplayAsync(connection, replaceable.Where(c => !upward.Reasons.ContainsKey(c.Desired.Key)).ToList(), cancellationToken).ConfigureAwait(false)
            ?? new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// Replays the current definitions in one batch inside a savepoint, reads them back and rolls back. Returns the
    /// keys whose read-back definition is the desired one, or null when PostgreSQL refused any of the replays.
    /// </summary>
    private static async Task<HashSet<string>?> ReplayAsync(
        NpgsqlConnection connection, IReadOnlyList<(PgObject Desired, PgObject Current)> candidates, CancellationToken cancellationToken)
    {
        var same = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return same;
        }

        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Batch));
            foreach (var (_, cur) in candidates)
            {
                batch.BatchCommands.Add(SqlCommands.Verbatim(cur.Definition));
            }

            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException)
            {
                await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Batch, cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        var filter = new CatalogFilter
        {
            Kinds = candidates.Select(c => c.Desired.Kind).Distinct().ToArray(),
            Oids = candidates.Select(c => c.Desired.Oid).ToHashSet(), // replaced in place: same oids
        };
        var wanted = candidates.ToDictionary(c => c.Desired.Key, c => c.Desired.Definition, StringComparer.Ordinal);
        foreach (var replayed in await CatalogInspector.ReadAllAsync(connection, filter, cancellationToken).ConfigureAwait(false))
        {
            if (wanted.TryGetValue(replayed.Key, out var definition) && string.Equals(definition, replayed.Definition, StringComparison.Ordinal))
            {
                same.Add(replayed.Key);
            }
        }

        await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Batch, cancellationToken).ConfigureAwait(false);
        return same;
    }

    /// <summary>
    /// Drops the object the statement cannot replace (and its dependents), creates it from the declaration,
    /// and returns the statements of the dependents' declarations, to run again after it.
    /// </summary>
    private static async Task<List<PreparedStatement>> RecreateAsync(
        NpgsqlConnection connection, PreparedStatement statement, PostgresException refusal, List<PreparedStatement> prepared,
        Recreation recreation, string currentSchema, IEngineEvents events, CancellationToken cancellationToken)
    {
        var declaration = statement.Declaration;
        // Which declarations build the dependents: resolved before they are dropped.
        var targets = await ResolveTargetsAsync(connection, prepared.Select(p => p.Declaration).Distinct().ToList(), currentSchema, cancellationToken).ConfigureAwait(false);
        await SqlCommands.ExecuteAsync(connection, "SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
        try
        {
            var dropped = await recreation.DropAsync(connection, declaration, currentSchema, refusal, cancellationToken).ConfigureAwait(false)
                ?? throw CanonicalizationErrors.For(refusal, statement, cancellationToken);
            events.Verbose($"{declaration.Identity}: {refusal.MessageText}; dropped and created again" +
                (dropped.Count > 1 ? $" with {dropped.Count - 1} dependent object(s)" : ""));
            await SqlCommands.ExecuteVerbatimAsync(connection, statement.Sql, cancellationToken).ConfigureAwait(false);
            await SqlCommands.ExecuteAsync(connection, "RELEASE SAVEPOINT " + Savepoints.Statement, cancellationToken).ConfigureAwait(false);
            var rebuild = targets.Where(t => t.Oid is { } oid && dropped.Contains((t.Family, oid))).Select(t => t.Declaration).ToHashSet();
            return prepared.Where(p => rebuild.Contains(p.Declaration)).ToList();
        }
        catch (PostgresException ex)
        {
            throw CanonicalizationErrors.For(ex, statement, cancellationToken);
        }
    }

    /// <summary>
    /// Validates the body of every declared routine that is new or changed with its language's validator, now that
    /// all of them exist, the way CREATE FUNCTION does with check_function_bodies on: with the routine's own SET
    /// options (a SET search_path that its body's unqualified names rely on) in effect. A body that does not
    /// validate is an error. An unchanged routine (<paramref name="unchanged"/>: its declaration gives exactly the
    /// definition the database has) is not validated: the migration does not touch it, and its body is in the
    /// database as it is. Returns how many bodies were validated.
    /// </summary>
    private static async Task<int> ValidateBodiesAsync(
        NpgsqlConnection connection, IReadOnlyList<(PgDeclaration Declaration, ObjectFamily Family, uint? Oid)> targets, IReadOnlySet<uint> unchanged,
        IEngineEvents events, CancellationToken cancellationToken)
    {
        var routines = targets
            .Where(t => t.Declaration.Kind is PgObjectKind.Function or PgObjectKind.Procedure && !t.Declaration.IsComment
                && t.Oid is { } oid && !unchanged.Contains(oid))
            .ToList();
        if (routines.Count == 0)
        {
            return 0;
        }

        var validators = new List<(PgDeclaration Declaration, uint Oid, string Validator, string[] Config)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT s.i::int, p.oid, quote_ident(vn.nspname) || '.' || quote_ident(v.proname), p.proconfig
            FROM unnest($1::oid[]) WITH ORDINALITY AS s(oid, i)
            JOIN pg_catalog.pg_proc p ON p.oid = s.oid
            JOIN pg_catalog.pg_language l ON l.oid = p.prolang
            JOIN pg_catalog.pg_proc v ON v.oid = l.lanvalidator
            JOIN pg_catalog.pg_namespace vn ON vn.oid = v.pronamespace
            ORDER BY s.i
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = routines.Select(t => t.Oid!.Value).ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                validators.Add((routines[reader.GetInt32(0) - 1].Declaration, reader.GetFieldValue<uint>(1), reader.GetString(2),
                    reader.IsDBNull(3) ? Array.Empty<string>() : reader.GetFieldValue<string[]>(3)));
            }
        }

        if (validators.Count == 0)
        {
            return 0;
        }

        // The fast path: one statement per validator for all the routines of its language without SET options
        // (20,000 single-call statements cost more in per-statement overhead than the validation itself), and one
        // call each, under its own settings, for those with SET options. Validation changes nothing, so on a failure
        // it is rolled back and repeated one routine at a time, in declaration order, to report the first invalid
        // body against its declaration exactly.
        await using (var fast = new NpgsqlBatch(connection))
        {
            fast.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Validate));
            fast.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = on"));
            // Routines with the same SET options (none, or typically a few distinct search_paths) share one call per
            // validator, under those settings.
            foreach (var group in validators.GroupBy(v => (v.Validator, Config: string.Join('\n', v.Config))))
            {
                foreach (var command in WithSettings(ValidatorCall(group.Key.Validator, group.Select(v => v.Oid)), group.First().Config))
                {
                    fast.BatchCommands.Add(command);
                }
            }

            fast.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = off"));
            fast.BatchCommands.Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT " + Savepoints.Validate));
            try
            {
                await fast.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return validators.Count;
            }
            catch (PostgresException) when (!cancellationToken.IsCancellationRequested)
            {
                await SqlCommands.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT " + Savepoints.Validate, cancellationToken).ConfigureAwait(false);
                await SqlCommands.ExecuteAsync(connection, "RELEASE SAVEPOINT " + Savepoints.Validate, cancellationToken).ConfigureAwait(false);
            }
        }

        // One batch of single calls, in declaration order: it stops at the first body that does not validate.
        await using var batch = new NpgsqlBatch(connection);
        var owner = new List<int>();
        void Add(NpgsqlBatchCommand command, int validator)
        {
            batch.BatchCommands.Add(command);
            owner.Add(validator);
        }

        Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Validate), -1);
        Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = on"), -1);
        for (var i = 0; i < validators.Count; i++)
        {
            foreach (var command in WithSettings(ValidatorCall(validators[i].Validator, validators[i].Oid), validators[i].Config))
            {
                Add(command, i);
            }
        }

        Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = off"), -1);
        Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT " + Savepoints.Validate), -1);
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.BatchCommand is not null && owner[batch.BatchCommands.IndexOf(ex.BatchCommand)] >= 0)
        {
            var declaration = validators[owner[batch.BatchCommands.IndexOf(ex.BatchCommand)]].Declaration;
            throw CanonicalizationErrors.For(ex, new PreparedStatement(declaration, declaration.Sql, -1, 0), cancellationToken, ignorePosition: true);
        }

        return validators.Count;
    }

    /// <summary>The validator call for one routine.</summary>
    private static NpgsqlBatchCommand ValidatorCall(string validator, uint oid) =>
        new($"SELECT {validator}({oid.ToString(CultureInfo.InvariantCulture)}::oid)");

    /// <summary>One validator call for many routines (one statement, one plan; the oids bound as a parameter).</summary>
    private static NpgsqlBatchCommand ValidatorCall(string validator, IEnumerable<uint> oids)
    {
        var command = new NpgsqlBatchCommand($"SELECT count({validator}(s.oid)) FROM unnest($1::pg_catalog.oid[]) AS s(oid)");
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = oids.ToArray() });
        return command;
    }

    /// <summary>A validator call; with the routines' SET options, they apply while the bodies are checked, and only then.</summary>
    private static IEnumerable<NpgsqlBatchCommand> WithSettings(NpgsqlBatchCommand call, string[] config)
    {
        if (config.Length == 0)
        {
            yield return call;
            yield break;
        }

        yield return new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Config);
        foreach (var item in config)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                yield return new NpgsqlBatchCommand($"SELECT pg_catalog.set_config({SqlIdentifier.Literal(item[..eq])}, {SqlIdentifier.Literal(item[(eq + 1)..])}, true)");
            }
        }

        yield return call;
        yield return new NpgsqlBatchCommand("ROLLBACK TO SAVEPOINT " + Savepoints.Config);
        yield return new NpgsqlBatchCommand("RELEASE SAVEPOINT " + Savepoints.Config);
    }

    /// <summary>Maps each declaration to the catalog row it created or replaced: (key family, oid) → declaration.</summary>
    private static Dictionary<(ObjectFamily Family, uint Oid), PgDeclaration> Resolve(IReadOnlyList<(PgDeclaration Declaration, ObjectFamily Family, uint? Oid)> targets)
    {
        var result = new Dictionary<(ObjectFamily, uint), PgDeclaration>();
        foreach (var (declaration, family, oid) in targets)
        {
            if (oid is null)
            {
                throw new PgAutogenException(PgErrorId.DeclarationInvalid,
                    $"{declaration.Location}: the {ObjectKey.Words(declaration.Kind)} {declaration.Identity} ran without error, but PgAutogen could not find what it created. " +
                    "Please report this with the declaration.") { Target = declaration };
            }

            if (result.TryGetValue((family, oid.Value), out var first))
            {
                throw new PgAutogenException(PgErrorId.DeclarationDuplicate,
                    $"{declaration.Location}: {declaration.Identity} declares the same object as {first.Location} ({first.Identity}). Keep one of the two declarations.")
                { Target = declaration, RecommendedAction = "Remove one of the two declarations." };
            }

            result[(family, oid.Value)] = declaration;
        }

        return result;
    }

    /// <summary>
    /// The catalog row each declaration names, by the same rules PostgreSQL used to create it; null where none exists.
    /// Routines are matched the way to_regprocedure matches them (schema, name, exact input types), but without
    /// to_regprocedure: each call adds a catalog-cache list for its name, and PostgreSQL searches those lists one
    /// by one, so thousands of distinct names made the lookup quadratic (14 s for 20,000 routines). Instead, the
    /// distinct argument types are resolved once (to_regtype, the parser to_regprocedure uses for them) and the
    /// routines are found through the (proname, proargtypes, pronamespace) index.
    /// </summary>
    private static async Task<List<(PgDeclaration Declaration, ObjectFamily Family, uint? Oid)>> ResolveTargetsAsync(
        NpgsqlConnection connection, IReadOnlyList<PgDeclaration> declarations, string currentSchema, CancellationToken cancellationToken)
    {
        var routines = declarations.Where(d => d.Kind is PgObjectKind.Function or PgObjectKind.Procedure).ToList();
        // A materialized view's index declarations resolve to the view: they are part of it (rebuilt with it).
        var views = declarations.Where(d => d.Kind is PgObjectKind.View or PgObjectKind.MaterializedView).ToList();
        var triggers = declarations.Where(d => d.Kind == PgObjectKind.Trigger).ToList();
        var policies = declarations.Where(d => d.Kind == PgObjectKind.Policy).ToList();
        var eventTriggers = declarations.Where(d => d.Kind == PgObjectKind.EventTrigger).ToList();
        var argumentTypes = routines.Select(d => SplitArguments(d.Arguments)).ToList();
        var typeNames = argumentTypes.SelectMany(types => types).Distinct(StringComparer.Ordinal).ToList();

        var result = new List<(PgDeclaration, ObjectFamily, uint?)>(declarations.Count);
        var typeOids = new Dictionary<string, uint?>(StringComparer.Ordinal);
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(SqlCommands.WithTextArray("SELECT s.i::int, pg_catalog.to_regtype(s.name)::oid FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i)", typeNames));
            batch.BatchCommands.Add(SqlCommands.WithTextArray("SELECT s.i::int, pg_catalog.to_regclass(s.name)::oid FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i)",
                views.Select(d => SqlIdentifier.Qualify(d.Schema.Length == 0 ? currentSchema : d.Schema, d.Name))));
            batch.BatchCommands.Add(OnTable("pg_trigger", "tgname", "tgrelid", triggers));
            batch.BatchCommands.Add(OnTable("pg_policy", "polname", "polrelid", policies));
            batch.BatchCommands.Add(SqlCommands.WithTextArray("""
                SELECT s.i::int, e.oid
                FROM unnest($1::text[]) WITH ORDINALITY AS s(evtname, i)
                LEFT JOIN pg_catalog.pg_event_trigger e ON e.evtname = s.evtname
                """, eventTriggers.Select(d => d.Name)));

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                typeOids[typeNames[reader.GetInt32(0) - 1]] = reader.IsDBNull(1) ? null : reader.GetFieldValue<uint>(1);
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var viewTargets = new List<(PgDeclaration, ObjectFamily, uint?)>(views.Count);
            foreach (var (list, family, into) in new[]
                     {
                         (views, ObjectFamily.View, viewTargets), (triggers, ObjectFamily.Trigger, result), (policies, ObjectFamily.Policy, result), (eventTriggers, ObjectFamily.EventTrigger, result),
                     })
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    into.Add((list[reader.GetInt32(0) - 1], family, reader.IsDBNull(1) ? null : reader.GetFieldValue<uint>(1)));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            // Routines, then views, then triggers, policies and event triggers.
            result.InsertRange(0, viewTargets);
        }

        // A routine with an argument type that does not resolve matches nothing (to_regprocedure gives null too).
        var routineOids = new uint?[routines.Count];
        var lookups = new List<int>(routines.Count);
        var vectors = new List<string>(routines.Count);
        for (var i = 0; i < routines.Count; i++)
        {
            var oids = argumentTypes[i].Select(t => typeOids.GetValueOrDefault(t)).ToList();
            if (oids.All(o => o is not null))
            {
                lookups.Add(i);
                vectors.Add(string.Join(' ', oids.Select(o => o!.Value.ToString(CultureInfo.InvariantCulture))));
            }
        }

        if (lookups.Count > 0)
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT s.i::int, p.oid
                FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s(nsp, name, args, i)
                JOIN pg_catalog.pg_namespace n ON n.nspname = s.nsp::pg_catalog.name
                JOIN pg_catalog.pg_proc p ON p.proname = s.name::pg_catalog.name
                                         AND p.proargtypes = s.args::pg_catalog.oidvector
                                         AND p.pronamespace = n.oid
                """, connection);
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = lookups.Select(i => routines[i].Schema.Length == 0 ? currentSchema : routines[i].Schema).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = lookups.Select(i => routines[i].Name).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = vectors.ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                routineOids[lookups[reader.GetInt32(0) - 1]] = reader.GetFieldValue<uint>(1);
            }
        }

        result.InsertRange(0, routines.Select((d, i) => (d, ObjectFamily.Routine, routineOids[i])));
        return result;
    }

    /// <summary>
    /// The argument types as written, split at the commas between them (not those inside parentheses, brackets or
    /// double quotes: <c>numeric(12,2)</c>, <c>"a,b"</c>), trimmed. Empty for no arguments.
    /// </summary>
    internal static List<string> SplitArguments(string? arguments)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return result;
        }

        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < arguments.Length; i++)
        {
            var ch = arguments[i];
            if (quoted)
            {
                quoted = ch != '"';
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch is '(' or '[')
            {
                depth++;
            }
            else if (ch is ')' or ']')
            {
                depth--;
            }
            else if (ch == ',' && depth == 0)
            {
                result.Add(arguments[start..i].Trim());
                start = i + 1;
            }
        }

        result.Add(arguments[start..].Trim());
        return result;
    }

    /// <summary>The routine's signature for to_regprocedure: unqualified names resolve to the schema they were created in.</summary>
    internal static string Signature(PgDeclaration declaration, string currentSchema) =>
        SqlIdentifier.Qualify(declaration.Schema.Length == 0 ? currentSchema : declaration.Schema, declaration.Name) + "(" + declaration.Arguments + ")";
}
