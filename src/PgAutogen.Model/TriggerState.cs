namespace PgAutogen;

// The underlying type is long on purpose: PowerShell's ConvertTo-Json writes enums of 64-bit types by name ("View"), not
// as numbers (1), without -EnumsAsStrings, in every PowerShell 7 version; [JsonConverter] serves System.Text.Json users.
/// <summary>
/// When a trigger fires (<c>pg_trigger.tgenabled</c>). <c>pg_get_triggerdef</c> omits this, so it is
/// kept beside the definition and restored with <c>ALTER TABLE ... ENABLE|DISABLE TRIGGER</c>.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))]
#pragma warning disable CA1028 // long, not int: see above
public enum TriggerState : long
#pragma warning restore CA1028
{
    /// <summary>'O': fires in origin and local sessions (the default).</summary>
    Enabled,
    /// <summary>'D': never fires.</summary>
    Disabled,
    /// <summary>'R': fires only when session_replication_role is replica.</summary>
    Replica,
    /// <summary>'A': fires always.</summary>
    Always,
}
