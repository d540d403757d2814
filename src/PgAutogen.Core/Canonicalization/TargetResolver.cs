using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Canonicalization;

/// <summary>A catalog row of a managed object: its family (which catalog) and its oid.</summary>
internal readonly record struct CatalogId(ObjectFamily Family, uint Oid)
{
    public static CatalogId Of(PgObject obj) => new(ObjectKey.Family(obj.Kind), obj.Oid);

    /// <summary>The oid of the catalog the row is in (pg_depend's classid).</summary>
    public uint ClassId => Family switch
    {
        ObjectFamily.Routine => CatalogInspector.PgProcOid,
        ObjectFamily.Trigger => CatalogInspector.PgTriggerOid,
        ObjectFamily.Policy => CatalogInspector.PgPolicyOid,
        ObjectFamily.EventTrigger => CatalogInspector.PgEventTriggerOid,
        _ => CatalogInspector.PgClassOid,
    };
}

/// <summary>The catalog row a declaration names (<see cref="Oid"/> null when there is none).</summary>
internal readonly record struct Target(PgDeclaration Declaration, ObjectFamily Family, uint? Oid)
{
    public CatalogId? Id => Oid is { } oid ? new CatalogId(Family, oid) : null;
}

/// <summary>
/// Finds the catalog row each declaration names, by the rules PostgreSQL used to create it: routines by schema, name
/// and exact input types; views and materialized views by schema and name; triggers and policies by name and table;
/// event triggers by name. Unqualified names resolve to the session's current schema.
/// </summary>
internal sealed class TargetResolver(CompareContext context)
{
    /// <summary>
    /// The catalog row of each declaration, in one batch and one query: routines, then views, then triggers, policies and
    /// event triggers. Routines are matched the way to_regprocedure matches them, but without to_regprocedure: each call
    /// adds a catalog-cache list for its name, and PostgreSQL searches those lists one by one, so thousands of distinct
    /// names made the lookup quadratic (14 s for 20,000 routines). Instead, the distinct argument types are resolved once
    /// (to_regtype, the parser to_regprocedure uses for them) and the routines are found through the (proname,
    /// proargtypes, pronamespace) index.
    /// </summary>
    public async Task<List<Target>> ResolveAsync(IReadOnlyList<PgDeclaration> declarations)
    {
        var cancellationToken = context.CancellationToken;
        // GRANT ... ON ALL FUNCTIONS IN SCHEMA names no one routine (AttributeDeclarations expands it).
        var routines = declarations.Where(d => d.Kind is PgObjectKind.Function or PgObjectKind.Procedure && !d.AllInSchema).ToList();
        // A materialized view's index declarations resolve to the view: they are part of it (rebuilt with it).
        var views = declarations.Where(d => d.Kind is PgObjectKind.View or PgObjectKind.MaterializedView).ToList();
        var triggers = declarations.Where(d => d.Kind == PgObjectKind.Trigger).ToList();
        var policies = declarations.Where(d => d.Kind == PgObjectKind.Policy).ToList();
        var eventTriggers = declarations.Where(d => d.Kind == PgObjectKind.EventTrigger).ToList();
        var argumentTypes = routines.Select(d => SplitArguments(d.Arguments)).ToList();
        var typeNames = argumentTypes.SelectMany(types => types).Distinct(StringComparer.Ordinal).ToList();

        var result = new List<Target>(declarations.Count);
        var typeOids = new Dictionary<string, uint?>(StringComparer.Ordinal);
        await using (var batch = new NpgsqlBatch(context.Connection))
        {
            batch.BatchCommands.Add(SqlCommands.WithTextArray("SELECT s.i::int, pg_catalog.to_regtype(s.name)::oid FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i)", typeNames));
            batch.BatchCommands.Add(SqlCommands.WithTextArray("SELECT s.i::int, pg_catalog.to_regclass(s.name)::oid FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i)",
                views.Select(d => context.Qualify(d.Schema, d.Name))));
            batch.BatchCommands.Add(OnTable("pg_trigger", "tgname", "tgrelid", triggers));
            batch.BatchCommands.Add(OnTable("pg_policy", "polname", "polrelid", policies));
            batch.BatchCommands.Add(SqlCommands.WithTextArray("""
                SELECT s.i::int, e.oid
                FROM unnest($1::text[]) WITH ORDINALITY AS s(evtname, i)
                LEFT JOIN pg_catalog.pg_event_trigger e ON e.evtname = s.evtname
                """, eventTriggers.Select(d => d.Name)));

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                typeOids[typeNames[reader.GetInt32(0) - 1]] = reader.IsDBNull(1) ? null : reader.GetFieldValue<uint>(1);
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var viewTargets = new List<Target>(views.Count);
            foreach (var (list, family, into) in new[]
                     {
                         (views, ObjectFamily.View, viewTargets), (triggers, ObjectFamily.Trigger, result), (policies, ObjectFamily.Policy, result), (eventTriggers, ObjectFamily.EventTrigger, result),
                     })
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    into.Add(new Target(list[reader.GetInt32(0) - 1], family, reader.IsDBNull(1) ? null : reader.GetFieldValue<uint>(1)));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }

            // Routines, then views, then triggers, policies and event triggers.
            result.InsertRange(0, viewTargets);
        }

