using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>COMMENT ON a managed object: declared, compared, migrated both ways.</summary>
[Trait("Category", "Database")]
public sealed class CommentTests(CoreDatabaseFixture fixture)
{
    private static IReadOnlyList<PgDeclaration> Parse(string sql)
    {
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { sql }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(set.Errors);
        return set.Declarations;
    }

    private const string Setup = """
        CREATE SCHEMA app;
        CREATE TABLE app.t (id int);
        CREATE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
        COMMENT ON FUNCTION app.f(int) IS 'old';
        CREATE VIEW app.v AS SELECT id FROM app.t;
        CREATE FUNCTION app.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.tf();
        COMMENT ON TRIGGER tr ON app.t IS 'kept';
        COMMENT ON FUNCTION app.tf() IS 'undeclared comments are left alone';
        """;

    [Fact]
    public async Task Declared_comments_are_compared_and_migrated_both_ways()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var decls = Parse("""
            CREATE FUNCTION app.f(x integer) RETURNS int LANGUAGE sql AS 'SELECT x';
            COMMENT ON FUNCTION app.f(integer) IS 'new';
            CREATE VIEW app.v AS SELECT id FROM app.t;
            COMMENT ON VIEW app.v IS 'the view';
            CREATE FUNCTION app.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.tf();
            COMMENT ON TRIGGER tr ON app.t IS NULL;
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Equal("Replace app.f(integer), Replace app.v, Replace tr ON app.t", Harness.Actions(m));
        Assert.All(m.Ops, o => Assert.Equal("the declared comment differs", o.Reason));
        Assert.Equal("COMMENT ON FUNCTION app.f(integer) IS 'new';", m.Ops[0].UpSql);
        Assert.Equal("COMMENT ON FUNCTION app.f(integer) IS 'old';", m.Ops[0].DownSql);
        Assert.Equal("COMMENT ON VIEW app.v IS NULL;", m.Ops[1].DownSql);
        Assert.Equal("COMMENT ON TRIGGER tr ON app.t IS NULL;", m.Ops[2].UpSql);
        await Harness.RoundTripAsync(db, decls, m);
        Assert.Equal("undeclared comments are left alone", await db.ScalarAsync<string>("SELECT obj_description('app.tf()'::regprocedure, 'pg_proc')"));
    }

    [Fact]
    public async Task A_declared_comment_survives_a_drop_and_create_and_comes_with_a_new_object()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Setup);
        var decls = Parse("""
            CREATE FUNCTION app.f(x int) RETURNS bigint LANGUAGE sql AS 'SELECT x::bigint';
            COMMENT ON FUNCTION app.f(int) IS 'now bigint';
            CREATE FUNCTION app.g() RETURNS int LANGUAGE sql AS 'SELECT 1';
            COMMENT ON FUNCTION app.g() IS 'brand new';
            CREATE VIEW app.v AS SELECT id FROM app.t;
            CREATE FUNCTION app.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.tf();
            """);
        var m = await Harness.CompareAsync(db, decls);
        Assert.Contains("COMMENT ON FUNCTION app.f(integer) IS 'now bigint';", m.Up, StringComparison.Ordinal);
        Assert.Contains("COMMENT ON FUNCTION app.f(integer) IS 'old';", m.Down, StringComparison.Ordinal);
        Assert.Contains("COMMENT ON FUNCTION app.g() IS 'brand new';", m.Up, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, decls, m);
    }

    [Fact]
    public void Comments_on_unmanaged_objects_and_without_argument_types_are_refused()
    {
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[]
        {
            "COMMENT ON TABLE app.t IS 'no'",
            "COMMENT ON FUNCTION app.f IS 'which one?'",
            "COMMENT ON FUNCTION app.f(int) IS 'a'; COMMENT ON FUNCTION app.f(integer) IS 'b'",
        }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, set.Errors.Count);
        Assert.Equal(PgErrorId.DeclarationStatementNotAllowed, set.Errors[0].ErrorId);
        Assert.Contains("COMMENT ON TABLE", set.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("argument types", set.Errors[1].Message, StringComparison.Ordinal);
        Assert.Equal(PgErrorId.DeclarationDuplicate, set.Errors[2].ErrorId);
        var ok = Parse("COMMENT ON PROCEDURE app.p(int) IS 'x'").Single();
        Assert.True(ok.IsComment);
        Assert.Equal(PgObjectKind.Procedure, ok.Kind);
        Assert.Equal("integer", ok.Arguments);
        Assert.Equal("x", ok.Comment);
    }
}
