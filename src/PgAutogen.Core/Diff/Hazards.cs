using System.Globalization;
using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Diff;

/// <summary>
/// What the database says about the steps beyond their definitions, read after the compare in one round trip: who else
/// depends on what the migration drops, how big the tables are whose triggers and policies change, what indexes and
/// generated columns use the routines whose volatility or strictness changes.
/// </summary>
/// <param name="UnmanagedDependents">What depends on a dropped object and is not managed: PostgreSQL refuses the DROP.</param>
/// <param name="DroppedWith">
/// The columns a dropped routine takes with it: before PostgreSQL 15 a generated column's dependency on the routine its
/// expression calls is automatic, so DROP FUNCTION succeeds and drops the column, data and all.
/// </param>
internal sealed record HazardFacts(
    IReadOnlyDictionary<string, IReadOnlyList<string>> UnmanagedDependents,
    IReadOnlyDictionary<string, double> TableRows,
    IReadOnlyDictionary<string, IReadOnlyList<string>> StoredUsers,
    IReadOnlyDictionary<string, IReadOnlyList<string>> DroppedWith)
{
    public static HazardFacts None { get; } = new(
        new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, double>(), new Dictionary<string, IReadOnlyList<string>>(),
        new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>
    /// Reads the facts the steps need (nothing when no step needs any), from the database the compare read the current
    /// state from: the objects' oids are that database's.
    /// </summary>
    public static async Task<HazardFacts> ReadAsync(NpgsqlConnection connection, IReadOnlyList<MigrationOp> ops, IReadOnlyList<PgObject> current, CancellationToken cancellationToken)
    {
        var dropped = ops.Where(o => o.Action == MigrationAction.Drop && o.Current is { Kind: not (PgObjectKind.Trigger or PgObjectKind.Policy or PgObjectKind.EventTrigger) })
            .Select(o => o.Current!).ToList();
        var tables = ops.Select(o => o.Desired ?? o.Current).Where(o => o is { Kind: PgObjectKind.Trigger or PgObjectKind.Policy })
            .Select(o => SqlIdentifier.Qualify(o!.Schema, o.Table ?? "")).Distinct(StringComparer.Ordinal).ToList();
        var changing = ops.Where(o => o.Action == MigrationAction.Replace && o.Current is { Kind: PgObjectKind.Function or PgObjectKind.Procedure } && o.Desired is not null
                && RoutineTraits.Of(o.Current.Definition).Promise != RoutineTraits.Of(o.Desired.Definition).Promise)
            .Select(o => o.Current!).ToList();
        if (dropped.Count == 0 && tables.Count == 0 && changing.Count == 0)
        {
            return None;
        }

        await using var batch = new NpgsqlBatch(connection);
        var gone = new NpgsqlBatchCommand("""
            WITH gone(i, classid, objid) AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int4[]), pg_catalog.unnest($2::pg_catalog.oid[]), pg_catalog.unnest($3::pg_catalog.oid[]))),
            refs(i, refclassid, refobjid) AS (
                SELECT i, classid, objid FROM gone
                UNION ALL
                SELECT g.i, 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid, c.reltype
                FROM gone g JOIN pg_catalog.pg_class c ON g.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = g.objid WHERE c.reltype <> 0)
            SELECT DISTINCT r.i, x.classid, x.objid, pg_catalog.pg_describe_object(x.classid, x.objid, x.objsubid), d.deptype = 'a'
            FROM refs r
            -- Normal dependencies make the DROP fail; an automatic one of a column (a generated column before 15) drops it.
            JOIN pg_catalog.pg_depend d ON d.refclassid = r.refclassid AND d.refobjid = r.refobjid
                 AND (d.deptype = 'n' OR (d.deptype = 'a' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid > 0))
            LEFT JOIN pg_catalog.pg_rewrite rw ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = d.objid
            CROSS JOIN LATERAL (SELECT CASE WHEN rw.oid IS NULL THEN d.classid ELSE 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid END AS classid,
                                       COALESCE(rw.ev_class, d.objid) AS objid,
                                       CASE WHEN rw.oid IS NULL THEN d.objsubid ELSE 0 END AS objsubid) x
            ORDER BY 1, 4
            """);
        gone.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer, Value = Enumerable.Range(0, dropped.Count).ToArray() });
        gone.Parameters.Add(SqlCommands.OidArray(dropped.Select(o => CatalogOf(o.Kind))));
        gone.Parameters.Add(SqlCommands.OidArray(dropped.Select(o => o.Oid)));
        batch.BatchCommands.Add(gone);
        batch.BatchCommands.Add(SqlCommands.WithTextArray(TableRowsSql, tables));
        var users = new NpgsqlBatchCommand("""
            SELECT DISTINCT s.i::pg_catalog.int4,
                   CASE WHEN a.attgenerated = 's' THEN pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, a.attrelid, a.attnum)
                        ELSE pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) END
            FROM pg_catalog.unnest($1::pg_catalog.oid[]) WITH ORDINALITY AS s(oid, i)
            JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.refobjid = s.oid AND d.deptype IN ('n', 'a')
            LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid
            LEFT JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid
            -- A generated column's expression: its default's dependency from 15 on, the column's own (objsubid) before.
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = COALESCE(ad.adrelid, c.oid) AND a.attnum = COALESCE(ad.adnum, NULLIF(d.objsubid, 0))
            WHERE (c.relkind IN ('i', 'I') AND d.objsubid = 0) OR a.attgenerated = 's'
            ORDER BY 1, 2
            """);
        users.Parameters.Add(SqlCommands.OidArray(changing.Select(o => o.Oid)));
        batch.BatchCommands.Add(users);

        // Managed objects are ordered around the drop (or rebuilt); only the others are hazards.
        var managed = current.Select(o => (CatalogOf(o.Kind), o.Oid)).ToHashSet();
        var dependents = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var rows = new Dictionary<string, double>(StringComparer.Ordinal);
        var stored = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var droppedWith = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var obj = dropped[reader.GetInt32(0)];
            var dependent = (reader.GetFieldValue<uint>(1), reader.GetFieldValue<uint>(2));
            if (!managed.Contains(dependent) && dependent != (CatalogOf(obj.Kind), obj.Oid))
            {
                Add(reader.GetBoolean(4) ? droppedWith : dependents, obj.Key, reader.GetString(3));
            }
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows[reader.GetString(0)] = reader.GetDouble(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Add(stored, changing[(int)reader.GetInt32(0) - 1].Key, reader.GetString(1));
        }

        return new HazardFacts(dependents, rows, stored, droppedWith);

        static void Add(Dictionary<string, IReadOnlyList<string>> into, string key, string what)
        {
            if (!into.TryGetValue(key, out var list))
            {
                into[key] = list = new List<string>();
            }

            ((List<string>)list).Add(what);
        }
    }

    /// <summary>The estimated rows of the tables named (qualified, quoted), as the planner knows them; -1 when never analyzed.</summary>
    private const string TableRowsSql = """
        SELECT s.name, c.reltuples::pg_catalog.float8
        FROM pg_catalog.unnest($1::pg_catalog.text[]) AS s(name)
        JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(s.name) AND c.relkind IN ('r', 'p', 'm', 'f')
        """;

    /// <summary>
    /// The estimated rows of <paramref name="tables"/> in a database other than the one compared (the target of a shadow
    /// compare, whose shadow holds the schema but not the data), in a READ ONLY transaction.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, double>> ReadTableRowsAsync(NpgsqlConnection connection, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, double>(StringComparer.Ordinal);
        if (tables.Count == 0)
        {
            return rows;
        }

        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var cmd = new NpgsqlCommand(TableRowsSql, connection, transaction))
        {
            cmd.Parameters.Add(SqlCommands.TextArray(tables));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows[reader.GetString(0)] = reader.GetDouble(1);
            }
        }

        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static uint CatalogOf(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => CatalogInspector.PgProcOid,
        PgObjectKind.Trigger => CatalogInspector.PgTriggerOid,
        PgObjectKind.Policy => CatalogInspector.PgPolicyOid,
        PgObjectKind.EventTrigger => CatalogInspector.PgEventTriggerOid,
        _ => CatalogInspector.PgClassOid,
    };
}

