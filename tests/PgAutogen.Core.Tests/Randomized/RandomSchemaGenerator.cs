using System.Globalization;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>The tables every generated schema runs on (set up, never managed), and the roles its grants and policies name.</summary>
internal static class RandomSetup
{
    public static readonly string[] Roles = { "pga_rnd_r1", "pga_rnd_r2", "pga_rnd_owner" };

    public const string Owner = "pga_rnd_owner";

    public static readonly string[] Schemas = { "app", "rpt", "aux" };

    /// <summary>Each table and its columns (name, type); every table has an integer id.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string Type)[]> Tables = new Dictionary<string, (string, string)[]>(StringComparer.Ordinal)
    {
        ["app.items"] = new[] { ("id", "integer"), ("name", "text"), ("qty", "integer"), ("price", "numeric"), ("active", "boolean") },
        ["app.orders"] = new[] { ("id", "integer"), ("item_id", "integer"), ("qty", "integer"), ("total", "numeric"), ("status", "text") },
        ["rpt.targets"] = new[] { ("id", "integer"), ("label", "text"), ("goal", "numeric"), ("done", "boolean") },
        ["app.events"] = new[] { ("id", "integer"), ("kind", "text"), ("qty", "integer"), ("at", "date") },
    };

    public const string PartitionedTable = "app.events";

    public const string Sql = """
        CREATE SCHEMA app;
        CREATE SCHEMA rpt;
        CREATE SCHEMA aux;
        CREATE TABLE app.items (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL DEFAULT 0, price numeric, active boolean NOT NULL DEFAULT true);
        INSERT INTO app.items SELECT g, 'item ' || g, g * 3, g * 1.25, g % 2 = 0 FROM generate_series(1, 12) g;
        CREATE TABLE app.orders (id integer PRIMARY KEY, item_id integer REFERENCES app.items, qty integer, total numeric, status text);
        INSERT INTO app.orders SELECT g, 1 + g % 12, g, g * 2.5, CASE WHEN g % 3 = 0 THEN 'done' ELSE 'open' END FROM generate_series(1, 20) g;
        CREATE TABLE rpt.targets (id integer PRIMARY KEY, label text, goal numeric, done boolean);
        INSERT INTO rpt.targets SELECT g, 'target ' || g, g * 10, g > 3 FROM generate_series(1, 6) g;
        CREATE TABLE app.events (id integer, kind text, qty integer, at date) PARTITION BY RANGE (at);
        CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        INSERT INTO app.events SELECT g, 'kind' || (g % 3), g, date '2024-03-01' + g * 20 FROM generate_series(1, 20) g;
        ALTER TABLE app.items ENABLE ROW LEVEL SECURITY;
        """;

    /// <summary>
    /// Creates the roles once per server (they are cluster-wide; another test may be creating them too). The owner role
    /// reads all data (pg_read_all_data): a view it owns is queried with its privileges, and a materialized view over
    /// that view is filled when a migration creates it.
    /// </summary>
    public static string RolesSql => "DO $$ BEGIN\n" + string.Concat(Roles.Select(r =>
        $"  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{r}') THEN CREATE ROLE {r}; END IF;\n")) + "END $$;\n" +
        $"GRANT pg_read_all_data TO {Owner};";
}

/// <summary>
/// A seeded generator of schema A: scalar functions (overloads, defaults, SQL string, SQL-standard and PL/pgSQL bodies
/// calling earlier ones), TABLE functions, OUT-parameter functions, functions returning a view's row type, procedures,
/// trigger and event-trigger functions; views on tables, on views (chains) and on TABLE functions, calling functions,
/// with options and check options; materialized views with indexes; triggers of every shape (row/statement, WHEN, UPDATE
/// OF, transition tables, constraint, INSTEAD OF, on the partitioned table); policies; event triggers; declared and
/// undeclared comments, grants, owners, enabled states; a table whose column default calls a managed function.
/// </summary>
internal sealed class RandomSchemaGenerator(Random rng)
{
    private int _next;

    public Random Rng => rng;

    public string NewId(string prefix) => prefix + (++_next).ToString(CultureInfo.InvariantCulture);

    public bool Chance(double p) => rng.NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    public T? PickOrDefault<T>(IReadOnlyList<T> items) where T : class => items.Count == 0 ? null : items[rng.Next(items.Count)];

    public int Style() => rng.Next(60);

    public static RState Generate(int seed, out RandomSchemaGenerator generator)
    {
        generator = new RandomSchemaGenerator(new Random(seed));
        return generator.GenerateA();
    }

