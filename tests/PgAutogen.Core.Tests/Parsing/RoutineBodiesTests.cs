using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Parsing;

public sealed class RoutineBodiesTests
{
    private static string[] Calls(string sql) => RoutineBodies.CalledFunctions(sql).Select(c => c.ToString()).ToArray();

    [Fact]
    public void Plpgsql_bodies_yield_the_functions_called_in_their_statements_expressions_and_assignments()
    {
        const string sql = """
            CREATE OR REPLACE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
            DECLARE
              x int := app.seed(1);
              r record;
            BEGIN
              PERFORM app.log('touch');
              SELECT count(*) INTO x FROM app.orders o WHERE app.is_open(o.id);
              IF app.enabled() THEN
                NEW.updated := now();
              END IF;
              x := x + "App"."Weird"(2);
              FOR r IN SELECT * FROM app.pending() LOOP
                CALL app.process(r.id);
              END LOOP;
              EXECUTE 'SELECT app.hidden()';
              RETURN NEW;
            END
            $fn$
            """;
        Assert.Equal(
            new[] { "app.seed", "app.log", "count", "app.is_open", "app.enabled", "now", "\"App\".\"Weird\"", "app.pending", "app.process" }.Order(StringComparer.Ordinal),
            Calls(sql).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sql_bodies_as_strings_and_begin_atomic_bodies_are_parsed_directly()
    {
        Assert.Equal(new[] { "app.a", "lower" }, Calls("CREATE FUNCTION f(t text) RETURNS text LANGUAGE sql AS $$ SELECT app.a(lower(t)) $$"));
        Assert.Equal(new[] { "app.b", "app.c" }, Calls("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT app.b(); CALL app.c(); END"));
        Assert.Equal(new[] { "upper" }, Calls("CREATE FUNCTION f(t text) RETURNS text AS 'SELECT upper(t)' LANGUAGE sql"));
    }

    [Fact]
    public void Other_languages_and_bodies_without_calls_yield_nothing()
    {
        Assert.Empty(Calls("CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'f'"));
        Assert.Empty(Calls("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$"));
    }

    [Fact]
    public void Anything_but_one_create_function_is_refused()
    {
        Assert.Equal(PgErrorId.DeclarationInvalid, Assert.Throws<PgAutogenException>(() => RoutineBodies.CalledFunctions("CREATE VIEW v AS SELECT 1")).ErrorId);
        Assert.Equal(PgErrorId.DeclarationSyntaxError, Assert.Throws<PgAutogenException>(() => RoutineBodies.CalledFunctions("CREATE FUNCTION f(")).ErrorId);
        Assert.Equal(PgErrorId.DeclarationSyntaxError, Assert.Throws<PgAutogenException>(() =>
            RoutineBodies.CalledFunctions("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETUR 1; END $$")).ErrorId);
    }
}
