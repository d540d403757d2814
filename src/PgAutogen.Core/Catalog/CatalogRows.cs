using Npgsql;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Catalog;

/// <summary>
/// A row of one of the inspection queries (<see cref="CatalogQueries"/>), read by column name: <see cref="Bind"/> looks
/// the columns up once per query and returns the reader of a row; <see cref="ToObject"/> makes the managed object.
/// </summary>
internal interface ICatalogRow<TSelf> where TSelf : ICatalogRow<TSelf>
{
    static abstract Func<NpgsqlDataReader, TSelf> Bind(NpgsqlDataReader reader);

    /// <summary>The object; null when the filter leaves it out.</summary>
    PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies);
}

/// <summary>The columns of a query's result, by name; a name the query does not have is an error naming it.</summary>
internal readonly struct Columns(NpgsqlDataReader reader)
{
    public int this[string name] => reader.GetOrdinal(name);
}

/// <summary>Reading helpers for nullable columns.</summary>
internal static class RowReader
{
    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static string[] Strings(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? Array.Empty<string>() : reader.GetFieldValue<string[]>(ordinal);

    public static TriggerState TriggerState(this NpgsqlDataReader reader, int ordinal) => reader.GetString(ordinal) switch
    {
        "D" => PgAutogen.TriggerState.Disabled,
        "R" => PgAutogen.TriggerState.Replica,
        "A" => PgAutogen.TriggerState.Always,
        _ => PgAutogen.TriggerState.Enabled,
    };
}

/// <summary>A function or procedure (<see cref="CatalogQueries.Routines"/>).</summary>
internal readonly record struct RoutineRow(uint Oid, string Schema, string Name, char Kind, string Arguments, string Definition, string Owner, string? Comment, string? Acl)
    : ICatalogRow<RoutineRow>
{
    public static Func<NpgsqlDataReader, RoutineRow> Bind(NpgsqlDataReader reader)
    {
        var c = new Columns(reader);
        int oid = c["oid"], schema = c["nspname"], name = c["proname"], kind = c["prokind"], args = c["args"], def = c["def"], owner = c["owner"], comment = c["comment"], acl = c["acl"];
        return r => new RoutineRow(r.GetFieldValue<uint>(oid), r.GetString(schema), r.GetString(name), r.GetChar(kind), r.GetString(args), r.GetString(def),
            r.GetString(owner), r.NullableString(comment), r.NullableString(acl));
    }

    public PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies)
    {
        var kind = Kind == 'p' ? PgObjectKind.Procedure : PgObjectKind.Function;
        return !filter.Includes(kind) ? null : new PgObject(kind, Schema, Name, Identities.Routine(Schema, Name, Arguments), Definition)
        {
            Arguments = Arguments,
            Owner = Owner,
            Comment = Comment,
            Acl = Acl,
            Oid = Oid,
            DependsOn = dependencies.Of(CatalogInspector.PgProcOid, Oid),
        };
    }
}

/// <summary>A trigger (<see cref="CatalogQueries.Triggers"/>), with the function it executes.</summary>
internal readonly record struct TriggerRow(
    uint Oid, string Schema, string Table, string Name, string Definition, TriggerState State, bool IsConstraint, string Owner, string? Comment, string Function,
    WhenColumns? WhenColumns)
    : ICatalogRow<TriggerRow>
{
    public static Func<NpgsqlDataReader, TriggerRow> Bind(NpgsqlDataReader reader)
    {
        var c = new Columns(reader);
        int oid = c["oid"], schema = c["nspname"], table = c["relname"], name = c["tgname"], def = c["def"], enabled = c["enabled"], isConstraint = c["is_constraint"],
            owner = c["owner"], comment = c["comment"], fschema = c["fschema"], fname = c["fname"], fargs = c["fargs"], whenColumns = c["when_columns"],
            builtin = c["builtin_comparisons"];
        return r => new TriggerRow(r.GetFieldValue<uint>(oid), r.GetString(schema), r.GetString(table), r.GetString(name), r.GetString(def), r.TriggerState(enabled),
            r.GetBoolean(isConstraint), r.GetString(owner), r.NullableString(comment), Identities.Routine(r.GetString(fschema), r.GetString(fname), r.GetString(fargs)),
            r.IsDBNull(whenColumns) ? null : new WhenColumns(r.GetFieldValue<string[]>(whenColumns), r.GetBoolean(builtin)));
    }

    public PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies) =>
        new PgObject(PgObjectKind.Trigger, Schema, Name, Identities.Trigger(Schema, Table, Name), Definition)
        {
            Table = Table,
            TriggerState = State,
            IsConstraintTrigger = IsConstraint,
            Owner = Owner,
            Comment = Comment,
            Oid = Oid,
            DependsOn = dependencies.Of(CatalogInspector.PgTriggerOid, Oid).Prepend(Function).Distinct(StringComparer.Ordinal).ToArray(),
            EngineFacts = WhenColumns,
        };
}

