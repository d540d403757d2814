namespace PgAutogen;

/// <summary>What a migration step does to one object.</summary>
public enum MigrationAction
{
    /// <summary>The object is only declared: create it.</summary>
    Create,
    /// <summary>The object exists with another definition: CREATE OR REPLACE it.</summary>
    Replace,
    /// <summary>The change cannot be expressed by CREATE OR REPLACE: drop it and create it again.</summary>
    DropAndCreate,
    /// <summary>The object exists but is not declared: drop it.</summary>
    Drop,
}
