namespace PgAutogen;

/// <summary>One managed object as the live catalog has it.</summary>
public sealed class PgObject
{
    public PgObject(PgObjectKind kind, string schema, string name, string identity, string definition)
    {
        Kind = kind;
        Schema = schema;
        Name = name;
        Identity = identity;
        Definition = definition;
    }

    private readonly StringList _indexes = StringList.Empty;
    private readonly StringList _dependsOn = StringList.Empty;

    /// <summary>
    /// A copy of <paramref name="source"/>, every property of it: the class's <c>with</c>. An object initializer changes
    /// what differs: <c>new PgObject(obj) { Definition = live.Definition }</c>.
    /// </summary>
    public PgObject(PgObject source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Kind = source.Kind;
        Schema = source.Schema;
        Name = source.Name;
        Table = source.Table;
        Arguments = source.Arguments;
        Identity = source.Identity;
        Definition = source.Definition;
        Owner = source.Owner;
        Comment = source.Comment;
        Acl = source.Acl;
        TriggerState = source.TriggerState;
        IsConstraintTrigger = source.IsConstraintTrigger;
        Indexes = source.Indexes;
        WithNoData = source.WithNoData;
        Policy = source.Policy;
        Oid = source.Oid;
        DependsOn = source.DependsOn;
        EngineFacts = source.EngineFacts;
        FingerprintSource = source.FingerprintSource;
    }

    /// <summary>
    /// What the engine read beside the definition for its own use (for a trigger with a WHEN clause: the types of its
    /// table's columns, which the parse-tree shortcut needs to know the casts PostgreSQL prints); not part of the object.
    /// </summary>
    internal object? EngineFacts;

    public PgObjectKind Kind { get; }

    /// <summary>The schema (for a trigger or a policy: the schema of its table; for an event trigger: empty), unquoted.</summary>
    public string Schema { get; }

    /// <summary>The object's name, unquoted.</summary>
    public string Name { get; }

    /// <summary>For a trigger: the table (or view) it is on; for a policy: its table; unquoted; otherwise null.</summary>
    public string? Table { get; init; }

    /// <summary>
    /// For functions and procedures: the input argument types that identify the routine, as
    /// <c>format_type</c> writes them (<c>integer, text</c>); parameter names are not part of it.
    /// </summary>
    public string? Arguments { get; init; }

    /// <summary>A readable, correctly quoted identity: <c>app."Weird Name"(integer, text)</c>, <c>audit ON app.orders</c>, <c>app.totals</c>, <c>no_drops</c> (an event trigger).</summary>
    public string Identity { get; }

    /// <summary>
    /// The definition as PostgreSQL returns it (pg_get_functiondef, pg_get_triggerdef, pg_get_viewdef); for a
    /// materialized view, its CREATE statement (with storage options) followed by its indexes' (pg_get_indexdef);
    /// for a policy and an event trigger, a CREATE statement built from pg_policy / pg_event_trigger.
    /// </summary>
    public string Definition { get; init; }

    public string? Owner { get; init; }

    public string? Comment { get; init; }

    /// <summary>The access privileges, as the catalog's aclitem[] text, or null for the defaults.</summary>
    public string? Acl { get; init; }

    /// <summary>For triggers and event triggers: when it fires. Null for other kinds.</summary>
    public TriggerState? TriggerState { get; init; }

    /// <summary>For triggers: true for a constraint trigger (which cannot be created with OR REPLACE).</summary>
    public bool IsConstraintTrigger { get; init; }

    /// <summary>For materialized views: the CREATE INDEX statements of its indexes (part of <see cref="Definition"/>), by index name.</summary>
    public IReadOnlyList<string> Indexes { get => _indexes; init => _indexes = StringList.From(value); }

    /// <summary>
    /// For materialized views: created WITH NO DATA (declared so; read from a database: not populated). Not part of
    /// the definition, so that a REFRESH never makes a declared WITH NO DATA view differ; it only decides how a
    /// migration creates it.
    /// </summary>
    public bool WithNoData { get; init; }

    /// <summary>For policies: the clauses of the policy, as pg_policy holds them; null for other kinds.</summary>
    public PolicyClauses? Policy { get; init; }

    /// <summary>The catalog OID (pg_proc, pg_trigger, pg_class, pg_policy or pg_event_trigger). Differs between databases; not part of the identity.</summary>
    public uint Oid { get; init; }

    /// <summary>Identities of the managed objects this one depends on (from pg_depend).</summary>
    public IReadOnlyList<string> DependsOn { get => _dependsOn; init => _dependsOn = StringList.From(value); }

    /// <summary>
    /// The MD5 (hex) of the object's definition as the catalog prints it (pg_get_functiondef, pg_get_triggerdef,
    /// pg_get_viewdef with the view's options, ...; a trigger's enabled state, the owner, ACL and comment are not part
    /// of it): what <c>New-PgMigration -Guard</c> checks, in the database, before the migration replaces or drops it.
    /// </summary>
    public string Fingerprint => _fingerprint ??= Md5Hex(FingerprintSource ?? Definition);

    private string? _fingerprint;

    /// <summary>
    /// The text <see cref="Fingerprint"/> hashes when it is not <see cref="Definition"/>: the catalog's own parts of
    /// the definition (a view's query and options, ...), joined as the guard's SQL joins them (see MigrationGuard).
    /// </summary>
    internal string? FingerprintSource { get; init; }

    private static string Md5Hex(string text)
    {
#pragma warning disable CA5351 // MD5 is a fingerprint here, computed the same way by PostgreSQL's md5(); not a security boundary
        return Convert.ToHexString(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
#pragma warning restore CA5351
    }

    /// <summary>The key this object is matched by: kind family + identity.</summary>
    public string Key => ObjectKey.For(Kind, Identity);

    public override string ToString() => Identity;
}
