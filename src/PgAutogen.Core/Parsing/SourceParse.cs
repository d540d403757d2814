using System.Diagnostics;

namespace PgAutogen.Core.Parsing;

/// <summary>
/// What one source (a file or a -Sql string) parses into, on its own: its declarations and errors in statement order.
/// It shares nothing with other sources, so sources can be parsed on several threads; <see cref="DeclarationParser"/>
/// merges them in order (finding duplicates across sources, running the callbacks).
/// </summary>
internal sealed class SourceParse
{
    private readonly List<(PgDeclaration? Declaration, PgAutogenException? Error)> _items = new();

    private SourceParse(string? label) => Label = label;

    /// <summary>The source's label for the per-file verbose line; null when the file could not be read (no such line).</summary>
    public string? Label { get; }

    /// <summary>Declarations and errors, in the order of the statements.</summary>
    public IReadOnlyList<(PgDeclaration? Declaration, PgAutogenException? Error)> Items => _items;

    /// <summary>The whole text did not parse but each statement did: this error is reported unless another one of this source was.</summary>
    public PgAutogenException? SyntaxErrorIfNoOther { get; private set; }

    public int StatementCount { get; private set; }

    public long ElapsedMilliseconds { get; private set; }

    /// <summary>Reads a file (UTF-8, with or without BOM) and parses it; a file that cannot be read is one error.</summary>
    public static SourceParse ReadAndParse(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SourceText source;
        try
        {
            source = SourceText.FromFile(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Failed(DeclarationErrors.FileNotFound(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(DeclarationErrors.Unreadable(path, ex));
        }

        return Parse(source, cancellationToken);
    }

    public static SourceParse Parse(SourceText source, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var result = new SourceParse(source.Label);
        if (source.FindEncodingProblem() is { } problem)
        {
            result.Report(DeclarationErrors.Invalid(Location(source, problem.Offset), "the text " + problem.Problem));
        }
        else
        {
            // The fast path: the whole text in one parser call; its JSON tree has every statement with its byte span.
            var parsed = LibPgQuery.ParseToPooledJson(source.Utf8Z);
            if (parsed.Succeeded)
            {
                var (json, length) = parsed.Value;
                try
                {
                    result.ReadStatements(source, json, length, 0, source.Length, cancellationToken);
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(json); // nothing read from the tree outlives this file
                }
            }
            else
            {
                result.Recover(source, parsed.Error!, cancellationToken);
            }
        }

        result.ElapsedMilliseconds = watch.ElapsedMilliseconds;
        return result;
    }

    private static SourceParse Failed(PgAutogenException error)
    {
        var result = new SourceParse(null);
        result.Report(error);
        return result;
    }

    /// <summary>
    /// The text has an error somewhere: split it into statements the way psql does (tolerant of syntax errors; see
    /// <see cref="SqlLexer.SplitStatements"/>) and parse each on its own, so every good statement is still read and
    /// every bad one reported. A lexical error (an unterminated string, quoted identifier, dollar quote or comment)
    /// runs to the end of the text: the statements before it are read, the broken one is reported.
    /// </summary>
    private void Recover(SourceText source, PgQueryError error, CancellationToken cancellationToken)
    {
        foreach (var (start, end) in SqlLexer.SplitStatements(source.Utf8Z.AsSpan(0, source.Length), 0, source.Length))
        {
            cancellationToken.ThrowIfCancellationRequested();
            ParsePiece(source, start, end, cancellationToken);
        }

        // Whether another error was found is known only after the merge (a duplicate is one).
        var at = error.CursorPosition > 0 ? source.AdvanceCodePoints(0, error.CursorPosition - 1) : 0;
        SyntaxErrorIfNoOther = DeclarationErrors.Syntax(Location(source, at), error.Message, LibPgQuery.PostgresMajorVersion);
    }

    /// <summary>Parses the statement in bytes [start, end) on its own.</summary>
    private void ParsePiece(SourceText source, int start, int end, CancellationToken cancellationToken)
    {
        var first = SqlLexer.SkipTrivia(source.Utf8Z, start, end);
        if (first >= end)
        {
            return;
        }

        var result = LibPgQuery.ParseToJson(source.Utf8Z.AsSpan(start, end - start));
        if (result.Value is { } json)
        {
            ReadStatements(source, json, json.Length, start, end, cancellationToken);
            return;
        }

        var error = result.Error!;
        var at = error.CursorPosition > 0 ? source.AdvanceCodePoints(start, error.CursorPosition - 1) : first;
        Report(DeclarationErrors.Syntax(Location(source, at), error.Message, LibPgQuery.PostgresMajorVersion));
    }

    /// <summary>Reads the statements of a JSON parse tree of the bytes [offset, end) of the source.</summary>
    private void ReadStatements(SourceText source, byte[] json, int length, int offset, int end, CancellationToken cancellationToken)
    {
        foreach (var raw in StatementNode.ReadStatements(json, length))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = offset + raw.Location;
            ReadStatement(source, location, raw.Length == 0 ? end : location + raw.Length, raw.Node);
        }
    }

    private void ReadStatement(SourceText source, int start, int end, StatementNode node)
    {
        StatementCount++;
        var bytes = source.Utf8Z.AsSpan(0, source.Length);
        var first = SqlLexer.SkipTrivia(bytes, start, end);
        var last = SqlLexer.EndOfLastToken(bytes, first, end);
        var statement = new StatementContext(source.Decode(first, last), Location(source, first));
        if (!StatementKinds.Allowed.TryGetValue(node.NodeType, out var allowed))
        {
            Report(DeclarationErrors.NotAllowed(statement, StatementKinds.Describe(node)));
            return;
        }

        try
        {
            var declaration = allowed.Read(node, statement);
            DeclarationFacts.Attach(declaration, node.Json); // here, on the parsing thread
            _items.Add((declaration, null));
        }
        catch (PgAutogenException ex)
        {
            Report(ex);
        }
    }

    private static SourceLocation Location(SourceText source, int byteOffset)
    {
        var (line, column) = source.Locate(byteOffset);
        return new SourceLocation(source.Label, line, column);
    }

    private void Report(PgAutogenException error) => _items.Add((null, error));
}
