namespace PgAutogen;

/// <summary>
/// Matching keys. Functions and procedures share one namespace in pg_proc (a function and a
/// procedure with the same name and argument types cannot coexist), so they share one key family:
/// turning a function into a procedure is a change of the same object, not a drop and a create.
/// Views and materialized views share pg_class's namespace the same way.
/// </summary>
public static class ObjectKey
{
    public static string For(PgObjectKind kind, string identity) => Name(Family(kind)) + ":" + identity;

    public static ObjectFamily Family(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => ObjectFamily.Routine,
        PgObjectKind.Trigger => ObjectFamily.Trigger,
        PgObjectKind.View or PgObjectKind.MaterializedView => ObjectFamily.View,
        PgObjectKind.Policy => ObjectFamily.Policy,
        PgObjectKind.EventTrigger => ObjectFamily.EventTrigger,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The family as keys spell it: <c>routine</c>, <c>trigger</c>, <c>view</c>, <c>policy</c>, <c>eventtrigger</c>.</summary>
    public static string Name(ObjectFamily family) => family switch
    {
        ObjectFamily.Routine => "routine",
        ObjectFamily.Trigger => "trigger",
        ObjectFamily.View => "view",
        ObjectFamily.Policy => "policy",
        ObjectFamily.EventTrigger => "eventtrigger",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    /// <summary>The kind in words, for messages: <c>function</c>, <c>materialized view</c>, <c>event trigger</c>.</summary>
    public static string Words(PgObjectKind kind) =>
        string.Concat(kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
