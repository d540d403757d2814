namespace PgAutogen;

/// <summary>
/// When a trigger fires (<c>pg_trigger.tgenabled</c>). <c>pg_get_triggerdef</c> omits this, so it is
/// kept beside the definition and restored with <c>ALTER TABLE ... ENABLE|DISABLE TRIGGER</c>.
/// </summary>
public enum TriggerState
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
