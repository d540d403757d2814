namespace PgAutogen.Core.Catalog;

/// <summary>Readable, correctly quoted identities, built in one place for catalog objects and declarations alike.</summary>
public static class Identities
{
    /// <summary><c>schema.name(argtype, argtype)</c>; the argument types as format_type writes them.</summary>
    public static string Routine(string schema, string name, string arguments) =>
        SqlIdentifier.Qualify(schema, name) + "(" + arguments + ")";

    /// <summary><c>trigger ON schema.table</c>.</summary>
    public static string Trigger(string schema, string table, string name) =>
        SqlIdentifier.Quote(name) + " ON " + SqlIdentifier.Qualify(schema, table);

    /// <summary><c>schema.name</c> for views and other relations.</summary>
    public static string Relation(string schema, string name) => SqlIdentifier.Qualify(schema, name);
}
