namespace PgAutogen;

/// <summary>
/// Matching keys. Functions and procedures share one namespace in pg_proc (a function and a
/// procedure with the same name and argument types cannot coexist), so they share one key family:
/// turning a function into a procedure is a change of the same object, not a drop and a create.
/// </summary>
public static class ObjectKey
{
    public static string For(PgObjectKind kind, string identity) => Family(kind) + ":" + identity;

    public static string Family(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => "routine",
        PgObjectKind.Trigger => "trigger",
        PgObjectKind.View => "view",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
