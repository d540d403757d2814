namespace PgAutogen;

/// <summary>
/// Matching keys. Functions and procedures share one namespace in pg_proc (a function and a
/// procedure with the same name and argument types cannot coexist), so they share one key family:
/// turning a function into a procedure is a change of the same object, not a drop and a create.
/// Views and materialized views share pg_class's namespace the same way.
/// </summary>
public static class ObjectKey
{
    public static string For(PgObjectKind kind, string identity) => Family(kind) + ":" + identity;

    public static string Family(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => "routine",
        PgObjectKind.Trigger => "trigger",
        PgObjectKind.View or PgObjectKind.MaterializedView => "view",
        PgObjectKind.EventTrigger => "eventtrigger",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The kind in words, for messages: <c>function</c>, <c>materialized view</c>, <c>event trigger</c>.</summary>
    public static string Words(PgObjectKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
