using Npgsql;
using NpgsqlTypes;
using PgAutogen.Core.Catalog;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// A function or view the migration drops (it is no longer declared) that something PgAutogen does not manage still uses
/// — a column default, a check constraint, an index on a table, a view outside the compared schemas — cannot be dropped:
/// PostgreSQL refuses (cannot drop ... because other objects depend on it). The compare stops instead, naming both,
/// rather than write a migration that fails on deploy. (What a declared object uses is <see cref="Diff.DesiredStateCheck"/>'s.)
/// Only normal dependencies refuse: an automatic one (before PostgreSQL 15, a generated column's on its routine) does not
/// stop the DROP, it takes the dependent with it — that runs, and is a gated DropsObjectInUse hazard instead.
/// </summary>
internal static class DroppedDependents
{
    private const string Query = """
        WITH RECURSIVE deps(root, classid, objid, depth) AS (
            SELECT r.i::int, r.classid, r.objid, 0 FROM unnest($1::oid[], $2::oid[]) WITH ORDINALITY AS r(classid, objid, i)
            UNION
            SELECT deps.root,
                   CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN 'pg_catalog.pg_class'::pg_catalog.regclass::oid ELSE d.classid END,
                   CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN r.ev_class ELSE d.objid END,
                   deps.depth + 1
            FROM deps
            JOIN pg_catalog.pg_depend d
              ON d.deptype = 'n'
             AND ((d.refclassid = deps.classid AND d.refobjid = deps.objid)
                  OR (deps.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
                      AND d.refobjid = (SELECT c.reltype FROM pg_catalog.pg_class c WHERE c.oid = deps.objid)))
            LEFT JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
            WHERE deps.depth < 64
              AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.ev_class = deps.objid)
              AND NOT (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass)
        )
        SELECT DISTINCT deps.root, deps.classid, deps.objid, pg_catalog.pg_describe_object(deps.classid, deps.objid, 0)
        FROM deps
        WHERE deps.depth > 0
          -- a partitioned table's trigger clones go with it; a materialized view's indexes are part of it
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE deps.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND t.oid = deps.objid AND t.tgparentid <> 0)
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indrelid
                          WHERE deps.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.indexrelid = deps.objid AND ic.relkind = 'm')
        ORDER BY 1, 4
        """;

    /// <param name="ops">The migration's steps: the objects it drops are checked.</param>
    /// <param name="current">The managed objects of the database (what uses a dropped one among them is the planner's and <see cref="Diff.DesiredStateCheck"/>'s).</param>
    public static async Task ThrowIfUnmanagedAsync(NpgsqlConnection connection, IReadOnlyList<MigrationOp> ops, IReadOnlyList<PgObject> current, CancellationToken cancellationToken)
    {
        var dropped = ops.Where(o => o.Action == MigrationAction.Drop && o.Current is { Kind: PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.MaterializedView })
            .Select(o => o.Current!)
            .ToList();
        if (dropped.Count == 0)
        {
            return;
        }

        var managed = current.Select(CatalogId.Of).ToHashSet();
        var problems = new List<(PgObject Dropped, string Dependent)>();
        await using (var cmd = new NpgsqlCommand(Query, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = dropped.Select(o => CatalogId.Of(o).ClassId).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = dropped.Select(o => o.Oid).ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var family = FamilyOf(reader.GetFieldValue<uint>(1));
                if (family is { } f && managed.Contains(new CatalogId(f, reader.GetFieldValue<uint>(2))))
                {
                    continue;
                }

                problems.Add((dropped[reader.GetInt32(0) - 1], reader.GetString(3)));
            }
        }

        if (problems.Count == 0)
        {
            return;
        }

        var lines = problems.GroupBy(p => p.Dropped)
            .Select(g => $"{ObjectKey.Words(g.Key.Kind)} {g.Key.Identity} is not declared, so the migration drops it, but {string.Join("; ", g.Select(p => p.Dependent))} depends on it")
            .ToList();
        throw new PgAutogenException(PgErrorId.UnmanagedDependent,
            "The migration would drop what an object PgAutogen does not manage still uses, and PostgreSQL refuses to (cannot drop ... because other objects depend on it).\n  " +
            string.Join("\n  ", lines.Take(20)) + (lines.Count > 20 ? $"\n  ... and {lines.Count - 20} more" : "") + "\nNothing was written.")
        {
            Target = problems[0].Dropped,
            RecommendedAction = "Declare the object again, or change what uses it (in your schema migrations) first.",
        };
    }

    private static ObjectFamily? FamilyOf(uint classId) => classId switch
    {
        _ when classId == CatalogInspector.PgProcOid => ObjectFamily.Routine,
        _ when classId == CatalogInspector.PgClassOid => ObjectFamily.View,
        _ when classId == CatalogInspector.PgTriggerOid => ObjectFamily.Trigger,
        _ when classId == CatalogInspector.PgPolicyOid => ObjectFamily.Policy,
        _ when classId == CatalogInspector.PgEventTriggerOid => ObjectFamily.EventTrigger,
        _ => null,
    };
}
