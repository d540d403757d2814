namespace PgAutogen.Core.Diff;

/// <summary>
/// New-PgMigration's gate: a migration whose steps have a hazard that gates (<see cref="MigrationHazard.Gated"/>) is
/// written only when each such kind is allowed by name. The refusal lists every hazard with its step and reason.
/// </summary>
public static class HazardGate
{
    /// <summary>The gated hazards not allowed, each with its step, in the upgrade's order.</summary>
    public static IReadOnlyList<(MigrationOp Op, MigrationHazard Hazard)> Blocked(IReadOnlyList<MigrationOp> ops, IReadOnlyCollection<HazardKind> allowed)
    {
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(allowed);
        return ops.OrderBy(o => o.Order)
            .SelectMany(o => o.Hazards.Select(h => (Op: o, Hazard: h)))
            .Where(x => x.Hazard.Gated && !allowed.Contains(x.Hazard.Kind))
            .ToList();
    }

    /// <summary>Throws MigrationHazardNotAllowed, naming each blocked hazard, when any gated hazard is not allowed.</summary>
    public static void Check(IReadOnlyList<MigrationOp> ops, IReadOnlyCollection<HazardKind> allowed)
    {
        var blocked = Blocked(ops, allowed);
        if (blocked.Count == 0)
        {
            return;
        }

        var kinds = blocked.Select(b => b.Hazard.Kind).Distinct().Order().ToList();
        var lines = blocked.Select(b => $"  {b.Hazard.Kind}: {Describe(b.Op)}: {b.Hazard.Reason}");
        throw new PgAutogenException(PgErrorId.MigrationHazardNotAllowed,
            $"The migration has {blocked.Count} hazard(s) that must be allowed by name before it is written; nothing was written:\n" +
            string.Join("\n", lines) +
            $"\nReview each one, then allow it with -AllowHazard {string.Join(", ", kinds)} (or change the declarations so that the step goes away).")
        {
            Target = blocked[0].Op,
            RecommendedAction = $"Add -AllowHazard {string.Join(", ", kinds)} once you have reviewed the steps listed, or change the declarations.",
        };
    }

    /// <summary>The step as a hazard names it: "step 3, DropAndCreate materialized view app.mv (db/mv.sql:1:1)".</summary>
    public static string Describe(MigrationOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        return $"step {op.Order}, {op.Action} {ObjectKey.Words(op.Kind)} {op.Identity}" + (op.Declaration.Length > 0 ? $" ({op.Declaration})" : "");
    }
}
