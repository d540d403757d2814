using System.Text;
using Npgsql;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>Where a case failed: the direction (A to B, or B to A), the stage, and what was wrong.</summary>
internal sealed record CaseFailure(string Direction, string Stage, string Message)
{
    /// <summary>What a smaller case must reproduce to count as the same failure while shrinking.</summary>
    public string Signature => Direction + "/" + Stage;

    public override string ToString() => $"{Direction}, {Stage}: {Message}";
}

/// <summary>What running a case gave: a failure (or none), and counts for the report.</summary>
internal sealed record CaseOutcome(CaseFailure? Failure, int Ops, bool Refused, string Summary);

/// <summary>
/// Runs a case on a real server: A and B loaded into two databases; each compared with the other's declarations
/// (the parse-tree shortcut on and off must agree); the steps checked against the generator's expectation; the upgrade
/// applied (compare again: nothing; the catalog equals the other database's, with the start's hand-set attributes);
/// the downgrade applied (the catalog exactly as before; compare with its own declarations: nothing). An invalid B must
/// be refused with an error that names what is wrong, and leave the database as it was.
/// </summary>
internal sealed class RandomCaseRunner(CoreDatabaseFixture fixture)
{
    private static readonly SemaphoreSlim RolesOnce = new(1, 1);
    private static bool s_roles;

    public async Task<CaseOutcome> RunAsync(RandomCase c, string? only = null)
    {
        var (b, refusal, duplicate, _) = c.Derive();
        var problems = RandomOracle.Problems(c.A);
        if (problems.Count > 0)
        {
            return new CaseOutcome(new CaseFailure("A", "generator", "A is not declarable: " + string.Join("; ", problems)), 0, false, "");
        }

        if (refusal is null && RandomOracle.Problems(b) is { Count: > 0 } bProblems)
        {
            return new CaseOutcome(new CaseFailure("A to B", "generator", "B is not declarable: " + string.Join("; ", bProblems)), 0, false, "");
        }

        await using var dbA = await fixture.CreateDatabaseAsync();
        await EnsureRolesAsync(dbA);
        if (await LoadAsync(dbA, c.A) is { } loadA)
        {
            return new CaseOutcome(new CaseFailure("A", "load A", loadA), 0, false, "");
        }

        var expectation = refusal is null ? RandomOracle.Expect(c.A, b) : new Expectation { Refusal = refusal };
        if (expectation.Refusal is not null)
        {
            var failure = await RefusedAsync(dbA, b, c.Seed, duplicate, expectation.Refusal);
            return new CaseOutcome(failure, 0, failure is null, $"refused: {expectation.Refusal.Class}");
        }

        await using var dbB = await fixture.CreateDatabaseAsync();
        if (await LoadAsync(dbB, b) is { } loadB)
        {
            return new CaseOutcome(new CaseFailure("B", "load B", loadB), 0, false, "");
        }

        var ops = 0;
        if (only is null or "A to B")
        {
            var forward = await DirectionAsync("A to B", dbA, c.A, dbB, b, expectation, c.Seed);
            if (forward.Failure is not null)
            {
                return new CaseOutcome(forward.Failure, 0, false, "");
            }

            ops += forward.Ops;
        }

        if (only is null or "B to A")
        {
            var backward = RandomOracle.Expect(b, c.A);
            if (backward.Refusal is null)
            {
                var reverse = await DirectionAsync("B to A", dbB, b, dbA, c.A, backward, c.Seed + 1);
                if (reverse.Failure is not null)
                {
                    return new CaseOutcome(reverse.Failure, 0, false, "");
                }

                ops += reverse.Ops;
            }
        }

        return new CaseOutcome(null, ops, false, $"{expectation.Ops.Count} step(s) A to B");
    }

    private static async Task EnsureRolesAsync(TestDatabase db)
    {
        if (s_roles)
        {
            return;
        }

        await RolesOnce.WaitAsync();
        try
        {
            for (var attempt = 0; !s_roles; attempt++)
            {
                try
                {
                    await db.ExecuteAsync(RandomSetup.RolesSql);
                    s_roles = true;
                }
                catch (PostgresException ex) when (ex.SqlState is "23505" or "42710" && attempt < 5)
                {
                    // Another test created one of them at the same moment.
                }
            }
        }
        finally
        {
            RolesOnce.Release();
        }
    }

