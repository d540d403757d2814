using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;
using PgAutogen.Core.Tests.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// One rule for positions in a file (<see cref="SourceText"/>): a syntax error found by the parser, an error the server
/// reports while a compare executes the declaration, and one it reports while Invoke-PgMigration runs the file name the
/// same line and column for the same spot, whatever the line breaks and characters before it.
/// </summary>
[Trait("Category", "Database")]
public sealed class ErrorPositionTests(CoreDatabaseFixture fixture)
{
    // Lone CRs for line breaks, a character outside the BMP (two UTF-16 units, four UTF-8 bytes, one character for
    // PostgreSQL) on an earlier line and before the error on its line; the spot is line 3, column 17.
    private const string Head = "-- 😀 CR-only lines\rCREATE VIEW app.v AS SELECT\r  '😀' AS smile, ";
    private const string Where = ":3:17:";

    [Fact]
    public async Task A_parse_error_a_compare_error_and_a_migration_error_at_the_same_spot_name_the_same_line_and_column()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE SCHEMA app; CREATE TABLE app.t (id int);");
        using var files = new SqlFiles();
        var syntax = files.Write("syntax.sql", Head + ") FROM app.t;");
        var server = files.Write("server.sql", Head + "no_such_column FROM app.t;");

        var parseError = Assert.Single(Parse.Paths(syntax).Errors);
        Assert.Contains(syntax + Where + " syntax error at or near \")\"", parseError.Message, StringComparison.Ordinal);

        var declarations = Parse.Paths(server);
        Assert.Empty(declarations.Errors);
        var compareError = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, declarations.Declarations));
        Assert.StartsWith(server + Where + " view app.v: column \"no_such_column\" does not exist", compareError.Message, StringComparison.Ordinal);

        var migrationError = await Assert.ThrowsAsync<PgAutogenException>(() => MigrationRunner.RunAsync(
            new ConnectionOptions { ConnectionString = db.ConnectionString }, server, down: false, new RecordingEvents(), TestContext.Current.CancellationToken));
        Assert.StartsWith(server + Where + " column \"no_such_column\" does not exist", migrationError.Message, StringComparison.Ordinal);
    }
}
