using Npgsql;
using NpgsqlTypes;
using PgAutogen.Core.Diff;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// The slow path for a declaration PostgreSQL refuses to CREATE OR REPLACE (a function's return type or
/// parameter names, function ↔ procedure, a view losing or retyping columns): inside the declaration's
/// savepoint, drop what depends on the old object (dependents first), drop it, and let the declaration
/// create the new one. Dependents PgAutogen manages are re-created by their own declarations; any other
/// dependent (a column default, a check constraint, an index on a table, a view outside the comparison, a
/// policy or a materialized view that is not declared) makes the compare fail: it cannot be rebuilt.
/// </summary>
internal sealed class Recreation
{
    private const string DependentsQuery = """
        WITH RECURSIVE deps(classid, objid, depth) AS (
            VALUES ($1::oid, $2::oid, 0)
            UNION
            SELECT CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN 'pg_catalog.pg_class'::pg_catalog.regclass::oid ELSE d.classid END,
                   CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN r.ev_class ELSE d.objid END,
                   deps.depth + 1
            FROM deps
            JOIN pg_catalog.pg_depend d
              ON d.deptype IN ('n', 'a')
             AND ((d.refclassid = deps.classid AND d.refobjid = deps.objid)
                  OR (deps.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
                      AND d.refobjid = (SELECT c.reltype FROM pg_catalog.pg_class c WHERE c.oid = deps.objid)))
            LEFT JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
            WHERE deps.depth < 64
              AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.ev_class = deps.objid)
              AND NOT (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass)
        )
        SELECT x.classid, x.objid, x.depth,
               CASE WHEN x.classid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN (SELECT c.relkind::text FROM pg_catalog.pg_class c WHERE c.oid = x.objid)
                    WHEN x.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass THEN (SELECT p.prokind::text FROM pg_catalog.pg_proc p WHERE p.oid = x.objid)
                    WHEN x.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
                        CASE WHEN (SELECT t.tgparentid FROM pg_catalog.pg_trigger t WHERE t.oid = x.objid) <> 0 THEN 'clone' ELSE 'T' END
                    WHEN x.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass THEN 'P'
                    WHEN x.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass THEN 'E'
                    ELSE '?' END,
               (SELECT ic.relkind::text FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indrelid
                WHERE x.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid = x.objid) AS indexed,
               pg_catalog.pg_describe_object(x.classid, x.objid, 0)
        FROM (SELECT classid, objid, max(depth) AS depth FROM deps GROUP BY classid, objid) x
        WHERE NOT (x.classid = $1::oid AND x.objid = $2::oid)
        ORDER BY x.depth DESC, 6
        """;

    private readonly Dictionary<CatalogId, PgObject> _currentByOid;
    private readonly Dictionary<string, PgObject> _currentByKey;

    public Recreation(IReadOnlyList<PgObject> current)
    {
        _currentByOid = current.ToDictionary(CatalogId.Of);
        _currentByKey = current.ToDictionary(o => o.Key, StringComparer.Ordinal);
    }

