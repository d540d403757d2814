using System.Collections.ObjectModel;

namespace PgAutogen;

/// <summary>One hazard of a migration step: its kind, why, and whether New-PgMigration refuses it unless allowed by name.</summary>
public sealed class MigrationHazard
{
    public MigrationHazard(HazardKind kind, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Kind = kind;
        Reason = reason;
    }

    public HazardKind Kind { get; }

    /// <summary>One line: what happens, to what.</summary>
    public string Reason { get; }

    /// <summary>
    /// True when New-PgMigration refuses a migration with this hazard unless <c>-AllowHazard</c> names it (by default:
    /// every kind but <see cref="HazardKind.RecreatesView"/> and <see cref="HazardKind.LocksTable"/>).
    /// </summary>
    public bool Gated => GatesByDefault(Kind);

    /// <summary>Whether a hazard of this kind gates New-PgMigration unless allowed by name.</summary>
    public static bool GatesByDefault(HazardKind kind) => kind is not (HazardKind.RecreatesView or HazardKind.LocksTable);

    public override string ToString() => Kind + ": " + Reason;
}

/// <summary>
/// A step's hazards: a read-only list whose text is the kinds joined with ", " (what Format-Table, Export-Csv and string
/// conversion show), while ConvertTo-Json and the pipeline still see the hazards with their reasons.
/// </summary>
public sealed class MigrationHazardList : ReadOnlyCollection<MigrationHazard>
{
    public static new readonly MigrationHazardList Empty = new(Array.Empty<MigrationHazard>());

    public MigrationHazardList(IList<MigrationHazard> items)
        : base(items)
    {
    }

    /// <summary>The list itself when it already is one, else a copy.</summary>
    public static MigrationHazardList From(IReadOnlyList<MigrationHazard>? items) => items switch
    {
        null => Empty,
        MigrationHazardList list => list,
        { Count: 0 } => Empty,
        _ => new MigrationHazardList(items.ToArray()),
    };

    public override string ToString() => string.Join(", ", this.Select(h => h.Kind));
}