/// <summary>A view (<see cref="CatalogQueries.Views"/>).</summary>
internal readonly record struct ViewRow(uint Oid, string Schema, string Name, string Query, string[] Options, string Owner, string? Comment, string? Acl)
    : ICatalogRow<ViewRow>
{
    public static Func<NpgsqlDataReader, ViewRow> Bind(NpgsqlDataReader reader)
    {
        var c = new Columns(reader);
        int oid = c["oid"], schema = c["nspname"], name = c["relname"], def = c["def"], options = c["options"], owner = c["owner"], comment = c["comment"], acl = c["acl"];
        return r => new ViewRow(r.GetFieldValue<uint>(oid), r.GetString(schema), r.GetString(name), r.GetString(def), r.Strings(options), r.GetString(owner),
            r.NullableString(comment), r.NullableString(acl));
    }

    public PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies) =>
        new PgObject(PgObjectKind.View, Schema, Name, Identities.Relation(Schema, Name), CatalogDefinitions.View(Schema, Name, Options, Query))
        {
            FingerprintSource = Fingerprint.Join(Query, string.Join(",", Options)),
            Owner = Owner,
            Comment = Comment,
            Acl = Acl,
            Oid = Oid,
            DependsOn = dependencies.Of(CatalogInspector.PgClassOid, Oid),
        };
}

/// <summary>
/// A materialized view (<see cref="CatalogQueries.MaterializedViews"/>): a view's columns, and its storage (access method
/// when not heap, tablespace), whether it is populated, and its indexes.
/// </summary>
internal readonly record struct MaterializedViewRow(ViewRow View, string? AccessMethod, string? Tablespace, bool Populated, string[] RawIndexes)
    : ICatalogRow<MaterializedViewRow>
{
    public static Func<NpgsqlDataReader, MaterializedViewRow> Bind(NpgsqlDataReader reader)
    {
        var view = ViewRow.Bind(reader);
        var c = new Columns(reader);
        int am = c["am"], tablespace = c["tablespace"], populated = c["relispopulated"], indexes = c["indexes"];
        return r => new MaterializedViewRow(view(r), r.NullableString(am), r.NullableString(tablespace), r.GetBoolean(populated), r.GetFieldValue<string[]>(indexes));
    }

    /// <summary>The CREATE INDEX statements (pg_get_indexdef), each ending with its semicolon.</summary>
    public string[] Indexes => RawIndexes.Select(i => i.TrimEnd() + ";").ToArray();

    public PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies)
    {
        var (oid, schema, name, query, options, owner, comment, acl) = View;
        var create = CatalogDefinitions.MaterializedViewCreate(schema, name, AccessMethod, options, Tablespace, query);
        var indexes = Indexes;
        return new PgObject(PgObjectKind.MaterializedView, schema, name, Identities.Relation(schema, name), CatalogDefinitions.MaterializedView(create, indexes))
        {
            FingerprintSource = Fingerprint.Join(query, string.Join(",", options), AccessMethod ?? "", Tablespace ?? "", string.Join("\n", RawIndexes)),
            Owner = owner,
            Comment = comment,
            Acl = acl,
            WithNoData = !Populated,
            Indexes = indexes,
            Oid = oid,
            DependsOn = dependencies.Of(CatalogInspector.PgClassOid, oid),
        };
    }
}

/// <summary>A row-level-security policy (<see cref="CatalogQueries.Policies"/>).</summary>
internal readonly record struct PolicyRow(uint Oid, string Schema, string Table, string Name, PolicyClauses Clauses, string? Comment) : ICatalogRow<PolicyRow>
{
    public static Func<NpgsqlDataReader, PolicyRow> Bind(NpgsqlDataReader reader)
    {
        var c = new Columns(reader);
        int oid = c["oid"], schema = c["nspname"], table = c["relname"], name = c["polname"], cmd = c["cmd"], permissive = c["polpermissive"], roles = c["roles"],
            qual = c["qual"], withCheck = c["withcheck"], comment = c["comment"];
        return r => new PolicyRow(r.GetFieldValue<uint>(oid), r.GetString(schema), r.GetString(table), r.GetString(name),
            new PolicyClauses(r.GetString(cmd), r.GetBoolean(permissive), r.GetFieldValue<string[]>(roles), r.NullableString(qual), r.NullableString(withCheck)),
            r.NullableString(comment));
    }

    public PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies) =>
        new PgObject(PgObjectKind.Policy, Schema, Name, Identities.Trigger(Schema, Table, Name), CatalogDefinitions.Policy(Schema, Table, Name, Clauses))
        {
            FingerprintSource = Fingerprint.Join(Clauses.Command, Clauses.Permissive ? "true" : "false", string.Join(",", Clauses.Roles), Clauses.Using ?? "", Clauses.WithCheck ?? ""),
            Table = Table,
            Policy = Clauses,
            Comment = Comment,
            Oid = Oid,
            DependsOn = dependencies.Of(CatalogInspector.PgPolicyOid, Oid),
        };
}

