using PgAutogen.TestSupport;
using static PgAutogen.Core.Tests.Compare.D;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>Compare → migration → upgrade → compare again (nothing) → downgrade (original catalog), on a real server.</summary>
[Trait("Category", "Database")]
public sealed class CompareEndToEndTests(CoreDatabaseFixture fixture)
{
    private const string Orders = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, total numeric, status text, updated_at timestamptz);
        """;

    [Fact]
    public async Task Create_replace_and_drop_functions()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + """
            CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
            CREATE FUNCTION app.gone() RETURNS int LANGUAGE sql AS 'SELECT 3';
            """);
        var decls = new[]
        {
            // Formatting, int vs integer and missing OR REPLACE never cause a false diff.
            Fn("create   function app.keep() returns integer language sql as 'SELECT 1'", "keep", schema: "app"),
            Fn("CREATE FUNCTION app.change(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1'", "change", "int", "app"),
            Fn("CREATE FUNCTION app.fresh(a text, b int DEFAULT 2) RETURNS text LANGUAGE sql AS 'SELECT a'", "fresh", "text, int", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Replace app.change(integer), Create app.fresh(text, integer), Drop app.gone()", Harness.Actions(m));
        Assert.Contains("SET check_function_bodies = off;", m.Up, StringComparison.Ordinal);
        Assert.Contains("DROP FUNCTION app.gone();", m.Up, StringComparison.Ordinal);
        Assert.Contains("DROP FUNCTION app.fresh(text, integer);", m.Down, StringComparison.Ordinal);
        var replace = m.Ops.Single(o => o.Action == MigrationAction.Replace);
        Assert.Contains("- ", replace.Diff, StringComparison.Ordinal);
        Assert.Contains("+ ", replace.Diff, StringComparison.Ordinal);
        Assert.Equal("db/test.sql:1:1", replace.Declaration);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Changing_argument_types_drops_the_old_identity_and_creates_the_new()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';");
        var decls = new[] { Fn("CREATE FUNCTION f(a bigint) RETURNS bigint LANGUAGE sql AS 'SELECT a'", "f", "bigint") };
        var m = await Harness.CompareAsync(db, decls);
        // The old overload goes first: while both exist, a call of f could resolve to either (see RandomFindingsTests).
        Assert.Equal("Drop public.f(integer), Create public.f(bigint)", Harness.Actions(m));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Declaring_one_of_two_overloads_drops_the_other()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION area(r float8) RETURNS float8 LANGUAGE sql AS 'SELECT r * r';
            CREATE FUNCTION area(w int, h int) RETURNS int LANGUAGE sql AS 'SELECT w * h';
            """);
        var decls = new[] { Fn("CREATE FUNCTION area(w int, h int) RETURNS int LANGUAGE sql AS 'SELECT w * h'", "area", "int, int") };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Drop public.area(double precision)", Harness.Actions(m));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Procedures_are_declared_and_matched_as_procedures()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE PROCEDURE p(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$;");
        var decls = new[]
        {
            Proc("CREATE PROCEDURE p(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 2; END $$", "p", "int"),
            Proc("CREATE PROCEDURE q() LANGUAGE sql AS 'SELECT 1'", "q"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Replace public.p(integer), Create public.q()", Harness.Actions(m));
        Assert.All(m.Ops, o => Assert.Equal(PgObjectKind.Procedure, o.Kind));
        Assert.Contains("DROP PROCEDURE public.q();", m.Down, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Triggers_created_replaced_with_new_events_and_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + """
            CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
            CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
            CREATE TRIGGER old_one AFTER DELETE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
            """);
        var touch = "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$";
        var decls = new[]
        {
            Fn(touch, "touch", schema: "app"),
            Trg("CREATE TRIGGER touch BEFORE INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch()", "touch", "orders", "app"),
            Trg("CREATE TRIGGER audit AFTER INSERT ON app.orders FOR EACH STATEMENT EXECUTE FUNCTION app.touch()", "audit", "orders", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Drop old_one ON app.orders, Create audit ON app.orders, Replace touch ON app.orders", Harness.Actions(m));
        Assert.Contains("CREATE OR REPLACE TRIGGER touch BEFORE INSERT OR UPDATE ON app.orders", m.Up, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_trigger_switching_to_a_new_function_runs_before_the_old_function_is_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + """
            CREATE FUNCTION app.f_old() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER t BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.f_old();
            """);
        var decls = new[]
        {
            Fn("CREATE FUNCTION app.f_new() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "f_new", schema: "app"),
            Trg("CREATE TRIGGER t BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.f_new()", "t", "orders", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create app.f_new(), Replace t ON app.orders, Drop app.f_old()", Harness.Actions(m));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Views_including_a_view_on_a_view_whose_names_sort_the_wrong_way()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + "CREATE VIEW app.old_view AS SELECT id FROM app.orders;");
        var decls = new[]
        {
            // a_top depends on z_base: the names sort the wrong way; declared in the wrong order too.
            View("CREATE VIEW app.a_top AS SELECT id, total FROM app.z_base WHERE total > 100", "a_top", "app"),
            View("CREATE VIEW app.z_base AS SELECT id, total FROM app.orders", "z_base", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create app.z_base, Create app.a_top, Drop app.old_view", Harness.Actions(m));
        Assert.True(m.Down.IndexOf("DROP VIEW app.a_top", StringComparison.Ordinal) < m.Down.IndexOf("DROP VIEW app.z_base", StringComparison.Ordinal));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_view_that_stops_calling_a_removed_function_is_replaced_before_the_function_is_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + """
            CREATE FUNCTION app.fmt(n numeric) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT n::text';
            CREATE VIEW app.v AS SELECT id, app.fmt(total) AS total FROM app.orders;
            """);
        var decls = new[] { View("CREATE VIEW app.v AS SELECT id, total::text AS total FROM app.orders", "v", "app") };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Replace app.v, Drop app.fmt(numeric)", Harness.Actions(m));
        // Going down, the function comes back before the view that calls it.
        Assert.True(m.Down.IndexOf("FUNCTION app.fmt", StringComparison.Ordinal) < m.Down.IndexOf("VIEW app.v", StringComparison.Ordinal));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_begin_atomic_function_calling_a_new_function_whose_name_sorts_later()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var decls = new[]
        {
            Fn("CREATE FUNCTION a_caller(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT z_callee(x) + 1; END", "a_caller", "int"),
            Fn("CREATE FUNCTION z_callee(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x * 2", "z_callee", "int"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create public.z_callee(integer), Create public.a_caller(integer)", Harness.Actions(m));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Unqualified_declarations_resolve_to_the_current_schema_of_a_non_default_search_path()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        var decls = new[]
        {
            Fn("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2'", "f"),
            View("CREATE VIEW v AS SELECT id FROM orders", "v"),
        };
        var m = await Harness.CompareAsync(db, decls, searchPath: "app, public");
        Assert.Equal("Replace app.f(), Create app.v", Harness.Actions(m));
        Assert.Contains("FROM app.orders", m.Up, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m, searchPath: "app, public");
    }

    [Fact]
    public async Task A_constraint_trigger_is_never_given_or_replace_and_is_dropped_and_created_when_changed()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + """
            CREATE FUNCTION app.check_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER later AFTER INSERT ON app.orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.check_it();
            """);
        var fn = Fn("CREATE FUNCTION app.check_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$", "check_it", schema: "app");
        var decls = new[]
        {
            fn,
            Trg("CREATE CONSTRAINT TRIGGER later AFTER INSERT OR UPDATE ON app.orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.check_it()",
                "later", "orders", "app", constraint: true),
        };
        var m = await Harness.CompareAsync(db, decls);
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.DropAndCreate, op.Action);
        Assert.DoesNotContain("OR REPLACE", op.UpSql, StringComparison.Ordinal);
        Assert.StartsWith("DROP TRIGGER later ON app.orders;\nCREATE CONSTRAINT TRIGGER later AFTER INSERT OR UPDATE", op.UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Replacing_a_disabled_trigger_keeps_it_disabled()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + """
            CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER sleepy BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.noop();
            ALTER TABLE app.orders DISABLE TRIGGER sleepy;
            """);
        var decls = new[]
        {
            Fn("CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "noop", schema: "app"),
            Trg("CREATE TRIGGER sleepy BEFORE INSERT OR UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.noop()", "sleepy", "orders", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        var op = Assert.Single(m.Ops);
        Assert.Contains("ALTER TABLE app.orders DISABLE TRIGGER sleepy;", op.UpSql, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE app.orders DISABLE TRIGGER sleepy;", op.DownSql, StringComparison.Ordinal);
        Assert.Contains("stays disabled", op.Reason, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
        Assert.Equal("D", await db.ScalarAsync<string>("SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'sleepy'"));
    }

    [Fact]
    public async Task View_options_survive_a_replace()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + "CREATE VIEW app.cheap WITH (security_barrier) AS SELECT id, total FROM app.orders WHERE total < 10 WITH LOCAL CHECK OPTION;");
        var decls = new[]
        {
            View("CREATE VIEW app.cheap WITH (security_barrier) AS SELECT id, total FROM app.orders WHERE total < 20 WITH LOCAL CHECK OPTION", "cheap", "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        var op = Assert.Single(m.Ops);
        Assert.Contains("WITH (security_barrier=true)", op.UpSql, StringComparison.Ordinal);
        Assert.Contains("WITH LOCAL CHECK OPTION", op.UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Quoted_mixed_case_identifiers_are_quoted_everywhere()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA "Sales App";
            CREATE TABLE "Sales App"."Order" (id int, "Total" numeric);
            CREATE FUNCTION "Sales App"."Old Fn"() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """);
        var decls = new[]
        {
            Fn("CREATE FUNCTION \"Sales App\".\"Touch It\"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "Touch It", schema: "Sales App"),
            Trg("CREATE TRIGGER \"Before Insert\" BEFORE INSERT ON \"Sales App\".\"Order\" FOR EACH ROW EXECUTE FUNCTION \"Sales App\".\"Touch It\"()",
                "Before Insert", "Order", "Sales App"),
            View("CREATE VIEW \"Sales App\".\"select\" AS SELECT id, \"Total\" FROM \"Sales App\".\"Order\"", "select", "Sales App"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Contains("DROP FUNCTION \"Sales App\".\"Old Fn\"();", m.Up, StringComparison.Ordinal);
        Assert.Contains("DROP TRIGGER \"Before Insert\" ON \"Sales App\".\"Order\";", m.Down, StringComparison.Ordinal);
        Assert.Contains("DROP VIEW \"Sales App\".\"select\";", m.Down, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_body_is_validated_with_its_own_set_search_path_like_create_function_does()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + "CREATE FUNCTION app.is_big(v numeric) RETURNS boolean LANGUAGE sql AS 'SELECT v > 100';");
        // The body names app's objects unqualified and relies on the routine's SET search_path, not the session's.
        var decls = new[]
        {
            Fn("CREATE FUNCTION app.is_big(v numeric) RETURNS boolean LANGUAGE sql AS 'SELECT v > 100'", "is_big", "numeric", "app"),
            Fn("CREATE FUNCTION app.big_orders() RETURNS bigint LANGUAGE sql SET search_path = app, public AS $$ SELECT count(*) FROM orders WHERE is_big(total) $$",
                "big_orders", schema: "app"),
        };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Create app.big_orders()", Harness.Actions(m));
        // The routine's settings applied only while its body was checked.
        Assert.Equal("\"$user\", public", await db.ScalarAsync<string>("SHOW search_path"));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Only_new_or_changed_bodies_are_validated_an_unchanged_invalid_one_is_not_the_migrations_concern()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        // Loaded like pg_dump output, with check_function_bodies off: the body is broken (UPDATE without SET).
        const string broken = "CREATE FUNCTION app.fix(i int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE app.orders WHERE id = i; END $$";
        await db.ExecuteAsync(Orders + "SET check_function_bodies = off;\n" + broken + ";");
        var events = new RecordingEvents();
        var same = new[]
        {
            Fn(broken, "fix", "int", "app"),
            Fn("CREATE FUNCTION app.ok() RETURNS int LANGUAGE sql AS 'SELECT count(*)::int FROM app.orders'", "ok", schema: "app"),
        };
        var m = await Harness.CompareAsync(db, same, events: events);
        Assert.Equal("Create app.ok()", Harness.Actions(m));
        // The unchanged body is in the database as it is; the migration does not touch it: no error, no warning.
        Assert.Empty(events.Warnings);
        Assert.Contains(events.VerboseLines, v => v.Contains("validated 1 new or changed routine body(ies)", StringComparison.Ordinal));

        // Changed, it is an error.
        var changed = Fn(broken.Replace("id = i", "id = i + 1", StringComparison.Ordinal), "fix", "int", "app");
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, new[] { changed }));
        Assert.Equal(PgErrorId.DeclarationInvalid, ex.ErrorId);
        Assert.Contains("syntax error", ex.Message, StringComparison.Ordinal);
        Assert.Contains("app.fix(int)", ex.Message, StringComparison.Ordinal);

        // New and invalid, next to the unchanged invalid one: the new one is the error.
        var added = Fn("CREATE FUNCTION app.fix2(i int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE app.orders; END $$", "fix2", "int", "app");
        ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, new[] { same[0], added }));
        Assert.Equal(PgErrorId.DeclarationInvalid, ex.ErrorId);
        Assert.Contains("app.fix2(int)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_view_that_postgres_prints_differently_after_re_creating_it_is_unchanged()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        // The unnamed NULL of the second UNION arm is printed as NULL::integer; executed again, that is named int4 and
        // printed NULL::integer AS int4: the same view.
        await db.ExecuteAsync(Orders + """
            CREATE TABLE app.returns (id int);
            CREATE VIEW app.movements AS SELECT id, total FROM (SELECT id, total FROM app.orders UNION ALL SELECT id, NULL FROM app.returns) q;
            """);
        string live;
        await using (var conn = await db.OpenAsync())
        {
            live = (await PgAutogen.Core.Catalog.CatalogInspector.ReadAllAsync(conn, new PgAutogen.Core.Catalog.CatalogFilter(), TestContext.Current.CancellationToken)).Single().Definition;
        }

        Assert.Contains("NULL::numeric\n", live, StringComparison.Ordinal);
        Assert.Empty((await Harness.CompareAsync(db, new[] { View(live, "movements", "app") })).Ops);

        // A real change to it is still one.
        var changed = View(live.Replace("NULL::numeric", "0::numeric", StringComparison.Ordinal), "movements", "app");
        var m = await Harness.CompareAsync(db, new[] { changed });
        Assert.Equal("Replace app.movements", Harness.Actions(m));
        await Harness.ApplyAsync(db, m.Up);
        Assert.Empty((await Harness.CompareAsync(db, new[] { changed })).Ops);
    }

    [Fact]
    public async Task Nothing_to_do_gives_no_ops()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Orders + "CREATE VIEW app.v AS SELECT id FROM app.orders;");
        var m = await Harness.CompareAsync(db, new[] { View("CREATE VIEW app.v AS SELECT id FROM app.orders", "v", "app") });
        Assert.Empty(m.Ops);
    }
}

[Trait("Category", "Database")]
public sealed class CompareAttributesTests(CoreDatabaseFixture fixture)
{
    [Fact]
    public async Task The_downgrade_restores_the_comment_grants_and_owner_of_what_the_upgrade_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgautogen_reader') THEN CREATE ROLE pgautogen_reader; END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgautogen_owner') THEN CREATE ROLE pgautogen_owner; END IF;
            END $$;
            CREATE TABLE t (id int);
            CREATE FUNCTION gone(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
            COMMENT ON FUNCTION gone(int) IS 'It''s documented';
            REVOKE ALL ON FUNCTION gone(int) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION gone(int) TO pgautogen_reader WITH GRANT OPTION;
            ALTER FUNCTION gone(int) OWNER TO pgautogen_owner;
            CREATE VIEW old_view AS SELECT id FROM t;
            COMMENT ON VIEW old_view IS 'report';
            GRANT SELECT ON old_view TO pgautogen_reader;
            CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER noisy BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
            COMMENT ON TRIGGER noisy ON t IS 'stamps rows';
            """);
        var decls = new[] { D.Fn("CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$", "trg") };
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Drop noisy ON public.t, Drop public.old_view, Drop public.gone(integer)", Harness.Actions(m));
        Assert.Contains("COMMENT ON FUNCTION public.gone(integer) IS 'It''s documented';", m.Down, StringComparison.Ordinal);
        Assert.Contains("GRANT EXECUTE ON FUNCTION public.gone(integer) TO pgautogen_reader WITH GRANT OPTION;", m.Down, StringComparison.Ordinal);
        Assert.Contains("ALTER FUNCTION public.gone(integer) OWNER TO pgautogen_owner;", m.Down, StringComparison.Ordinal);
        Assert.Contains("COMMENT ON TRIGGER noisy ON public.t IS 'stamps rows';", m.Down, StringComparison.Ordinal);
        // RoundTrip compares definitions, owners, ACLs and comments of every object before and after.
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Theory]
    [InlineData("{=X/postgres,postgres=X/postgres}", "|EXECUTE;postgres|EXECUTE")]
    [InlineData("{postgres=arwdDxt/postgres,\"Read Only\"=r*/postgres}", "postgres|INSERT,SELECT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER;Read Only|SELECT*")]
    public void Acl_items_are_parsed(string acl, string expected)
    {
        var items = PgAutogen.Core.Diff.AclSql.ParseAcl(acl);
        var text = string.Join(";", items.Select(i => i.Grantee + "|" + string.Join(",", i.Privileges.Select(p => p.Name + (p.GrantOption ? "*" : "")))));
        Assert.Equal(expected, text);
    }
}
