namespace PgAutogen.Core.Tests.Parsing;

public sealed class RefusedStatementTests
{
    // Each refused statement sits on line 3, column 9 of a file, after an allowed statement and a comment.
    private const string Prefix = "CREATE VIEW ok AS SELECT 1;\n-- the next one is refused\n/* x */ ";

    [Theory]
    [InlineData("COMMIT", "COMMIT")]
    [InlineData("BEGIN", "BEGIN")]
    [InlineData("START TRANSACTION", "START TRANSACTION")]
    [InlineData("ROLLBACK", "ROLLBACK")]
    [InlineData("DROP TABLE app.orders", "DROP TABLE")]
    [InlineData("DROP VIEW app.v", "DROP VIEW")]
    [InlineData("DROP FUNCTION app.f(int)", "DROP FUNCTION")]
    [InlineData("DROP TRIGGER t ON app.orders", "DROP TRIGGER")]
    [InlineData("DROP MATERIALIZED VIEW mv", "DROP MATERIALIZED VIEW")]
    [InlineData("ALTER TABLE app.orders ADD COLUMN note text", "ALTER TABLE")]
    [InlineData("ALTER VIEW app.v RENAME TO w", "ALTER VIEW")]
    [InlineData("ALTER VIEW app.v OWNER TO someone, ALTER COLUMN a SET DEFAULT 1", "ALTER VIEW")]
    [InlineData("ALTER TABLE app.orders OWNER TO someone", "ALTER TABLE")]
    [InlineData("ALTER FUNCTION app.f() RENAME TO g", "ALTER FUNCTION")]
    [InlineData("ALTER FUNCTION app.f() SECURITY DEFINER", "ALTER FUNCTION")]
    [InlineData("ALTER TYPE app.t OWNER TO someone", "ALTER TYPE")]
    [InlineData("ALTER SCHEMA app OWNER TO someone", "ALTER SCHEMA")]
    [InlineData("INSERT INTO app.orders VALUES (1)", "INSERT")]
    [InlineData("UPDATE app.orders SET id = 2", "UPDATE")]
    [InlineData("DELETE FROM app.orders", "DELETE")]
    [InlineData("TRUNCATE app.orders", "TRUNCATE TABLE")]
    [InlineData("SELECT 1", "SELECT")]
    [InlineData("DO $$ BEGIN RAISE NOTICE 'x'; END $$", "DO")]
    [InlineData("SET search_path = app", "SET")]
    [InlineData("RESET ALL", "RESET")]
    [InlineData("COPY app.orders TO '/tmp/orders.csv'", "COPY")]
    [InlineData("VACUUM app.orders", "VACUUM")]
    [InlineData("ANALYZE app.orders", "ANALYZE")]
    [InlineData("CREATE TABLE app.orders (id int)", "CREATE TABLE")]
    [InlineData("CREATE INDEX CONCURRENTLY ON app.orders (id)", "CREATE INDEX CONCURRENTLY")]
    [InlineData("CREATE INDEX ON app.orders (id)", "CREATE INDEX")]
    [InlineData("CREATE SCHEMA app", "CREATE SCHEMA")]
    [InlineData("CREATE EXTENSION pgcrypto", "CREATE EXTENSION")]
    [InlineData("CREATE SEQUENCE app.s", "CREATE SEQUENCE")]
    [InlineData("CREATE TYPE app.pair AS (a int, b int)", "CREATE TYPE")]
    [InlineData("CREATE AGGREGATE app.agg(int) (sfunc = int4pl, stype = int)", "CREATE AGGREGATE")]
    [InlineData("CREATE TABLE app.copy AS SELECT 1", "CREATE TABLE AS")]
    [InlineData("CREATE TEMPORARY VIEW tv AS SELECT 1", "CREATE TEMPORARY VIEW")]
    [InlineData("ALTER POLICY p ON app.orders USING (true)", "ALTER POLICY")]
    [InlineData("ALTER EVENT TRIGGER et DISABLE", "ALTER EVENT TRIGGER")]
    [InlineData("COMMENT ON TABLE app.t IS 'x'", "COMMENT ON TABLE")]
    [InlineData("GRANT SELECT ON SEQUENCE app.s TO PUBLIC", "GRANT ON SEQUENCE")]
    [InlineData("REVOKE ALL ON SCHEMA app FROM PUBLIC", "REVOKE ON SCHEMA")]
    [InlineData("GRANT SELECT ON ALL TABLES IN SCHEMA app TO reader", "GRANT ON ALL TABLES IN SCHEMA")]
    [InlineData("GRANT SELECT (id) ON app.v TO reader", "GRANT on columns")]
    [InlineData("GRANT EXECUTE ON FUNCTION app.f() TO reader GRANTED BY someone", "GRANT ... GRANTED BY")]
    [InlineData("GRANT reader TO someone", "GRANT ROLE")]
    [InlineData("ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO reader", "ALTER DEFAULT PRIVILEGES")]
    [InlineData("CREATE ROLE someone", "CREATE ROLE")]
    [InlineData("LOCK TABLE app.orders", "LOCK TABLE")]
    [InlineData("REFRESH MATERIALIZED VIEW app.mv", "REFRESH MATERIALIZED VIEW")]
    [InlineData("CALL app.p()", "CALL")]
    [InlineData("CREATE RULE r AS ON INSERT TO app.orders DO INSTEAD NOTHING", "CREATE RULE")]
    public void A_refused_statement_is_named_with_its_file_line_and_column_and_the_allowed_kinds(string statement, string kind)
    {
        using var files = new SqlFiles();
        var path = files.Write("decl.sql", Prefix + statement + ";\nCREATE VIEW ok2 AS SELECT 2;\n");
        var set = Parse.Paths(path);

        Assert.Equal(new[] { "ok", "ok2" }, set.Declarations.Select(d => d.Name));
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationStatementNotAllowed, error.ErrorId);
        Assert.Equal(new SourceLocation(path, 3, 9), error.Location);
        Assert.StartsWith($"{path}:3:9: {kind} is not allowed in a declaration file", error.Message, StringComparison.Ordinal);
        Assert.Contains("CREATE [OR REPLACE] FUNCTION | PROCEDURE", error.Message, StringComparison.Ordinal);
        Assert.Contains("CREATE [OR REPLACE] [CONSTRAINT] TRIGGER", error.Message, StringComparison.Ordinal);
        Assert.Contains("CREATE [OR REPLACE] [RECURSIVE] VIEW", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.Target);
        Assert.Contains(kind, error.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_statements_on_one_line_each_get_their_column()
    {
        var set = Parse.Sql("BEGIN; CREATE VIEW v AS SELECT 1; COMMIT;\n\tSET x = 1;DROP TABLE t; VACUUM;");
        Assert.Equal("v", Assert.Single(set.Declarations).Name);
        Assert.Equal(
            new[] { "1:1 BEGIN", "1:35 COMMIT", "2:2 SET", "2:12 DROP TABLE", "2:26 VACUUM" },
            set.Errors.Select(e => $"{e.Location!.Line}:{e.Location.Column} {e.Message.Split(": ", 2)[1].Split(" is not allowed")[0]}"));
    }

    [Fact]
    public void Create_or_replace_constraint_trigger_is_reported_at_its_statement()
    {
        var set = Parse.Sql("CREATE VIEW v AS SELECT 1;\n  CREATE OR REPLACE CONSTRAINT TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();");
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationSyntaxError, error.ErrorId);
        Assert.Equal(new SourceLocation("-Sql[0]", 2, 3), error.Location);
        Assert.Contains("CREATE OR REPLACE CONSTRAINT TRIGGER is not supported", error.Message, StringComparison.Ordinal);
    }
}