        var routineOids = await RoutineOidsAsync(routines, argumentTypes, typeOids).ConfigureAwait(false);
        result.InsertRange(0, routines.Select((d, i) => new Target(d, ObjectFamily.Routine, routineOids[i])));
        return result;
    }

    /// <summary>The oid of each routine (null where none matches; a routine with an argument type that does not resolve matches nothing, as with to_regprocedure).</summary>
    private async Task<uint?[]> RoutineOidsAsync(List<PgDeclaration> routines, List<List<string>> argumentTypes, Dictionary<string, uint?> typeOids)
    {
        var routineOids = new uint?[routines.Count];
        var lookups = new List<int>(routines.Count);
        var vectors = new List<string>(routines.Count);
        for (var i = 0; i < routines.Count; i++)
        {
            var oids = argumentTypes[i].Select(t => typeOids.GetValueOrDefault(t)).ToList();
            if (oids.All(o => o is not null))
            {
                lookups.Add(i);
                vectors.Add(string.Join(' ', oids.Select(o => o!.Value.ToString(CultureInfo.InvariantCulture))));
            }
        }

        if (lookups.Count == 0)
        {
            return routineOids;
        }

        await using var cmd = new NpgsqlCommand("""
            SELECT s.i::int, p.oid
            FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s(nsp, name, args, i)
            JOIN pg_catalog.pg_namespace n ON n.nspname = s.nsp::pg_catalog.name
            JOIN pg_catalog.pg_proc p ON p.proname = s.name::pg_catalog.name
                                     AND p.proargtypes = s.args::pg_catalog.oidvector
                                     AND p.pronamespace = n.oid
            """, context.Connection);
        cmd.Parameters.Add(SqlCommands.TextArray(lookups.Select(i => routines[i].Schema.Length == 0 ? context.CurrentSchema : routines[i].Schema)));
        cmd.Parameters.Add(SqlCommands.TextArray(lookups.Select(i => routines[i].Name)));
        cmd.Parameters.Add(SqlCommands.TextArray(vectors));
        await using var reader = await cmd.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
        {
            routineOids[lookups[reader.GetInt32(0) - 1]] = reader.GetFieldValue<uint>(1);
        }

        return routineOids;
    }

    /// <summary>
    /// The existing object one declaration targets (a routine by to_regprocedure, a view or materialized view by
    /// to_regclass), or null: what a re-creation drops.
    /// </summary>
    public async Task<CatalogId?> ResolveExistingAsync(PgDeclaration declaration)
    {
        if (declaration.Kind is not (PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.MaterializedView))
        {
            return null;
        }

        var routine = declaration.Kind is PgObjectKind.Function or PgObjectKind.Procedure;
        await using var cmd = new NpgsqlCommand(routine ? "SELECT pg_catalog.to_regprocedure($1)::oid" : "SELECT pg_catalog.to_regclass($1)::oid", context.Connection);
        cmd.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Text,
            Value = routine ? Signature(declaration) : context.Qualify(declaration.Schema, declaration.Name),
        });
        var result = await cmd.ExecuteScalarAsync(context.CancellationToken).ConfigureAwait(false);
        return result is uint oid ? new CatalogId(routine ? ObjectFamily.Routine : ObjectFamily.View, oid) : null;
    }

    /// <summary>
    /// Maps each declaration to the catalog row it created or replaced. A declaration that ran but names no row, and two
    /// declarations of one row, are errors.
    /// </summary>
    public static Dictionary<CatalogId, PgDeclaration> Map(IEnumerable<Target> targets)
    {
        var result = new Dictionary<CatalogId, PgDeclaration>();
        foreach (var (declaration, family, oid) in targets)
        {
            if (oid is null)
            {
                throw new PgAutogenException(PgErrorId.DeclarationInvalid,
                    $"{declaration.Location}: the {ObjectKey.Words(declaration.Kind)} {declaration.Identity} ran without error, but PgAutogen could not find what it created. " +
                    "Please report this with the declaration.") { Target = declaration };
            }

            var id = new CatalogId(family, oid.Value);
            if (result.TryGetValue(id, out var first))
            {
                throw new PgAutogenException(PgErrorId.DeclarationDuplicate,
                    $"{declaration.Location}: {declaration.Identity} declares the same object as {first.Location} ({first.Identity}). Keep one of the two declarations.")
                { Target = declaration, RecommendedAction = "Remove one of the two declarations." };
            }

            result[id] = declaration;
        }

        return result;
    }

    /// <summary>
    /// The argument types as written, split at the commas between them (not those inside parentheses, brackets or
    /// double quotes: <c>numeric(12,2)</c>, <c>"a,b"</c>), trimmed. Empty for no arguments.
    /// </summary>
    internal static List<string> SplitArguments(string? arguments)
    {
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return result;
        }

        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < arguments.Length; i++)
        {
            var ch = arguments[i];
            if (quoted)
            {
                quoted = ch != '"';
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch is '(' or '[')
            {
                depth++;
            }
            else if (ch is ')' or ']')
            {
                depth--;
            }
            else if (ch == ',' && depth == 0)
            {
                result.Add(arguments[start..i].Trim());
                start = i + 1;
            }
        }

        result.Add(arguments[start..].Trim());
        return result;
    }

    /// <summary>The routine's signature for to_regprocedure: unqualified names resolve to the schema they were created in.</summary>
    private string Signature(PgDeclaration declaration) => context.Qualify(declaration.Schema, declaration.Name) + "(" + declaration.Arguments + ")";

    /// <summary>Finds triggers or policies (<paramref name="catalog"/>) by name and the table they are on: (declaration index, oid or null).</summary>
    private static NpgsqlBatchCommand OnTable(string catalog, string nameColumn, string relationColumn, IReadOnlyList<PgDeclaration> declarations)
    {
        var command = SqlCommands.WithTextArray($"""
            SELECT s.i::int, x.oid
            FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(name, tbl, i)
            LEFT JOIN pg_catalog.{catalog} x ON x.{nameColumn} = s.name AND x.{relationColumn} = pg_catalog.to_regclass(s.tbl)
            """, declarations.Select(d => d.Name));
        command.Parameters.Add(SqlCommands.TextArray(declarations.Select(StatementPreparer.TableOf)));
        return command;
    }
}