    private static async Task<string?> LoadAsync(TestDatabase db, RState s)
    {
        try
        {
            await Harness.ApplyAsync(db, RandomSetup.Sql + "\n" + RandomCase.LoadScript(s));
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The compare of an invalid B must fail with the expected error, naming what is wrong, with the shortcut on and off; the database stays as it was.</summary>
    private static async Task<CaseFailure?> RefusedAsync(TestDatabase db, RState b, int seed, string? duplicate, ExpectedRefusal refusal)
    {
        const string direction = "A to B";
        var before = await SnapshotAsync(db);
        var (declarations, errors) = RandomCase.Parse(b, seed, duplicate);
        if (errors.Count > 0)
        {
            // Refused before anything runs (a duplicate found by the parser).
            return errors.Any(e => refusal.Ids.Contains(e.ErrorId) && refusal.Names.All(n => Mentions(e.Message, n)))
                ? null
                : new CaseFailure(direction, "refusal", $"expected {refusal}; the declarations gave: {string.Join("\n", errors.Select(e => $"{e.ErrorId}: {e.Message}"))}");
        }

        foreach (var shortcut in new[] { true, false })
        {
            try
            {
                var m = await Harness.CompareAsync(db, declarations, new CanonicalizationOptions { ParseTreeShortcut = shortcut });
                return new CaseFailure(direction, "refusal", $"expected {refusal}; the compare (shortcut {(shortcut ? "on" : "off")}) gave {m.Ops.Count} step(s) instead:\n{Describe(m.Ops)}\n{m.File}");
            }
            catch (PgAutogenException ex) when (refusal.Ids.Contains(ex.ErrorId) && refusal.Names.All(n => Mentions(ex.Message, n)))
            {
                // Refused, and says what.
            }
            catch (Exception ex) when (ex is PgAutogenException or PostgresException or InvalidOperationException or DeclarationsInvalidException)
            {
                return new CaseFailure(direction, "refusal message", $"expected {refusal}; the compare (shortcut {(shortcut ? "on" : "off")}) threw {ex.GetType().Name}" +
                    (ex is PgAutogenException p ? $" {p.ErrorId}" : "") + $": {ex.Message}");
            }
        }

        var after = await SnapshotAsync(db);
        return Same(before, after) is { } changed ? new CaseFailure(direction, "refusal left changes", changed) : null;
    }

    /// <summary>Identities are written quoted where needed; a message may name them either way.</summary>
    private static bool Mentions(string message, string name) =>
        message.Contains(name, StringComparison.Ordinal) || message.Contains(name.Replace("\"", "", StringComparison.Ordinal), StringComparison.Ordinal);

    private sealed record DirectionResult(CaseFailure? Failure, int Ops);

    private static async Task<DirectionResult> DirectionAsync(string direction, TestDatabase start, RState from, TestDatabase other, RState to, Expectation expectation, int seed)
    {
        CaseFailure Fail(string stage, string message) => new(direction, stage, message);
        var (declarations, errors) = RandomCase.Parse(to, seed);
        if (errors.Count > 0)
        {
            return new DirectionResult(Fail("parse", string.Join("\n", errors.Select(e => e.Message))), 0);
        }

        var before = await SnapshotAsync(start);
        var target = await SnapshotAsync(other);
        var role = await start.ScalarAsync<string>("SELECT current_user") ?? "postgres";

        // Compare, with the shortcut on and off: the same steps.
        var events = new RecordingEvents();
        Migration m;
        try
        {
            m = await Harness.CompareAsync(start, declarations, new CanonicalizationOptions { ParseTreeShortcut = true }, events: events);
            var off = await Harness.CompareAsync(start, declarations, new CanonicalizationOptions { ParseTreeShortcut = false });
            if (!string.Equals(m.File, off.File, StringComparison.Ordinal))
            {
                return new DirectionResult(Fail("shortcut", $"the parse-tree shortcut changes the migration:\nshortcut on:\n{m.File}\nshortcut off:\n{off.File}"), 0);
            }
        }
        catch (Exception ex) when (ex is PgAutogenException or PostgresException or InvalidOperationException or DeclarationsInvalidException)
        {
            return new DirectionResult(Fail("compare", $"{ex.GetType().Name}{(ex is PgAutogenException p ? " " + p.ErrorId : "")}: {ex.Message}"), 0);
        }

        if (CheckOps(expectation, m) is { } wrong)
        {
            return new DirectionResult(Fail("steps", wrong + "\nmigration:\n" + m.File), 0);
        }

        foreach (var (caller, dropped) in expectation.Warnings)
        {
            if (!events.Warnings.Any(w => w.Contains(caller, StringComparison.Ordinal) && w.Contains(dropped, StringComparison.Ordinal)))
            {
                return new DirectionResult(Fail("warnings", $"no warning that {caller} calls {dropped}, which the migration drops; warnings:\n{string.Join("\n", events.Warnings)}"), 0);
            }
        }

        // Upgrade: nothing left to do, and the catalog is the other database's (with this one's hand-set attributes).
        try
        {
            await Harness.ApplyAsync(start, m.Up);
        }
        catch (InvalidOperationException ex)
        {
            return new DirectionResult(Fail("upgrade", ex.Message), 0);
        }

        try
        {
            var again = await Harness.CompareAsync(start, declarations);
            if (again.Ops.Count > 0)
            {
                return new DirectionResult(Fail("idempotent", $"after the upgrade the compare still gives:\n{Describe(again.Ops)}\n{again.File}\nthe upgrade was:\n{m.File}"), 0);
            }
        }
        catch (Exception ex) when (ex is PgAutogenException or PostgresException)
        {
            return new DirectionResult(Fail("idempotent", $"the compare after the upgrade failed: {ex.Message}\nthe upgrade was:\n{m.File}"), 0);
        }

        var upgraded = await SnapshotAsync(start);
        var expected = Upgraded(target, before, expectation, to, role);
        if (Same(expected, upgraded) is { } differs)
        {
            return new DirectionResult(Fail("upgraded catalog", differs + "\nmigration:\n" + m.File), 0);
        }

        // Downgrade: exactly the catalog before.
        try
        {
            await Harness.ApplyAsync(start, m.Down);
        }
        catch (InvalidOperationException ex)
        {
            return new DirectionResult(Fail("downgrade", ex.Message), 0);
        }

        if (Same(before, await SnapshotAsync(start)) is { } lost)
        {
            return new DirectionResult(Fail("restored catalog", lost + "\nmigration:\n" + m.File), 0);
        }

        try
        {
            var (own, _) = RandomCase.Parse(from, seed + 7);
            var clean = await Harness.CompareAsync(start, own);
            if (clean.Ops.Count > 0)
            {
                return new DirectionResult(Fail("compare after downgrade", $"the start's own declarations compare with:\n{Describe(clean.Ops)}\nmigration:\n{m.File}"), 0);
            }
        }
        catch (Exception ex) when (ex is PgAutogenException or PostgresException)
        {
            return new DirectionResult(Fail("compare after downgrade", ex.Message), 0);
        }

        return new DirectionResult(null, m.Ops.Count);
    }

    /// <summary>Every expected step, with an allowed action, and no other; null when exact.</summary>
    private static string? CheckOps(Expectation expectation, Migration m)
    {
        var actual = m.Ops.GroupBy(o => ObjectKey.For(o.Kind, o.Identity)).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var e in expectation.Ops)
        {
            if (!actual.TryGetValue(e.Key, out var ops))
            {
                if (!e.Allowed.Contains(MigrationActionNone))
                {
                    problems.Add($"missing: {e}");
                }

                continue;
            }

            var actions = ops.Select(o => o.Action).Distinct().ToList();
            if (actions.Count != 1 || !e.Allowed.Contains(actions[0]))
            {
                problems.Add($"expected {e}, got {string.Join(", ", ops.Select(o => $"{o.Action} ({o.Reason})"))}");
            }
        }

        var expectedKeys = expectation.Ops.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, ops) in actual.Where(kv => !expectedKeys.Contains(kv.Key)))
        {
            problems.Add($"unexpected: {string.Join(", ", ops.Select(o => $"{o.Action} {o.Identity} ({o.Reason})"))}");
        }

