namespace PgAutogen;

// The underlying type is long on purpose: PowerShell's ConvertTo-Json writes enums of 64-bit types by name, not as numbers.
/// <summary>
/// What can go wrong when a migration step runs, beyond the step itself (<see cref="MigrationHazard"/>). New-PgMigration
/// refuses to write a migration with a hazard that gates (<see cref="MigrationHazard.Gated"/>) unless it is allowed by
/// name (<c>-AllowHazard</c>).
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))]
#pragma warning disable CA1028 // long, not int: see above
public enum HazardKind : long
#pragma warning restore CA1028
{
    /// <summary>
    /// Drops an object that something PgAutogen does not manage depends on (a column default, an index, a constraint, a
    /// view or routine outside the compared scope): PostgreSQL refuses the DROP, so the migration fails. Before PostgreSQL
    /// 15 a generated column that calls a dropped routine is dropped with it instead, its data lost. Gates.
    /// </summary>
    DropsObjectInUse,

    /// <summary>Drops a routine that a remaining PL/pgSQL body calls by name (PostgreSQL records no dependency for it): the call fails at run time. Gates.</summary>
    DropsRoutineCalledByName,

    /// <summary>
    /// Drops and creates a materialized view: its data is computed again during the migration (its query runs, the view
    /// locked), or it stays empty until REFRESH when declared WITH NO DATA. Gates.
    /// </summary>
    RecreatesMaterializedView,

    /// <summary>Changes, creates or drops a SECURITY DEFINER routine, which runs with its owner's privileges: worth a reviewer's eye. Gates.</summary>
    ChangesSecurityDefiner,

    /// <summary>
    /// Changes the volatility (IMMUTABLE, STABLE, VOLATILE) or strictness of a routine that an index or a generated
    /// column uses: stored values computed under the old promise are not recomputed (REINDEX, or rewrite the column). Gates.
    /// </summary>
    ChangesVolatilityInUse,

    /// <summary>
    /// Drops and creates a view: for the moment of the migration it is gone (ACCESS EXCLUSIVE), its grants, comment and
    /// owner are given back and the managed objects that depend on it are rebuilt with it. Does not gate by default.
    /// </summary>
    RecreatesView,

    /// <summary>
    /// Creates, replaces or drops a trigger or a policy, which locks its table (SHARE ROW EXCLUSIVE: writers wait; ACCESS
    /// EXCLUSIVE for a policy and a dropped trigger: everyone waits) until the migration commits; the reason gives the
    /// table's estimated row count. Does not gate by default.
    /// </summary>
    LocksTable,
}
