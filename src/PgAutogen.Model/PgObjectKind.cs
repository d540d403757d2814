namespace PgAutogen;

/// <summary>The kinds of database object PgAutogen manages.</summary>
public enum PgObjectKind
{
    Function,
    Procedure,
    Trigger,
    View,
}
