using PgAutogen.Core.Catalog;
using PgAutogen.Core.Canonicalization;
using static PgAutogen.Core.Tests.Compare.D;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// Each declared routine is mapped to the catalog row it created by schema, name and input types as written,
/// resolved like to_regprocedure resolves them (without to_regprocedure, which is quadratic in distinct names).
/// </summary>
public sealed class ResolutionTests(CoreDatabaseFixture fixture)
{
    [Theory]
    [InlineData(null, new string[0])]
    [InlineData("", new string[0])]
    [InlineData("  ", new string[0])]
    [InlineData("int", new[] { "int" })]
    [InlineData("int, text", new[] { "int", "text" })]
    [InlineData("numeric(12, 2),character varying(20)", new[] { "numeric(12, 2)", "character varying(20)" })]
    [InlineData("int[], double precision, timestamp(3) with time zone", new[] { "int[]", "double precision", "timestamp(3) with time zone" })]
    [InlineData("\"a, b\", app.\"My (Type)\"", new[] { "\"a, b\"", "app.\"My (Type)\"" })]
    [InlineData("\"say \"\"hi, you\"\"\", int", new[] { "\"say \"\"hi, you\"\"\"", "int" })]
    [InlineData("int[3][4], text", new[] { "int[3][4]", "text" })]
    public void Arguments_split_at_the_commas_between_types(string? arguments, string[] expected) =>
        Assert.Equal(expected, TargetResolver.SplitArguments(arguments));