/// <summary>What a routine's pg_get_functiondef says about it before its body: SECURITY DEFINER, volatility, strictness.</summary>
internal readonly record struct RoutineTraits(bool SecurityDefiner, string Volatility, bool Strict)
{
    /// <summary>Volatility and strictness: what an index or a generated column relies on.</summary>
    public string Promise => Volatility + (Strict ? ", STRICT" : "");

    public static RoutineTraits Of(string definition)
    {
        var definer = false;
        var volatility = "VOLATILE";
        var strict = false;
        foreach (var raw in definition.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("AS ", StringComparison.Ordinal) || line.StartsWith("BEGIN ATOMIC", StringComparison.Ordinal))
            {
                break; // the body
            }

            switch (line)
            {
                case "SECURITY DEFINER":
                    definer = true;
                    break;
                case "IMMUTABLE" or "STABLE":
                    volatility = line;
                    break;
                case "STRICT":
                    strict = true;
                    break;
            }
        }

        return new RoutineTraits(definer, volatility, strict);
    }
}

/// <summary>
/// Names the hazards of each step (<see cref="MigrationOp.Hazards"/>) from what the compare knows and
/// <see cref="HazardFacts"/>: drops of what something unmanaged uses or a PL/pgSQL body calls by name, re-created views
/// and materialized views, table locks of trigger and policy changes, SECURITY DEFINER routines, volatility or
/// strictness changes under indexes and generated columns.
/// </summary>
internal static class Hazards
{
    /// <summary>The ops, each with its hazards (the same op object when it has none).</summary>
    public static IReadOnlyList<MigrationOp> Attach(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PlpgsqlCallCheck.DroppedCall> calls, HazardFacts facts)
    {
        var result = new List<MigrationOp>(ops.Count);
        foreach (var op in ops)
        {
            var hazards = For(op, ops, calls, facts).ToList();
            result.Add(hazards.Count == 0 ? op : new MigrationOp(op) { Hazards = hazards });
        }

        return result;
    }

