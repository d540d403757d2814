namespace PgAutogen;

// The underlying type is long on purpose: PowerShell's ConvertTo-Json writes enums of 64-bit types by name ("View"), not
// as numbers (1), without -EnumsAsStrings, in every PowerShell 7 version; [JsonConverter] serves System.Text.Json users.
/// <summary>What a migration step does to one object.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter))]
#pragma warning disable CA1028 // long, not int: see above
public enum MigrationAction : long
#pragma warning restore CA1028
{
    /// <summary>The object is only declared: create it.</summary>
    Create,
    /// <summary>The object exists with another definition: CREATE OR REPLACE it.</summary>
    Replace,
    /// <summary>The change cannot be expressed by CREATE OR REPLACE: drop it and create it again.</summary>
    DropAndCreate,
    /// <summary>The object exists but is not declared: drop it.</summary>
    Drop,

    /// <summary>Its ACL is declared (GRANT / REVOKE in its declarations) and grants privileges it lacks: GRANT them.</summary>
    Grant,

    /// <summary>Its ACL is declared and it has privileges the declarations do not give: REVOKE them.</summary>
    Revoke,

    /// <summary>Its owner is declared (ALTER ... OWNER TO) and differs: ALTER ... OWNER TO the declared role.</summary>
    ChangeOwner,
}
