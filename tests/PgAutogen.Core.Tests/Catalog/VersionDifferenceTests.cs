using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Catalog;

/// <summary>
/// What changes between the supported PostgreSQL majors (14 to 18), one test per difference. Each runs on
/// every version of the matrix (.ci/run) and states what that version does. The engine compares catalog
/// output with catalog output of the same server, so a difference in how a major prints a definition is not
/// a false diff as long as a read definition re-creates itself unchanged on that major (the last test).
/// </summary>
[Trait("Category", "Database")]
public sealed class VersionDifferenceTests(CoreDatabaseFixture fixture)
{
    private static async Task<List<PgObject>> ReadAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        return await CatalogInspector.ReadAllAsync(conn, new CatalogFilter(), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Every_keyword_this_server_quotes_is_quoted_by_PgAutogen()
    {
        // New majors add keywords that quote_ident (and so every pg_get_*def) starts to quote: 16 the json_*
        // constructors and system_user, 17 json, the other json_* functions and merge_action.
        await using var db = await fixture.CreateDatabaseAsync();
        var rows = await db.QueryAsync("SELECT word, quote_ident(word) FROM pg_get_keywords() ORDER BY word");
        Assert.True(rows.Count > 400, $"pg_get_keywords() returned {rows.Count} rows");
        var missed = rows
            .Select(r => (Word: (string)r[0]!, Server: (string)r[1]!))
            .Where(r => r.Server != r.Word && SqlIdentifier.Quote(r.Word) != r.Server)
            .Select(r => r.Word)
            .ToList();
        Assert.True(missed.Count == 0, $"PostgreSQL {db.MajorVersion} quotes keywords that SqlIdentifier leaves bare: {string.Join(", ", missed)}");
    }

    [Fact]
    public async Task Json_is_a_keyword_from_17_so_a_routine_named_json_is_quoted_in_its_identity()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE FUNCTION app.json() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE VIEW app.uses_json AS SELECT app.json() AS j;
            """);
        var objects = (await ReadAsync(db)).ToDictionary(o => o.Name);
        var quotedByServer = db.MajorVersion >= 17;
        Assert.Equal(quotedByServer ? "\"json\"" : "json", await db.ScalarAsync<string>("SELECT quote_ident('json')"));

        // The identity always quotes it (harmless before 17, required from 17), so it reads the same on every major.
        Assert.Equal("app.\"json\"()", objects["json"].Identity);
        Assert.Equal(new[] { "app.\"json\"()" }, objects["uses_json"].DependsOn);
        Assert.StartsWith(quotedByServer ? "CREATE OR REPLACE FUNCTION app.\"json\"()" : "CREATE OR REPLACE FUNCTION app.json()",
            objects["json"].Definition, StringComparison.Ordinal);

        // The quoted identity is valid SQL on every major.
        await db.ExecuteAsync("DROP VIEW app.uses_json; DROP FUNCTION " + objects["json"].Identity);
    }

    [Fact]
    public async Task View_columns_are_table_qualified_before_16_and_bare_from_16()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE items (id int, price numeric);
            CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10;
            CREATE VIEW pairs AS SELECT a.id FROM items a JOIN items b ON a.id = b.id;
            """);
        var views = (await ReadAsync(db)).ToDictionary(o => o.Name);
        Assert.Equal(
            db.MajorVersion >= 16
                ? "CREATE OR REPLACE VIEW public.cheap AS\n SELECT id,\n    price\n   FROM public.items\n  WHERE price < 10::numeric;"
                : "CREATE OR REPLACE VIEW public.cheap AS\n SELECT items.id,\n    items.price\n   FROM public.items\n  WHERE items.price < 10::numeric;",
            views["cheap"].Definition);

