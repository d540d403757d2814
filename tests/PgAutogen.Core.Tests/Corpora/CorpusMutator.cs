using System.Text.RegularExpressions;
using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Corpora;

/// <summary>One change made to the exported declarations, and the step the compare must give for it.</summary>
internal sealed record Mutation(string What, PgObjectKind Kind, string Identity, MigrationAction Expected)
{
    public string Key => ObjectKey.For(Kind, Identity);

    public override string ToString() => $"{What}: {Identity} → {Expected}";
}

/// <summary>
/// Edits a seeded random sample of the exported declaration files the way a developer would: a function body,
/// a trigger's events or WHEN, a view's select list (an expression, a column added at the end, a column dropped),
/// a declaration deleted, a function, a trigger and a view added. Deterministic for a seed and a catalog.
/// </summary>
internal static partial class CorpusMutator
{
    public const string AddedPrefix = "pgautogen_added_";

    /// <param name="searchPath">The search_path the compare runs with (a body edited here must validate under it).</param>
    public static async Task<IReadOnlyList<Mutation>> ApplyAsync(TestDatabase db, string searchPath, IReadOnlyList<PgObject> objects, ExportFolder export, int seed)
    {
        var random = new Random(seed);
        var fileOf = export.FileByKey;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var mutations = new List<Mutation>();
        var views = await ViewColumnsAsync(db);

        IEnumerable<PgObject> Pick(IEnumerable<PgObject> candidates) =>
            candidates.Where(o => !taken.Contains(o.Key)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList().Shuffle(random);

        void Edit(PgObject obj, string what, string sql, MigrationAction expected)
        {
            Assert.NotEqual(obj.Definition, sql);
            export.Write(fileOf[obj.Key], sql);
            taken.Add(obj.Key);
            mutations.Add(new Mutation(what, obj.Kind, obj.Identity, expected));
        }

        // Function bodies: a statement inside a PL/pgSQL body, or a comment in the body of a SQL function. Only bodies
        // that are valid now: a corpus may hold broken ones, loaded with check_function_bodies off (a changed routine
        // that does not validate is rightly an error).
        var routines = Pick(objects.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure && BodyTag().IsMatch(o.Definition)));
        foreach (var fn in await ValidAsync(db, searchPath, routines, 4))
        {
            var (what, sql) = EditBody(fn, random);
            Edit(fn, what, sql, MigrationAction.Replace);
        }

        // Triggers: the events of two, the WHEN of one (constraint triggers cannot be replaced: dropped and created).
        static MigrationAction TriggerAction(PgObject t) => t.IsConstraintTrigger ? MigrationAction.DropAndCreate : MigrationAction.Replace;
        var plainTriggers = objects.Where(o => o.Kind == PgObjectKind.Trigger && !o.Definition.Contains(" REFERENCING ", StringComparison.Ordinal)).ToList();
        foreach (var trigger in Pick(plainTriggers.Where(t => !t.Definition.Contains(" WHEN (", StringComparison.Ordinal))).Take(2))
        {
            Edit(trigger, "trigger events", ToggleEvents(trigger), TriggerAction(trigger));
        }

        var withWhen = Pick(plainTriggers.Where(t => t.Definition.Contains(" WHEN (", StringComparison.Ordinal))).FirstOrDefault()
            ?? Pick(plainTriggers.Where(t => !t.Definition.Contains(" INSTEAD OF ", StringComparison.Ordinal))).FirstOrDefault();
        if (withWhen is not null)
        {
            Edit(withWhen, "trigger WHEN", ChangeWhen(withWhen), TriggerAction(withWhen));
        }

        // Views: an expression changed in place (Replace); a column added at the end (the downgrade cannot drop it
        // again in place: DropAndCreate); a column no other view uses dropped (DropAndCreate, dependents rebuilt).
        var plainViews = objects.Where(o => o.Kind == PgObjectKind.View && views.ContainsKey(o.Oid))
            .Select(o => (View: o, Text: ViewText.Parse(o.Definition), Columns: views[o.Oid]))
            .Where(v => v.Text is not null && v.Text.Items.Count == v.Columns.Count)
            .ToList();
        foreach (var (view, text, columns) in plainViews.Where(v => !taken.Contains(v.View.Key)).OrderBy(v => v.View.Key, StringComparer.Ordinal).ToList().Shuffle(random))
        {
            var replaceable = Enumerable.Range(0, columns.Count).Where(i => ChangeExpression(columns[i].Type, "x") is not null).ToList();
            if (replaceable.Count > 0)
            {
                var i = replaceable[random.Next(replaceable.Count)];
                var item = ChangeExpression(columns[i].Type, text!.Expression(i))! + " AS " + SqlIdentifier.Quote(columns[i].Name);
                Edit(view, $"view column {columns[i].Name} expression", text.ReplaceItem(i, item), MigrationAction.Replace);
                break;
            }
        }

        // Re-creations are where ordering matters: two times in three, a view other views select from.
        IEnumerable<(PgObject View, ViewText? Text, List<(string Name, string Type, bool UsedElsewhere)> Columns)> Recreatable()
        {
            var shuffled = plainViews.Where(v => !taken.Contains(v.View.Key)).OrderBy(v => v.View.Key, StringComparer.Ordinal).ToList().Shuffle(random);
            return random.Next(3) > 0 ? shuffled.OrderByDescending(v => v.Columns.Any(c => c.UsedElsewhere)).ToList() : shuffled;
        }

        foreach (var (view, text, _) in Recreatable().Take(1))
        {
            Edit(view, "view column added", text!.AddItem("1 AS " + AddedPrefix + "column"), MigrationAction.DropAndCreate);
        }

        foreach (var (view, text, columns) in Recreatable())
        {
            var free = Enumerable.Range(0, columns.Count).Where(i => !columns[i].UsedElsewhere).ToList();
            if (columns.Count > 1 && free.Count > 0)
            {
                var i = free[random.Next(free.Count)];
                Edit(view, $"view column {columns[i].Name} dropped", text!.RemoveItem(i), MigrationAction.DropAndCreate);
                break;
            }
        }

        // Deleted declarations: a trigger, and a function or view nothing else depends on (PostgreSQL judges: DROP in a rolled-back savepoint).
        foreach (var trigger in Pick(objects.Where(o => o.Kind == PgObjectKind.Trigger)).Take(1))
        {
            Delete(trigger);
        }

        foreach (var obj in await DroppableAsync(db, Pick(objects.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View)), 1))
        {
            Delete(obj);
        }

