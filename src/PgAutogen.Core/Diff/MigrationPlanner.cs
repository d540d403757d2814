namespace PgAutogen.Core.Diff;

/// <summary>
/// Diffs current against desired by identity and orders the steps so the migration runs; the downgrade is
/// computed by the same procedure in the other direction, not by reversing the list.
/// </summary>
public static class MigrationPlanner
{
    /// <summary>Where a step prefers to go when dependencies leave it free (the baseline order of the method).</summary>
    private enum Phase
    {
        DropTrigger = 1,
        CreateRoutine = 2,
        CreateView = 3,
        CreateTrigger = 4,
        DropView = 5,
        DropRoutine = 6,
    }

    /// <param name="migrationRole">The role the migration will run as (objects it creates are owned by it); an object owned by another role gets ALTER ... OWNER TO.</param>
    public static IReadOnlyList<MigrationOp> Plan(
        IReadOnlyList<PgObject> current,
        IReadOnlyList<PgObject> desired,
        IReadOnlyDictionary<string, PgDeclaration>? declarations = null,
        string? migrationRole = null,
        IReadOnlyDictionary<string, string>? recreated = null,
        IReadOnlySet<string>? commented = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        declarations ??= new Dictionary<string, PgDeclaration>();
        recreated ??= new Dictionary<string, string>();
        commented ??= new HashSet<string>();

        var up = Steps(current, desired, upgrade: true, migrationRole, recreated, commented);
        var down = Steps(desired, current, upgrade: false, migrationRole, recreated, commented).ToDictionary(s => s.Key, StringComparer.Ordinal);
        var currentByKey = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var desiredByKey = desired.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var ops = new List<MigrationOp>(up.Count);
        foreach (var step in up)
        {
            // The inverse of dropping the live object is creating it again, and the other way round.
            var back = down[Counterpart(step.Key)];
            currentByKey.TryGetValue(step.ObjectKey, out var cur);
            desiredByKey.TryGetValue(step.ObjectKey, out var des);
            declarations.TryGetValue(step.ObjectKey, out var declaration);
            ops.Add(new MigrationOp(step.Action, (des ?? cur)!.Kind, (des ?? cur)!.Identity, step.Sql, back.Sql)
            {
                Current = cur,
                Desired = des,
                Order = step.Order,
                DownOrder = back.Order,
                Reason = Reason(step, recreated),
                Declaration = declaration?.Location ?? "",
                Diff = cur is not null && des is not null ? SqlBuilder.LineDiff(cur.Definition, des.Definition) : "",
            });
        }

        return ops;
    }

    private static bool SameComment(PgObject a, PgObject b) => string.Equals(a.Comment ?? "", b.Comment ?? "", StringComparison.Ordinal);

    private const string DropPart = "#drop";
    private const string CreatePart = "#create";

    private static string Counterpart(string key) =>
        key.EndsWith(DropPart, StringComparison.Ordinal) ? key[..^DropPart.Length] + CreatePart
        : key.EndsWith(CreatePart, StringComparison.Ordinal) ? key[..^CreatePart.Length] + DropPart
        : key;

    private static string Reason(Step step, IReadOnlyDictionary<string, string> recreated) => step.Action switch
    {
        MigrationAction.DropAndCreate when recreated.TryGetValue(step.ObjectKey, out var why) =>
            (step.To is null ? "dropped, to be created again: " : "created again: ") + why
            + (step.To?.Kind == PgObjectKind.MaterializedView ? "; " + DataNote(step.To) : ""),
        MigrationAction.Create when step.To!.Kind == PgObjectKind.MaterializedView => "declared, not in the database; " + DataNote(step.To),
        MigrationAction.Create => "declared, not in the database",
        MigrationAction.Drop => "in the database, not declared",
        MigrationAction.Replace when step.From!.Kind == PgObjectKind.Trigger && step.From.TriggerState is { } s && s != TriggerState.Enabled =>
            $"definition differs; the trigger stays {s.ToString().ToLowerInvariant()}",
        MigrationAction.Replace when step.CommentOnly => "the declared comment differs",
        MigrationAction.Replace => "definition differs",
        MigrationAction.DropAndCreate when step.From!.Kind != step.To!.Kind =>
            $"{ObjectKey.Words(step.From.Kind)} becomes a {ObjectKey.Words(step.To.Kind)}: CREATE OR REPLACE cannot change the kind",
        MigrationAction.DropAndCreate when step.To!.Kind == PgObjectKind.MaterializedView =>
            "definition differs, and a materialized view cannot be replaced in place: dropped and created; " + DataNote(step.To),
        MigrationAction.DropAndCreate when step.To!.Kind == PgObjectKind.Policy =>
            "the command (FOR) or PERMISSIVE/RESTRICTIVE changes, or a USING or WITH CHECK clause goes away, which ALTER POLICY cannot do: dropped and created",
        MigrationAction.DropAndCreate when step.To!.Kind == PgObjectKind.EventTrigger => "an event trigger cannot be replaced: dropped and created",
        MigrationAction.DropAndCreate => "a constraint trigger cannot be replaced: dropped and created",
        _ => "",
    };

