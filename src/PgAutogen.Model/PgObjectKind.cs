namespace PgAutogen;

/// <summary>The kinds of database object PgAutogen manages.</summary>
public enum PgObjectKind
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