    [Fact]
    public async Task Routines_resolve_by_their_types_as_written_however_they_are_spelled()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE TYPE app."My, Type" AS (a int);
            CREATE DOMAIN app.cents AS bigint;
            """);
        var decls = new[]
        {
            Fn("CREATE FUNCTION app.f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'", "f", "int", "app", line: 1),
            Fn("CREATE FUNCTION app.f(a text) RETURNS int LANGUAGE sql AS 'SELECT 1'", "f", "text", "app", line: 2),
            Fn("CREATE FUNCTION app.g(a numeric(12,2), b character varying(20), c double precision, d int[], e timestamptz) RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "g", "numeric(12,2), character varying(20), double precision, int[], timestamptz", "app", line: 3),
            Fn("CREATE FUNCTION app.h(a app.\"My, Type\", b app.cents) RETURNS int LANGUAGE sql AS 'SELECT 1'", "h", "app.\"My, Type\", app.cents", "app", line: 4),
            Fn("CREATE FUNCTION app.\"Mixed Case\"() RETURNS int LANGUAGE sql AS 'SELECT 1'", "Mixed Case", "", "app", line: 5),
            Proc("CREATE PROCEDURE app.p(a int4, b INTEGER) LANGUAGE sql AS 'SELECT 1'", "p", "int4, INTEGER", "app"),
            Fn("CREATE FUNCTION unqualified(a bool) RETURNS bool LANGUAGE sql AS 'SELECT a'", "unqualified", "bool", line: 7),
        };

        var m = await Harness.CompareAsync(db, decls);

        Assert.Equal(
            "Create app.\"Mixed Case\"(), Create app.f(integer), Create app.f(text), " +
            "Create app.g(numeric, character varying, double precision, integer[], timestamp with time zone), " +
            "Create app.h(app.\"My, Type\", app.cents), Create app.p(integer, integer), Create public.unqualified(boolean)",
            string.Join(", ", m.Ops.OrderBy(o => o.Identity, StringComparer.Ordinal).Select(o => $"{o.Action} {o.Identity}")));
        // Each op points at its own declaration (overloads are not confused).
        Assert.Equal("db/test.sql:1:1", m.Ops.Single(o => o.Identity == "app.f(integer)").Declaration);
        Assert.Equal("db/test.sql:2:1", m.Ops.Single(o => o.Identity == "app.f(text)").Declaration);
        Assert.Equal("db/test.sql:7:1", m.Ops.Single(o => o.Identity == "public.unqualified(boolean)").Declaration);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task A_declaration_whose_arguments_name_the_wrong_types_is_reported()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        // The statement creates f(integer), but the declaration says f(text): nothing matches what it names.
        var decls = new[] { Fn("CREATE FUNCTION public.f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'", "f", "text", "public") };

        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, decls));

        Assert.Equal(PgErrorId.DeclarationInvalid, ex.ErrorId);
        Assert.Contains("could not find what it created", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>Bodies are validated per language in one statement; an invalid one is still reported against its declaration, the first in order.</summary>
public sealed class BodyValidationTests(CoreDatabaseFixture fixture)
{
    [Fact]
    public async Task Valid_bodies_of_several_languages_pass_and_the_first_invalid_one_is_reported()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE TABLE t (id int);");
        var valid = new[]
        {
            Fn("CREATE FUNCTION a() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM t); END $$", "a", line: 1),
            Fn("CREATE FUNCTION b() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$", "b", line: 2),
            Fn("CREATE FUNCTION c() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END", "c", line: 3),
        };
        var m = await Harness.CompareAsync(db, valid);
        Assert.Equal(3, m.Ops.Count);

        var invalid = valid.Concat(new[]
        {
            Fn("CREATE FUNCTION d() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1 END $$", "d", line: 4),
            Fn("CREATE FUNCTION e() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM missing $$", "e", line: 5),
        }).ToList();
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, invalid));
        Assert.Equal(PgErrorId.DeclarationInvalid, ex.ErrorId);
        Assert.Same(invalid[3], ex.Target);
        Assert.StartsWith("db/test.sql:4:", ex.Message, StringComparison.Ordinal);

        // The other invalid body, alone, is reported against its own declaration.
        var ex2 = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, invalid.Where((_, i) => i != 3)));
        Assert.Same(invalid[4], ex2.Target);
        Assert.Contains("relation \"missing\" does not exist", ex2.Message, StringComparison.Ordinal);
    }
}

/// <summary>The engine's re-reads of known objects go by oid, not by name patterns (PostgreSQL caches only 32 compiled regexes).</summary>
public sealed class ReadByOidTests(CoreDatabaseFixture fixture)
{
    [Fact]
    public async Task The_inspector_reads_only_the_given_oids_of_each_kind()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int);
            CREATE FUNCTION f1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE FUNCTION f2() RETURNS int LANGUAGE sql AS 'SELECT 2';
            CREATE VIEW v1 AS SELECT id FROM t;
            CREATE VIEW v2 AS SELECT id FROM t;
            CREATE TRIGGER g1 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f1();
            CREATE TRIGGER g2 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f1();
            """);
        await using var conn = await db.OpenAsync();
        var all = await CatalogInspector.ReadAllAsync(conn, new CatalogFilter(), TestContext.Current.CancellationToken);
        var wanted = all.Where(o => o.Name is "f2" or "v1" or "g2").ToList();

        var read = await CatalogInspector.ReadAllAsync(conn, new CatalogFilter { Oids = wanted.Select(o => o.Oid).ToArray() }, TestContext.Current.CancellationToken);

        Assert.Equal(wanted.Select(o => o.Key).Order(StringComparer.Ordinal), read.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(wanted.Select(o => o.Definition).Order(StringComparer.Ordinal), read.Select(o => o.Definition).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Many_changed_routines_and_views_are_replayed_and_read_back_by_oid()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        const int count = 60; // more than PostgreSQL's 32 cached regular expressions
        var setup = new System.Text.StringBuilder("CREATE TABLE t (id int, amount numeric);\n");
        var decls = new List<PgDeclaration>();
        for (var i = 0; i < count; i++)
        {
            setup.Append($"CREATE FUNCTION f{i}(x numeric) RETURNS numeric LANGUAGE sql AS 'SELECT x * {i}';\n");
            setup.Append($"CREATE VIEW v{i} AS SELECT id, amount FROM t WHERE amount > {i};\n");
            decls.Add(Fn($"CREATE FUNCTION f{i}(x numeric) RETURNS numeric LANGUAGE sql AS 'SELECT x * {i + 1}'", $"f{i}", "numeric", line: i + 1));
            decls.Add(View($"CREATE VIEW v{i} AS SELECT id, amount FROM t WHERE amount > {i + 1}", $"v{i}", line: i + 1));
        }

        await db.ExecuteAsync(setup.ToString());
        var m = await Harness.CompareAsync(db, decls);

        Assert.Equal(2 * count, m.Ops.Count);
        Assert.All(m.Ops, o => Assert.Equal(MigrationAction.Replace, o.Action));
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public async Task Bodies_sharing_set_options_are_validated_together_under_them_and_a_bad_one_is_still_named()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE SCHEMA app; CREATE TABLE app.orders (id int, total numeric);");
        // Unqualified names that resolve only under each routine's own SET search_path.
        var good = Enumerable.Range(0, 5).Select(i =>
            Fn($"CREATE FUNCTION app.n{i}() RETURNS bigint LANGUAGE sql SET search_path = app, public AS $$ SELECT count(*) FROM orders $$", $"n{i}", schema: "app", line: i + 1)).ToList();
        var m = await Harness.CompareAsync(db, good);
        Assert.Equal(5, m.Ops.Count);

        var bad = Fn("CREATE FUNCTION app.n9() RETURNS bigint LANGUAGE sql SET search_path = app, public AS $$ SELECT count(*) FROM no_such_table $$", "n9", schema: "app", line: 9);
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, good.Append(bad)));
        Assert.Same(bad, ex.Target);
        Assert.Contains("relation \"no_such_table\" does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Equal("\"$user\", public", await db.ScalarAsync<string>("SHOW search_path"));
    }
}
