namespace PgAutogen;

/// <summary>One step of a migration, with its SQL in both directions.</summary>
public sealed class MigrationOp
{
    public MigrationOp(MigrationAction action, PgObjectKind kind, string identity, string upSql, string downSql)
    {
        Action = action;
        Kind = kind;
        Identity = identity;
        UpSql = upSql;
        DownSql = downSql;
    }

    /// <summary>A copy of <paramref name="source"/>, every property of it; an object initializer changes what differs: <c>new MigrationOp(op) { Hazards = ... }</c>.</summary>
    public MigrationOp(MigrationOp source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Action = source.Action;
        Phase = source.Phase;
        Kind = source.Kind;
        Identity = source.Identity;
        Current = source.Current;
        Desired = source.Desired;
        UpSql = source.UpSql;
        DownSql = source.DownSql;
        Order = source.Order;
        DownOrder = source.DownOrder;
        Reason = source.Reason;
        Declaration = source.Declaration;
        Diff = source.Diff;
        _hazards = source._hazards;
    }

    private readonly MigrationHazardList _hazards = MigrationHazardList.Empty;

    public MigrationAction Action { get; }

    /// <summary>
    /// For the two steps of a re-created object (Action DropAndCreate, dropped early and created later): which half this
    /// step is. Null for a step that is the whole change of its object (a DropAndCreate in one step included), so counting
    /// objects is counting the steps whose Phase is not Drop.
    /// </summary>
    public MigrationPhase? Phase { get; init; }

    public PgObjectKind Kind { get; }

    public string Identity { get; }

    /// <summary>The object as the database has it now; null for Create.</summary>
    public PgObject? Current { get; init; }

    /// <summary>The object as the declarations want it (canonical form read back from the catalog); null for Drop.</summary>
    public PgObject? Desired { get; init; }

    /// <summary>The SQL this step runs in the upgrade.</summary>
    public string UpSql { get; }

    /// <summary>The SQL that undoes this step in the downgrade.</summary>
    public string DownSql { get; }

    /// <summary>Position of <see cref="UpSql"/> in the upgrade (1-based).</summary>
    public int Order { get; init; }

    /// <summary>Position of <see cref="DownSql"/> in the downgrade (1-based).</summary>
    public int DownOrder { get; init; }

    /// <summary>Why this step exists or takes this form (for a reviewer).</summary>
    public string Reason { get; init; } = "";

    /// <summary>The declaration's source, <c>file:line:column</c>; empty for Drop.</summary>
    public string Declaration { get; init; } = "";

    /// <summary>For Replace and DropAndCreate: a line diff of the current and desired definitions.</summary>
    public string Diff { get; init; } = "";

    /// <summary>
    /// What can go wrong when this step runs (a re-created materialized view, a table lock, a dropped routine still
    /// called by name, ...), each with a one-line reason; empty for none. New-PgMigration refuses the gated ones unless
    /// they are allowed by name (-AllowHazard).
    /// </summary>
    public IReadOnlyList<MigrationHazard> Hazards { get => _hazards; init => _hazards = MigrationHazardList.From(value); }

    public override string ToString() => Action + (Phase is { } phase ? " (" + phase.ToString().ToLowerInvariant() + ")" : "") + " " + Identity;
}
