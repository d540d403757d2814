using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Parsing;
using PgAutogen.Core.Tests.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>Declarations not in dependency order still run in the one-batch fast path, with the same result.</summary>
[Trait("Category", "Database")]
public sealed class DependencyOrderTests(CoreDatabaseFixture fixture)
{
    /// <summary>Each declaration references only ones after it: the worst order for one batch.</summary>
    private static readonly string[] Reversed =
    {
        "CREATE VIEW app.v3 AS SELECT id FROM app.v2 WHERE id > 1",                                                        // a view on a later view
        "CREATE VIEW app.v2 AS SELECT id, total FROM app.v1",
        "CREATE VIEW app.v1 AS SELECT id, total FROM app.orders WHERE app.big(total)",                                      // calls a later function
        "CREATE FUNCTION app.outer_fn() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT app.inner_fn(1); END",                // BEGIN ATOMIC calls a later one
        "CREATE FUNCTION app.inner_fn(i int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT app.big_count(i); END",
        "CREATE FUNCTION app.big_count(i int) RETURNS int LANGUAGE sql RETURN (SELECT count(*)::int FROM app.v1) + i",     // reads a later view
        "CREATE FUNCTION app.big(t numeric) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN t > 100",
        "CREATE FUNCTION app.rows_of() RETURNS SETOF app.v1 LANGUAGE sql AS 'SELECT * FROM app.v1'",                        // returns a later view's row type
        "CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch()",                      // a trigger before its function
        "CREATE TRIGGER instead INSTEAD OF INSERT ON app.v1 FOR EACH ROW EXECUTE FUNCTION app.touch()",                    // on a later view
        "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    };

    [Fact]
    public async Task A_reversed_folder_takes_the_one_batch_fast_path_with_the_same_result()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
            """);
        using var reversed = new SqlFiles();
        using var ordered = new SqlFiles();
        for (var i = 0; i < Reversed.Length; i++)
        {
            reversed.Write($"{i:D2}.sql", Reversed[i] + ";\n");
            ordered.Write($"{Reversed.Length - i:D2}.sql", Reversed[i] + ";\n");
        }

        var fromReversed = Declarations(reversed.Root);
        var fromOrdered = Declarations(ordered.Root);
        Assert.Equal(fromReversed.Select(d => d.Identity).Reverse(), fromOrdered.Select(d => d.Identity));

        var reversedEvents = new RecordingEvents();
        var r = await Harness.CompareAsync(db, fromReversed, events: reversedEvents);
        Assert.Contains(reversedEvents.VerboseLines, v => v.StartsWith("Ordered the declarations", StringComparison.Ordinal));
        Assert.Contains(reversedEvents.VerboseLines, v => v.StartsWith("Executed 11 declaration(s) in one batch", StringComparison.Ordinal));
        Assert.DoesNotContain(reversedEvents.VerboseLines, v => v.Contains("executing one by one", StringComparison.Ordinal));

        var orderedEvents = new RecordingEvents();
        var o = await Harness.CompareAsync(db, fromOrdered, events: orderedEvents);
        Assert.Contains(orderedEvents.VerboseLines, v => v.StartsWith("Executed 11 declaration(s) in one batch", StringComparison.Ordinal));

        Assert.Equal(11, r.Ops.Count);
        Assert.Equal(Harness.Actions(o), Harness.Actions(r));
        // The same migration, but for where each declaration is (file names differ).
        static string Unplaced(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"\S*/\d\d\.sql:\d+:\d+", "(file)");
        Assert.Equal(Unplaced(o.Up), Unplaced(r.Up));
        Assert.Equal(o.Down, r.Down);
        Assert.Equal(o.Ops.Select(x => (x.Current?.Definition, x.Desired?.Definition, x.Reason)), r.Ops.Select(x => (x.Current?.Definition, x.Desired?.Definition, x.Reason)));

        // The migration runs: app.big_count (BEGIN ATOMIC reading app.v1) and app.rows_of (RETURNS SETOF app.v1) are
        // created after app.v1, which in turn comes after app.big (pg_depend of routines on views and row types).
        var up = r.Ops.OrderBy(x => x.Order).Select(x => x.Identity).ToList();
        Assert.True(up.IndexOf("app.big(numeric)") < up.IndexOf("app.v1"));
        Assert.True(up.IndexOf("app.v1") < up.IndexOf("app.big_count(integer)"));
        Assert.True(up.IndexOf("app.v1") < up.IndexOf("app.rows_of()"));
        await Harness.RoundTripAsync(db, fromReversed, r);
    }

    [Fact]
    public void The_sort_is_stable_and_keeps_a_cycle_in_its_order()
    {
        var statements = new[]
        {
            "CREATE VIEW app.a AS SELECT * FROM app.b",        // 0 → after 1
            "CREATE VIEW app.b AS SELECT 1 AS x",              // 1
            "CREATE VIEW app.c AS SELECT 2 AS x",              // 2: stays after 1
            "CREATE VIEW app.p AS SELECT * FROM app.q",        // 3, 4: a cycle, kept in order after the rest
            "CREATE VIEW app.q AS SELECT * FROM app.p",
            "CREATE VIEW other.b AS SELECT * FROM app.c",      // 5: a different schema's b is not app.b
            "CREATE VIEW app.d AS SELECT * FROM b",            // 6: unqualified b: after every b
        }.Select(sql => Parse.One(sql)).Select(d => new PreparedStatement(d, d.Sql, -1, 0)).ToList();

        var sorted = DependencyOrder.Sort(statements, out var moved);
        Assert.Equal(new[] { "b", "a", "c", "b", "d", "p", "q" }, sorted.Select(s => s.Declaration.Name));
        Assert.Equal("other", sorted[3].Declaration.Schema);
        Assert.Equal(6, moved); // all but c

        var inOrder = statements.Skip(1).Take(2).ToList();
        Assert.Same(inOrder, DependencyOrder.Sort(inOrder, out var none));
        Assert.Equal(0, none);
    }

    private static IReadOnlyList<PgDeclaration> Declarations(string folder)
    {
        var set = DeclarationParser.Parse(new[] { folder }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(set.Errors);
        return set.Declarations;
    }
}