    /// <summary>Why each current object (by key) is dropped and created again: the server's message, or the object it is rebuilt for.</summary>
    public Dictionary<string, string> Reasons { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether a declared object was dropped to be created again (<see cref="DropAsync"/>: a materialized view, a refusal).
    /// Dropping a routine no longer declared (<see cref="DropUndeclaredAsync"/>) does not count: its dependents, in
    /// <see cref="Reasons"/>, are what the parse-tree shortcut must execute.
    /// </summary>
    public bool RecreatesDeclared { get; private set; }

    /// <summary>
    /// Drops the object <paramref name="declaration"/> targets and its dependents (<paramref name="why"/>: what makes a
    /// re-creation necessary). Returns the catalog rows of the object and every dropped dependent, or null when the
    /// declaration targets no existing object (the error is genuine).
    /// </summary>
    public async Task<HashSet<CatalogId>?> DropAsync(CompareContext context, PgDeclaration declaration, string why)
    {
        var target = await new TargetResolver(context).ResolveExistingAsync(declaration).ConfigureAwait(false);
        if (target is not { } id || !_currentByOid.TryGetValue(id, out var old))
        {
            return null;
        }

        var (dependents, unmanaged) = await DependentsAsync(context, id).ConfigureAwait(false);
        if (unmanaged.Count > 0)
        {
            var list = string.Join("; ", unmanaged.Distinct(StringComparer.Ordinal));
            throw new PgAutogenException(PgErrorId.UnmanagedDependent,
                $"{declaration.Location}: {old.Identity} must be dropped and created again ({why}), " +
                $"but {list} depends on it, and PgAutogen does not manage that here, so it cannot be rebuilt. " +
                "Either manage it (declare it, or widen -Kind/-Schema to include it), or make this change by hand in a migration that drops and re-creates it. " +
                "Nothing was changed in the database.")
            {
                Target = declaration,
                RecommendedAction = "Declare the dependent object (or include its schema/kind in the comparison), or migrate this change by hand.",
            };
        }

        RecreatesDeclared = true;
        return await DropWithAsync(context, old, id, dependents, why, $"rebuilt because {old.Identity} is re-created").ConfigureAwait(false);
    }

    /// <summary>
    /// Drops <paramref name="old"/>, a current routine that is no longer declared while another of its schema and name is
    /// (<see cref="DisplacedOverloads"/>), with its managed dependents, which their declarations create again. False (and
    /// nothing dropped) when something PgAutogen does not manage depends on it: the compare refuses that drop later
    /// (<see cref="DroppedDependents"/>).
    /// </summary>
    public async Task<bool> DropUndeclaredAsync(CompareContext context, PgObject old, string why)
    {
        var id = CatalogId.Of(old);
        var (dependents, unmanaged) = await DependentsAsync(context, id).ConfigureAwait(false);
        if (unmanaged.Count > 0)
        {
            return false;
        }

        await DropWithAsync(context, old, id, dependents, why, $"rebuilt because {old.Identity}, which it uses, is dropped before the new overload is created").ConfigureAwait(false);
        return true;
    }

    private async Task<HashSet<CatalogId>> DropWithAsync(
        CompareContext context, PgObject old, CatalogId id, List<(PgObject Object, CatalogId Id)> dependents, string why, string dependentWhy)
    {
        var drops = new NpgsqlBatch(context.Connection);
        await using (drops.ConfigureAwait(false))
        {
            foreach (var (dependent, _) in dependents)
            {
                drops.BatchCommands.Add(new NpgsqlBatchCommand(SqlBuilder.Drop(dependent).TrimEnd(';')));
            }

            drops.BatchCommands.Add(new NpgsqlBatchCommand(SqlBuilder.Drop(old).TrimEnd(';')));
            await drops.ExecuteNonQueryAsync(context.CancellationToken).ConfigureAwait(false);
        }

        Reasons[old.Key] = why;
        foreach (var (dependent, _) in dependents)
        {
            Reasons.TryAdd(dependent.Key, dependentWhy);
        }

        // The object itself too: its COMMENT declaration (if any) runs again after it is created anew.
        var dropped = dependents.Select(d => d.Id).ToHashSet();
        dropped.Add(id);
        return dropped;
    }

    /// <summary>
    /// The downgrade's judgement: <paramref name="obj"/> (a desired object, in the transaction) must be dropped and
    /// created again to go back to its current form. Marks it and every dependent for re-creation in both
    /// directions; an unmanaged dependent is an error, as it is going up.
    /// </summary>
    public async Task MarkForDowngradeAsync(CompareContext context, PgObject obj, string why)
    {
        var (dependents, unmanaged) = await DependentsAsync(context, CatalogId.Of(obj)).ConfigureAwait(false);
        if (unmanaged.Count > 0)
        {
            throw new PgAutogenException(PgErrorId.UnmanagedDependent,
                $"The downgrade must drop and create {obj.Identity} again ({why}), but {string.Join("; ", unmanaged.Distinct(StringComparer.Ordinal))} depends on it, " +
                "and PgAutogen does not manage that here, so it cannot be rebuilt. Either manage it, or make this change by hand. Nothing was changed in the database.")
            {
                Target = obj,
                RecommendedAction = "Declare the dependent object (or include its schema/kind in the comparison), or migrate this change by hand.",
            };
        }

        Reasons.TryAdd(obj.Key, "the downgrade cannot replace it in place: " + why);
        foreach (var (dependent, _) in dependents)
        {
            Reasons.TryAdd(dependent.Key, $"rebuilt because {obj.Identity} is re-created");
        }
    }

    /// <summary>
    /// The managed objects (from this instance's catalog) and the descriptions of unmanaged ones that depend on a catalog
    /// row, deepest first. A managed object already rebuilt in this transaction (a dependent of an object re-created
    /// earlier: dropped, and created again by its declaration, under a new oid) is recognised by its identity.
    /// </summary>
    private async Task<(List<(PgObject Object, CatalogId Id)> Managed, List<string> Unmanaged)> DependentsAsync(CompareContext context, CatalogId of)
    {
        var rows = await DependentRowsAsync(context, of).ConfigureAwait(false);
        var rebuilt = new Dictionary<CatalogId, PgObject>();
        var unknown = rows.Where(r => r.Id is { } id && !_currentByOid.ContainsKey(id)).Select(r => r.Id!.Value).ToHashSet();
        if (unknown.Count > 0)
        {
            var filter = new Catalog.CatalogFilter { Oids = unknown.Select(u => u.Oid).ToHashSet() };
            foreach (var obj in await Catalog.CatalogInspector.ReadAllAsync(context.Connection, filter, context.CancellationToken).ConfigureAwait(false))
            {
                if (unknown.Contains(CatalogId.Of(obj)) && _currentByKey.ContainsKey(obj.Key))
                {
                    // As it is now, not as it was: it may have been rebuilt as another kind (a materialized view declared
                    // a view, seed 636), which takes another DROP.
                    rebuilt[CatalogId.Of(obj)] = obj;
                }
            }
        }

        var dependents = new List<(PgObject Object, CatalogId Id)>();
        var unmanaged = new List<string>();
        foreach (var (id, description) in rows)
        {
            if (id is { } known && (_currentByOid.TryGetValue(known, out var managed) || rebuilt.TryGetValue(known, out managed)))
            {
                dependents.Add((managed, known));
            }
            else
            {
                unmanaged.Add(description);
            }
        }

        return (dependents, unmanaged);
    }

    /// <summary>The rows that depend on a catalog row, deepest first: the catalog id of those of a managed kind (else null), and their description.</summary>
    private static async Task<List<(CatalogId? Id, string Description)>> DependentRowsAsync(CompareContext context, CatalogId of)
    {
        var rows = new List<(CatalogId?, string)>();
        await using var cmd = new NpgsqlCommand(DependentsQuery, context.Connection);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Oid, Value = of.ClassId });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Oid, Value = of.Oid });
        await using var reader = await cmd.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var kind = reader.IsDBNull(3) ? "?" : reader.GetString(3);
            if (kind == "clone" || (kind == "i" && !reader.IsDBNull(4) && reader.GetString(4) == "m"))
            {
                continue; // dropped with the partitioned table's trigger; a materialized view's index is part of its definition
            }

            var family = kind switch
            {
                "v" or "m" => ObjectFamily.View,
                "f" or "p" => ObjectFamily.Routine,
                "T" => ObjectFamily.Trigger,
                "P" => ObjectFamily.Policy,
                "E" => ObjectFamily.EventTrigger,
                _ => (ObjectFamily?)null,
            };
            rows.Add((family is { } f ? new CatalogId(f, reader.GetFieldValue<uint>(1)) : null, reader.GetString(5)));
        }

        return rows;
    }
}
