namespace PgAutogen;

/// <summary>One statement of a declaration file, parsed offline (no database needed).</summary>
public sealed class PgDeclaration
{
    public PgDeclaration(PgObjectKind kind, string schema, string name, string sql, string file, int line, int column)
    {
        Kind = kind;
        Schema = schema;
        Name = name;
        Sql = sql;
        File = file;
        Line = line;
        Column = column;
    }

    public PgObjectKind Kind { get; }

    /// <summary>The schema as written, unquoted; empty when unqualified (resolved later against the database's current_schema()).</summary>
    public string Schema { get; }

    /// <summary>The object's name, unquoted.</summary>
    public string Name { get; }

    /// <summary>For a trigger or a policy: the table it is on, unquoted (its schema is in <see cref="TableSchema"/>).</summary>
    public string? Table { get; init; }

    /// <summary>For a trigger or a policy: the schema of its table as written; empty when unqualified.</summary>
    public string? TableSchema { get; init; }

    /// <summary>For functions and procedures: the input argument types as written (<c>int, text</c>).</summary>
    public string? Arguments { get; init; }

    /// <summary>True when the statement says OR REPLACE.</summary>
    public bool OrReplace { get; init; }

    /// <summary>For triggers: true for CREATE CONSTRAINT TRIGGER.</summary>
    public bool IsConstraintTrigger { get; init; }

    /// <summary>True for COMMENT ON a managed object (Kind, Schema, Name, Table, Arguments name that object).</summary>
    public bool IsComment { get; init; }

    /// <summary>For COMMENT ON: the comment; null for IS NULL (no comment).</summary>
    public string? Comment { get; init; }

    /// <summary>
    /// True for GRANT or REVOKE on a managed object (Kind, Schema, Name, Arguments name it; ON TABLE names a view or a
    /// materialized view, Kind View) or on ALL FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA (<see cref="AllInSchema"/>).
    /// An object with such a declaration has a managed ACL: the compare diffs its privileges.
    /// </summary>
    public bool IsPrivilege { get; init; }

    /// <summary>True for ALTER FUNCTION | PROCEDURE | ROUTINE | VIEW | MATERIALIZED VIEW ... OWNER TO: the object's owner is declared.</summary>
    public bool IsOwnerChange { get; init; }

    /// <summary>For GRANT or REVOKE ON ALL FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA: Schema names the schema, Name is empty.</summary>
    public bool AllInSchema { get; init; }

    /// <summary>
    /// For GRANT, REVOKE and OWNER TO: the roles named (the grantees, the new owner), as written; PUBLIC, CURRENT_ROLE,
    /// CURRENT_USER and SESSION_USER are not listed. Each must exist when the declarations are compared.
    /// </summary>
    public IReadOnlyList<string> Roles { get => _roles; init => _roles = StringList.From(value); }

    private readonly StringList _roles = StringList.Empty;

    /// <summary>COMMENT ON, GRANT / REVOKE or OWNER TO: declares an attribute of an object (its comment, privileges, owner) and creates nothing.</summary>
    internal bool IsAttribute => IsComment || IsPrivilege || IsOwnerChange;

    /// <summary>For GRANT and REVOKE: what the statement grants on, as it says it (FUNCTION, PROCEDURE, ROUTINE, TABLE).</summary>
    internal string? PrivilegeObjectType { get; init; }

    /// <summary>
    /// True for CREATE INDEX on a materialized view: part of that view's definition (Kind, Schema and Name name the
    /// view; <see cref="IndexName"/> the index).
    /// </summary>
    public bool IsIndex { get; init; }

    /// <summary>For CREATE INDEX: the index name as written; empty when PostgreSQL is to choose it.</summary>
    public string? IndexName { get; init; }

    /// <summary>For a materialized view: declared WITH NO DATA (a migration creates it empty, to be refreshed later).</summary>
    public bool WithNoData { get; init; }

    /// <summary>The statement text exactly as in the file (without the terminating semicolon).</summary>
    public string Sql { get; }

    /// <summary>The file the statement came from, or a label such as <c>-Sql[0]</c> for strings.</summary>
    public string File { get; }

    /// <summary>1-based line of the statement's first character.</summary>
    public int Line { get; }

    /// <summary>1-based column (in characters) of the statement's first character.</summary>
    public int Column { get; }

    /// <summary>A readable identity as written: <c>app.f(int, text)</c>, <c>trg ON app.orders</c>, <c>app.mv</c>, <c>evt</c>.</summary>
    public string Identity
    {
        get
        {
            if (AllInSchema)
            {
                return "ALL " + (PrivilegeObjectType ?? "FUNCTION") + "S IN SCHEMA " + SqlIdentifier.Quote(Schema);
            }

            var qualified = Schema.Length == 0 ? SqlIdentifier.Quote(Name) : SqlIdentifier.Quote(Schema) + "." + SqlIdentifier.Quote(Name);
            return Kind switch
            {
                PgObjectKind.Function or PgObjectKind.Procedure => qualified + "(" + Arguments + ")",
                PgObjectKind.Trigger or PgObjectKind.Policy => SqlIdentifier.Quote(Name) + " ON " +
                    (string.IsNullOrEmpty(TableSchema) ? "" : SqlIdentifier.Quote(TableSchema) + ".") + SqlIdentifier.Quote(Table ?? ""),
                _ => qualified,
            };
        }
    }

    /// <summary>
    /// What the engine read from the statement's parse tree (references, tree hash), kept with the declaration: a field,
    /// not a side table, since a ConditionalWeakTable's dependent handles made every GC of a large parse slower.
    /// </summary>
    internal object? EngineFacts;

    /// <summary>Where it was declared: <c>file:line:column</c>.</summary>
    public string Location => File + ":" + Line + ":" + Column;

    public override string ToString() => Identity;
}