/// <summary>An event trigger (<see cref="CatalogQueries.EventTriggers"/>), with the function it executes.</summary>
internal readonly record struct EventTriggerRow(
    uint Oid, string Name, string Event, string[] Tags, TriggerState State, string Owner, string? Comment, string FunctionSchema, string FunctionName, string FunctionArguments)
    : ICatalogRow<EventTriggerRow>
{
    public static Func<NpgsqlDataReader, EventTriggerRow> Bind(NpgsqlDataReader reader)
    {
        var c = new Columns(reader);
        int oid = c["oid"], name = c["evtname"], evt = c["evtevent"], tags = c["tags"], enabled = c["enabled"], owner = c["owner"], comment = c["comment"],
            fschema = c["fschema"], fname = c["fname"], fargs = c["fargs"];
        return r => new EventTriggerRow(r.GetFieldValue<uint>(oid), r.GetString(name), r.GetString(evt), r.GetFieldValue<string[]>(tags), r.TriggerState(enabled),
            r.GetString(owner), r.NullableString(comment), r.GetString(fschema), r.GetString(fname), r.GetString(fargs));
    }

    public PgObject? ToObject(CatalogFilter filter, CatalogDependencies dependencies) =>
        new PgObject(PgObjectKind.EventTrigger, "", Name, SqlIdentifier.Quote(Name),
            CatalogDefinitions.EventTrigger(Name, Event, Tags, SqlIdentifier.Qualify(FunctionSchema, FunctionName)))
        {
            FingerprintSource = Fingerprint.Join(Event, string.Join(",", Tags), FunctionSchema, FunctionName, FunctionArguments),
            TriggerState = State,
            Owner = Owner,
            Comment = Comment,
            Oid = Oid,
            DependsOn = new[] { Identities.Routine(FunctionSchema, FunctionName, FunctionArguments) },
        };
}

/// <summary>
/// The text an object's <see cref="PgObject.Fingerprint"/> hashes where it is not the definition itself (functions and
/// triggers: pg_get_functiondef, pg_get_triggerdef): the catalog's own parts, joined with U+001F, exactly as
/// <see cref="Rendering.MigrationGuard"/>'s SQL joins them in the database when New-PgMigration -Guard checks it.
/// </summary>
internal static class Fingerprint
{
    public static string Join(params string[] parts) => string.Join(Rendering.MigrationGuard.Separator, parts);
}

/// <summary>What each managed object depends on, by identity (<see cref="CatalogQueries.Dependencies"/>: pg_depend edges), keyed by (catalog, oid).</summary>
internal sealed class CatalogDependencies(Dictionary<(uint Catalog, uint Oid), string[]> byObject)
{
    public string[] Of(uint catalog, uint oid) => byObject.TryGetValue((catalog, oid), out var deps) ? deps : Array.Empty<string>();

    public static async Task<CatalogDependencies> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(uint, uint), List<string>>();
        await using var cmd = new NpgsqlCommand(CatalogQueries.Dependencies, connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var c = new Columns(reader);
        int classId = c["classid"], objId = c["objid"], refKind = c["refkind"], schema = c["nspname"], name = c["proname"], args = c["args"];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (reader.GetFieldValue<uint>(classId), reader.GetFieldValue<uint>(objId));
            var identity = reader.GetString(refKind) == "r"
                ? Identities.Routine(reader.GetString(schema), reader.GetString(name), reader.GetString(args))
                : Identities.Relation(reader.GetString(schema), reader.GetString(name));
            if (!result.TryGetValue(key, out var list))
            {
                result[key] = list = new List<string>();
            }

            list.Add(identity);
        }

        return new CatalogDependencies(result.ToDictionary(kv => kv.Key, kv => kv.Value.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()));
    }
}
