using PgAutogen.Core.Parsing;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>
/// The classes the randomized differential tests found, each as the minimal case the shrinker left (made readable by
/// hand), so that each stays fixed whatever the generator draws next.
/// </summary>
[Trait("Category", "Database")]
public sealed class RandomFindingsTests(CoreDatabaseFixture fixture)
{
    private static IReadOnlyList<PgDeclaration> Parse(params string[] sql)
    {
        var set = DeclarationParser.Parse(Array.Empty<string>(), sql, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(set.Errors);
        return set.Declarations;
    }

    private static async Task<Migration> CompareAndRoundTripAsync(TestDatabase db, IReadOnlyList<PgDeclaration> declarations)
    {
        var m = await Harness.CompareBothWaysAsync(db, declarations);
        await Harness.RoundTripAsync(db, declarations, m);
        return m;
    }

    /// <summary>Seed 78: a view calling two functions that must both be re-created was dropped with the first and then taken for an unmanaged dependent of the second.</summary>
    [Fact]
    public async Task A_view_on_two_re_created_functions_is_rebuilt_once_they_are()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION a(p int) RETURNS int LANGUAGE sql AS 'SELECT p';
            CREATE FUNCTION b(p int DEFAULT 0) RETURNS int LANGUAGE sql AS 'SELECT p';
            CREATE VIEW v AS SELECT a(1) AS x, b(2) AS y;
            """);
        var m = await CompareAndRoundTripAsync(db, Parse(
            "CREATE FUNCTION a(q int) RETURNS int LANGUAGE sql AS 'SELECT q'",
            "CREATE FUNCTION b(p int) RETURNS int LANGUAGE sql AS 'SELECT p'",
            "CREATE VIEW v AS SELECT a(1) AS x, b(2) AS y"));
        Assert.Equal(new[] { "public.a(integer)", "public.b(integer)", "public.v" }, m.Ops.Select(o => o.Identity).Distinct().Order(StringComparer.Ordinal));
        Assert.All(m.Ops, o => Assert.Equal(MigrationAction.DropAndCreate, o.Action));
    }

    /// <summary>
    /// Seeds 98, 136: an unchanged materialized view judged before a changed one it depends on (through a view) was left
    /// out of the batch, then dropped with the changed one, and never created again.
    /// </summary>
    [Theory]
    [InlineData("CREATE MATERIALIZED VIEW base AS SELECT 1 AS id, 2 AS renamed", "CREATE VIEW middle AS SELECT id FROM base")]
    [InlineData("CREATE MATERIALIZED VIEW base AS SELECT 1 AS id, 3 AS x", "CREATE VIEW middle AS SELECT id FROM base")]
    [InlineData("CREATE VIEW base AS SELECT 1 AS id, 2 AS x", "CREATE VIEW middle AS SELECT id FROM base")]
    [InlineData("CREATE MATERIALIZED VIEW base AS SELECT 1 AS id, 2 AS x", "CREATE MATERIALIZED VIEW middle AS SELECT id FROM base")]
    public async Task An_unchanged_materialized_view_over_a_re_created_one_is_rebuilt(string baseView, string middleView)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE MATERIALIZED VIEW base AS SELECT 1 AS id, 2 AS x;
            CREATE VIEW middle AS SELECT id FROM base;
            CREATE MATERIALIZED VIEW top AS SELECT id FROM middle;
            CREATE UNIQUE INDEX top_id ON top (id);
            """);
        // The unchanged one is declared first, so it is judged first.
        var m = await CompareAndRoundTripAsync(db, Parse(
            "CREATE MATERIALIZED VIEW top AS SELECT id FROM middle; CREATE UNIQUE INDEX top_id ON top (id)",
            middleView,
            baseView));
        Assert.Contains(m.Ops, o => o.Identity == "public.top" && o.Action == MigrationAction.DropAndCreate);
    }

    /// <summary>Seed 289: a function that becomes a procedure, with its declared comment, in a cycle of calls between overloads.</summary>
    [Fact]
    public async Task A_function_becoming_a_procedure_keeps_its_declared_comment()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteStatementAsync("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END");
        await db.ExecuteStatementAsync("CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(); END");
        await db.ExecuteStatementAsync("CREATE FUNCTION f(p text) RETURNS text LANGUAGE sql RETURN p || g()");
        await db.ExecuteAsync("COMMENT ON FUNCTION f(text) IS 'note'");
        var m = await CompareAndRoundTripAsync(db, Parse(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(); END",
            "CREATE PROCEDURE f(p text) LANGUAGE sql BEGIN ATOMIC SELECT p || g(); END; COMMENT ON PROCEDURE f(text) IS 'note'"));
        Assert.Equal("DropAndCreate public.f(text)", string.Join(", ", m.Ops.Select(o => $"{o.Action} {o.Identity}").Distinct()));
    }

    /// <summary>A comment naming a routine of the other kind is the user's mistake, reported as such: nothing is dropped to make room for it.</summary>
    [Fact]
    public async Task A_comment_on_a_procedure_that_is_declared_a_function_is_refused_as_it_is()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE FUNCTION f(p text) RETURNS text LANGUAGE sql AS 'SELECT p'; CREATE VIEW v AS SELECT f('x') AS y;");
        var error = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, Parse(
            "CREATE FUNCTION f(p text) RETURNS text LANGUAGE sql AS 'SELECT p'; COMMENT ON PROCEDURE f(text) IS 'note'",
            "CREATE VIEW v AS SELECT f('x') AS y")));
        Assert.Equal(PgErrorId.DeclarationInvalid, error.ErrorId);
        Assert.Contains("is not a procedure", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Seed 315: when every declaration left fails naming what does not exist, the error names the root cause (a re-created
    /// materialized view calling a function that is no longer declared), not a knock-on (the view on that view, its index:
    /// "relation v9 does not exist"), whatever the declarations' order, with the shortcut on and off.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task When_every_declaration_left_fails_the_error_names_the_root_cause(bool dependentFirst, bool shortcut)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int PRIMARY KEY, label text);
            CREATE FUNCTION f2() RETURNS text LANGUAGE sql AS 'SELECT ''a''';
            CREATE FUNCTION f4() RETURNS int LANGUAGE sql AS 'SELECT 4';
            CREATE MATERIALIZED VIEW v9 AS SELECT id, f4()::text AS x FROM t;
            CREATE UNIQUE INDEX v9_id ON v9 (id);
            CREATE MATERIALIZED VIEW v10 AS SELECT id, x FROM v9;
            """);
        string[] views =
        [
            "CREATE MATERIALIZED VIEW v9 AS SELECT id, f2(1)::text AS x FROM t; CREATE UNIQUE INDEX v9_id ON v9 (id)",
            "CREATE MATERIALIZED VIEW v10 AS SELECT id, x FROM v9",
        ];
        var declarations = Parse(["CREATE FUNCTION f4() RETURNS int LANGUAGE sql AS 'SELECT 4'", .. dependentFirst ? Enumerable.Reverse(views) : views]);
        var error = await Assert.ThrowsAsync<PgAutogenException>(() =>
            Harness.CompareAsync(db, declarations, new Canonicalization.CanonicalizationOptions { ParseTreeShortcut = shortcut }));
        Assert.Equal(PgErrorId.DeclarationInvalid, error.ErrorId);
        Assert.Contains("f2(integer) does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("v9", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("v10", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Seed 636 (PostgreSQL 16 and 18): a materialized view declared a plain view, over views on two functions whose return
    /// types change. The first function's re-creation rebuilt the view as declared; the second's dropped it again as the
    /// materialized view it had been: "is not a materialized view". (f2's body names f1 with its schema: from PostgreSQL 17 a
    /// materialized view is populated with a search_path of pg_catalog and pg_temp.)
    /// </summary>
    [Fact]
    public async Task A_dependent_rebuilt_as_another_kind_is_dropped_as_it_now_is()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int PRIMARY KEY, item int);
            CREATE FUNCTION f1(p text) RETURNS numeric LANGUAGE sql AS 'SELECT 1.5';
            CREATE FUNCTION f2(p boolean) RETURNS text LANGUAGE sql AS 'SELECT length(public.f1(''a'')::text)::text';
            CREATE VIEW v1 AS SELECT id, item, f1('a')::text AS x FROM t;
            CREATE VIEW v2 AS SELECT id, item, x, f2(true)::text AS y FROM v1;
            CREATE VIEW v3 AS SELECT id, item FROM v2;
            CREATE MATERIALIZED VIEW mv AS SELECT id, item FROM v3;
            CREATE UNIQUE INDEX mv_id ON mv (id);
            """);
        await CompareAndRoundTripAsync(db, Parse(
            "CREATE FUNCTION f1(p text) RETURNS text LANGUAGE sql AS 'SELECT p'",
            "CREATE FUNCTION f2(p boolean) RETURNS int LANGUAGE sql AS 'SELECT length(public.f1(''a'')::text)'",
            "CREATE VIEW v1 AS SELECT id, item, f1('a')::text AS x FROM t",
            "CREATE VIEW v2 AS SELECT id, item, x, f2(true)::text AS y FROM v1",
            "CREATE VIEW v3 AS SELECT id, item FROM v2",
            "CREATE VIEW mv AS SELECT id, item FROM v3"));
    }

    /// <summary>
    /// Seeds 129, 194, 300: a trigger whose WHEN calls a function that is re-created was dropped after the function (its
    /// dependency on it was not read), and the migration failed: "cannot drop function ... trigger depends on it".
    /// </summary>
    [Fact]
    public async Task A_trigger_whose_WHEN_calls_a_re_created_function_is_dropped_before_it()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE TABLE t (id int, x int);
            CREATE FUNCTION score(v int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT v * 2';
            CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER big BEFORE INSERT ON t FOR EACH ROW WHEN (score(NEW.x) > 10) EXECUTE FUNCTION noop();
            """);
        var m = await CompareAndRoundTripAsync(db, Parse(
            "CREATE FUNCTION score(v int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT v::bigint * 2'",
            "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER big BEFORE INSERT ON t FOR EACH ROW WHEN (score(NEW.x) > 10) EXECUTE FUNCTION noop()"));
        Assert.Contains("public.score(integer)", m.Ops.Single(o => o.Kind == PgObjectKind.Trigger && o.Phase == MigrationPhase.Drop).Current!.DependsOn);
    }

    /// <summary>
    /// The generator's class "a dropped function an unmanaged table default calls" (left to #13 item 9, which refuses
    /// declared dependents only): a function that a table's column default calls (PgAutogen does not manage tables)
    /// cannot be dropped. Refused, naming both, not a migration that fails on deploy.
    /// </summary>
    [Fact]
    public async Task A_function_an_unmanaged_default_calls_is_not_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS 'SELECT ''c''';
            CREATE FUNCTION other() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE TABLE codes (code text DEFAULT next_code());
            """);
        var error = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, Parse("CREATE FUNCTION other() RETURNS int LANGUAGE sql AS 'SELECT 1'")));
        Assert.Contains("public.next_code()", error.Message, StringComparison.Ordinal);
        Assert.Contains("codes", error.Message, StringComparison.Ordinal);
    }

    /// <summary>With objects piped in, a managed object that was not piped is out of scope: the migration does not drop it, so what it uses cannot go either.</summary>
    [Fact]
    public async Task A_function_a_view_outside_the_piped_objects_uses_is_not_dropped()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION used() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE VIEW v AS SELECT used() AS x;
            """);
        await using var conn = await db.OpenAsync();
        var current = await Core.Catalog.CatalogInspector.ReadAllAsync(conn, new Core.Catalog.CatalogFilter(), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<PgAutogenException>(() => CompareService.CompareAsync(conn,
            new CompareRequest { Declarations = Array.Empty<PgDeclaration>(), PipedCurrent = current.Where(o => o.Kind == PgObjectKind.Function).ToList() },
            NullEngineEvents.Instance, TestContext.Current.CancellationToken));
        Assert.Equal(PgErrorId.UnmanagedDependent, error.ErrorId);
        Assert.Contains("public.used()", error.Message, StringComparison.Ordinal);
        Assert.Contains("view v", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Seeds 92, 269, 275: a parameter with a default added to a function, and a BEGIN ATOMIC caller changed to pass it.
    /// The upgrade ran; the downgrade created the old overload while the new one still existed and then replaced the
    /// caller with <c>f(true, 'a')</c>: "function f(boolean, text) is not unique". Going the other way (the parameter
    /// removed), the compare itself failed on it. The overload that goes is now dropped before the one of its name is
    /// created, its dependents around it, both ways.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_parameter_with_a_default_added_or_removed_migrates_both_ways(bool removed)
    {
        const string two = "CREATE FUNCTION f(p_a boolean DEFAULT false, p_b text DEFAULT 'd') RETURNS text LANGUAGE sql AS 'SELECT p_b'";
        const string three = "CREATE FUNCTION f(p_a boolean DEFAULT false, p_b text DEFAULT 'd', p_z boolean DEFAULT true) RETURNS text LANGUAGE sql AS 'SELECT p_b'";
        const string callsTwo = "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT length(f(true, 'a')); END";
        const string callsThree = "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT length(f(true, 'a', true)); END";
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteStatementAsync(removed ? three : two);
        await db.ExecuteStatementAsync(removed ? callsThree : callsTwo);
        await db.ExecuteAsync("CREATE VIEW v AS SELECT g() AS n");
        var m = await CompareAndRoundTripAsync(db, Parse(removed ? two : three, removed ? callsTwo : callsThree, "CREATE VIEW v AS SELECT g() AS n"));
        var gone = removed ? "public.f(boolean, text, boolean)" : "public.f(boolean, text)";
        var drop = m.Ops.Single(o => o.Identity == gone);
        Assert.Equal(MigrationAction.Drop, drop.Action);
        Assert.All(m.Ops.Where(o => o.Action == MigrationAction.Create || o.Phase == MigrationPhase.Create),
            o => Assert.True(drop.Order < o.Order, $"{o.Identity} is created before {gone} is dropped"));
    }

    /// <summary>
    /// The same class with a call that does not change: a view calling <c>f(1)</c> bound to <c>f(integer)</c>, which is no
    /// longer declared while <c>f(numeric)</c> is. In the compare's transaction it stayed bound to the old overload, and the
    /// compare refused a valid desired state (the view "uses" f(integer), which is not declared); now it is rebuilt on the
    /// overload that stays.
    /// </summary>
    [Fact]
    public async Task A_view_bound_to_an_overload_that_goes_is_rebuilt_on_the_one_that_stays()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE FUNCTION f(p integer) RETURNS text LANGUAGE sql AS 'SELECT ''int''';
            CREATE FUNCTION f(p numeric) RETURNS text LANGUAGE sql AS 'SELECT ''numeric''';
            CREATE VIEW v AS SELECT f(1) AS kind;
            """);
        var m = await CompareAndRoundTripAsync(db, Parse(
            "CREATE FUNCTION f(p numeric) RETURNS text LANGUAGE sql AS 'SELECT ''numeric'''",
            "CREATE VIEW v AS SELECT f(1) AS kind"));
        Assert.Equal("Drop public.f(integer), DropAndCreate public.v", string.Join(", ", m.Ops.Select(o => $"{o.Action} {o.Identity}").Distinct().Order(StringComparer.Ordinal)));
        Assert.Equal("numeric", await db.ScalarAsync<string>("SELECT kind FROM v"));
    }
}
