using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// Declarations that only the PostgreSQL 16/17 grammar accepts (the module's libpg_query speaks 17): they parse offline on
/// every machine, canonicalize and round-trip on the majors that have the syntax, and on an older server the compare
/// stops with the server's error at the declaration's file:line:column, having changed nothing.
/// </summary>
[Trait("Category", "Database")]
public sealed class NewerGrammarTests(CoreDatabaseFixture fixture)
{
    private const string Tables = "CREATE TABLE docs (id int PRIMARY KEY, body text);";

    public static TheoryData<string, int, string, string> Declarations => new()
    {
        // 17: JSON_TABLE in a view.
        {
            "CREATE VIEW doc_items AS SELECT d.id, jt.* FROM docs d, JSON_TABLE(d.body::jsonb, '$.items[*]' COLUMNS (name text PATH '$.name', qty int PATH '$.qty')) AS jt",
            17, "View", "public.doc_items"
        },
        // 16: IS JSON in a SQL-standard body.
        { "CREATE FUNCTION is_doc(t text) RETURNS boolean LANGUAGE sql BEGIN ATOMIC SELECT t IS JSON OBJECT; END", 16, "Function", "public.is_doc(text)" },
        // 16: SYSTEM_USER.
        { "CREATE VIEW who AS SELECT SYSTEM_USER AS u", 16, "View", "public.who" },
        // 17: MERGE ... RETURNING in a BEGIN ATOMIC body.
        {
            "CREATE FUNCTION upsert(i int) RETURNS SETOF docs LANGUAGE sql BEGIN ATOMIC MERGE INTO docs d USING (SELECT i AS id) s ON d.id = s.id " +
            "WHEN NOT MATCHED THEN INSERT VALUES (s.id, '{}') RETURNING d.*; END",
            17, "Function", "public.upsert(integer)"
        },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public async Task Newer_syntax_parses_offline_and_canonicalizes_on_the_majors_that_have_it(string sql, int sinceMajor, string kind, string identity)
    {
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { sql }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Empty(set.Errors);
        var declaration = Assert.Single(set.Declarations);
        Assert.Equal(kind, declaration.Kind.ToString());

        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Tables);
        if (db.MajorVersion >= sinceMajor)
        {
            var m = await Harness.CompareBothWaysAsync(db, set.Declarations);
            Assert.Equal("Create " + identity, Harness.Actions(m));
            await Harness.RoundTripAsync(db, set.Declarations, m);
        }
        else
        {
            var before = await Harness.SnapshotAsync(db);
            var error = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, set.Declarations));
            // The server's own error, at the declaration's position (the column of the syntax it does not know, when it says).
            Assert.StartsWith("-Sql[0]:1:", error.Message, StringComparison.Ordinal);
            Assert.Equal(before, await Harness.SnapshotAsync(db));
        }
    }
}
