using System.Diagnostics;

namespace PgAutogen.Core.Parsing;

/// <summary>What parsing a set of declaration sources produced: the declarations and every error.</summary>
public sealed class DeclarationSet
{
    public DeclarationSet(IReadOnlyList<PgDeclaration> declarations, IReadOnlyList<PgAutogenException> errors, int statementCount)
    {
        Declarations = declarations;
        Errors = errors;
        StatementCount = statementCount;
    }

    /// <summary>The declarations, in input order (files in the order given, folders in ordinal path order, statements in file order).</summary>
    public IReadOnlyList<PgDeclaration> Declarations { get; }

    /// <summary>Every error: refused statements, syntax errors, duplicates, unreadable or missing files.</summary>
    public IReadOnlyList<PgAutogenException> Errors { get; }

    /// <summary>True when any error occurred; a compare must not run anything then.</summary>
    public bool HasErrors => Errors.Count > 0;

    /// <summary>How many statements were read (allowed or not; statements inside a syntax error are not counted).</summary>
    public int StatementCount { get; }
}

/// <summary>
/// Parses declaration files offline with libpg_query: each statement becomes a <see cref="PgDeclaration"/> or an
/// error (statement not allowed, system schema, syntax error, duplicate). Errors are per statement and do not stop
/// the parse: every good statement is still reported, every bad one is reported with file:line:column.
/// <para>
/// Use one instance for one set of declarations (duplicates are found across everything it parsed); call
/// <see cref="ParsePath"/>, <see cref="ParseFile"/> or <see cref="ParseSql"/> as input arrives, and read
/// <see cref="Declarations"/>, <see cref="Errors"/> (or get them streamed through the callbacks). An instance is not
/// thread-safe; separate instances may run in parallel (libpg_query is thread-safe).
/// </para>
/// <para>
/// A missing libpg_query is not a per-statement error: it throws <see cref="PgAutogenException"/> with
/// <see cref="PgErrorId.LibPgQueryMissing"/>.
/// </para>
/// </summary>
public sealed class DeclarationParser
{
    private readonly Action<PgDeclaration>? _onDeclaration;
    private readonly Action<PgAutogenException>? _onError;
    private readonly IEngineEvents _events;
    private readonly List<PgDeclaration> _declarations = new();
    private readonly List<PgAutogenException> _errors = new();
    private readonly Dictionary<string, PgDeclaration> _byKey = new(StringComparer.Ordinal);
    private readonly HashSet<(string Schema, string Name)> _viewsOfThisFile = new();
    private readonly HashSet<string> _files = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    /// <param name="onDeclaration">Called for each declaration as soon as it is read (on the calling thread).</param>
    /// <param name="onError">Called for each error as soon as it is found (on the calling thread).</param>
    /// <param name="events">Verbose (one line per file) and warnings (a folder without .sql files).</param>
    public DeclarationParser(Action<PgDeclaration>? onDeclaration = null, Action<PgAutogenException>? onError = null, IEngineEvents? events = null)
    {
        _onDeclaration = onDeclaration;
        _onError = onError;
        _events = events ?? NullEngineEvents.Instance;
    }

    public IReadOnlyList<PgDeclaration> Declarations => _declarations;

    public IReadOnlyList<PgAutogenException> Errors => _errors;

    public bool HasErrors => _errors.Count > 0;

    public int StatementCount { get; private set; }

    /// <summary>Parses files and folders (recursively, *.sql in ordinal path order), then SQL strings (labelled -Sql[0], -Sql[1], ...).</summary>
    public static DeclarationSet Parse(IEnumerable<string> paths, IEnumerable<string>? sql = null, IEngineEvents? events = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var parser = new DeclarationParser(events: events);
        foreach (var path in paths)
        {
            parser.ParsePath(path, cancellationToken);
        }

        var index = 0;
        foreach (var text in sql ?? Array.Empty<string>())
        {
            parser.ParseSql(text, SqlLabel(index++), cancellationToken);
        }

        return parser.ToSet();
    }

    /// <summary>The label of the n-th -Sql string: <c>-Sql[n]</c>.</summary>
    public static string SqlLabel(int index) => "-Sql[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    /// <summary>The .sql files of a folder and its subfolders (hidden ones skipped), in ordinal order of their paths.</summary>
    public static IReadOnlyList<string> EnumerateSqlFiles(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, MatchType = MatchType.Simple };
        return Directory.EnumerateFiles(folder, "*", options)
            .Where(f => f.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public DeclarationSet ToSet() => new(_declarations.ToArray(), _errors.ToArray(), StatementCount);

    /// <summary>A .sql file, or a folder searched recursively for them. A path that does not exist is an error (DeclarationFileNotFound).</summary>
    public void ParsePath(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            IReadOnlyList<string> files;
            try
            {
                files = EnumerateSqlFiles(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Report(DeclarationErrors.Unreadable(path, ex));
                return;
            }

            if (files.Count == 0)
            {
                _events.Warning($"{path}: the folder contains no .sql files.");
            }

            foreach (var file in files)
            {
                ParseFile(file, cancellationToken);
            }
        }
        else if (File.Exists(path))
        {
            ParseFile(path, cancellationToken);
        }
        else
        {
            Report(DeclarationErrors.FileNotFound(path));
        }
    }

    /// <summary>Parses one file (UTF-8, with or without BOM). A file already parsed by this instance is skipped.</summary>
    public void ParseFile(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_files.Add(Path.GetFullPath(path)))
        {
            _events.Verbose($"{path}: already parsed, skipped.");
            return;
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            Report(DeclarationErrors.FileNotFound(path));
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Report(DeclarationErrors.Unreadable(path, ex));
            return;
        }

        Parse(SourceText.FromBytes(path, content), cancellationToken);
    }

