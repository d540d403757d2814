using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// A desired state that cannot exist (a declared object that uses one the declarations dropped) is an error that names
/// both, never a migration that fails on deploy with "cannot drop ... because other objects depend on it".
/// </summary>
[Trait("Category", "Database")]
public sealed class DesiredStateTests(CoreDatabaseFixture fixture)
{
    private const string Schema = """
        CREATE TABLE orders (id int PRIMARY KEY, total numeric);
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER touch_orders BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
        CREATE FUNCTION double_it(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
        CREATE VIEW doubled AS SELECT id, double_it(total) AS total FROM orders;
        """;

    private static IReadOnlyList<PgDeclaration> Declarations(string sql) =>
        DeclarationParser.Parse(Array.Empty<string>(), new[] { sql }, cancellationToken: TestContext.Current.CancellationToken).Declarations;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_declared_trigger_and_view_kept_while_the_functions_they_use_are_dropped_is_refused_naming_both(bool shortcut)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Schema);
        var before = await Harness.SnapshotAsync(db);

        // The functions' declarations are gone; the trigger and the view that use them are still declared.
        var declarations = Declarations("""
            CREATE TRIGGER touch_orders BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
            CREATE VIEW doubled AS SELECT id, double_it(total) AS total FROM orders
            """);
        var error = await Assert.ThrowsAsync<PgAutogenException>(() =>
            Harness.CompareAsync(db, declarations, new Canonicalization.CanonicalizationOptions { ParseTreeShortcut = shortcut }));
        Assert.Equal(PgErrorId.DesiredStateImpossible, error.ErrorId);
        Assert.Contains("-Sql[0]:1:1: trigger touch_orders ON public.orders uses function public.touch(), which is not declared", error.Message, StringComparison.Ordinal);
        Assert.Contains("-Sql[0]:2:1: view public.doubled uses function public.double_it(numeric), which is not declared", error.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation("-Sql[0]", 1, 1), error.Location);
        Assert.NotNull(error.RecommendedAction);
        Assert.Equal(before, await Harness.SnapshotAsync(db));

        // Declared again, or the users changed too: a migration that runs.
        var fixedUp = Declarations("""
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER touch_orders BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
            CREATE VIEW doubled AS SELECT id, total * 2 AS total FROM orders
            """);
        var m = await Harness.CompareAsync(db, fixedUp);
        Assert.Equal("Replace public.doubled, Drop public.double_it(numeric)", Harness.Actions(m));
        await Harness.RoundTripAsync(db, fixedUp, m);
    }
}