    /// <summary>What creating a materialized view does to its data, for the migration's reader.</summary>
    private static string DataNote(PgObject view) => view.WithNoData
        ? "created WITH NO DATA, as declared: it is empty until REFRESH MATERIALIZED VIEW"
        : "its data will be refreshed (the query runs during the migration)";

    private sealed class Step
    {
        public required string Key { get; init; }

        /// <summary>The object's key (a re-created object has a drop step and a create step).</summary>
        public string ObjectKey => Key.EndsWith(DropPart, StringComparison.Ordinal) ? Key[..^DropPart.Length]
            : Key.EndsWith(CreatePart, StringComparison.Ordinal) ? Key[..^CreatePart.Length] : Key;

        /// <summary>The step only changes the comment.</summary>
        public bool CommentOnly { get; init; }

        /// <summary>The step removes the object (a drop, or the first half of a re-creation).</summary>
        public bool Removes => To is null;

        public required MigrationAction Action { get; init; }
        public PgObject? From { get; init; }
        public PgObject? To { get; init; }
        public required string Sql { get; init; }
        public required Phase Phase { get; init; }
        public int Order { get; set; }

        public string Identity => (To ?? From)!.Identity;
    }

    /// <summary>The steps that take <paramref name="from"/> to <paramref name="to"/>, in an order that runs.</summary>
    private static List<Step> Steps(
        IReadOnlyList<PgObject> from, IReadOnlyList<PgObject> to, bool upgrade, string? migrationRole,
        IReadOnlyDictionary<string, string> recreated, IReadOnlySet<string> commented)
    {
        var fromByKey = from.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var toByKey = to.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var steps = new List<Step>();

        foreach (var (key, target) in toByKey)
        {
            if (!fromByKey.TryGetValue(key, out var source))
            {
                steps.Add(new Step
                {
                    Key = key,
                    Action = MigrationAction.Create,
                    To = target,
                    Sql = SqlBuilder.Create(target) + AclSql.Restore(target, migrationRole),
                    Phase = CreatePhase(target.Kind),
                });
            }
            else if (recreated.ContainsKey(key))
            {
                // PostgreSQL cannot replace it in place (or it is rebuilt around one that is): drop, then create.
                steps.Add(new Step { Key = key + DropPart, Action = MigrationAction.DropAndCreate, From = source, Sql = SqlBuilder.Drop(source), Phase = Phase.DropTrigger });
                var restored = upgrade ? WithAttributesOf(target, source, commented.Contains(key)) : target;
                steps.Add(new Step
                {
                    Key = key + CreatePart,
                    Action = MigrationAction.DropAndCreate,
                    To = target,
                    Sql = SqlBuilder.Create(target, upgrade ? source.TriggerState : target.TriggerState) + AclSql.Restore(restored, migrationRole),
                    Phase = CreatePhase(target.Kind),
                });
            }
            else if (!string.Equals(source.Definition, target.Definition, StringComparison.Ordinal) || source.Kind != target.Kind)
            {
                // The enabled state to keep is the live database's: the source going up, the target going down.
                var state = upgrade ? source.TriggerState : target.TriggerState;
                var (sql, dropAndCreate) = SqlBuilder.Replace(source, target, state);
                steps.Add(new Step
                {
                    Key = key,
                    Action = dropAndCreate ? MigrationAction.DropAndCreate : MigrationAction.Replace,
                    From = source,
                    To = target,
                    // A re-created object starts bare: give it back its comment, grants and owner.
                    Sql = dropAndCreate
                        ? sql + AclSql.Restore(upgrade ? WithAttributesOf(target, source, commented.Contains(key)) : target, migrationRole)
                        : sql + (commented.Contains(key) && !SameComment(source, target) ? "\n" + AclSql.CommentOn(target) : ""),
                    Phase = CreatePhase(target.Kind),
                });
            }
            else if (commented.Contains(key) && !SameComment(source, target))
            {
                // Only the declared comment differs.
                steps.Add(new Step { Key = key, Action = MigrationAction.Replace, From = source, To = target, Sql = AclSql.CommentOn(target), Phase = CreatePhase(target.Kind), CommentOnly = true });
            }
        }

        foreach (var (key, source) in fromByKey)
        {
            if (!toByKey.ContainsKey(key))
            {
                steps.Add(new Step { Key = key, Action = MigrationAction.Drop, From = source, Sql = SqlBuilder.Drop(source), Phase = DropPhase(source.Kind) });
            }
        }

        Order(steps);
        return steps.OrderBy(s => s.Order).ToList();
    }

