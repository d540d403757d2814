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
    private readonly HashSet<string> _files = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
    private bool _parserAnnounced;

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

    /// <summary>Says once, in -Verbose, which libpg_query parses (the module's own, PGAUTOGEN_LIBPG_QUERY's, a system one) and its grammar.</summary>
    private void AnnounceParser()
    {
        if (!_parserAnnounced)
        {
            _parserAnnounced = true;
            _events.Verbose(LibPgQueryLoader.Description);
        }
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

    /// <summary>
    /// A .sql file, or a folder searched recursively for them. A path that does not exist is an error (DeclarationFileNotFound).
    /// The files of a folder are parsed on every core; their results are merged in ordinal path order on the calling
    /// thread, where duplicates are found and the callbacks and events run, so the output, the errors and their order
    /// are those of parsing the files one by one.
    /// </summary>
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

            ParseFiles(files, cancellationToken);
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
        ParseFiles(new[] { path }, cancellationToken);
    }

    /// <summary>Parses SQL text; <paramref name="label"/> stands for the file name in positions and messages.</summary>
    public void ParseSql(string sql, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(label);
        AnnounceParser();
        LibPgQuery.EnsureLoaded();
        Merge(SourceParse.Parse(SourceText.FromString(label, sql), cancellationToken));
    }

    /// <summary>
    /// Parses files in order: which ones are new to this instance is decided first, in order; those are read and parsed
    /// in parallel (each into a <see cref="SourceParse"/>, sharing nothing); the results are merged in order as they
    /// become available, on the calling thread.
    /// </summary>
    private void ParseFiles(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AnnounceParser();
        LibPgQuery.EnsureLoaded(); // a missing library throws here, once, not inside the workers
        var fresh = new bool[files.Count];
        var toParse = new List<int>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            fresh[i] = _files.Add(Path.GetFullPath(files[i]));
            if (fresh[i])
            {
                toParse.Add(i);
            }
        }

        IEnumerable<SourceParse> parsed = toParse.Count <= 1
            ? toParse.Select(i => SourceParse.ReadAndParse(files[i], cancellationToken))
            : toParse.AsParallel().AsOrdered()
                .WithCancellation(cancellationToken)
                .Select(i => SourceParse.ReadAndParse(files[i], cancellationToken));
        try
        {
            using var results = parsed.GetEnumerator();
            for (var i = 0; i < files.Count; i++)
            {
                if (!fresh[i])
                {
                    _events.Verbose($"{files[i]}: already parsed, skipped.");
                    continue;
                }

                results.MoveNext();
                Merge(results.Current);
            }
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            throw;
        }
    }

    /// <summary>Takes one source's results in: duplicates across everything parsed so far, the callbacks, the events.</summary>
    private void Merge(SourceParse source)
    {
        var errors = _errors.Count;
        var declarations = _declarations.Count;
        var viewsOfThisFile = new HashSet<(string Schema, string Name)>();
        foreach (var item in source.Items)
        {
            if (item.Error is { } error)
            {
                Report(error);
                continue;
            }

            var declaration = item.Declaration!;

            // A materialized view's indexes are part of it: declared after it, in its file. Anything else (a table's
            // index) belongs in schema migrations.
            if (declaration is { Kind: PgObjectKind.MaterializedView, IsIndex: false, IsComment: false, IsOwnerChange: false })
            {
                viewsOfThisFile.Add((declaration.Schema, declaration.Name));
            }
            else if (declaration.IsIndex && !viewsOfThisFile.Contains((declaration.Schema, declaration.Name)))
            {
                var statement = new StatementContext(declaration.Sql, new SourceLocation(declaration.File, declaration.Line, declaration.Column));
                Report(DeclarationErrors.NotAllowed(statement, "CREATE INDEX",
                    $"it is on {declaration.Identity}, which is not a materialized view declared before it in this file: PgAutogen manages indexes only as part of a " +
                    "materialized view, declared after its CREATE MATERIALIZED VIEW in the same file and naming the view the same way; indexes of tables belong in your schema migrations"));
                continue;
            }

            var key = Key(declaration);
            if (_byKey.TryGetValue(key, out var earlier))
            {
                Report(DeclarationErrors.Duplicate(earlier, declaration));
                continue;
            }

            _byKey.Add(key, declaration);
            _declarations.Add(declaration);
            _onDeclaration?.Invoke(declaration);
        }

        if (source.SyntaxErrorIfNoOther is { } whole && _errors.Count == errors)
        {
            // Every statement parsed on its own although the whole did not: never let that pass silently.
            Report(whole);
        }

        StatementCount += source.StatementCount;
        if (source.Label is { } label)
        {
            _events.Verbose($"Parsed {label}: {source.StatementCount} statement(s), {_declarations.Count - declarations} declaration(s), " +
                            $"{_errors.Count - errors} error(s) in {source.ElapsedMilliseconds} ms");
        }
    }

    /// <summary>
    /// The identity as written: kind family (functions and procedures share one), schema, name, table, argument
    /// types. Names are compared as the parser folded them (unquoted names are lower-cased); an unqualified name and
    /// a qualified one are different here, because the default schema is known only to the database.
    /// </summary>
    private static string Key(PgDeclaration d) => d switch
    {
        // An index is named by its own name (PostgreSQL chooses unnamed ones: never duplicates here).
        { IsIndex: true } => string.Join('\u001f', "index", d.Schema, d.IndexName is { Length: > 0 } index ? index : d.Location),
        // An object's privileges may take several GRANT and REVOKE statements.
        { IsPrivilege: true } => string.Join('\u001f', "privilege", d.Location),
        _ => string.Join('\u001f', (d.IsComment ? "comment:" : d.IsOwnerChange ? "owner:" : "") + ObjectKey.Name(ObjectKey.Family(d.Kind)), d.Schema, d.Name, d.TableSchema ?? "", d.Table ?? "", d.Arguments ?? ""),
    };

    private void Report(PgAutogenException error)
    {
        _errors.Add(error);
        _onError?.Invoke(error);
    }
}
