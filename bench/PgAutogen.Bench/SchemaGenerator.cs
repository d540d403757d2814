using System.Globalization;
using System.Text;

namespace PgAutogen.Bench;

/// <summary>One declaration: the file it is written to and the declaration the parser would make of it.</summary>
internal sealed record GeneratedObject(PgObjectKind Kind, string Key, string Schema, string Name, string? Arguments, string? Table, string? TableSchema, string Sql, string RelativePath)
{
    /// <summary>Routines first, then views, then triggers; by file within a kind (the order a creation runs in).</summary>
    public int Rank => Kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => 0,
        PgObjectKind.View => 1,
        _ => 2,
    };

    /// <summary>What Get-PgDeclaration makes of the file: kind, identity as written, the statement without its semicolon, file:1:1.</summary>
    public PgDeclaration ToDeclaration(string root) =>
        new(Kind, Schema, Name, Sql, Path.Combine(root, RelativePath), 1, 1)
        {
            Arguments = Arguments,
            Table = Table,
            TableSchema = TableSchema,
            OrReplace = true,
        };

    /// <summary>The file's text: the statement and its semicolon.</summary>
    public string FileText => Sql + ";\n";
}

/// <summary>
/// The generator's shape: <see cref="Classic"/> is issue 7's schema, which the parse-tree shortcut was tuned on;
/// <see cref="Pipeline"/> respells the triggers as issue 19's workload wrote them (literals in WHEN, EXECUTE PROCEDURE,
/// the default FOR EACH STATEMENT), a workload the shortcut was not tuned on.
/// </summary>
internal enum GeneratorShape
{
    Classic,
    Pipeline,
}

/// <summary>The counts of a mutation, and the migration steps it must produce.</summary>
internal sealed record MutationSummary(int FunctionsChanged, int FunctionsDropped, int FunctionsAdded, int TriggersChanged, int TriggersDropped, int TriggersAdded)
{
    public int ExpectedOps => FunctionsChanged + FunctionsDropped + FunctionsAdded + TriggersChanged + TriggersDropped + TriggersAdded;

    public override string ToString() =>
        $"functions {FunctionsChanged} changed, {FunctionsDropped} dropped, {FunctionsAdded} added; triggers {TriggersChanged} changed, {TriggersDropped} dropped, {TriggersAdded} added";
}

/// <summary>A generated schema: the tables (set up, not managed), the original declarations (loaded into the database) and the mutated ones (compared).</summary>
internal sealed class GeneratedSchema
{
    public required int Scale { get; init; }
    public required string SetupSql { get; init; }
    public required IReadOnlyList<GeneratedObject> Original { get; init; }
    public required IReadOnlyList<GeneratedObject> Mutated { get; init; }
    public required MutationSummary Mutation { get; init; }
    public required int Tables { get; init; }

    public GeneratorShape Shape { get; init; }

    public int Count(IReadOnlyList<GeneratedObject> objects, params PgObjectKind[] kinds) => objects.Count(o => kinds.Contains(o.Kind));

    /// <summary>
    /// The same schema, with the compared (mutated) files renamed <c>shuffled/&lt;random rank&gt;_&lt;file&gt;</c>: their path
    /// order, the order declarations are read in, is a seeded random one instead of one that creates them (a view
    /// before the view it reads, a trigger before its function). The list keeps its order (the floor's).
    /// </summary>
    public GeneratedSchema WithShuffledFiles(ulong seed)
    {
        var rng = new Rng(seed ^ 0x5EED);
        var ranks = Enumerable.Range(0, Mutated.Count).ToArray();
        for (var i = ranks.Length - 1; i > 0; i--)
        {
            var j = rng.Int(i + 1);
            (ranks[i], ranks[j]) = (ranks[j], ranks[i]);
        }

        return new GeneratedSchema
        {
            Scale = Scale,
            SetupSql = SetupSql,
            Original = Original,
            Mutated = Mutated.Select((o, i) => o with { RelativePath = Path.Combine("shuffled", $"{ranks[i]:D6}_{Path.GetFileName(o.RelativePath)}") }).ToList(),
            Mutation = Mutation,
            Tables = Tables,
            Shape = Shape,
        };
    }

