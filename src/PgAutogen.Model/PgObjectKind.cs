namespace PgAutogen;

// The underlying type is long on purpose: PowerShell's ConvertTo-Json writes enums of 64-bit types by name ("View"), not
// as numbers (1), without -EnumsAsStrings, in every PowerShell 7 version; [JsonConverter] serves System.Text.Json users.
/// <summary>The kinds of database object PgAutogen manages.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))]
#pragma warning disable CA1028 // long, not int: see above
public enum PgObjectKind : long
#pragma warning restore CA1028
{
    Function,
    Procedure,
    Trigger,
    View,

    /// <summary>CREATE MATERIALIZED VIEW, with its storage options and indexes; changed by dropping and creating it again.</summary>
    MaterializedView,

    /// <summary>A row-level-security policy (CREATE POLICY) on a table.</summary>
    Policy,

    /// <summary>CREATE EVENT TRIGGER: database-wide, in no schema.</summary>
    EventTrigger,
}
