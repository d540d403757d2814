namespace PgAutogen;

// The underlying type is long on purpose: PowerShell's ConvertTo-Json writes enums of 64-bit types by name, not as numbers.
/// <summary>
/// Which half of a re-created object a <see cref="MigrationOp"/> is: PostgreSQL cannot replace the object in place (or it
/// is rebuilt around one that cannot be), so the migration drops it early and creates it later, as two steps.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))]
#pragma warning disable CA1028 // long, not int: see above
public enum MigrationPhase : long
#pragma warning restore CA1028
{
    /// <summary>The step that drops the object, before what depends on it changes.</summary>
    Drop,

    /// <summary>The step that creates the object again.</summary>
    Create,
}
