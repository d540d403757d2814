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
    /// <param name="decisions">What canonicalization decided: each object's declaration, what is re-created and why, which comments are declared.</param>
    public static IReadOnlyList<MigrationOp> Plan(
        IReadOnlyList<PgObject> current,
        IReadOnlyList<PgObject> desired,
        ObjectDecisions? decisions = null,
        string? migrationRole = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        decisions ??= ObjectDecisions.None;

        var up = Steps(current, desired, upgrade: true, migrationRole, decisions);
        var down = Steps(desired, current, upgrade: false, migrationRole, decisions).ToDictionary(s => s.Id);
        var currentByKey = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var desiredByKey = desired.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var ops = new List<MigrationOp>(up.Count);
        foreach (var step in up)
        {
            // The inverse of dropping the live object is creating it again, and the other way round.
            var back = down[step.Id.Counterpart];
            currentByKey.TryGetValue(step.ObjectKey, out var cur);
            desiredByKey.TryGetValue(step.ObjectKey, out var des);
            var decision = decisions.For(step.ObjectKey);
            ops.Add(new MigrationOp(step.Action, (des ?? cur)!.Kind, (des ?? cur)!.Identity, step.Sql, back.Sql)
            {
                Current = cur,
                Desired = des,
                Order = step.Order,
                DownOrder = back.Order,
                Reason = Reason(step, decision),
                Phase = step.Id.Part switch { StepPart.Drop => MigrationPhase.Drop, StepPart.Create => MigrationPhase.Create, _ => null },
                Declaration = decision.Declaration?.Location ?? "",
                Diff = cur is not null && des is not null && !step.Id.IsAttribute ? SqlBuilder.LineDiff(cur.Definition, des.Definition) : "",
            });
        }

        return ops;
    }

    private static bool SameComment(PgObject a, PgObject b) => string.Equals(a.Comment ?? "", b.Comment ?? "", StringComparison.Ordinal);

    /// <summary>
    /// What a step does to its object: all of the change, or one half of a re-creation; or, for an object whose owner or
    /// privileges are declared, its new owner (with the privileges that change with it), the privileges it loses, those it gains.
    /// </summary>
    private enum StepPart
    {
        Whole,
        Create,
        Drop,
        Owner,
        Revoke,
        Grant,
    }

    /// <summary>A step's identity: its object's key, and which part of the object's change it is.</summary>
    private readonly record struct StepId(string ObjectKey, StepPart Part)
    {
        /// <summary>
        /// The step that undoes this one: dropping the live object is undone by creating it again, and the other way round;
        /// revoking privileges by granting them again, and the other way round.
        /// </summary>
        public StepId Counterpart => this with
        {
            Part = Part switch
            {
                StepPart.Drop => StepPart.Create,
                StepPart.Create => StepPart.Drop,
                StepPart.Revoke => StepPart.Grant,
                StepPart.Grant => StepPart.Revoke,
                _ => Part,
            },
        };

        /// <summary>The step changes the owner or the privileges, not the definition.</summary>
        public bool IsAttribute => Part is StepPart.Owner or StepPart.Revoke or StepPart.Grant;
    }

    private static string Reason(Step step, ObjectDecision decision) => step.Action switch
    {
        MigrationAction.DropAndCreate when decision.RecreateReason is { } why =>
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
        MigrationAction.ChangeOwner => $"the declared owner is {step.To!.Owner}, not {step.From!.Owner}" + (step.Note.Length > 0 ? "; " + step.Note : ""),
        MigrationAction.Grant => "the declared privileges differ: grants " + step.Note,
        MigrationAction.Revoke => "the declared privileges differ: revokes " + step.Note,
        _ => "",
    };

    /// <summary>What creating a materialized view does to its data, for the migration's reader.</summary>
    private static string DataNote(PgObject view) => view.WithNoData
        ? "created WITH NO DATA, as declared: it is empty until REFRESH MATERIALIZED VIEW"
        : "its data will be refreshed (the query runs during the migration)";

    private sealed class Step
    {
        public required StepId Id { get; init; }

        /// <summary>The object's key (a re-created object has a drop step and a create step).</summary>
        public string ObjectKey => Id.ObjectKey;

        /// <summary>The step only changes the comment.</summary>
        public bool CommentOnly { get; init; }

        /// <summary>For a privilege or owner step: what it grants, revokes or passes on, in words.</summary>
        public string Note { get; init; } = "";

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
        IReadOnlyList<PgObject> from, IReadOnlyList<PgObject> to, bool upgrade, string? migrationRole, ObjectDecisions decisions)
    {
        var fromByKey = from.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var toByKey = to.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var steps = new List<Step>();

        foreach (var (key, target) in toByKey)
        {
            var decision = decisions.For(key);
            if (!fromByKey.TryGetValue(key, out var source))
            {
                steps.Add(new Step
                {
                    Id = new StepId(key, StepPart.Whole),
                    Action = MigrationAction.Create,
                    To = target,
                    Sql = SqlBuilder.Create(target) + AclSql.Restore(target, migrationRole, decisions.AclDefaults),
                    Phase = CreatePhase(target.Kind),
                });
            }
            else if (decision.Recreated)
            {
                // PostgreSQL cannot replace it in place (or it is rebuilt around one that is): drop, then create.
                steps.Add(new Step { Id = new StepId(key, StepPart.Drop), Action = MigrationAction.DropAndCreate, From = source, Sql = SqlBuilder.Drop(source), Phase = Phase.DropTrigger });
                var restored = upgrade ? WithAttributesOf(target, source, decision) : target;
                steps.Add(new Step
                {
                    Id = new StepId(key, StepPart.Create),
                    Action = MigrationAction.DropAndCreate,
                    To = target,
                    Sql = SqlBuilder.Create(target, upgrade ? source.TriggerState : target.TriggerState) + AclSql.Restore(restored, migrationRole, decisions.AclDefaults),
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
                    Id = new StepId(key, StepPart.Whole),
                    Action = dropAndCreate ? MigrationAction.DropAndCreate : MigrationAction.Replace,
                    From = source,
                    To = target,
                    // A re-created object starts bare: give it back its comment, grants and owner.
                    Sql = dropAndCreate
                        ? sql + AclSql.Restore(upgrade ? WithAttributesOf(target, source, decision) : target, migrationRole, decisions.AclDefaults)
                        : sql + (decision.CommentDeclared && !SameComment(source, target) ? "\n" + AclSql.CommentOn(target) : ""),
                    Phase = CreatePhase(target.Kind),
                });
                if (!dropAndCreate)
                {
                    AddAttributeSteps(steps, key, source, target, decision, decisions.AclDefaults);
                }
            }
            else
            {
                if (decision.CommentDeclared && !SameComment(source, target))
                {
                    // Only the declared comment differs.
                    steps.Add(new Step { Id = new StepId(key, StepPart.Whole), Action = MigrationAction.Replace, From = source, To = target, Sql = AclSql.CommentOn(target), Phase = CreatePhase(target.Kind), CommentOnly = true });
                }

                AddAttributeSteps(steps, key, source, target, decision, decisions.AclDefaults);
            }
        }

        foreach (var (key, source) in fromByKey)
        {
            if (!toByKey.ContainsKey(key))
            {
                steps.Add(new Step { Id = new StepId(key, StepPart.Whole), Action = MigrationAction.Drop, From = source, Sql = SqlBuilder.Drop(source), Phase = DropPhase(source.Kind) });
            }
        }

        Order(steps);
        return steps.OrderBy(s => s.Order).ToList();
    }

    /// <summary>
    /// The steps that give an object that stays (changed in place or not at all) its declared owner and privileges: a new
    /// owner in one step, with the privileges that change with it (ALTER ... OWNER TO passes the old owner's privileges
    /// to the new one); otherwise the privileges it loses and those it gains, in a step each, each the other's inverse.
    /// Nothing when neither is declared: then they are kept as they are.
    /// </summary>
    private static void AddAttributeSteps(List<Step> steps, string key, PgObject source, PgObject target, ObjectDecision decision, AclDefaults defaults)
    {
        var phase = CreatePhase(target.Kind);
        var ownerChanges = decision.OwnerDeclared && !string.IsNullOrEmpty(target.Owner) && !string.Equals(source.Owner, target.Owner, StringComparison.Ordinal);
        if (!ownerChanges && !decision.AclDeclared)
        {
            return;
        }

        var (revokeSql, revoked, grantSql, granted) = decision.AclDeclared ? AclSql.Changes(source, target, defaults) : ("", "", "", "");
        if (ownerChanges)
        {
            var what = string.Join("; ", new[] { revoked.Length > 0 ? "revokes " + revoked : "", granted.Length > 0 ? "grants " + granted : "" }.Where(w => w.Length > 0));
            steps.Add(new Step
            {
                Id = new StepId(key, StepPart.Owner), Action = MigrationAction.ChangeOwner, From = source, To = target, Phase = phase, Note = what,
                Sql = string.Join("\n", new[] { AclSql.OwnerTo(target), revokeSql, grantSql }.Where(x => x.Length > 0)),
            });
            return;
        }

        if (revokeSql.Length > 0)
        {
            steps.Add(new Step { Id = new StepId(key, StepPart.Revoke), Action = MigrationAction.Revoke, From = source, To = target, Phase = phase, Note = revoked, Sql = revokeSql });
        }

        if (grantSql.Length > 0)
        {
            steps.Add(new Step { Id = new StepId(key, StepPart.Grant), Action = MigrationAction.Grant, From = source, To = target, Phase = phase, Note = granted, Sql = grantSql });
        }
    }

    /// <summary>
    /// The desired object carrying the live object's comment, grants and owner where the declarations do not state
    /// them (what they state — a COMMENT ON, a GRANT or REVOKE, an OWNER TO — is the desired object's own).
    /// </summary>
    private static PgObject WithAttributesOf(PgObject target, PgObject live, ObjectDecision decision) => new(target)
    {
        Owner = decision.OwnerDeclared ? target.Owner : live.Owner,
        Comment = decision.CommentDeclared ? target.Comment : live.Comment,
        Acl = decision.AclDeclared ? target.Acl : live.Acl,
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
    /// Orders the steps from the dependency edges (pg_depend of each side), preferring the baseline phase, then the object's
    /// key, where the edges leave a choice (<see cref="DependencyGraph"/>). Creating or replacing X waits for the steps that
    /// create or replace what the new X depends on; dropping Y waits for every step on an object whose current form
    /// depends on Y; the second half of a re-creation waits for its first. A cycle (not expected from pg_depend) keeps the
    /// baseline order.
    /// </summary>
    private static void Order(List<Step> steps)
    {
        steps.Sort(static (a, b) =>
        {
            var c = a.Phase.CompareTo(b.Phase);
            c = c != 0 ? c : string.CompareOrdinal(a.Id.ObjectKey, b.Id.ObjectKey);
            return c != 0 ? c : a.Id.Part.CompareTo(b.Id.Part);
        });
        var index = new Dictionary<Step, int>(steps.Count);
        var byIdentity = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            index[steps[i]] = i;
            foreach (var identity in new[] { steps[i].From?.Identity, steps[i].To?.Identity }.Distinct())
            {
                if (identity is null)
                {
                    continue;
                }

                if (!byIdentity.TryGetValue(identity, out var list))
                {
                    byIdentity[identity] = list = new List<int>();
                }

                list.Add(i);
            }
        }

        var graph = new DependencyGraph(steps.Count);
        var byId = steps.ToDictionary(s => s.Id);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            // A created or replaced object comes after the creation of what it depends on.
            foreach (var other in step.To is null ? [] : Others(step.To, i).Where(o => steps[o].To is not null))
            {
                graph.AddEdge(other, i);
            }

            // Whatever currently depends on a dropped (or re-created) object changes before it goes.
            foreach (var other in step.From is null ? [] : Others(step.From, i).Where(o => steps[o].Removes))
            {
                graph.AddEdge(i, other);
            }

            if (step.Id.Part == StepPart.Create)
            {
                graph.AddEdge(index[byId[step.Id.Counterpart]], i);
            }

            // A new owner and privileges come after the object's own change, the privileges after the owner.
            if (step.Id.IsAttribute)
            {
                foreach (var part in new[] { StepPart.Whole, StepPart.Owner, StepPart.Revoke }.Where(p => p < step.Id.Part))
                {
                    if (byId.TryGetValue(step.Id with { Part = part }, out var before))
                    {
                        graph.AddEdge(index[before], i);
                    }
                }
            }
        }

        var order = 0;
        foreach (var i in graph.Sort())
        {
            steps[i].Order = ++order;
        }

        // The steps (other than i) on the objects that obj depends on.
        IEnumerable<int> Others(PgObject obj, int i) =>
            Dependencies(obj).SelectMany(d => byIdentity.GetValueOrDefault(d) ?? Enumerable.Empty<int>()).Where(o => o != i);
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