    private RState GenerateA()
    {
        var state = new RState(Array.Empty<RObject>(), new Dictionary<string, RAttrs>(StringComparer.Ordinal), Array.Empty<RUnmanaged>());
        var scalars = rng.Next(3, 8);
        for (var i = 0; i < scalars; i++)
        {
            state = state.Add(i > 0 && Chance(0.2) ? Overload(state) ?? ScalarFunction(state) : ScalarFunction(state));
        }

        for (var i = rng.Next(0, 3); i > 0; i--)
        {
            state = state.Add(TableFunction(state));
        }

        if (Chance(0.5))
        {
            state = state.Add(OutFunction(state));
        }

        for (var i = rng.Next(1, 4); i > 0; i--)
        {
            state = state.Add(TriggerFunction(state));
        }

        if (Chance(0.35))
        {
            state = state.Add(EventTriggerFunction());
        }

        for (var i = rng.Next(0, 3); i > 0; i--)
        {
            state = state.Add(Procedure(state));
        }

        for (var i = rng.Next(3, 10); i > 0; i--)
        {
            state = state.Add(View(state));
        }

        for (var i = rng.Next(0, 3); i > 0; i--)
        {
            if (RowTypeFunction(state) is { } f)
            {
                state = state.Add(f);
            }
        }

        for (var i = rng.Next(2, 8); i > 0; i--)
        {
            if (Trigger(state) is { } t)
            {
                state = state.Add(t);
            }
        }

        for (var i = rng.Next(0, 4); i > 0; i--)
        {
            state = state.Add(Policy(state));
        }

        if (Chance(0.3) && state.Objects.OfType<RFunction>().Any(f => f.Role == FnRole.EventTrigger))
        {
            state = state.Add(EventTrigger(state));
        }

        // Declared comments, and attributes a DBA sets by hand.
        state = state.With(state.Objects.Select(o => Chance(0.2) ? o with { Comment = CommentText(o.Id) } : o).ToList());
        state = state.With(attrs: state.Objects.Select(o => (o.Id, Attrs: Attributes(o))).Where(x => x.Attrs is not null)
            .ToDictionary(x => x.Id, x => x.Attrs!, StringComparer.Ordinal));

        if (Chance(0.3) && PickOrDefault(state.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.Scalar).ToList()) is { } used)
        {
            state = state.With(unmanaged: new[] { new RUnmanaged("u_" + used.Id, used.Id) });
        }