    /// <summary>Writes one file per object: root/original/... and root/mutated/..., plus root/setup.sql.</summary>
    public void Write(string root)
    {
        File.WriteAllText(Path.Combine(root, "setup.sql"), SetupSql);
        foreach (var (folder, objects) in new[] { ("original", Original), ("mutated", Mutated) })
        {
            foreach (var obj in objects)
            {
                var path = Path.Combine(root, folder, obj.RelativePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, obj.FileText);
            }
        }
    }
}

/// <summary>
/// A deterministic (seeded) generator of a realistic schema at scale N: N routines across three schemas
/// (PL/pgSQL and SQL, dollar-quoted and BEGIN ATOMIC, overloads, SECURITY DEFINER, SET search_path, defaults,
/// RETURNS TABLE, SETOF, procedures, trigger functions), N/10 tables, N/2 triggers (BEFORE/AFTER, row and
/// statement, WHEN, UPDATE OF, transition tables, INSTEAD OF on views), N/10 views (some on views, some
/// calling functions, some with options and check options); and a mutation of it: 5% of the functions
/// changed (in ways CREATE OR REPLACE accepts), 2% dropped, 2% added; 2% of the triggers changed, 2%
/// dropped, 2% added.
/// </summary>
internal static class SchemaGenerator
{
    public static readonly string[] Schemas = { "app", "billing", "ops" };

    private static readonly string[] Entities =
    {
        "order", "customer", "invoice", "payment", "product", "shipment", "account", "ticket",
        "booking", "subscription", "device", "message", "review", "supplier", "refund", "contract",
    };

    private static readonly string[] Tags = { "$$", "$$", "$function$", "$body$" };