    private static IEnumerable<MigrationHazard> For(MigrationOp op, IReadOnlyList<MigrationOp> ops, IReadOnlyList<PlpgsqlCallCheck.DroppedCall> calls, HazardFacts facts)
    {
        var key = ObjectKey.For(op.Kind, op.Identity);
        if (op.Action == MigrationAction.Drop && op.Current is { } dropped)
        {
            if (facts.UnmanagedDependents.TryGetValue(dropped.Key, out var dependents))
            {
                yield return new MigrationHazard(HazardKind.DropsObjectInUse,
                    $"{List(dependents)} depend{(dependents.Count == 1 ? "s" : "")} on it and PgAutogen does not manage {(dependents.Count == 1 ? "it" : "them")}: " +
                    "PostgreSQL refuses the DROP, so the migration fails unless they change first");
            }

            if (facts.DroppedWith.TryGetValue(dropped.Key, out var columns))
            {
                yield return new MigrationHazard(HazardKind.DropsObjectInUse,
                    $"{List(columns)} use{(columns.Count == 1 ? "s" : "")} it in {(columns.Count == 1 ? "its" : "their")} generated expression: PostgreSQL " +
                    $"(before 15) drops {(columns.Count == 1 ? "that column" : "those columns")} with it, and {(columns.Count == 1 ? "its" : "their")} data is lost");
            }

            foreach (var call in calls.Where(c => c.Gone.Key == dropped.Key && c.Namesake is null))
            {
                yield return new MigrationHazard(HazardKind.DropsRoutineCalledByName,
                    $"{call.Caller.Identity} calls {call.Call} by name in its PL/pgSQL body: PostgreSQL records no dependency for it, so the drop succeeds and the call fails when it runs");
            }
        }

        // A re-created object's hazards go on the step that creates it (or on its one step).
        var creates = op.Phase != MigrationPhase.Drop;
        if (creates && op.Action == MigrationAction.DropAndCreate && op.Desired is { } recreated)
        {
            if (recreated.Kind == PgObjectKind.MaterializedView)
            {
                yield return new MigrationHazard(HazardKind.RecreatesMaterializedView, recreated.WithNoData
                    ? "dropped and created WITH NO DATA: it cannot be read until REFRESH MATERIALIZED VIEW fills it"
                    : "dropped and created: its query runs during the migration, which holds ACCESS EXCLUSIVE on it until it commits (its readers wait), and its data is unavailable until then");
            }
            else if (recreated.Kind == PgObjectKind.View)
            {
                yield return new MigrationHazard(HazardKind.RecreatesView,
                    "dropped and created: ACCESS EXCLUSIVE on it until the migration commits; its privileges, comment and owner are given back, and the managed objects that depend on it are rebuilt with it");
            }
        }

        if (creates && (op.Desired ?? op.Current) is { Kind: PgObjectKind.Trigger or PgObjectKind.Policy } onTable)
        {
            yield return LocksTable(op, onTable, facts.TableRows);
        }

        if (op.Kind is PgObjectKind.Function or PgObjectKind.Procedure && op.Phase != MigrationPhase.Drop)
        {
            var before = op.Current is null ? (RoutineTraits?)null : RoutineTraits.Of(op.Current.Definition);
            var after = op.Desired is null ? (RoutineTraits?)null : RoutineTraits.Of(op.Desired.Definition);
            var owner = op.Desired?.Owner ?? op.Current?.Owner;
            var runsAs = $"it runs with the privileges of its owner{(string.IsNullOrEmpty(owner) ? "" : $" ({owner})")}, whoever calls it";
            var definer = op.Action switch
            {
                MigrationAction.Create when after?.SecurityDefiner == true => "creates a SECURITY DEFINER routine: " + runsAs,
                MigrationAction.Replace or MigrationAction.DropAndCreate when before?.SecurityDefiner == true && after?.SecurityDefiner == true =>
                    "changes a SECURITY DEFINER routine: " + runsAs,
                MigrationAction.Replace or MigrationAction.DropAndCreate when after?.SecurityDefiner == true => "makes the routine SECURITY DEFINER: " + runsAs,
                MigrationAction.Replace or MigrationAction.DropAndCreate when before?.SecurityDefiner == true => "makes a SECURITY DEFINER routine SECURITY INVOKER: it runs with its callers' privileges from now on",
                MigrationAction.Grant or MigrationAction.ChangeOwner when after?.SecurityDefiner == true =>
                    (op.Action == MigrationAction.Grant ? "grants EXECUTE on a SECURITY DEFINER routine: " : "gives a SECURITY DEFINER routine another owner: ") + runsAs,
                _ => null,
            };
            if (definer is not null)
            {
                yield return new MigrationHazard(HazardKind.ChangesSecurityDefiner, definer);
            }

            if (op.Action == MigrationAction.Replace && before is { } b && after is { } a && b.Promise != a.Promise
                && facts.StoredUsers.TryGetValue(key, out var users))
            {
                yield return new MigrationHazard(HazardKind.ChangesVolatilityInUse,
                    $"it becomes {a.Promise} (was {b.Promise}) while {List(users)} use{(users.Count == 1 ? "s" : "")} it: what was computed and stored " +
                    "under the old promise is not computed again (REINDEX the index, rewrite the column)");
            }
        }
    }