        void Delete(PgObject obj)
        {
            export.Delete(fileOf[obj.Key]);
            taken.Add(obj.Key);
            mutations.Add(new Mutation("declaration deleted", obj.Kind, obj.Identity, MigrationAction.Drop));
        }

        // New declarations: a trigger function, a trigger on a table that runs it, a view on a view (or a table).
        var tables = await TablesAsync(db);
        var (tableSchema, table) = tables[random.Next(tables.Count)];
        var fnSchema = objects.Where(o => o.Kind == PgObjectKind.Function).Select(o => o.Schema).DefaultIfEmpty(tableSchema).OrderBy(s => s, StringComparer.Ordinal).ToList().Shuffle(random).First();
        var fnName = AddedPrefix + "touch";
        var fnIdentity = Identities.Routine(fnSchema, fnName, "");
        export.Write(export.NewFile(fnSchema, "functions", fnName), $"""
            CREATE FUNCTION {SqlIdentifier.Qualify(fnSchema, fnName)}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RETURN NEW;
            END
            $$;
            """);
        mutations.Add(new Mutation("function added", PgObjectKind.Function, fnIdentity, MigrationAction.Create));

        var trgName = AddedPrefix + "trigger";
        export.Write(export.NewFile(tableSchema, "triggers", table + "." + trgName),
            $"CREATE TRIGGER {trgName} AFTER INSERT ON {SqlIdentifier.Qualify(tableSchema, table)} FOR EACH ROW EXECUTE FUNCTION {fnIdentity};\n");
        mutations.Add(new Mutation("trigger added", PgObjectKind.Trigger, Identities.Trigger(tableSchema, table, trgName), MigrationAction.Create));