        // With more than one relation in FROM every major qualifies.
        Assert.Contains("SELECT a.id", views["pairs"].Definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subquery_without_alias_is_allowed_from_16_and_read_back_as_unnamed_subquery()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE t (id int)");
        const string view = "CREATE VIEW v AS SELECT id FROM (SELECT id FROM t)";
        if (db.MajorVersion < 16)
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync(view));
            Assert.Equal(PostgresErrorCodes.SyntaxError, ex.SqlState);
            return;
        }

        await db.ExecuteAsync(view);
        var v = Assert.Single(await ReadAsync(db));
        Assert.Contains(") unnamed_subquery;", v.Definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Security_invoker_views_are_refused_before_15_and_read_back_from_15()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE t (id int)");
        const string view = "CREATE VIEW v WITH (security_invoker = true, security_barrier) AS SELECT id FROM t";
        if (db.MajorVersion < 15)
        {
            // PostgreSQL itself refuses the declaration, so a compare against 14 reports it as invalid.
            var ex = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync(view));
            Assert.Equal(PostgresErrorCodes.InvalidParameterValue, ex.SqlState);
            Assert.Contains("security_invoker", ex.MessageText, StringComparison.Ordinal);
            return;
        }

        await db.ExecuteAsync(view);
        var v = Assert.Single(await ReadAsync(db));
        Assert.StartsWith("CREATE OR REPLACE VIEW public.v WITH (security_invoker=true, security_barrier=true) AS", v.Definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partition_trigger_clones_are_internal_before_15_and_are_left_out_by_parent_on_every_major()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER stamp BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION stamp();
            """);

        // 14 marks the clone on the partition internal; from 15 it is not, and only tgparentid tells it apart.
        Assert.Equal(db.MajorVersion < 15,
            await db.ScalarAsync<bool>("SELECT tgisinternal FROM pg_trigger WHERE tgname = 'stamp' AND tgrelid = 'events_2025'::regclass"));
        Assert.True(await db.ScalarAsync<bool>("SELECT tgparentid <> 0 FROM pg_trigger WHERE tgname = 'stamp' AND tgrelid = 'events_2025'::regclass"));
        var trigger = Assert.Single(await ReadAsync(db), o => o.Kind == PgObjectKind.Trigger);
        Assert.Equal("stamp ON public.events", trigger.Identity);
    }

    [Fact]
    public async Task A_views_acl_has_the_maintain_privilege_from_17()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int);
            CREATE VIEW v AS SELECT id FROM t;
            GRANT SELECT ON v TO PUBLIC;
            """);
        var v = Assert.Single(await ReadAsync(db));

        // "m" (MAINTAIN) joins the owner's privileges in 17: ACLs compare within one server, never across majors.
        Assert.Equal(db.MajorVersion >= 17 ? "{postgres=arwdDxtm/postgres,=r/postgres}" : "{postgres=arwdDxt/postgres,=r/postgres}", v.Acl);
    }

    [Fact]
    public async Task Read_definitions_recreate_themselves_unchanged_on_this_major()
    {
        // The canonical form PgAutogen compares is what this server prints; it must be a fixed point: executing a
        // read definition in another database and reading it again gives the same text, whatever the major prints.
        const string tables = """
            CREATE SCHEMA app;
            CREATE TABLE app.t (id int PRIMARY KEY, name text, price numeric(10,2), tags text[], at timestamptz, data jsonb);
            CREATE TABLE app.u (id int, t_id int);
            CREATE TABLE app.p (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE app.p1 PARTITION OF app.p FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            """;
        await using var original = await fixture.CreateDatabaseAsync();
        var major = original.MajorVersion;
        var objects = """
            CREATE FUNCTION app.f_sql(a int, b text DEFAULT 'x') RETURNS int LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT a';
            CREATE FUNCTION app.f_atomic(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;
            CREATE FUNCTION app.f_return(a int) RETURNS int LANGUAGE sql RETURN app.f_atomic(a) * 2;
            CREATE FUNCTION app.f_rows(a int) RETURNS TABLE (x int) LANGUAGE sql BEGIN ATOMIC SELECT id FROM app.t WHERE id > a ORDER BY id; END;
            CREATE FUNCTION app.f_trg() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = app, pg_temp COST 5 AS $$ BEGIN RETURN NEW; END $$;
            CREATE FUNCTION app.f_out(IN a int, OUT b int, OUT c text) LANGUAGE sql AS 'SELECT a, ''x''';
            CREATE FUNCTION app.f_poly(x anycompatible, y anycompatible) RETURNS anycompatiblearray LANGUAGE sql AS 'SELECT ARRAY[x, y]';
            CREATE PROCEDURE app.p_out(IN a int, OUT b int) LANGUAGE plpgsql AS $$ BEGIN b := a; END $$;
            CREATE PROCEDURE app.p_atomic(a int) LANGUAGE sql BEGIN ATOMIC INSERT INTO app.u VALUES (a, a); END;
            CREATE TRIGGER tr_when BEFORE INSERT OR UPDATE OF name, price ON app.t FOR EACH ROW WHEN (NEW.price > 0) EXECUTE FUNCTION app.f_trg();
            CREATE TRIGGER tr_transition AFTER UPDATE ON app.t REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION app.f_trg();
            CREATE TRIGGER tr_args AFTER INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.f_trg('a', 'b c', '1');
            CREATE CONSTRAINT TRIGGER tr_constraint AFTER INSERT ON app.t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.f_trg();
            CREATE TRIGGER tr_partitioned AFTER INSERT ON app.p FOR EACH ROW EXECUTE FUNCTION app.f_trg();
            CREATE VIEW app.v_cols AS SELECT t.id, t.name AS n, price * 2 AS p2, tags[1] AS tag, at::date AS d, data->>'k' AS k FROM app.t t WHERE t.name LIKE 'a%' AND t.id IN (1, 2, 3) ORDER BY t.id;
            CREATE VIEW app.v_join AS SELECT x.id FROM (SELECT id FROM app.t) x JOIN app.u USING (id) LEFT JOIN app.u u2 ON u2.t_id = x.id;
            CREATE VIEW app.v_cte AS WITH cte AS (SELECT id FROM app.t) SELECT id FROM cte UNION ALL SELECT 1;
            CREATE VIEW app.v_window AS SELECT id, row_number() OVER (PARTITION BY name ORDER BY id) AS rn, CASE WHEN id > 1 THEN 'big' ELSE 'small' END AS size FROM app.t;
            CREATE VIEW app.v_sql_functions AS SELECT substring(name from 1 for 2) AS s, extract(year from at) AS y, trim(both ' ' from name) AS tr, at AT TIME ZONE 'UTC' AS utc, current_date AS today FROM app.t;
            CREATE VIEW app.v_lateral AS SELECT id, x FROM app.t, LATERAL unnest(tags) WITH ORDINALITY AS u(x, n);
            CREATE VIEW app.v_on_view WITH (security_barrier) AS SELECT id, app.f_sql(id) AS f FROM app.v_cols WITH CASCADED CHECK OPTION;
            CREATE TRIGGER tr_instead INSTEAD OF INSERT ON app.v_window FOR EACH ROW EXECUTE FUNCTION app.f_trg();
            """
            + (major >= 15 ? "\nCREATE VIEW app.v_invoker WITH (security_invoker = true) AS SELECT id FROM app.t;" : "")
            + (major >= 16 ? "\nCREATE VIEW app.v_unnamed AS SELECT id FROM (SELECT id FROM app.t);" : "")
            + (major >= 16 ? "\nCREATE VIEW app.v_json_ctor AS SELECT JSON_OBJECT('a' VALUE id) AS jo, name IS JSON AS isj FROM app.t;" : "")
            + (major >= 17 ? "\nCREATE FUNCTION app.json() RETURNS int LANGUAGE sql RETURN 1;\nCREATE VIEW app.v_json_name AS SELECT app.json() AS j;" : "");

        await original.ExecuteAsync(tables);
        foreach (var statement in objects.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await original.ExecuteStatementAsync(statement); // one statement per line; BEGIN ATOMIC bodies hold semicolons
        }

        var read = await ReadAsync(original);

        await using var copy = await fixture.CreateDatabaseAsync();
        await copy.ExecuteAsync(tables);
        foreach (var obj in InDependencyOrder(read))
        {
            try
            {
                await copy.ExecuteStatementAsync(obj.Definition);
            }
            catch (PostgresException ex)
            {
                Assert.Fail($"PostgreSQL {major} refused the definition it printed for {obj.Kind} {obj.Identity}: {ex.MessageText}\n{obj.Definition}");
            }
        }

        var reread = (await ReadAsync(copy)).ToDictionary(o => o.Key);
        Assert.Equal(read.Select(o => o.Key).Order(StringComparer.Ordinal), reread.Keys.Order(StringComparer.Ordinal));
        foreach (var obj in read)
        {
            Assert.True(obj.Definition == reread[obj.Key].Definition,
                $"PostgreSQL {major}: {obj.Identity} reads differently once re-created.\nFirst:\n{obj.Definition}\nAgain:\n{reread[obj.Key].Definition}");
        }
    }

    /// <summary>Routines and views after what they depend on, triggers last (a trigger may sit on a view).</summary>
    private static IEnumerable<PgObject> InDependencyOrder(List<PgObject> objects)
    {
        var byIdentity = objects.Where(o => o.Kind != PgObjectKind.Trigger).ToDictionary(o => o.Identity);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<PgObject>();

        void Visit(PgObject obj)
        {
            if (!done.Add(obj.Identity))
            {
                return;
            }

            foreach (var dep in obj.DependsOn)
            {
                if (byIdentity.TryGetValue(dep, out var target))
                {
                    Visit(target);
                }
            }

            ordered.Add(obj);
        }

        foreach (var obj in byIdentity.Values)
        {
            Visit(obj);
        }

        return ordered.Concat(objects.Where(o => o.Kind == PgObjectKind.Trigger));
    }
}