    /// <summary>The desired object carrying the live object's comment, grants and owner (the declarations do not state them).</summary>
    private static PgObject WithAttributesOf(PgObject target, PgObject live, bool declaredComment = false) => new(target)
    {
        Owner = live.Owner,
        Comment = declaredComment ? target.Comment : live.Comment,
        Acl = live.Acl,
    };

    private static Phase CreatePhase(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => Phase.CreateRoutine,
        PgObjectKind.View or PgObjectKind.MaterializedView => Phase.CreateView,
        _ => Phase.CreateTrigger, // triggers, policies, event triggers
    };

    private static Phase DropPhase(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Trigger or PgObjectKind.Policy or PgObjectKind.EventTrigger => Phase.DropTrigger,
        PgObjectKind.View or PgObjectKind.MaterializedView => Phase.DropView,
        _ => Phase.DropRoutine,
    };

    /// <summary>
    /// Orders the steps from the dependency edges (pg_depend of each side), preferring the baseline phase
    /// where the edges leave a choice (Kahn's algorithm with a (phase, identity) priority: deterministic,
    /// O(E log V)). Creating or replacing X waits for the steps that create or replace what the new X
    /// depends on; dropping Y waits for every step on an object whose current form depends on Y.
    /// </summary>
    private static void Order(List<Step> steps)
    {
        var byIdentity = new Dictionary<string, List<Step>>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            foreach (var identity in new[] { step.From?.Identity, step.To?.Identity }.Distinct())
            {
                if (identity is null)
                {
                    continue;
                }

                if (!byIdentity.TryGetValue(identity, out var list))
                {
                    byIdentity[identity] = list = new List<Step>();
                }

                list.Add(step);
            }
        }

        var waitsFor = steps.ToDictionary(s => s, _ => new HashSet<Step>());
        foreach (var step in steps)
        {
            // A created or replaced object comes after the creation of what it depends on.
            if (step.To is not null)
            {
                foreach (var dependency in Dependencies(step.To))
                {
                    if (byIdentity.TryGetValue(dependency, out var others))
                    {
                        foreach (var other in others.Where(o => o != step && o.To is not null))
                        {
                            waitsFor[step].Add(other);
                        }
                    }
                }
            }

            // Whatever currently depends on a dropped (or re-created) object changes before it goes.
            if (step.From is not null)
            {
                foreach (var dependency in Dependencies(step.From))
                {
                    if (byIdentity.TryGetValue(dependency, out var others))
                    {
                        foreach (var other in others.Where(o => o != step && o.Removes))
                        {
                            waitsFor[other].Add(step);
                        }
                    }
                }
            }
        }

        // The second half of a re-creation comes after its first half.
        var byKey = steps.ToDictionary(s => s.Key, StringComparer.Ordinal);
        foreach (var step in steps.Where(s => s.Key.EndsWith(CreatePart, StringComparison.Ordinal)))
        {
            waitsFor[step].Add(byKey[step.ObjectKey + DropPart]);
        }

        var blockers = waitsFor.ToDictionary(kv => kv.Key, kv => kv.Value.Count);
        var dependents = steps.ToDictionary(s => s, _ => new List<Step>());
        foreach (var (step, deps) in waitsFor)
        {
            foreach (var dep in deps)
            {
                dependents[dep].Add(step);
            }
        }

        var ready = new SortedSet<Step>(Comparer<Step>.Create(static (a, b) =>
        {
            var c = a.Phase.CompareTo(b.Phase);
            return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
        }));
        foreach (var step in steps.Where(s => blockers[s] == 0))
        {
            ready.Add(step);
        }

        var order = 0;
        while (ready.Count > 0)
        {
            var next = ready.Min!;
            ready.Remove(next);
            next.Order = ++order;
            foreach (var dependent in dependents[next])
            {
                if (--blockers[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        // A cycle (not expected from pg_depend): keep the baseline order for what is left.
        foreach (var step in steps.Where(s => s.Order == 0).OrderBy(s => s.Phase).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            step.Order = ++order;
        }
    }

    /// <summary>What an object depends on: pg_depend edges, plus a trigger's table (a view can carry INSTEAD OF triggers).</summary>
    private static IEnumerable<string> Dependencies(PgObject obj)
    {
        foreach (var d in obj.DependsOn)
        {
            yield return d;
        }

        if (obj.Kind is PgObjectKind.Trigger or PgObjectKind.Policy && obj.Table is not null)
        {
            yield return SqlIdentifier.Qualify(obj.Schema, obj.Table);
        }
    }
}
