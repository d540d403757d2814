using PgAutogen.Core.Parsing;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Parsing;

/// <summary>Real schemas from ../shared/corpora (see each SOURCE.md): every function, trigger and view statement recognized, the rest refused with a reason.</summary>
public sealed class CorpusTests
{
    [Fact]
    public void Apflora_every_function_trigger_and_view_is_recognized_and_the_rest_refused()
    {
        var path = Corpus("apflora");
        var set = Parse.Paths(path);

        // SOURCE.md: 69 functions, 43 triggers, 281 views. The file declares four views twice (CREATE VIEW, later
        // CREATE OR REPLACE VIEW): 285 view statements, 281 distinct views, four duplicates naming both places.
        Assert.Equal(69, set.Declarations.Count(d => d.Kind == PgObjectKind.Function && !d.IsComment));
        Assert.Equal(0, set.Declarations.Count(d => d.Kind == PgObjectKind.Procedure && !d.IsComment));
        Assert.Equal(43, set.Declarations.Count(d => d.Kind == PgObjectKind.Trigger && !d.IsComment));
        Assert.Equal(1, set.Declarations.Count(d => d.IsConstraintTrigger));
        Assert.Equal(281, set.Declarations.Count(d => d.Kind == PgObjectKind.View && !d.IsComment));
        // One COMMENT ON a managed object: COMMENT ON FUNCTION public.dsql2(i_text text).
        Assert.Equal("public.dsql2(text)", Assert.Single(set.Declarations, d => d.IsComment).Identity);
        var duplicates = set.Errors.Where(e => e.ErrorId == PgErrorId.DeclarationDuplicate).ToList();
        Assert.Equal(
            new[] { "apflora.v_exportevab_beob", "apflora.v_qk_apber_ohnejahr", "apflora.v_qk_feldkontr_ohnezaehlung", "apflora.v_qk_freiwkontr_ohnezaehlung" },
            duplicates.Select(e => ((PgDeclaration)e.Target!).Identity));

        AssertRestRefused(set, duplicates.Count);
        AssertPositionsPointAtTheStatements(path, set);
    }

    [Fact]
    public void Musicbrainz_every_function_trigger_and_view_is_recognized_and_the_rest_refused()
    {
        var path = Corpus("musicbrainz");
        var set = Parse.Paths(path);

        // SOURCE.md: 139 functions in the catalog, two of them created inside a DO block (refused here as DO),
        // so 137 CREATE FUNCTION statements; 452 triggers (147 constraint triggers); 12 views.
        // The file concatenates several psql files with SET search_path between them: caa/ and eaa/ each declare
        // an unqualified resequence_positions(integer) and index_listing view, which in one declaration set (no SET)
        // are the same objects: one duplicate each.
        Assert.Equal(136, set.Declarations.Count(d => d.Kind == PgObjectKind.Function && !d.IsComment));
        Assert.Equal(452, set.Declarations.Count(d => d.Kind == PgObjectKind.Trigger && !d.IsComment));
        Assert.Equal(147, set.Declarations.Count(d => d.IsConstraintTrigger));
        Assert.Equal(11, set.Declarations.Count(d => d.Kind == PgObjectKind.View && !d.IsComment));
        var duplicates = set.Errors.Where(e => e.ErrorId == PgErrorId.DeclarationDuplicate).ToList();
        Assert.Equal(new[] { "resequence_positions(integer)", "index_listing" }, duplicates.Select(e => ((PgDeclaration)e.Target!).Identity));
        var refused = set.Errors.Where(e => e.ErrorId == PgErrorId.DeclarationStatementNotAllowed).ToList();
        Assert.Equal(74, refused.Count(e => e.Message.Contains(": SET is not allowed", StringComparison.Ordinal)));
        Assert.Equal(1, refused.Count(e => e.Message.Contains(": DO is not allowed", StringComparison.Ordinal)));
        Assert.Equal(1, refused.Count(e => e.Message.Contains(": CREATE AGGREGATE is not allowed", StringComparison.Ordinal)));

        AssertRestRefused(set, duplicates.Count);
        AssertPositionsPointAtTheStatements(path, set);
    }

    [Theory]
    [InlineData("apflora")]
    [InlineData("musicbrainz")]
    public void The_recovery_splitter_finds_the_same_statements_as_the_parser(string name)
    {
        var bytes = File.ReadAllBytes(Corpus(name));
        using var doc = System.Text.Json.JsonDocument.Parse(LibPgQuery.ParseToJson(bytes).Value!);
        var fromParser = doc.RootElement.GetProperty("stmts").EnumerateArray()
            .Select(s => (s.TryGetProperty("stmt_location", out var l) ? l.GetInt32() : 0, s.TryGetProperty("stmt_len", out var n) ? n.GetInt32() : 0))
            .Select(s => (s.Item1, s.Item2 == 0 ? bytes.Length : s.Item1 + s.Item2))
            .ToList();
        var fromSplitter = SqlLexer.SplitStatements(bytes, 0, bytes.Length)
            .Where(p => SqlLexer.SkipTrivia(bytes, p.Start, p.End) < p.End)
            .ToList();
        Assert.Equal(fromParser, fromSplitter);
    }

    private static string Corpus(string name)
    {
        var path = Path.Combine(Paths.CorporaDirectory, name, "schema.sql");
        Assert.SkipUnless(File.Exists(path), $"The {name} corpus is not at {path} (set PGAUTOGEN_CORPORA).");
        return path;
    }

    /// <summary>No syntax errors; every other statement refused with its kind and position; counts add up.</summary>
    private static void AssertRestRefused(DeclarationSet set, int duplicates)
    {
        Assert.DoesNotContain(set.Errors, e => e.ErrorId is PgErrorId.DeclarationSyntaxError or PgErrorId.DeclarationInvalid or PgErrorId.DeclarationTargetNotAllowed);
        var refused = set.Errors.Where(e => e.ErrorId == PgErrorId.DeclarationStatementNotAllowed).ToList();
        Assert.Equal(set.StatementCount, set.Declarations.Count + duplicates + refused.Count);
        Assert.All(refused, e =>
        {
            Assert.NotNull(e.Location);
            Assert.Matches(@"^.+:\d+:\d+: [A-Z][A-Z ]+ is not allowed in a declaration file", e.Message);
        });
    }

    /// <summary>Each declaration's text is found verbatim at its line and column; each refused statement's position is at a keyword.</summary>
    private static void AssertPositionsPointAtTheStatements(string path, DeclarationSet set)
    {
        var text = File.ReadAllText(path);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        // The corpora are ASCII outside comments and literals before each statement start, so columns are UTF-16 offsets here.
        int Offset(int line, int column) => lineStarts[line - 1] + column - 1;
        foreach (var d in set.Declarations)
        {
            Assert.True(string.CompareOrdinal(text, Offset(d.Line, d.Column), d.Sql, 0, d.Sql.Length) == 0, $"{d.Location}: the text there is not {d.Identity}'s statement");
            Assert.StartsWith(d.IsComment ? "COMMENT" : "CREATE", d.Sql, StringComparison.OrdinalIgnoreCase);
            Assert.False(d.Sql.EndsWith(';'), d.Location);
        }

        foreach (var e in set.Errors)
        {
            Assert.True(char.IsAsciiLetterUpper(text[Offset(e.Location!.Line, e.Location.Column)]), $"{e.Location} does not point at a statement");
        }
    }
}