        return state;
    }

    public string CommentText(string id) => $"{id} note {rng.Next(1000)}";

    public RAttrs? Attributes(RObject o)
    {
        if (!Chance(0.35))
        {
            return null;
        }

        var attrs = new RAttrs();
        switch (o)
        {
            case RFunction f when f.Role != FnRole.EventTrigger:
                attrs = attrs with
                {
                    Owner = Chance(0.3) ? RandomSetup.Owner : null,
                    RevokePublic = Chance(0.3),
                    Grants = Chance(0.5) ? new[] { "EXECUTE TO " + Pick(RandomSetup.Roles[..2]) } : Array.Empty<string>(),
                };
                break;
            case RView:
                attrs = attrs with
                {
                    Owner = Chance(0.3) ? RandomSetup.Owner : null,
                    Grants = Chance(0.6) ? new[] { Chance(0.5) ? "SELECT TO pga_rnd_r1" : "SELECT, UPDATE TO pga_rnd_r2" } : Array.Empty<string>(),
                };
                break;
            case RTrigger t when t.Table is not null:
                attrs = attrs with { TriggerState = Pick(new[] { 'D', 'R', 'A' }) };
                break;
            case REventTrigger:
                attrs = attrs with { TriggerState = Pick(new[] { 'D', 'R', 'A' }) };
                break;
        }

        if (o.Comment is null && Chance(0.4))
        {
            attrs = attrs with { SetupComment = $"set by hand on {o.Id}" };
        }

        return attrs;
    }

    // ------------------------------------------------------------------ functions

    private string Schema() => Chance(0.7) ? "app" : "rpt";

    private string FunctionName(string id) => Chance(0.1) ? "Calc " + id : "calc_" + id;

    private List<RParam> ScalarParams(int max)
    {
        var count = rng.Next(0, max + 1);
        var list = new List<RParam>();
        var defaults = false;
        for (var i = 0; i < count; i++)
        {
            var type = Pick(Exprs.ScalarTypes);
            defaults |= Chance(0.3);
            list.Add(new RParam("p_" + (char)('a' + i), type, defaults ? DefaultFor(type) : null));
        }

        return list;
    }

    public string DefaultFor(string type) => type switch
    {
        "integer" => rng.Next(0, 50).ToString(CultureInfo.InvariantCulture),
        "numeric" => rng.Next(0, 50).ToString(CultureInfo.InvariantCulture) + ".5",
        "text" => $"'d{rng.Next(100)}'",
        _ => Chance(0.5) ? "true" : "false",
    };

    /// <summary>Scalar functions a new body may call: no procedures, nothing that reaches <paramref name="self"/>.</summary>
    public List<RFunction> Callable(RState state, string? self = null) =>
        state.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.Scalar && f.Id != self && (self is null || !Reaches(state, f.Id, self))).ToList();

    /// <summary>True when object <paramref name="from"/> references <paramref name="to"/>, directly or through others.</summary>
    public static bool Reaches(RState state, string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(from);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (id == to)
            {
                return true;
            }

            if (seen.Add(id) && state.Find(id) is { } o)
            {
                foreach (var r in o.Refs())
                {
                    stack.Push(r);
                }
            }
        }

        return false;
    }

    public List<string> PickCallees(RState state, string? self, int max)
    {
        var callable = Callable(state, self);
        var result = new List<string>();
        for (var i = rng.Next(0, max + 1); i > 0 && callable.Count > 0; i--)
        {
            var c = Pick(callable);
            callable.Remove(c);
            result.Add(c.Id);
        }

        return result;
    }

    public Lang AnyLang() => rng.Next(3) switch { 0 => Lang.Sql, 1 => Lang.SqlStandard, _ => Lang.Plpgsql };

    public RFunction ScalarFunction(RState state, string? schema = null)
    {
        var id = NewId("f");
        return new RFunction
        {
            Id = id,
            Schema = schema ?? Schema(),
            Name = FunctionName(id),
            Role = FnRole.Scalar,
            Lang = AnyLang(),
            Params = ScalarParams(3),
            ReturnType = Pick(Exprs.ScalarTypes),
            Callees = PickCallees(state, null, 2),
            K = rng.Next(100),
            Volatility = Pick(new[] { null, "STABLE", "IMMUTABLE" }),
            Strict = Chance(0.2),
            Style = Style(),
        };
    }

    /// <summary>Another function of the same name whose first parameter has another type (calls cast every argument, so they stay unambiguous).</summary>
    public RFunction? Overload(RState state)
    {
        var of = PickOrDefault(state.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.Scalar).ToList());
        if (of is null)
        {
            return null;
        }

        var id = NewId("f");
        var parameters = ScalarParams(2);
        var taken = state.Objects.OfType<RFunction>().Where(f => f.Schema == of.Schema && f.Name == of.Name).Select(f => f.ArgTypes).ToHashSet(StringComparer.Ordinal);
        foreach (var first in Exprs.ScalarTypes.OrderBy(_ => rng.Next()))
        {
            var candidate = new[] { new RParam("p_x", first) }.Concat(parameters.Select(p => p with { Default = null })).ToList();
            if (!taken.Contains(string.Join(", ", candidate.Select(p => p.Type))) && !taken.Any(t => t.StartsWith(first, StringComparison.Ordinal)))
            {
                return new RFunction
                {
                    Id = id, Schema = of.Schema, Name = of.Name, Role = FnRole.Scalar, Lang = AnyLang(), Params = candidate,
                    ReturnType = Pick(Exprs.ScalarTypes), Callees = PickCallees(state, null, 1), K = rng.Next(100), Style = Style(),
                };
            }
        }

        return null;
    }

    public static readonly RCol[] ItemCols =
    {
        new("id", "s.id", "integer", new[] { "id" }),
        new("label", "s.name", "text", new[] { "name" }),
        new("amount", "s.price", "numeric", new[] { "price" }),
    };

    public RFunction TableFunction(RState state)
    {
        var id = NewId("tf");
        return new RFunction
        {
            Id = id, Schema = Schema(), Name = "list_" + id, Role = FnRole.Table, Lang = AnyLang(),
            Params = new[] { new RParam("p_min", "integer", Chance(0.5) ? "0" : null) },
            TableCols = ItemCols.Take(rng.Next(2, 4)).ToList(),
            K = rng.Next(10), Volatility = Chance(0.5) ? "STABLE" : null, Style = Style(),
        };
    }

    public RFunction OutFunction(RState state)
    {
        var id = NewId("of");
        return new RFunction
        {
            Id = id, Schema = Schema(), Name = "pair_" + id, Role = FnRole.OutParams, Lang = AnyLang(),
            Params = new[] { new RParam("p_in", "integer"), new RParam("o_num", "integer", Mode: "OUT"), new RParam("o_txt", "text", Mode: "OUT") },
            Callees = PickCallees(state, null, 1), K = rng.Next(100), Style = Style(),
        };
    }

    public RFunction TriggerFunction(RState state)
    {
        var id = NewId("tg");
        return new RFunction
        {
            Id = id, Schema = Schema(), Name = "on_change_" + id, Role = FnRole.Trigger, Lang = Lang.Plpgsql,
            Callees = Chance(0.3) ? PickCallees(state, null, 1) : new List<string>(), K = rng.Next(100), Style = Style(),
        };
    }

    public RFunction EventTriggerFunction()
    {
        var id = NewId("ef");
        return new RFunction { Id = id, Schema = "app", Name = "on_ddl_" + id, Role = FnRole.EventTrigger, Lang = Lang.Plpgsql, K = rng.Next(100), Style = Style() };
    }

    public RFunction Procedure(RState state)
    {
        var id = NewId("pr");
        var parameters = new List<RParam> { new("p_n", "integer") };
        if (Chance(0.4))
        {
            parameters.Add(new RParam("p_out", "text", Chance(0.5) ? "NULL" : null, "INOUT"));
        }

        return new RFunction
        {
            Id = id, Schema = Schema(), Name = "run_" + id, Role = FnRole.Procedure, Lang = Chance(0.5) ? Lang.Plpgsql : Lang.SqlStandard,
            Params = parameters, Callees = PickCallees(state, null, 1), K = rng.Next(100), Style = Style(),
        };
    }

    public RFunction? RowTypeFunction(RState state)
    {
        var view = PickOrDefault(state.Objects.OfType<RView>().ToList());
        if (view is null)
        {
            return null;
        }

        var id = NewId("rf");
        return new RFunction
        {
            Id = id, Schema = Schema(), Name = "rows_of_" + id, Role = FnRole.RowType, Lang = AnyLang(), RowOf = view.Id,
            K = rng.Next(5), Volatility = "STABLE", Style = Style(),
        };
    }

    // ------------------------------------------------------------------ views

    /// <summary>The columns (name, type) a view selecting from <paramref name="source"/> can read.</summary>
    public static IReadOnlyList<(string Name, string Type)> SourceColumns(RState state, RSource source) => source switch
    {
        { Table: { } t } => RandomSetup.Tables[t],
        { ViewId: { } v } => state.Find(v) is RView view ? view.Cols.Select(c => (c.Name, c.Type)).ToList() : Array.Empty<(string, string)>(),
        { FunctionId: { } f } => state.Find(f) is RFunction fn ? fn.TableCols.Select(c => (c.Name, c.Type)).ToList() : Array.Empty<(string, string)>(),
        _ => Array.Empty<(string, string)>(),
    };

    public RView View(RState state, bool? materialized = null)
    {
        var id = NewId("v");
        var views = state.Objects.OfType<RView>().ToList();
        var tableFunctions = state.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.Table && f.TableCols.Any(c => c.Name == "id")).ToList();
        RSource source;
        var roll = rng.Next(10);
        if (roll < 5 && views.Count > 0)
        {
            // Chains: usually on one of the latest views.
            source = new RSource(ViewId: Chance(0.6) ? views[^1].Id : Pick(views).Id);
        }
        else if (roll < 6 && tableFunctions.Count > 0)
        {
            source = new RSource(FunctionId: Pick(tableFunctions).Id);
        }
        else
        {
            source = new RSource(Table: Pick(RandomSetup.Tables.Keys.ToList()));
        }

        var available = SourceColumns(state, source);
        var cols = new List<RCol> { new("id", "s.id", "integer", new[] { "id" }) };
        foreach (var (name, type) in available.Where(c => c.Name != "id"))
        {
            if (Chance(0.6))
            {
                cols.Add(new RCol(name, "s." + SqlIdentifier.Quote(name), type, new[] { name }));
            }
        }

        if (Chance(0.4) && available.FirstOrDefault(c => c.Type == "integer" && c.Name != "id") is { Name: not null } n)
        {
            cols.Add(new RCol("c_" + id, $"(s.{SqlIdentifier.Quote(n.Name)} + {rng.Next(1, 9)})", "integer", new[] { n.Name }));
        }

        var callable = Callable(state);
        if (Chance(0.4) && callable.Count > 0)
        {
            cols.Add(new RCol("f_" + id, $"CAST(⟦call:{Pick(callable).Id}⟧ AS text)", "text", Array.Empty<string>()));
        }

        var mat = materialized ?? Chance(0.25);
        var view = new RView
        {
            Id = id, Schema = Schema(), Name = Chance(0.08) ? "View " + id : "v_" + id, Materialized = mat, Source = source, Cols = cols,
            WhereK = Chance(0.4) ? rng.Next(0, 5) : null, Style = Style(),
        };
        if (mat)
        {
            var indexes = new List<RIndex>();
            if (Chance(0.5))
            {
                indexes.Add(new RIndex(view.Name + "_id", new[] { "id" }, true));
            }

            if (Chance(0.3) && cols.Count > 1)
            {
                indexes.Add(new RIndex(view.Name + "_x", new[] { Pick(cols.Skip(1).ToList()).Name }, false));
            }

            // One that reads an unpopulated materialized view cannot be filled either.
            return view with { Indexes = indexes, WithNoData = Chance(0.2) || RandomOracle.ReadsUnpopulated(state, view) };
        }

        return view with
        {
            SecurityBarrier = Chance(0.15),
            CheckOption = source.Table is not null && Chance(0.2) ? (Chance(0.5) ? "LOCAL" : "CASCADED") : null,
        };
    }

    // ------------------------------------------------------------------ triggers, policies, event triggers

    public RTrigger? Trigger(RState state, string? functionId = null)
    {
        var functions = state.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.Trigger).ToList();
        if (functions.Count == 0)
        {
            return null;
        }

        var id = NewId("t");
        var function = functionId ?? Pick(functions).Id;
        var views = state.Objects.OfType<RView>().Where(v => !v.Materialized).ToList();
        if (views.Count > 0 && Chance(0.2))
        {
            var view = Pick(views);
            return Shape(new RTrigger { Id = id, Name = "trg_" + id, ViewId = view.Id, Timing = "INSTEAD OF", Events = new[] { "INSERT" }, Row = true, FunctionId = function, Style = Style() }, state);
        }

        var table = Pick(RandomSetup.Tables.Keys.ToList());
        return Shape(new RTrigger { Id = id, Name = Chance(0.1) ? "Trg " + id : "trg_" + id, Table = table, Timing = "AFTER", Events = new[] { "INSERT" }, FunctionId = function, Style = Style() }, state);
    }

    /// <summary>A fresh, valid shape for a trigger (keeping its name, table and function): timing, events, level, WHEN, UPDATE OF, transition tables, constraint, arguments.</summary>
    public RTrigger Shape(RTrigger t, RState state, bool keepKind = false)
    {
        var events = new[] { "INSERT", "UPDATE", "DELETE" };
        List<string> Some(IReadOnlyList<string> from)
        {
            var list = from.Where(_ => Chance(0.5)).ToList();
            return list.Count > 0 ? list : new List<string> { Pick(from) };
        }

        var args = Chance(0.2) ? new[] { "arg" + rng.Next(10) } : Array.Empty<string>();
        if (t.ViewId is not null)
        {
            var row = keepKind ? t.Row : Chance(0.85);
            return row
                ? t with { Timing = "INSTEAD OF", Events = Some(events), Row = true, When = null, UpdateOf = Array.Empty<string>(), Args = args }
                : t with { Timing = Chance(0.5) ? "BEFORE" : "AFTER", Events = Some(events), Row = false, When = null, UpdateOf = Array.Empty<string>(), Args = args };
        }

        var columns = RandomSetup.Tables[t.Table!].Select(c => c.Name).ToList();
        var partitioned = t.Table == RandomSetup.PartitionedTable;
        var kind = keepKind
            ? (t.Constraint ? 3 : t.OldTable is not null || t.NewTable is not null ? 2 : t.Row ? 0 : 1)
            : rng.Next(10) switch { < 5 => 0, < 7 => 1, < 8 => 2, _ => 3 };
        var baseline = t with { Constraint = false, Deferred = false, OldTable = null, NewTable = null, When = null, UpdateOf = Array.Empty<string>(), Args = args };
        switch (kind)
        {
            case 0:
            case 3:
                var evs = Some(events);
                var updateOf = evs.Contains("UPDATE") && Chance(0.3) ? columns.Where(c => c != "id").Where(_ => Chance(0.5)).DefaultIfEmpty(columns[1]).ToList() : new List<string>();
                var shaped = baseline with
                {
                    Timing = kind == 3 ? "AFTER" : Chance(0.5) ? "BEFORE" : "AFTER",
                    Events = evs,
                    Row = true,
                    UpdateOf = updateOf,
                    When = Chance(0.4) ? When(evs, t.Table!, state) : null,
                    Constraint = kind == 3,
                    Deferred = kind == 3 && Chance(0.5),
                };
                return shaped;
            case 1:
                return baseline with { Timing = Chance(0.5) ? "BEFORE" : "AFTER", Events = Some(events.Append("TRUNCATE").ToList()), Row = false };
            default:
                var ev = Pick(events);
                return baseline with
                {
                    Timing = "AFTER",
                    Events = new[] { ev },
                    Row = !partitioned && Chance(0.4),
                    OldTable = ev is "UPDATE" or "DELETE" ? "old_rows" : null,
                    NewTable = ev is "UPDATE" or "INSERT" ? "new_rows" : null,
                };
        }
    }

    /// <summary>A WHEN condition the events allow: NEW for INSERT and UPDATE, OLD for DELETE, both for UPDATE alone; sometimes a function call.</summary>
    private string? When(List<string> events, string table, RState state)
    {
        var column = RandomSetup.Tables[table].Any(c => c.Name == "qty") ? "qty" : "id";
        var call = Chance(0.3) && Callable(state) is { Count: > 0 } callable ? $" AND CAST(⟦call:{Pick(callable).Id}⟧ AS text) IS NOT NULL" : "";
        if (events.SequenceEqual(new[] { "UPDATE" }))
        {
            return $"OLD.{column} IS DISTINCT FROM NEW.{column}{call}";
        }

        if (events.Contains("DELETE"))
        {
            return events.Count == 1 ? $"OLD.{column} > {rng.Next(5)}{call}" : null;
        }

        return $"NEW.{column} > {rng.Next(5)}{call}";
    }

    public RPolicy Policy(RState state)
    {
        var id = NewId("p");
        var table = Pick(RandomSetup.Tables.Keys.ToList());
        return ShapePolicy(new RPolicy { Id = id, Name = Chance(0.1) ? "Pol " + id : "pol_" + id, Table = table, Command = "ALL", Style = Style() }, state);
    }

    public RPolicy ShapePolicy(RPolicy p, RState state)
    {
        var command = Pick(new[] { "ALL", "SELECT", "INSERT", "UPDATE", "DELETE" });
        var usingAllowed = command != "INSERT";
        var checkAllowed = command is "ALL" or "INSERT" or "UPDATE";
        var hasUsing = usingAllowed && (!checkAllowed || Chance(0.7));
        var hasCheck = checkAllowed && (!hasUsing || Chance(0.5));
        return p with
        {
            Command = command,
            Permissive = Chance(0.7),
            Roles = RandomSetup.Roles[..2].Where(_ => Chance(0.4)).ToList(),
            Using = hasUsing ? PolicyExpr(state) : null,
            Check = hasCheck ? PolicyExpr(state) : null,
        };
    }

    public string PolicyExpr(RState state)
    {
        var callable = Callable(state);
        return Chance(0.3) && callable.Count > 0
            ? $"id > {rng.Next(5)} AND CAST(⟦call:{Pick(callable).Id}⟧ AS text) IS NOT NULL"
            : $"id > {rng.Next(10)}";
    }

    public REventTrigger EventTrigger(RState state)
    {
        var id = NewId("e");
        var function = Pick(state.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.EventTrigger).ToList());
        return ShapeEventTrigger(new REventTrigger { Id = id, Name = "evt_" + id, Event = "ddl_command_end", FunctionId = function.Id, Style = Style() });
    }

    public REventTrigger ShapeEventTrigger(REventTrigger e)
    {
        var (ev, tags) = rng.Next(4) switch
        {
            0 => ("ddl_command_start", new[] { "CREATE TABLE", "ALTER TABLE", "CREATE INDEX" }),
            1 => ("ddl_command_end", new[] { "CREATE TABLE", "ALTER TABLE", "COMMENT" }),
            2 => ("sql_drop", new[] { "DROP TABLE", "DROP INDEX" }),
            _ => ("table_rewrite", new[] { "ALTER TABLE" }),
        };
        return e with { Event = ev, Tags = tags.Where(_ => Chance(0.5)).ToList() };
    }
}