    public static GeneratedSchema Generate(int scale, ulong seed, GeneratorShape shape = GeneratorShape.Classic)
    {
        if (scale < 30)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), "The scale must be at least 30.");
        }

        var rng = new Rng(seed ^ (ulong)scale * 0x100000001B3UL);
        var tables = Enumerable.Range(0, Math.Max(3, scale / 10))
            .Select(i => new TableSpec(Schemas[i % 3], $"{Entities[i % Entities.Length]}s_{i:D4}"))
            .ToList();

        var routines = GenerateRoutines(rng, scale, tables);
        var views = GenerateViews(rng, Math.Max(3, scale / 10), tables, routines);
        var triggers = GenerateTriggers(rng, scale / 2, 0, tables, views, routines, shape);

        var setup = new StringBuilder();
        foreach (var schema in Schemas)
        {
            setup.Append("CREATE SCHEMA ").Append(schema).Append(";\n");
        }

        setup.Append("""
            CREATE TABLE ops.audit_log (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                table_name text NOT NULL,
                operation text NOT NULL,
                row_data jsonb,
                at timestamptz NOT NULL DEFAULT now()
            );

            """);
        foreach (var table in tables)
        {
            setup.Append(table.Sql).Append('\n');
        }

        var original = Objects(routines, views, triggers);
        var (mutated, summary) = Mutate(new Rng(seed ^ 0x5EED5EED5EED5EEDUL ^ (ulong)scale), scale, tables, routines, views, triggers, shape);
        return new GeneratedSchema
        {
            Scale = scale,
            SetupSql = setup.ToString(),
            Original = original,
            Mutated = mutated,
            Mutation = summary,
            Tables = tables.Count,
            Shape = shape,
        };
    }

    private static List<RoutineSpec> GenerateRoutines(Rng rng, int count, List<TableSpec> tables)
    {
        var routines = new List<RoutineSpec>(count);
        var callees = Schemas.ToDictionary(s => s, _ => new List<RoutineSpec>(), StringComparer.Ordinal);
        var triggerFunctions = Math.Max(12, count / 20);
        for (var i = 0; i < count; i++)
        {
            if (i < triggerFunctions)
            {
                routines.Add(TriggerFunction(rng, i, (TriggerVariant)(i % 6), tables));
                continue;
            }

            // An overload of the previous routine: same name, a status parameter more.
            var previous = routines[^1];
            if (previous is { Overload: false, Shape: RoutineShape.Scalar or RoutineShape.Table } && rng.Chance(0.25))
            {
                routines.Add(Overload(previous, i));
                continue;
            }

            var routine = Routine(rng, i, tables, callees);
            routines.Add(routine);
            if (routine.Shape == RoutineShape.SqlImmutable)
            {
                callees[routine.Schema].Add(routine);
            }
        }

        return routines;
    }

    private static RoutineSpec TriggerFunction(Rng rng, int index, TriggerVariant variant, List<TableSpec> tables)
    {
        var schema = Schemas[index % 3];
        var securityDefiner = variant is TriggerVariant.AuditRow or TriggerVariant.AuditStatement or TriggerVariant.Transition && rng.Chance(0.5);
        return new RoutineSpec
        {
            Index = index,
            Schema = schema,
            Name = $"tg_{variant.ToString().ToLowerInvariant()}_{index:D5}",
            Shape = RoutineShape.Trigger,
            Variant = variant,
            Params = Array.Empty<Param>(),
            Returns = "trigger",
            Table = tables[index % tables.Count],
            SecurityDefiner = securityDefiner,
            SearchPath = securityDefiner ? "pg_catalog, ops" : null,
            Lowercase = rng.Chance(0.2),
            Tag = rng.Pick(Tags),
        };
    }

    private static RoutineSpec Overload(RoutineSpec previous, int index)
    {
        var parameters = previous.Params.ToList();
        var at = parameters.FindIndex(p => p.Default is not null);
        parameters.Insert(at < 0 ? parameters.Count : at, new Param("p_status", "text"));
        return previous with { Index = index, Params = parameters, Overload = true, Revision = 0 };
    }

    /// <param name="callees">The SqlImmutable routines generated so far, by schema (what a BEGIN ATOMIC body may call).</param>
    private static RoutineSpec Routine(Rng rng, int index, List<TableSpec> tables, Dictionary<string, List<RoutineSpec>> callees)
    {
        var schema = Schemas[index % 3];
        var table = tables[3 * rng.Int(tables.Count / 3) + index % 3];
        var entity = table.Name[..(table.Name.LastIndexOf('_') - 1)];
        var roll = rng.Int(100);
        var shape = roll switch
        {
            < 26 => RoutineShape.Scalar,
            < 40 => RoutineShape.Mutator,
            < 52 => RoutineShape.Table,
            < 60 => RoutineShape.SetOf,
            < 76 => RoutineShape.SqlImmutable,
            < 84 => RoutineShape.SqlCount,
            < 95 => RoutineShape.SqlAtomic,
            _ => RoutineShape.Procedure,
        };
        var spec = new RoutineSpec
        {
            Index = index,
            Schema = schema,
            Name = "",
            Shape = shape,
            Params = Array.Empty<Param>(),
            Returns = "",
            Table = table,
            Lowercase = rng.Chance(0.2),
            Tag = rng.Pick(Tags),
        };
        var definer = rng.Chance(0.35);
        switch (shape)
        {
            case RoutineShape.Scalar:
                return spec with
                {
                    Name = $"get_{entity}_score_{index:D5}",
                    Params = new[] { new Param("p_owner", "integer"), new Param("p_factor", "numeric", rng.Chance(0.7) ? "1.0" : null) },
                    Returns = "numeric",
                    Volatility = "STABLE",
                    Cost = rng.Chance(0.15) ? 250 : null,
                };
            case RoutineShape.Mutator:
                return spec with
                {
                    Name = $"set_{entity}_status_{index:D5}",
                    Params = new[] { new Param("p_id", "bigint"), new Param("p_status", "text", "'done'") },
                    Returns = "boolean",
                    SecurityDefiner = definer,
                    SearchPath = definer || rng.Chance(0.2) ? $"pg_catalog, {schema}" : null,
                };
            case RoutineShape.Table:
                return spec with
                {
                    Name = $"list_{entity}s_{index:D5}",
                    Params = new[] { new Param("p_min", "numeric", "0"), new Param("p_limit", "integer", "100") },
                    Returns = "TABLE(id bigint, name text, amount numeric)",
                    Volatility = "STABLE",
                    SecurityDefiner = definer && rng.Chance(0.5),
                    SearchPath = rng.Chance(0.3) ? $"pg_catalog, {schema}" : null,
                };
            case RoutineShape.SetOf:
                return spec with
                {
                    Name = $"recent_{entity}s_{index:D5}",
                    Params = new[] { new Param("p_days", "int", "7") },
                    Returns = "SETOF " + table.Qualified,
                    Volatility = "STABLE",
                };
            case RoutineShape.SqlImmutable:
                return spec with
                {
                    Name = $"gross_amount_{index:D5}",
                    Params = new[] { new Param("p_amount", "numeric"), new Param("p_rate", "numeric", "0.2") },
                    Returns = "numeric",
                    Volatility = "IMMUTABLE",
                    Strict = rng.Chance(0.5),
                    ParallelSafe = true,
                };
            case RoutineShape.SqlCount:
                return spec with
                {
                    Name = $"count_{entity}s_{index:D5}",
                    Params = new[] { new Param("p_status", "text") },
                    Returns = "bigint",
                    Volatility = "STABLE",
                    ParallelSafe = rng.Chance(0.5),
                };
            case RoutineShape.SqlAtomic:
                // Calls an earlier gross_amount of its schema: created before it (file order), a pg_depend edge.
                var recent = callees[schema].TakeLast(20).ToList();
                return spec with
                {
                    Name = $"sum_{entity}_amount_{index:D5}",
                    Params = new[] { new Param("p_owner", "integer"), new Param("p_since", "timestamptz", "'-infinity'") },
                    Returns = "numeric",
                    Volatility = "STABLE",
                    Calls = recent.Count > 0 && rng.Chance(0.5) ? rng.Pick(recent).Qualified : null,
                };
            default:
                return spec with
                {
                    Name = $"archive_{entity}s_{index:D5}",
                    Params = new[] { new Param("p_days", "integer", "90") },
                    Returns = "",
                    SecurityDefiner = definer,
                    SearchPath = definer ? $"pg_catalog, {schema}" : null,
                };
        }
    }

    private static List<ViewSpec> GenerateViews(Rng rng, int count, List<TableSpec> tables, List<RoutineSpec> routines)
    {
        var views = new List<ViewSpec>(count);
        var functionsBySchema = Schemas.ToDictionary(s => s, s => routines.Where(r => r.Shape == RoutineShape.SqlImmutable && r.Schema == s).ToList(), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var schema = Schemas[i % 3];
            var table = tables[3 * rng.Int(tables.Count / 3) + i % 3];
            var earlier = views.Where(v => v.Schema == schema).TakeLast(30).ToList();
            var functions = functionsBySchema[schema];
            var roll = rng.Int(100);
            if (roll < 18 && earlier.Count > 0)
            {
                // A view on an earlier view (created before it: file order).
                var baseView = rng.Pick(earlier);
                var columns = baseView.Columns.Take(2).ToList();
                views.Add(new ViewSpec
                {
                    Index = i,
                    Schema = schema,
                    Name = $"v_{baseView.Name[2..Math.Min(baseView.Name.Length, 20)].TrimEnd('_')}_top_{i:D5}",
                    Columns = columns,
                    Query = $" SELECT {string.Join(", ", columns)}\n   FROM {baseView.Qualified}\n  WHERE {columns[0]} IS NOT NULL",
                });
            }
            else if (roll < 33 && functions.Count > 0)
            {
                var function = rng.Pick(functions);
                views.Add(new ViewSpec
                {
                    Index = i,
                    Schema = schema,
                    Name = $"v_{table.Name}_gross_{i:D5}",
                    Columns = new[] { "id", "gross" },
                    Query = $" SELECT id, {function.Qualified}(amount, 0.2::numeric) AS gross\n   FROM {table.Qualified}\n  WHERE NOT deleted",
                    Calls = function.Qualified,
                });
            }
            else if (roll < 48)
            {
                var other = rng.Pick(tables);
                views.Add(new ViewSpec
                {
                    Index = i,
                    Schema = schema,
                    Name = $"v_{table.Name}_by_owner_{i:D5}",
                    Columns = new[] { "owner_id", "n", "total" },
                    Query = $" SELECT a.owner_id, count(*) AS n, sum(a.amount) AS total\n   FROM {table.Qualified} a\n   JOIN {other.Qualified} b ON b.id = a.owner_id\n  GROUP BY a.owner_id",
                });
            }
            else
            {
                var check = rng.Chance(0.2);
                views.Add(new ViewSpec
                {
                    Index = i,
                    Schema = schema,
                    Name = $"v_{table.Name}_active_{i:D5}",
                    Columns = new[] { "id", "name", "status", "amount", "updated_at" },
                    Query = $" SELECT id, name, status, amount, updated_at\n   FROM {table.Qualified}\n  WHERE NOT deleted",
                    Options = rng.Chance(0.15) ? "security_barrier" : null,
                    CheckOption = check ? "LOCAL" : null,
                });
            }
        }

        return views;
    }

    private static List<TriggerSpec> GenerateTriggers(Rng rng, int count, int firstIndex, List<TableSpec> tables, List<ViewSpec> views, List<RoutineSpec> routines,
        GeneratorShape shape)
    {
        var byVariant = routines.Where(r => r.Shape == RoutineShape.Trigger).GroupBy(r => r.Variant).ToDictionary(g => g.Key, g => g.ToList());
        var triggers = new List<TriggerSpec>(count);
        for (var k = firstIndex; k < firstIndex + count; k++)
        {
            var roll = rng.Int(100);
            var variant = roll switch
            {
                < 28 => TriggerVariant.Touch,
                < 48 => TriggerVariant.Validate,
                < 73 => TriggerVariant.AuditRow,
                < 87 => TriggerVariant.AuditStatement,
                < 94 => TriggerVariant.Transition,
                _ => TriggerVariant.InsteadOf,
            };
            var function = rng.Pick(byVariant[variant]);
            var name = $"trg_{k:D5}_{variant.ToString().ToLowerInvariant()}";
            if (variant == TriggerVariant.InsteadOf)
            {
                var view = views[k % views.Count];
                triggers.Add(new TriggerSpec
                {
                    Index = k, Name = name, TableSchema = view.Schema, Table = view.Name, Variant = variant,
                    Timing = "INSTEAD OF", Events = "INSERT OR UPDATE OR DELETE", Row = true, Function = function,
                });
                continue;
            }

            var table = tables[k % tables.Count];
            var spec = new TriggerSpec
            {
                Index = k, Name = name, TableSchema = table.Schema, Table = table.Name, Variant = variant,
                Timing = "AFTER", Events = "INSERT", Row = true, Function = function,
            };
            triggers.Add(variant switch
            {
                TriggerVariant.Touch => spec with
                {
                    Timing = "BEFORE", Events = "UPDATE",
                    When = rng.Chance(0.5) ? "OLD.* IS DISTINCT FROM NEW.*" : null,
                },
                TriggerVariant.Validate => spec with
                {
                    Timing = "BEFORE",
                    Events = rng.Chance(0.3) ? "INSERT OR UPDATE OF amount, name" : "INSERT OR UPDATE",
                    When = rng.Chance(0.3) ? "NEW.amount IS NOT NULL" : null,
                },
                TriggerVariant.AuditRow => rng.Chance(0.4)
                    ? spec with { Events = "UPDATE", When = "OLD.status IS DISTINCT FROM NEW.status" }
                    : spec with { Events = "INSERT OR UPDATE OR DELETE" },
                TriggerVariant.AuditStatement => spec with { Events = rng.Chance(0.5) ? "INSERT OR DELETE" : "TRUNCATE", Row = false },
                _ => spec with { Events = "INSERT", Row = false, Referencing = "NEW TABLE AS new_rows" },
            });
            if (shape == GeneratorShape.Pipeline)
            {
                triggers[^1] = Respell(rng, triggers[^1]);
            }
        }

        return triggers;
    }

    /// <summary>
    /// The pipeline shape (issue 19): triggers as a team writes them, which the catalog prints otherwise. WHEN clauses
    /// compare columns with literals (<c>NEW.amount > 185</c> is printed <c>new.amount > (185)::numeric</c>,
    /// <c>NEW.status = 'closed'</c> <c>'closed'::text</c>), some with <c>IN</c> lists and <c>BETWEEN</c> (printed as
    /// <c>= ANY (ARRAY[...])</c> and two comparisons); <c>EXECUTE PROCEDURE</c> for half of them; statement triggers
    /// mostly without <c>FOR EACH STATEMENT</c>.
    /// </summary>
    private static TriggerSpec Respell(Rng rng, TriggerSpec trigger)
    {
        var k = 1 + rng.Int(1000);
        var word = rng.Pick(Words);
        var when = trigger.Variant switch
        {
            TriggerVariant.Touch => rng.Int(4) switch
            {
                0 => $"NEW.amount > {k}",
                1 => $"NEW.status <> '{word}'",
                2 => "OLD.* IS DISTINCT FROM NEW.*",
                _ => null,
            },
            TriggerVariant.Validate => rng.Int(10) switch
            {
                < 3 => "NEW.amount >= 0",
                < 5 => $"NEW.qty > {k % 50}",
                < 7 => $"NEW.status = '{word}' OR NEW.amount < {k}",
                < 8 => $"NEW.status IN ('new', '{word}')",
                _ => null,
            },
            TriggerVariant.AuditRow when trigger.Events == "UPDATE" => rng.Int(10) switch
            {
                < 4 => $"OLD.status IS DISTINCT FROM NEW.status AND NEW.status = '{word}'",
                < 7 => $"NEW.amount > {k}.{k % 100:D2}",
                < 9 => $"NEW.amount > {k} AND NEW.deleted = false",
                _ => $"NEW.amount BETWEEN 0 AND {k}",
            },
            _ => trigger.When,
        };
        return trigger with
        {
            When = when,
            ExecuteProcedure = rng.Chance(0.5),
            DefaultLevel = !trigger.Row && rng.Chance(0.7),
        };
    }

    private static readonly string[] Words = { "closed", "archived", "paid", "shipped", "cancelled", "open", "done" };

    private static List<GeneratedObject> Objects(IEnumerable<RoutineSpec> routines, IEnumerable<ViewSpec> views, IEnumerable<TriggerSpec> triggers)
    {
        var result = new List<GeneratedObject>();
        foreach (var r in routines)
        {
            result.Add(new GeneratedObject(r.IsProcedure ? PgObjectKind.Procedure : PgObjectKind.Function, r.Key, r.Schema, r.Name, r.Arguments, null, null, r.Sql,
                Path.Combine(r.Schema, r.IsProcedure ? "procedures" : "functions", $"{r.Index:D5}_{r.Name}.sql")));
        }

        foreach (var v in views)
        {
            result.Add(new GeneratedObject(PgObjectKind.View, v.Key, v.Schema, v.Name, null, null, null, v.Sql,
                Path.Combine(v.Schema, "views", $"{v.Index:D5}_{v.Name}.sql")));
        }

        foreach (var t in triggers)
        {
            result.Add(new GeneratedObject(PgObjectKind.Trigger, t.Key, t.TableSchema, t.Name, null, t.Table, t.TableSchema, t.Sql,
                Path.Combine(t.TableSchema, "triggers", $"{t.Index:D5}_{t.Name}.sql")));
        }

        // The order the files are read in (ordinal path order), which is also an order that creates them.
        return result.OrderBy(o => o.Rank).ThenBy(o => o.RelativePath, StringComparer.Ordinal).ToList();
    }

    private static (List<GeneratedObject> Mutated, MutationSummary Summary) Mutate(
        Rng rng, int scale, List<TableSpec> tables, List<RoutineSpec> routines, List<ViewSpec> views, List<TriggerSpec> triggers, GeneratorShape shape)
    {
        var changeCount = (int)Math.Round(scale * 0.05);
        var dropCount = (int)Math.Round(scale * 0.02);
        var addCount = (int)Math.Round(scale * 0.02);
        var triggerCount = (int)Math.Round(triggers.Count * 0.02);

        // Never dropped: trigger functions, and what a view or a BEGIN ATOMIC body calls.
        var called = views.Select(v => v.Calls).Concat(routines.Select(r => r.Calls)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var droppable = routines.Where(r => r.Shape != RoutineShape.Trigger && !called.Contains(r.Qualified)).ToList();
        var dropped = rng.Sample(droppable, dropCount).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var changed = rng.Sample(routines.Where(r => !dropped.Contains(r.Key)).ToList(), changeCount).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);

        var newRoutines = new List<RoutineSpec>(routines.Count + addCount);
        foreach (var routine in routines)
        {
            if (dropped.Contains(routine.Key))
            {
                continue;
            }

            newRoutines.Add(changed.Contains(routine.Key) ? Change(rng, routine) : routine);
        }

        var callees = Schemas.ToDictionary(s => s, s => newRoutines.Where(r => r.Shape == RoutineShape.SqlImmutable && r.Schema == s).ToList(), StringComparer.Ordinal);
        for (var i = 0; i < addCount; i++)
        {
            var added = Routine(rng, scale + i, tables, callees);
            newRoutines.Add(added with { Name = added.Name.Replace($"_{added.Index:D5}", $"_new_{added.Index:D5}", StringComparison.Ordinal) });
        }

        // Triggers keep pointing at the (never dropped) trigger functions; a changed function is the new spec.
        var byKey = newRoutines.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var droppedTriggers = rng.Sample(triggers, triggerCount).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var changedTriggers = rng.Sample(triggers.Where(t => !droppedTriggers.Contains(t.Key)).ToList(), triggerCount).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var newTriggers = new List<TriggerSpec>();
        foreach (var trigger in triggers)
        {
            if (droppedTriggers.Contains(trigger.Key))
            {
                continue;
            }

            var current = trigger with { Function = byKey[trigger.Function.Key] };
            newTriggers.Add(changedTriggers.Contains(trigger.Key) ? Change(rng, current, newRoutines) : current);
        }

        newTriggers.AddRange(GenerateTriggers(rng, triggerCount, triggers.Count, tables, views, newRoutines, shape));
        return (Objects(newRoutines, views, newTriggers), new MutationSummary(changed.Count, dropped.Count, addCount, changedTriggers.Count, droppedTriggers.Count, triggerCount));
    }

    /// <summary>A change CREATE OR REPLACE accepts: the body, volatility, SECURITY DEFINER, SET search_path or COST.</summary>
    private static RoutineSpec Change(Rng rng, RoutineSpec routine)
    {
        var options = new List<Func<RoutineSpec>> { () => routine with { Revision = routine.Revision + 1 } };
        if (routine.Shape is not (RoutineShape.Trigger or RoutineShape.Procedure or RoutineShape.Mutator))
        {
            options.Add(() => routine with { Volatility = routine.Volatility == "IMMUTABLE" ? "STABLE" : "VOLATILE" });
            options.Add(() => routine with { Cost = routine.Cost is null ? 250 : null });
        }

        if (routine.Shape != RoutineShape.Trigger)
        {
            options.Add(() => routine with { SecurityDefiner = !routine.SecurityDefiner });
            options.Add(() => routine with { SearchPath = routine.SearchPath is null ? $"pg_catalog, {routine.Schema}" : null });
        }

        // A body change is the most common edit.
        return rng.Chance(0.5) ? options[0]() : rng.Pick(options)();
    }

    /// <summary>A change CREATE OR REPLACE TRIGGER accepts: the WHEN condition, the events, or the function.</summary>
    private static TriggerSpec Change(Rng rng, TriggerSpec trigger, List<RoutineSpec> routines)
    {
        switch (trigger.Variant)
        {
            case TriggerVariant.Touch:
                return trigger with { When = trigger.When is null ? "OLD.* IS DISTINCT FROM NEW.*" : null };
            case TriggerVariant.Validate:
                return rng.Chance(0.5)
                    ? trigger with { When = trigger.When is null ? "NEW.amount IS NOT NULL" : null }
                    : trigger with { Events = trigger.Events == "INSERT OR UPDATE" ? "INSERT OR UPDATE OF amount, name" : "INSERT OR UPDATE" };
            case TriggerVariant.AuditRow:
                return trigger.Events == "UPDATE"
                    ? trigger with { When = trigger.When is null ? "OLD.status IS DISTINCT FROM NEW.status" : null }
                    : trigger with { Events = "INSERT OR UPDATE" };
            case TriggerVariant.AuditStatement:
                return trigger with { Events = trigger.Events == "TRUNCATE" ? "INSERT OR UPDATE OR DELETE" : "TRUNCATE" };
            default:
                var others = routines.Where(r => r.Shape == RoutineShape.Trigger && r.Variant == trigger.Variant && r.Key != trigger.Function.Key).ToList();
                return trigger with { Function = others[rng.Int(others.Count)] };
        }
    }

    /// <summary>The keys of the objects the mutation changes, drops or adds: what a compare (and a peer's diff) must touch.</summary>
    public static IReadOnlySet<string> ChangedKeys(GeneratedSchema schema)
    {
        var before = schema.Original.ToDictionary(o => o.Key, o => o.Sql, StringComparer.Ordinal);
        var after = schema.Mutated.ToDictionary(o => o.Key, o => o.Sql, StringComparer.Ordinal);
        return before.Keys.Union(after.Keys)
            .Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || !string.Equals(a, b, StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The triggers the mutation leaves as they were, and of those the ones the parse-tree shortcut could leave out: those
    /// whose function is not changed, dropped or added (a trigger naming an executed routine is executed by design).
    /// </summary>
    public static (int Unchanged, int Eligible) UnchangedTriggers(GeneratedSchema schema)
    {
        var changed = ChangedKeys(schema);
        var executedRoutines = changed.Where(k => k.StartsWith("routine:", StringComparison.Ordinal))
            .Select(k => k["routine:".Length..k.IndexOf('(', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        var unchanged = schema.Mutated.Where(o => o.Kind == PgObjectKind.Trigger && !changed.Contains(o.Key)).ToList();
        var eligible = unchanged.Count(o =>
        {
            var at = o.Sql.LastIndexOf(" EXECUTE ", StringComparison.Ordinal);
            var function = o.Sql[(o.Sql.IndexOf(' ', at + 9) + 1)..o.Sql.LastIndexOf('(')];
            return !executedRoutines.Contains(function);
        });
        return (unchanged.Count, eligible);
    }

    /// <summary>Totals for the report.</summary>
    public static string Describe(GeneratedSchema schema)
    {
        var o = schema.Original;
        return string.Create(CultureInfo.InvariantCulture,
            $"{schema.Shape.ToString().ToLowerInvariant()} shape: {schema.Count(o, PgObjectKind.Function, PgObjectKind.Procedure)} routines, {schema.Tables} tables, {schema.Count(o, PgObjectKind.Trigger)} triggers, {schema.Count(o, PgObjectKind.View)} views");
    }
}