        var baseView = Pick(objects.Where(o => o.Kind == PgObjectKind.View)).FirstOrDefault();
        var (viewSchema, source) = baseView is null ? (tableSchema, SqlIdentifier.Qualify(tableSchema, table)) : (baseView.Schema, baseView.Identity);
        var viewName = AddedPrefix + "view";
        export.Write(export.NewFile(viewSchema, "views", viewName), $"CREATE VIEW {SqlIdentifier.Qualify(viewSchema, viewName)} AS SELECT * FROM {source};\n");
        mutations.Add(new Mutation("view added", PgObjectKind.View, Identities.Relation(viewSchema, viewName), MigrationAction.Create));
        return mutations;
    }

    /// <summary>PL/pgSQL: <c>PERFORM 1;</c> after the first BEGIN (checked with the PL/pgSQL parser), else a comment at the top of the body.</summary>
    private static (string What, string Sql) EditBody(PgObject fn, Random random)
    {
        var tag = BodyTag().Match(fn.Definition);
        var bodyStart = tag.Index + tag.Length;
        if (fn.Definition.Contains("\n LANGUAGE plpgsql", StringComparison.Ordinal) && random.Next(2) == 0)
        {
            var begin = BeginKeyword().Match(fn.Definition, bodyStart);
            if (begin.Success)
            {
                var at = begin.Index + begin.Length;
                var sql = fn.Definition[..at] + "\n  PERFORM 1; -- pgautogen corpus mutation" + fn.Definition[at..];
                if (LibPgQuery.ParsePlpgsqlToJson(sql).Error is null)
                {
                    return ("function body statement", sql);
                }
            }
        }

        return ("function body comment", fn.Definition[..bodyStart] + "\n-- pgautogen corpus mutation" + fn.Definition[bodyStart..]);
    }

    /// <summary>Adds DELETE to a trigger's events, or removes it when there are others.</summary>
    private static string ToggleEvents(PgObject trigger)
    {
        var def = trigger.Definition;
        var timing = TriggerTiming().Match(def);
        Assert.True(timing.Success, "No trigger timing in " + def);
        var on = def.IndexOf(" ON " + SqlIdentifier.Qualify(trigger.Schema, trigger.Table!) + " ", timing.Index, StringComparison.Ordinal);
        Assert.True(on > 0, "No ON table in " + def);
        var eventsStart = timing.Index + timing.Length;
        var events = def[eventsStart..on].Split(" OR ").ToList();
        if (events.Count > 1 && events.Remove("DELETE"))
        {
            return def[..eventsStart] + string.Join(" OR ", events) + def[on..];
        }

        var added = events.Contains("DELETE") ? "INSERT" : "DELETE";
        return def[..on] + " OR " + added + def[on..];
    }

    /// <summary>Makes a WHEN condition <c>(cond) AND true</c>, or gives a trigger without one <c>WHEN (true)</c>.</summary>
    private static string ChangeWhen(PgObject trigger)
    {
        var def = trigger.Definition;
        var when = def.IndexOf(" WHEN (", StringComparison.Ordinal);
        if (when >= 0)
        {
            var open = when + " WHEN ".Length;
            var close = ViewText.MatchingParen(def, open);
            return def[..(open + 1)] + "(" + def[(open + 1)..close] + ") AND true" + def[close..];
        }

        var execute = def.IndexOf(" EXECUTE ", StringComparison.Ordinal);
        return def[..execute] + " WHEN (true)" + def[execute..];
    }

    /// <summary>An expression of the same type (and typmod, collation) as <paramref name="expression"/> but another definition; null for other types.</summary>
    private static string? ChangeExpression(string type, string expression) => type switch
    {
        "text" => $"({expression}) || ''::text",
        "integer" or "bigint" or "numeric" or "double precision" => $"({expression}) + 0",
        "boolean" => $"({expression}) AND true",
        _ => null,
    };

    /// <summary>Every view's columns: name, type (format_type with typmod), and whether another view's query uses the column.</summary>
    private static async Task<Dictionary<uint, List<(string Name, string Type, bool UsedElsewhere)>>> ViewColumnsAsync(TestDatabase db)
    {
        var rows = await db.QueryAsync("""
            SELECT c.oid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
                   EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND r.oid = d.objid
                           WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid AND d.refobjsubid = a.attnum AND r.ev_class <> c.oid)
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relkind = 'v'
            ORDER BY c.oid, a.attnum
            """);
        var result = new Dictionary<uint, List<(string, string, bool)>>();
        foreach (var row in rows)
        {
            var oid = (uint)row[0]!;
            if (!result.TryGetValue(oid, out var list))
            {
                result[oid] = list = new List<(string, string, bool)>();
            }

            list.Add(((string)row[1]!, (string)row[2]!, (bool)row[3]!));
        }

        return result;
    }

    /// <summary>Ordinary and partitioned tables (not partitions) of user schemas, not owned by an extension.</summary>
    private static async Task<List<(string Schema, string Table)>> TablesAsync(TestDatabase db)
    {
        var rows = await db.QueryAsync("""
            SELECT n.nspname::text, c.relname::text
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1, 2
            """);
        Assert.NotEmpty(rows);
        return rows.Select(r => ((string)r[0]!, (string)r[1]!)).ToList();
    }

    /// <summary>The first <paramref name="count"/> routines whose definition PostgreSQL accepts with check_function_bodies on, under <paramref name="searchPath"/> (tried in a transaction that is rolled back).</summary>
    private static async Task<List<PgObject>> ValidAsync(TestDatabase db, string searchPath, IEnumerable<PgObject> candidates, int count)
    {
        await using var conn = await db.OpenAsync();
        await using (var set = new NpgsqlCommand($"SET search_path = {searchPath}", conn))
        {
            await set.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        return await FirstAcceptedAsync(conn, candidates, count, "SET LOCAL check_function_bodies = on", o => o.Definition, "42");
    }

    /// <summary>The first <paramref name="count"/> candidates that PostgreSQL would drop without CASCADE (tried in a transaction that is rolled back).</summary>
    private static async Task<List<PgObject>> DroppableAsync(TestDatabase db, IEnumerable<PgObject> candidates, int count)
    {
        await using var conn = await db.OpenAsync();
        return await FirstAcceptedAsync(conn, candidates, count, "SELECT 1", o => Diff.SqlBuilder.Drop(o), "2BP01");
    }

    /// <summary>
    /// Runs <paramref name="statement"/> of each candidate in a savepoint of one transaction that is rolled back, and
    /// returns the first <paramref name="count"/> that PostgreSQL accepts; refusals whose SQLSTATE starts with
    /// <paramref name="refusal"/> skip the candidate, other errors fail the test.
    /// </summary>
    private static async Task<List<PgObject>> FirstAcceptedAsync(
        NpgsqlConnection conn, IEnumerable<PgObject> candidates, int count, string setup, Func<PgObject, string> statement, string refusal)
    {
        var result = new List<PgObject>();
        var token = TestContext.Current.CancellationToken;
        await using var tx = await conn.BeginTransactionAsync(token);
        await using (var first = new NpgsqlCommand(setup, conn, tx))
        {
            await first.ExecuteNonQueryAsync(token);
        }

        foreach (var candidate in candidates)
        {
            if (result.Count == count)
            {
                break;
            }

            await using (var save = new NpgsqlCommand("SAVEPOINT probe", conn, tx))
            {
                await save.ExecuteNonQueryAsync(token);
            }

            try
            {
                await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { PgAutogen.Core.Databases.SqlCommands.Verbatim(statement(candidate)) } };
                await batch.ExecuteNonQueryAsync(token);
                result.Add(candidate);
            }
            catch (PostgresException ex) when (ex.SqlState.StartsWith(refusal, StringComparison.Ordinal))
            {
                // Refused: not a candidate.
            }

            await using var back = new NpgsqlCommand("ROLLBACK TO SAVEPOINT probe", conn, tx);
            await back.ExecuteNonQueryAsync(token);
        }

        await tx.RollbackAsync(token);
        return result;
    }

    private static List<T> Shuffle<T>(this List<T> list, Random random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }

        return list;
    }

    /// <summary>The opening dollar quote of a routine body as pg_get_functiondef writes it: <c>AS $function$</c> at the start of a line.</summary>
    [GeneratedRegex(@"^AS (\$[A-Za-z_]*\$)", RegexOptions.Multiline)]
    private static partial Regex BodyTag();

    [GeneratedRegex(@"\bBEGIN\b", RegexOptions.IgnoreCase)]
    private static partial Regex BeginKeyword();

    [GeneratedRegex(@" (BEFORE|AFTER|INSTEAD OF) ")]
    private static partial Regex TriggerTiming();
}