    /// <summary>The tables whose locks the steps' LocksTable hazards name (qualified, quoted).</summary>
    public static IReadOnlyList<string> LockedTables(IReadOnlyList<MigrationOp> ops) =>
        ops.Where(o => o.Hazards.Any(h => h.Kind == HazardKind.LocksTable)).Select(TableOf).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The ops with their LocksTable hazards giving the rows of another database's tables: a shadow compare's hazards
    /// are read in the shadow, which has the target's schema but not its data, so its row counts are the target's.
    /// </summary>
    public static IReadOnlyList<MigrationOp> WithTableRows(IReadOnlyList<MigrationOp> ops, IReadOnlyDictionary<string, double> rows) =>
        ops.Select(op => op.Hazards.Any(h => h.Kind == HazardKind.LocksTable) && (op.Desired ?? op.Current) is { } onTable
                ? new MigrationOp(op) { Hazards = op.Hazards.Select(h => h.Kind == HazardKind.LocksTable ? LocksTable(op, onTable, rows) : h).ToList() }
                : op)
            .ToList();

    private static string? TableOf(MigrationOp op) =>
        (op.Desired ?? op.Current) is { Kind: PgObjectKind.Trigger or PgObjectKind.Policy } onTable ? SqlIdentifier.Qualify(onTable.Schema, onTable.Table ?? "") : null;

    private static MigrationHazard LocksTable(MigrationOp op, PgObject onTable, IReadOnlyDictionary<string, double> tableRows)
    {
        var table = SqlIdentifier.Qualify(onTable.Schema, onTable.Table ?? "");
        var drops = op.Action is MigrationAction.Drop or MigrationAction.DropAndCreate || onTable.Kind == PgObjectKind.Policy;
        var statement = onTable.Kind == PgObjectKind.Policy
            ? op.Action switch { MigrationAction.Create => "CREATE POLICY", MigrationAction.Drop => "DROP POLICY", MigrationAction.Replace => "ALTER POLICY", _ => "DROP and CREATE POLICY" }
            : op.Action switch { MigrationAction.Create => "CREATE TRIGGER", MigrationAction.Drop => "DROP TRIGGER", MigrationAction.Replace => "CREATE OR REPLACE TRIGGER", _ => "DROP and CREATE TRIGGER" };
        var rows = tableRows.TryGetValue(table, out var tuples)
            ? tuples < 0 ? " (row count unknown: never analyzed)" : $" (about {tuples.ToString("N0", CultureInfo.InvariantCulture)} rows)"
            : "";
        return new MigrationHazard(HazardKind.LocksTable,
            $"{statement} takes {(drops ? "ACCESS EXCLUSIVE" : "SHARE ROW EXCLUSIVE")} on {table}{rows} until the migration commits: " +
            (drops ? "its readers and writers wait" : "its writers wait"));
    }

    private static string List(IReadOnlyList<string> items) =>
        items.Count <= 5 ? string.Join(", ", items) : string.Join(", ", items.Take(5)) + $" and {items.Count - 5} more";
}
