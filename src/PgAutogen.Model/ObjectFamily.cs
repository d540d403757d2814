namespace PgAutogen;

/// <summary>
/// The namespaces objects are matched in (<see cref="ObjectKey"/>): functions and procedures share pg_proc's, views and
/// materialized views share pg_class's; triggers, policies and event triggers have their own.
/// </summary>
public enum ObjectFamily
{
    Routine,
    Trigger,
    View,
    Policy,
    EventTrigger,
}
