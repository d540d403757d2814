using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// What the downgrade needs: the objects it must drop and create again (by key, with why: PostgreSQL cannot replace them
/// back in place), and those that differ from the database only in how PostgreSQL prints them.
/// </summary>
internal sealed record DowngradeVerdict(IReadOnlyDictionary<string, string> Recreate, IReadOnlySet<string> PrintedAlike)
{
    public static DowngradeVerdict None { get; } = new(new Dictionary<string, string>(), new HashSet<string>());

    /// <summary>The objects re-created both ways: those of <paramref name="upward"/> (with their reasons), and the downgrade's.</summary>
    public IReadOnlyDictionary<string, string> RecreatedWith(IReadOnlyDictionary<string, string> upward)
    {
        var all = new Dictionary<string, string>(upward, StringComparer.Ordinal);
        foreach (var (key, why) in Recreate)
        {
            all.TryAdd(key, why);
        }

        return all;
    }

    /// <summary>The desired state with the objects printed alike keeping the live text: no change.</summary>
    public IReadOnlyList<PgObject> KeepLiveText(IReadOnlyList<PgObject> desired, IReadOnlyList<PgObject> current)
    {
        if (PrintedAlike.Count == 0)
        {
            return desired;
        }

        var live = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
        return desired.Select(o => PrintedAlike.Contains(o.Key) ? new PgObject(o) { Definition = live[o.Key].Definition } : o).ToList();
    }
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
/// <c>NULL::integer AS int4</c>). The judge changes nothing it is given: it returns a <see cref="DowngradeVerdict"/>.
/// </para>
/// </summary>
internal sealed class DowngradeJudge(CompareContext context)
{
    /// <param name="current">The live objects.</param>
    /// <param name="desired">The desired objects, as read back inside the transaction.</param>
    /// <param name="upward">The objects the upgrade already re-creates (not judged again).</param>
    /// <param name="after">The whole catalog inside the transaction (what a downgrade's re-creation would find depending on an object).</param>
    public async Task<DowngradeVerdict> JudgeAsync(
        IReadOnlyList<PgObject> current, IReadOnlyList<PgObject> desired, IReadOnlyDictionary<string, string> upward, IReadOnlyList<PgObject> after)
    {
        var currentByKey = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var candidates = desired
            .Where(d => d.Kind is PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View && !upward.ContainsKey(d.Key)
                && currentByKey.TryGetValue(d.Key, out var c) && c.Kind == d.Kind
                && !string.Equals(c.Definition, d.Definition, StringComparison.Ordinal))
            .Select(d => (Desired: d, Current: currentByKey[d.Key]))
            .ToList();
        if (candidates.Count == 0)
        {
            return DowngradeVerdict.None;
        }

        if (await ReplayAsync(candidates).ConfigureAwait(false) is { } sameAsDesired)
        {
            return Verdict(DowngradeVerdict.None.Recreate, sameAsDesired); // every downgrade replace works in place
        }

        var downward = new Recreation(after);
        var replaceable = new List<(PgObject Desired, PgObject Current)>();
        foreach (var (des, cur) in candidates)
        {
            await context.SaveAsync(Savepoints.Statement).ConfigureAwait(false);
            PostgresException? refusal = null;
            try
            {
                await context.ExecuteVerbatimAsync(cur.Definition).ConfigureAwait(false);
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

            await context.RollbackToAsync(Savepoints.Statement).ConfigureAwait(false);
            if (refusal is not null)
            {
                context.Events.Verbose($"{cur.Identity}: the downgrade cannot replace it in place ({refusal.MessageText}); it is dropped and created again both ways.");
                await downward.MarkForDowngradeAsync(context, des, refusal.MessageText).ConfigureAwait(false);
            }
        }

        // The ones replaced in place, together, for the printing check (a failure here only means no object is spared).
        var inPlace = replaceable.Where(c => !downward.Reasons.ContainsKey(c.Desired.Key)).ToList();
        return Verdict(downward.Reasons, await ReplayAsync(inPlace).ConfigureAwait(false) ?? new HashSet<string>(StringComparer.Ordinal));
    }

    private DowngradeVerdict Verdict(IReadOnlyDictionary<string, string> recreate, IReadOnlySet<string> printedAlike)
    {
        if (printedAlike.Count > 0)
        {
            context.Events.Verbose($"{printedAlike.Count} object(s) differ from the database only in how PostgreSQL prints them after re-creation: unchanged.");
        }

        return new DowngradeVerdict(recreate, printedAlike);
    }

    /// <summary>
    /// Replays the current definitions in one batch inside a savepoint, reads them back and rolls back. Returns the
    /// keys whose read-back definition is the desired one, or null when PostgreSQL refused any of the replays.
    /// </summary>
    private async Task<HashSet<string>?> ReplayAsync(IReadOnlyList<(PgObject Desired, PgObject Current)> candidates)
    {
        var same = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return same;
        }

        await using (var batch = new NpgsqlBatch(context.Connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Batch));
            foreach (var (_, cur) in candidates)
            {
                batch.BatchCommands.Add(SqlCommands.Verbatim(cur.Definition));
            }

            try
            {
                await batch.ExecuteNonQueryAsync(context.CancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException)
            {
                await context.RollbackToAsync(Savepoints.Batch).ConfigureAwait(false);
                return null;
            }
        }

        var filter = new CatalogFilter
        {
            Kinds = candidates.Select(c => c.Desired.Kind).Distinct().ToArray(),
            Oids = candidates.Select(c => c.Desired.Oid).ToHashSet(), // replaced in place: same oids
        };
        var wanted = candidates.ToDictionary(c => c.Desired.Key, c => c.Desired.Definition, StringComparer.Ordinal);
        foreach (var replayed in await CatalogInspector.ReadAllAsync(context.Connection, filter, context.CancellationToken).ConfigureAwait(false))
        {
            if (wanted.TryGetValue(replayed.Key, out var definition) && string.Equals(definition, replayed.Definition, StringComparison.Ordinal))
            {
                same.Add(replayed.Key);
            }
        }

        await context.RollbackToAsync(Savepoints.Batch).ConfigureAwait(false);
        return same;
    }
}
