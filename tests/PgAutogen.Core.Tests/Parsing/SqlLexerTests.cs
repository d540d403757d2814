using System.Text;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Parsing;

/// <summary>
/// The lexical traps, one case each: where the lexer splits statements and where a statement's first token is, and where
/// <see cref="SourceText"/> (the one rule for positions) puts a spot, counted over a file or advanced inside a statement.
/// </summary>
public sealed class SqlLexerTests
{
    /// <summary>The statements of a text, as psql splits them, without surrounding whitespace and comments.</summary>
    private static string[] Split(string sql)
    {
        var bytes = Encoding.UTF8.GetBytes(sql);
        return SqlLexer.SplitStatements(bytes, 0, bytes.Length)
            .Select(r => (Start: SqlLexer.SkipTrivia(bytes, r.Start, r.End), r.End))
            .Where(r => r.Start < r.End)
            .Select(r => Encoding.UTF8.GetString(bytes, r.Start, SqlLexer.EndOfLastToken(bytes, r.Start, r.End) - r.Start))
            .ToArray();
    }

    [Fact]
    public void Dollar_quotes_with_tags_end_only_at_their_own_tag()
    {
        const string body = "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $fn$ SELECT ';' || $$;$$ || $x$;$x$ $fn$";
        Assert.Equal(new[] { body, "SELECT 2" }, Split(body + "; SELECT 2"));
    }

    [Fact]
    public void Block_comments_nest()
    {
        Assert.Equal(new[] { "SELECT 1", "SELECT 2" }, Split("/* outer /* inner; */ still a comment; */ SELECT 1; SELECT 2"));
        Assert.Equal("/* a /* b */ c */ ".Length, StatementPreparer.FindCreate("/* a /* b */ c */ CREATE VIEW v AS SELECT 1"));
    }

    [Fact]
    public void A_backslash_escapes_a_quote_in_an_E_string_and_not_in_a_plain_one()
    {
        Assert.Equal(new[] { @"SELECT E'it\'s; here'", "SELECT 2" }, Split(@"SELECT E'it\'s; here'; SELECT 2"));
        Assert.Equal(new[] { @"SELECT 'a\'", "SELECT 2" }, Split(@"SELECT 'a\'; SELECT 2"));
    }

    [Fact]
    public void A_unicode_escaped_identifier_or_string_keeps_its_semicolons()
    {
        Assert.Equal(new[] { @"SELECT 1 AS U&""d\0061t;a""", @"SELECT U&'\0041;'" }, Split(@"SELECT 1 AS U&""d\0061t;a""; SELECT U&'\0041;'"));
    }

    [Fact]
    public void CR_only_and_CRLF_line_breaks_end_a_line_comment_and_count_as_one_break_each()
    {
        const string text = "-- one\rSELECT 1;\r\n-- three\r\nSELECT 2;\r\rSELECT 3";
        Assert.Equal(new[] { "SELECT 1", "SELECT 2", "SELECT 3" }, Split(text));
        var source = SourceText.FromString("x", text);
        Assert.Equal((2, 1), source.Locate(At(text, "SELECT 1")));
        Assert.Equal((4, 1), source.Locate(At(text, "SELECT 2")));
        Assert.Equal((6, 1), source.Locate(At(text, "SELECT 3")));
        Assert.Equal("-- c\r".Length, StatementPreparer.FindCreate("-- c\rCREATE VIEW v AS SELECT 1"));
    }

    [Fact]
    public void A_character_outside_the_BMP_before_a_spot_counts_as_one_column()
    {
        // 😀 is two UTF-16 units and four UTF-8 bytes; PostgreSQL counts it as one character, and so do columns.
        const string text = "SELECT '😀',\r  '😀' AS x, missing";
        var source = SourceText.FromString("x", text);
        Assert.Equal((2, 13), source.Locate(At(text, "missing")));
        Assert.Equal("missing", text[SourceText.CharOffset(text, 24)..]); // 24 characters in, 26 UTF-16 units
    }

    [Fact]
    public void A_spot_inside_a_statement_is_placed_in_the_file_by_the_rule_that_counts_the_file()
    {
        // The statement starts at 3:5 of its file; the spots inside it, advanced from there, land where counting the
        // whole file puts them: across CR-only and CRLF breaks, after characters outside the BMP.
        const string head = "\r\n\r    ";
        const string statement = "CREATE VIEW v AS\rSELECT '😀' AS a,\r\n  '😀😀', b";
        var file = SourceText.FromString("x", head + statement);
        for (var offset = 0; offset <= statement.Length; offset++)
        {
            if (offset > 0 && char.IsHighSurrogate(statement[offset - 1]))
            {
                continue; // the middle of a character is no spot
            }

            var byteOffset = Encoding.UTF8.GetByteCount(head + statement[..offset]);
            Assert.Equal(file.Locate(byteOffset), SourceText.Advance(3, 5, statement, offset));
        }
    }

    [Fact]
    public void A_BEGIN_ATOMIC_body_is_one_statement_with_its_semicolons_and_CASE_ends()
    {
        const string function = """
            CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT 1;
              SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END;
            END
            """;
        Assert.Equal(new[] { function, "SELECT 3" }, Split(function + ";\nSELECT 3"));
        Assert.Equal(new[] { "SELECT 1", "BEGIN", "END" }, Split("SELECT 1; BEGIN; END"));
    }

    private static int At(string text, string what) => Encoding.UTF8.GetByteCount(text[..text.IndexOf(what, StringComparison.Ordinal)]);
}