    /// <summary>Parses SQL text; <paramref name="label"/> stands for the file name in positions and messages.</summary>
    public void ParseSql(string sql, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(label);
        Parse(SourceText.FromString(label, sql), cancellationToken);
    }

    private void Parse(SourceText source, CancellationToken cancellationToken)
    {
        LibPgQuery.EnsureLoaded();
        var watch = Stopwatch.StartNew();
        var statements = StatementCount;
        var declarations = _declarations.Count;
        var errors = _errors.Count;
        _viewsOfThisFile.Clear();

        if (source.FindEncodingProblem() is { } problem)
        {
            Report(DeclarationErrors.Invalid(Location(source, problem.Offset), "the text " + problem.Problem));
        }
        else
        {
            // The fast path: the whole text in one parser call; its JSON tree has every statement with its byte span.
            var result = LibPgQuery.ParseToJson(source.Utf8Z);
            if (result.Value is { } json)
            {
                ReadStatements(source, json, 0, source.Length, cancellationToken);
            }
            else
            {
                Recover(source, result.Error!, cancellationToken);
            }
        }

        _events.Verbose($"Parsed {source.Label}: {StatementCount - statements} statement(s), {_declarations.Count - declarations} declaration(s), " +
                        $"{_errors.Count - errors} error(s) in {watch.ElapsedMilliseconds} ms");
    }

    /// <summary>
    /// The text has an error somewhere: split it into statements the way psql does (tolerant of syntax errors; see
    /// <see cref="SqlLexer.SplitStatements"/>) and parse each on its own, so every good statement is still read and
    /// every bad one reported. A lexical error (an unterminated string, quoted identifier, dollar quote or comment)
    /// runs to the end of the text: the statements before it are read, the broken one is reported.
    /// </summary>
    private void Recover(SourceText source, PgQueryError error, CancellationToken cancellationToken)
    {
        var errors = _errors.Count;
        foreach (var (start, end) in SqlLexer.SplitStatements(source.Utf8Z.AsSpan(0, source.Length), 0, source.Length))
        {
            cancellationToken.ThrowIfCancellationRequested();
            ParsePiece(source, start, end, cancellationToken);
        }

        if (_errors.Count == errors)
        {
            // Every statement parsed on its own although the whole did not: never let that pass silently.
            var at = error.CursorPosition > 0 ? source.AdvanceCodePoints(0, error.CursorPosition - 1) : 0;
            Report(DeclarationErrors.Syntax(Location(source, at), error.Message, LibPgQuery.PostgresMajorVersion));
        }
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
            ReadStatements(source, json, start, end, cancellationToken);
            return;
        }

        var error = result.Error!;
        var at = error.CursorPosition > 0 ? source.AdvanceCodePoints(start, error.CursorPosition - 1) : first;
        Report(DeclarationErrors.Syntax(Location(source, at), error.Message, LibPgQuery.PostgresMajorVersion));
    }

    /// <summary>Reads the statements of a JSON parse tree of the bytes [offset, end) of the source.</summary>
    private void ReadStatements(SourceText source, byte[] json, int offset, int end, CancellationToken cancellationToken)
    {
        foreach (var raw in StatementNode.ReadStatements(json))
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

        PgDeclaration declaration;
        try
        {
            declaration = allowed.Read(node, statement);
        }
        catch (PgAutogenException ex)
        {
            Report(ex);
            return;
        }

        // A materialized view's indexes are part of it: declared after it, in its file. Anything else (a table's
        // index) belongs in schema migrations.
        if (declaration is { Kind: PgObjectKind.MaterializedView, IsIndex: false, IsComment: false })
        {
            _viewsOfThisFile.Add((declaration.Schema, declaration.Name));
        }
        else if (declaration.IsIndex && !_viewsOfThisFile.Contains((declaration.Schema, declaration.Name)))
        {
            Report(DeclarationErrors.NotAllowed(statement, "CREATE INDEX",
                $"it is on {declaration.Identity}, which is not a materialized view declared before it in this file: PgAutogen manages indexes only as part of a " +
                "materialized view, declared after its CREATE MATERIALIZED VIEW in the same file and naming the view the same way; indexes of tables belong in your schema migrations"));
            return;
        }

        var key = Key(declaration);
        if (_byKey.TryGetValue(key, out var earlier))
        {
            Report(DeclarationErrors.Duplicate(earlier, declaration));
            return;
        }

        _byKey.Add(key, declaration);
        _declarations.Add(declaration);
        _onDeclaration?.Invoke(declaration);
    }

    /// <summary>
    /// The identity as written: kind family (functions and procedures share one), schema, name, table, argument
    /// types. Names are compared as the parser folded them (unquoted names are lower-cased); an unqualified name and
    /// a qualified one are different here, because the default schema is known only to the database.
    /// </summary>
    private static string Key(PgDeclaration d) => d.IsIndex
        // An index is named by its own name (PostgreSQL chooses unnamed ones: never duplicates here).
        ? string.Join('\u001f', "index", d.Schema, d.IndexName is { Length: > 0 } index ? index : d.Location)
        : string.Join('\u001f', (d.IsComment ? "comment:" : "") + ObjectKey.Family(d.Kind), d.Schema, d.Name, d.TableSchema ?? "", d.Table ?? "", d.Arguments ?? "");

    private static SourceLocation Location(SourceText source, int byteOffset)
    {
        var (line, column) = source.Locate(byteOffset);
        return new SourceLocation(source.Label, line, column);
    }

    private void Report(PgAutogenException error)
    {
        _errors.Add(error);
        _onError?.Invoke(error);
    }
}