        return problems.Count == 0 ? null : string.Join("\n", problems) + "\nexpected:\n  " + string.Join("\n  ", expectation.Ops) + "\ngot:\n" + Describe(m.Ops);
    }

    /// <summary>Stands for "no step" among the allowed actions of an object that may or may not be rebuilt.</summary>
    public const MigrationAction MigrationActionNone = (MigrationAction)(-1);

    private static string Describe(IEnumerable<MigrationOp> ops) =>
        string.Join("\n", ops.Select(o => $"  {o.Order}. {o.Action} {o.Kind} {o.Identity}: {o.Reason}"));

    // ------------------------------------------------------------------ catalog snapshots

    internal sealed record Snap(string Kind, string Definition, string? Owner, string? Acl, string? Comment, TriggerState? State, bool WithNoData)
    {
        public override string ToString() => $"{Kind} owner {Owner}, acl {Acl ?? "default"}, comment {Comment ?? "none"}, state {State?.ToString() ?? "-"}, no data {WithNoData}\n{Definition}";
    }

    private static async Task<Dictionary<string, Snap>> SnapshotAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        var objects = await CatalogInspector.ReadAllAsync(conn, new CatalogFilter(), TestContext.Current.CancellationToken);
        return objects.ToDictionary(o => o.Key, o => new Snap(o.Kind.ToString(), o.Definition, o.Owner, o.Acl, o.Comment, o.TriggerState,
            o.Kind == PgObjectKind.MaterializedView && o.WithNoData), StringComparer.Ordinal);
    }

    /// <summary>
    /// The catalog after an upgrade from <paramref name="before"/>: every object as the other database has it, with the
    /// start's owner, grants, enabled state and comment where it kept the object (a declared comment wins), and bare
    /// (owned by the migration's role, default grants, enabled, only a declared comment) where it is new. A materialized
    /// view keeps its data state unless it is created.
    /// </summary>
    private static Dictionary<string, Snap> Upgraded(Dictionary<string, Snap> target, Dictionary<string, Snap> before, Expectation expectation, RState to, string role)
    {
        var declaredComments = to.Objects.Where(o => o.Comment is not null).Select(o => o.Key(to)).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, Snap>(StringComparer.Ordinal);
        foreach (var (key, t) in target)
        {
            var declared = declaredComments.Contains(key);
            if (before.TryGetValue(key, out var b))
            {
                result[key] = t with
                {
                    Owner = b.Owner, Acl = b.Acl, State = b.State, Comment = declared ? t.Comment : b.Comment,
                    WithNoData = expectation.Recreated.Contains(key) ? t.WithNoData : b.WithNoData,
                };
            }
            else
            {
                // A trigger's owner is its table's or view's: the start's, where the start has that view.
                var owner = t.Kind == nameof(PgObjectKind.Trigger)
                    ? before.GetValueOrDefault(ObjectKey.For(PgObjectKind.View, key[(key.LastIndexOf(" ON ", StringComparison.Ordinal) + 4)..]))?.Owner ?? t.Owner
                    : string.IsNullOrEmpty(t.Owner) ? t.Owner : role;
                result[key] = t with
                {
                    Owner = owner, Acl = null, Comment = declared ? t.Comment : null,
                    State = t.State is null ? null : TriggerState.Enabled,
                };
            }
        }

        return result;
    }

    /// <summary>What differs between two snapshots (null when none).</summary>
    private static string? Same(Dictionary<string, Snap> expected, Dictionary<string, Snap> actual)
    {
        var sb = new StringBuilder();
        foreach (var (key, e) in expected.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(key, out var a))
            {
                sb.Append("missing: ").Append(key).Append('\n');
            }
            else if (e != a)
            {
                sb.Append("differs: ").Append(key).Append("\n  expected: ").Append(e).Append("\n  actual:   ").Append(a).Append('\n');
                if (e.Definition != a.Definition)
                {
                    sb.Append(Diff.SqlBuilder.LineDiff(e.Definition, a.Definition));
                }
            }
        }

        foreach (var key in actual.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            sb.Append("unexpected: ").Append(key).Append('\n');
        }

        return sb.Length == 0 ? null : sb.ToString();
    }
}
