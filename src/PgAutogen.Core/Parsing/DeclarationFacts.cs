using System.IO.Hashing;
using System.Text.Json;

namespace PgAutogen.Core.Parsing;

/// <summary>A relation, function or type a statement names, as written (<see cref="Schema"/> empty when unqualified).</summary>
internal readonly record struct NameReference(string Schema, string Name);

/// <summary>
/// What canonicalization uses from a declaration's parse tree, read once when it is parsed:
/// <list type="bullet">
/// <item><see cref="References"/>: the relations, functions and types it names outside string bodies (a view's
/// relations and functions, a BEGIN ATOMIC body's, a trigger's table and function, a routine's argument and return
/// types and defaults), to execute what is referenced first.</item>
/// <item><see cref="TreeHash"/>: the XXH128 of its parse tree without positions, OR REPLACE, and with a routine's
/// options in a canonical order (<see cref="TreeHashOf(string)"/> gives the same for a catalog definition), to know
/// a declaration that is the current object's definition without executing it.</item>
/// <item><see cref="Mentions"/>: every word of every string of the tree, lower-cased (names, literals; not a routine's
/// body string, which CREATE does not resolve with check_function_bodies off): what executing it could resolve. Kept as
/// 64-bit keys (<see cref="MentionKey"/>), sorted: a collision can only make a declaration look like it mentions a
/// name it does not, which executes it (the safe side), and no word is allocated as a string.</item>
/// </list>
/// Declarations the parser did not read (built in code) get them from their SQL on first use.
/// </summary>
internal sealed class DeclarationFacts
{
    /// <summary>Nothing known: references nothing, never equal to a catalog definition.</summary>
    public static readonly DeclarationFacts Unknown = new(Array.Empty<NameReference>(), null, Array.Empty<ulong>());

    private DeclarationFacts(IReadOnlyList<NameReference> references, string? treeHash, ulong[] mentions)
    {
        References = references;
        TreeHash = treeHash;
        Mentions = mentions;
    }

    public IReadOnlyList<NameReference> References { get; }

    /// <summary>Hex XXH128 of the normalized parse tree; null when unknown.</summary>
    public string? TreeHash { get; }

    /// <summary>The <see cref="MentionKey"/>s of the lower-cased words of the tree's strings (outside routine bodies) and of each whole string; sorted, distinct.</summary>
    public IReadOnlyList<ulong> Mentions { get; }

    /// <summary>The keys a name is mentioned by: the whole name and each of its words, lower-cased.</summary>
    public static List<ulong> MentionKeys(string name)
    {
        var keys = new List<ulong> { MentionKey(name.ToLowerInvariant()) };
        AddWordKeys(name, keys);
        return keys;
    }

    /// <summary>
    /// Adds the <see cref="MentionKey"/> of each word of <paramref name="text"/>, lower-cased (runs of letters, digits,
    /// _, $ and non-ASCII characters); with <paramref name="only"/>, only the keys in it. One pass, nothing allocated.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void AddWordKeys(ReadOnlySpan<char> text, ICollection<ulong> keys, IReadOnlySet<ulong>? only = null)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !IsWordChar(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                return;
            }

            var hash = FnvOffset;
            while (i < text.Length && IsWordChar(text[i]))
            {
                hash = (hash ^ char.ToLowerInvariant(text[i])) * FnvPrime;
                i++;
            }

            if (only is null || only.Contains(hash))
            {
                keys.Add(hash);
            }
        }
    }

    /// <summary>FNV-1a (64 bits) of the UTF-16 code units of a lower-cased word or string.</summary>
    public static ulong MentionKey(ReadOnlySpan<char> text)
    {
        var hash = FnvOffset;
        foreach (var c in text)
        {
            hash = (hash ^ c) * FnvPrime;
        }

        return hash;
    }

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Whether a character belongs to a word (<see cref="AddWordKeys"/>).</summary>
    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$' || c > 127;

    /// <summary>The facts of a declaration: those its parser attached, else read from its SQL now (once).</summary>
    public static DeclarationFacts For(PgDeclaration declaration)
    {
        if (declaration.EngineFacts is DeclarationFacts facts)
        {
            return facts;
        }

        facts = FromSql(declaration);
        return Interlocked.CompareExchange(ref declaration.EngineFacts, facts, null) as DeclarationFacts ?? facts;
    }

    /// <summary>Reads the facts of the parse-tree node the parser read for the declaration it made (on the parsing thread).</summary>
    public static void Attach(PgDeclaration declaration, ReadOnlyMemory<byte> nodeJson)
    {
        if (declaration.IsAttribute)
        {
            return; // a comment, privileges, an owner: executed after the objects, never skipped: nothing to know
        }

        declaration.EngineFacts = FromJson(nodeJson);
    }

    private static DeclarationFacts FromJson(ReadOnlyMemory<byte> nodeJson)
    {
        try
        {
            var reader = new Utf8JsonReader(nodeJson.Span, new JsonReaderOptions { MaxDepth = 100_000 });
            return reader.Read() ? Read(ref reader) : Unknown;
        }
        catch (JsonException)
        {
            return Unknown;
        }
    }

    /// <summary>The tree hash of one statement's SQL (a catalog definition); null when it is not exactly one statement that parses.</summary>
    public static string? TreeHashOf(string sql) => TreeHashOf(sql, null);

    /// <summary>
    /// The tree hash of a catalog definition; with <paramref name="when"/> (a trigger's WHEN clause and its table's
    /// columns), the casts PostgreSQL adds to literals compared with a column are encoded as the literal alone, as a
    /// declaration writes it (<see cref="WhenColumns"/>).
    /// </summary>
    public static string? TreeHashOf(string sql, WhenColumns? when) =>
        when is null
            ? LibPgQuery.ReadJson(sql, static json => WalkOnlyStatement(json, collect: false, when: null)?.Hash())
            : LibPgQuery.ReadJson(sql, json => WalkOnlyStatement(json, collect: false, when)?.Hash());

    /// <summary>Walks the only statement of a parse result; null unless it is exactly one statement.</summary>
    private static Walker? WalkOnlyStatement(ReadOnlySpan<byte> json, bool collect, WhenColumns? when)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 100_000 });
            if (!ToOnlyStatement(ref reader))
            {
                return null;
            }

            var walker = new Walker(collect, when);
            walker.Statement(ref reader);
            return NextIsEndOfStatements(ref reader) ? walker : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DeclarationFacts FromSql(PgDeclaration declaration) =>
        declaration.IsAttribute ? Unknown : LibPgQuery.ReadJson(declaration.Sql, static json => WalkOnlyStatement(json, collect: true, when: null) is { } walker ? Facts(walker) : null) ?? Unknown;

    /// <summary>Moves a reader of a whole parse result (<c>{"version":..,"stmts":[{"stmt":{...},...}]}</c>) to the first statement's node.</summary>
    private static bool ToOnlyStatement(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("stmts"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("stmt"u8))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.StartObject;
                }

                reader.Read();
                reader.Skip();
            }

            return false;
        }

        return false;
    }

    /// <summary>After the first statement's node: true when it was the only statement.</summary>
    private static bool NextIsEndOfStatements(ref Utf8JsonReader reader)
    {
        // The rest of the first element of "stmts" (stmt_len, stmt_location), then the array must end.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            reader.Skip();
        }

        return reader.TokenType == JsonTokenType.EndObject && reader.Read() && reader.TokenType == JsonTokenType.EndArray;
    }

    /// <summary>The facts of a statement node (the reader on its StartObject).</summary>
    private static DeclarationFacts Read(ref Utf8JsonReader reader)
    {
        var walker = new Walker(collect: true, when: null);
        walker.Statement(ref reader);
        return Facts(walker);
    }

    private static DeclarationFacts Facts(Walker walker) => new(walker.DistinctReferences(), walker.Hash(), walker.MentionKeys());

    /// <summary>
    /// One pass over a statement's JSON tree with a forward-only reader (no document, no strings but the mentions): an
    /// injective encoding of it for the hash (positions and OR REPLACE left out, a routine's options stably sorted by
    /// name: CREATE accepts them in any order, and pg_get_functiondef prints them in its own), and, when collecting,
    /// the references and mentions. Strings are encoded as libpg_query wrote them (escaped), which is one form per value.
    /// </summary>
    private sealed class Walker(bool collect, WhenColumns? when)
    {
        /// <summary>
        /// The type names PostgreSQL's grammar writes as <c>pg_catalog.X</c> (<c>integer</c>, <c>timestamp with time
        /// zone</c>, <c>character varying</c> ...: SystemTypeName in gram.y), which exist in pg_catalog on every version.
        /// With pg_catalog first in the search path (the shortcut's condition) <c>X</c> unqualified is the same type, so
        /// <c>timestamptz</c> and <c>timestamp with time zone</c> encode alike.
        /// </summary>
        private static readonly HashSet<string> CatalogTypeNames = new(StringComparer.Ordinal)
        {
            "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "bpchar", "varchar", "bit", "varbit",
            "timestamp", "timestamptz", "time", "timetz", "interval", "json",
        };

        /// <summary>The encoding buffer of the walks on this thread (one walk at a time per thread), and one for a routine's options.</summary>
        [ThreadStatic]
        private static MemoryStream? t_buffer, t_options;

        /// <summary>The mentions of the walk on this thread, and a routine's options (one walk at a time per thread).</summary>
        [ThreadStatic]
        private static List<ulong>? t_mentions;

        [ThreadStatic]
        private static List<(string Name, int Index, int Start, int Length)>? t_optionItems;

        private MemoryStream _buffer = Reset(ref t_buffer);

        /// <summary>In a view's query of one relation: the qualifier its column references are encoded without (<see cref="SingleRelationQualifier"/>).</summary>
        private string? _qualifier;
        private readonly List<ulong> _mentions = Reset(ref t_mentions);

        public List<NameReference> References { get; } = new();

        /// <summary>XXH128 of the encoding: not a cryptographic hash (whoever writes the declarations writes the migration anyway), and one call costs a fraction of SHA-256's.</summary>
        public string Hash() => Convert.ToHexString(XxHash128.Hash(_buffer.GetBuffer().AsSpan(0, (int)_buffer.Length)));

        /// <summary>The mentions collected, sorted and distinct.</summary>
        public ulong[] MentionKeys()
        {
            if (_mentions.Count == 0)
            {
                return Array.Empty<ulong>();
            }

            _mentions.Sort();
            var distinct = 1;
            for (var i = 1; i < _mentions.Count; i++)
            {
                if (_mentions[i] != _mentions[distinct - 1])
                {
                    _mentions[distinct++] = _mentions[i];
                }
            }

            var keys = new ulong[distinct];
            _mentions.CopyTo(0, keys, 0, distinct);
            return keys;
        }

        /// <summary>The references, each once, in order (usually a handful: a set only for many).</summary>
        public NameReference[] DistinctReferences()
        {
            if (References.Count > 16)
            {
                return References.Distinct().ToArray();
            }

            var distinct = new List<NameReference>(References.Count);
            foreach (var reference in References)
            {
                if (!distinct.Contains(reference))
                {
                    distinct.Add(reference);
                }
            }

            return distinct.ToArray();
        }

        private static MemoryStream Reset(ref MemoryStream? stream)
        {
            stream ??= new MemoryStream();
            stream.SetLength(0);
            return stream;
        }

        private static List<T> Reset<T>(ref List<T>? list)
        {
            list ??= new List<T>(64);
            list.Clear();
            return list;
        }

        /// <summary>The statement node <c>{"CreateFunctionStmt":{...}}</c>; the reader on its StartObject, left on its EndObject.</summary>
        public void Statement(ref Utf8JsonReader reader)
        {
            _buffer.WriteByte((byte)'{');
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isFunction = reader.ValueTextEquals("CreateFunctionStmt"u8);
                var isView = reader.ValueTextEquals("ViewStmt"u8);
                var isTrigger = reader.ValueTextEquals("CreateTrigStmt"u8);
                Raw('P', ref reader);
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Value(ref reader, mention: true, reference: true, capture: null);
                    continue;
                }

                _buffer.WriteByte((byte)'{');
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (IsPosition(ref reader) || reader.ValueTextEquals("replace"u8))
                    {
                        reader.Read();
                        reader.Skip();
                        continue;
                    }

                    var isOptions = isFunction && reader.ValueTextEquals("options"u8);
                    var isOwnName = isView && reader.ValueTextEquals("view"u8);
                    var isTriggerFunction = isTrigger && reader.ValueTextEquals("funcname"u8);
                    var isViewQuery = isView && reader.ValueTextEquals("query"u8);
                    Raw('P', ref reader);
                    reader.Read();
                    if (isOptions && reader.TokenType == JsonTokenType.StartArray)
                    {
                        Options(ref reader);
                    }
                    else if (isViewQuery && reader.TokenType == JsonTokenType.StartObject)
                    {
                        _qualifier = SingleRelationQualifier(reader);
                        Value(ref reader, mention: true, reference: true, capture: null);
                        _qualifier = null;
                    }
                    else if (isOwnName)
                    {
                        Value(ref reader, mention: true, reference: false, capture: null); // its own name, not a reference
                    }
                    else if (isTriggerFunction && collect)
                    {
                        var names = new List<string>(2);
                        Value(ref reader, mention: true, reference: true, capture: names);
                        References.Add(ToReference(names)); // the trigger's function
                    }
                    else
                    {
                        Value(ref reader, mention: true, reference: true, capture: null);
                    }
                }

                _buffer.WriteByte((byte)'}');
            }

            _buffer.WriteByte((byte)'}');
        }

        /// <summary>A routine's options (DefElem), stably sorted by defname; the body ("as") is hashed, not mentioned.</summary>
        private void Options(ref Utf8JsonReader reader)
        {
            // Each option encoded one after the other into a scratch stream, then copied out in order of name.
            var items = Reset(ref t_optionItems);
            var outer = _buffer;
            var options = t_options is null || ReferenceEquals(t_options, outer) ? new MemoryStream() : Reset(ref t_options);
            _buffer = options;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var name = DefName(reader);
                var start = (int)options.Length;
                Value(ref reader, mention: !string.Equals(name, "as", StringComparison.Ordinal), reference: true, capture: null);
                items.Add((name, items.Count, start, (int)options.Length - start));
            }

            _buffer = outer;
            t_options ??= options;
            items.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName && byName != 0 ? byName : a.Index.CompareTo(b.Index));
            _buffer.WriteByte((byte)'[');
            foreach (var item in items)
            {
                _buffer.Write(options.GetBuffer().AsSpan(item.Start, item.Length));
            }

            _buffer.WriteByte((byte)']');
        }

        /// <summary>The defname of the option the reader is on (<c>{"DefElem":{"defname":"as",...}}</c>), read ahead on a copy.</summary>
        private static string DefName(Utf8JsonReader probe)
        {
            if (probe.TokenType != JsonTokenType.StartObject || !probe.Read() || probe.TokenType != JsonTokenType.PropertyName
                || !probe.ValueTextEquals("DefElem"u8) || !probe.Read() || probe.TokenType != JsonTokenType.StartObject)
            {
                return "";
            }

            while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
            {
                if (probe.ValueTextEquals("defname"u8))
                {
                    return probe.Read() && probe.TokenType == JsonTokenType.String ? probe.GetString() ?? "" : "";
                }

                probe.Read();
                probe.Skip();
            }

            return "";
        }

        /// <summary>Any value (the reader on its first token, left on its last); <paramref name="capture"/> collects its strings.</summary>
        private void Value(ref Utf8JsonReader reader, bool mention, bool reference, List<string>? capture)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when IsNoOpNumericCast(reader):
                    CastArgument(ref reader, mention, reference, capture);
                    break;
                case JsonTokenType.StartObject:
                    Object(ref reader, mention, reference, capture);
                    break;
                case JsonTokenType.StartArray:
                    _buffer.WriteByte((byte)'[');
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        Value(ref reader, mention, reference, capture);
                    }

                    _buffer.WriteByte((byte)']');
                    break;
                case JsonTokenType.String:
                    Raw('S', ref reader);
                    if (capture is not null)
                    {
                        var text = reader.GetString() ?? "";
                        capture.Add(text);
                        if (collect && mention)
                        {
                            Mention(text);
                        }
                    }
                    else if (collect && mention)
                    {
                        Mention(ref reader);
                    }

                    break;
                case JsonTokenType.Number:
                    Raw('N', ref reader);
                    break;
                case JsonTokenType.True:
                    _buffer.WriteByte((byte)'T');
                    break;
                case JsonTokenType.False:
                    _buffer.WriteByte((byte)'F');
                    break;
                default:
                    _buffer.WriteByte((byte)'Z');
                    break;
            }
        }

        /// <summary>
        /// An object node; when collecting references, a RangeVar (relname), a FuncCall or a trigger's function (funcname)
        /// and a TypeName (names + typemod) name something.
        /// </summary>
        private void Object(ref Utf8JsonReader reader, bool mention, bool reference, List<string>? capture)
        {
            var track = collect && reference;
            string? schema = null, relation = null;
            List<string>? function = null, type = null;
            var typemod = false;
            _buffer.WriteByte((byte)'{');
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (SkippedPosition(ref reader))
                {
                    continue;
                }

                if (when is not null && reader.ValueTextEquals("A_Expr"u8))
                {
                    Raw('P', ref reader);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject && when.InList(reader) is { } inList)
                    {
                        // new.x = ANY (ARRAY['a'::text, 'b'::text]) encoded as the new.x IN ('a', 'b') it is printed for.
                        var written = new Utf8JsonReader(inList);
                        written.Read();
                        Value(ref written, mention, reference, capture);
                        reader.Skip();
                        continue;
                    }

                    var (left, right) = reader.TokenType == JsonTokenType.StartObject ? when.ImpliedCasts(reader) : (false, false);
                    if (left || right)
                    {
                        ComparisonWithImpliedCast(ref reader, left, right);
                    }
                    else
                    {
                        Value(ref reader, mention, reference, capture);
                    }

                    continue;
                }

                if (_qualifier is not null && reader.ValueTextEquals("ColumnRef"u8))
                {
                    Raw('P', ref reader);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject && QualifiedBy(reader, _qualifier))
                    {
                        ColumnRefWithoutQualifier(ref reader, mention, reference, capture);
                    }
                    else
                    {
                        Value(ref reader, mention, reference, capture);
                    }

                    continue;
                }

                if (_qualifier is not null && (reader.ValueTextEquals("sortClause"u8) || reader.ValueTextEquals("distinctClause"u8)
                    || reader.ValueTextEquals("windowClause"u8)))
                {
                    // ORDER BY and DISTINCT ON resolve a bare name as an output column first: the qualifier stays there (and
                    // in a WINDOW clause, for simplicity). GROUP BY resolves it as an input column first, like the rest.
                    var qualifier = _qualifier;
                    _qualifier = null;
                    Raw('P', ref reader);
                    reader.Read();
                    Value(ref reader, mention, reference, capture);
                    _qualifier = qualifier;
                    continue;
                }

                if (reader.ValueTextEquals("FunctionParameter"u8))
                {
                    Raw('P', ref reader);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        Parameter(ref reader, mention, reference, capture);
                    }
                    else
                    {
                        Value(ref reader, mention, reference, capture);
                    }

                    continue;
                }

                List<string>? into = capture;
                if (track)
                {
                    if (reader.ValueTextEquals("relname"u8) || reader.ValueTextEquals("schemaname"u8))
                    {
                        var isRelation = reader.ValueTextEquals("relname"u8);
                        Raw('P', ref reader);
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            var text = reader.GetString() ?? "";
                            if (isRelation)
                            {
                                relation = text;
                            }
                            else
                            {
                                schema = text;
                            }
                        }

                        Value(ref reader, mention, reference, capture);
                        continue;
                    }

                    if (reader.ValueTextEquals("funcname"u8))
                    {
                        into = function = new List<string>(2);
                    }
                    else if (reader.ValueTextEquals("names"u8))
                    {
                        into = type = new List<string>(2);
                    }
                    else if (reader.ValueTextEquals("typemod"u8))
                    {
                        typemod = true;
                    }
                }

                var isNames = reader.ValueTextEquals("names"u8);
                Raw('P', ref reader);
                reader.Read();
                if (isNames && IsCatalogTypeName(reader))
                {
                    // [pg_catalog, X] encoded as [X]; the words are collected as written.
                    _buffer.WriteByte((byte)'[');
                    reader.Read();
                    into?.Add("pg_catalog");
                    if (collect && mention)
                    {
                        Mention("pg_catalog");
                    }

                    reader.Skip();
                    reader.Read();
                    Value(ref reader, mention, reference, into);
                    reader.Read();
                    _buffer.WriteByte((byte)']');
                }
                else
                {
                    Value(ref reader, mention, reference, into);
                }

                if (into is not null && !ReferenceEquals(into, capture) && capture is not null)
                {
                    capture.AddRange(into);
                }
            }

            _buffer.WriteByte((byte)'}');
            if (track)
            {
                if (relation is not null)
                {
                    References.Add(new NameReference(schema ?? "", relation));
                }

                if (function is not null)
                {
                    References.Add(ToReference(function));
                }

                if (type is not null && typemod)
                {
                    References.Add(ToReference(type));
                }
            }
        }

        /// <summary>
        /// The qualifier a view's query (the reader on <c>{"SelectStmt":...}</c>) may leave out of its column references
        /// (the alias, else the name, of its only relation): pg_get_viewdef before PostgreSQL 16 qualifies every column
        /// (<c>SELECT orders.id FROM app.orders</c>) where a declaration writes <c>SELECT id FROM app.orders</c>. With one
        /// plain relation in FROM and no subquery, CTE, set operation, join or function in FROM, a name and the name
        /// qualified by that relation are the same column (a view has no outer scope). Null for any other query.
        /// </summary>
        private static string? SingleRelationQualifier(Utf8JsonReader probe)
        {
            try
            {
                using var document = JsonDocument.ParseValue(ref probe);
                var root = document.RootElement;
                var raw = root.GetRawText();
                foreach (var word in NotSingleRelation)
                {
                    if (raw.Contains(word, StringComparison.Ordinal))
                    {
                        return null;
                    }
                }

                if (!root.TryGetProperty("SelectStmt", out var select) || !select.TryGetProperty("fromClause", out var from)
                    || from.ValueKind != JsonValueKind.Array || from.GetArrayLength() != 1 || !from[0].TryGetProperty("RangeVar", out var relation))
                {
                    return null;
                }

                if (relation.TryGetProperty("alias", out var alias))
                {
                    return alias.TryGetProperty("aliasname", out var aliasName) && aliasName.ValueKind == JsonValueKind.String ? aliasName.GetString() : null;
                }

                return relation.TryGetProperty("relname", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>Nodes that make a query other than one relation's: a column name could then resolve elsewhere.</summary>
        private static readonly string[] NotSingleRelation =
        {
            "\"SubLink\"", "\"RangeSubselect\"", "\"withClause\"", "\"larg\"", "\"rarg\"", "\"JoinExpr\"", "\"RangeFunction\"",
            "\"RangeTableFunc\"", "\"RangeTableSample\"", "\"SelectStmt\":{\"SelectStmt\"",
        };

        /// <summary>Whether the ColumnRef (the probe on its object) is <c>qualifier.column</c>, the column not named like the qualifier.</summary>
        private static bool QualifiedBy(Utf8JsonReader probe, string qualifier)
        {
            try
            {
                using var document = JsonDocument.ParseValue(ref probe);
                return document.RootElement.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array
                    && fields.GetArrayLength() == 2 && WhenColumns.StringNode(fields[0]) == qualifier && WhenColumns.StringNode(fields[1]) is { } column
                    && column != qualifier;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>A ColumnRef <c>q.column</c> (the reader on its object) encoded as <c>column</c>.</summary>
        private void ColumnRefWithoutQualifier(ref Utf8JsonReader reader, bool mention, bool reference, List<string>? capture)
        {
            _buffer.WriteByte((byte)'{');
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (SkippedPosition(ref reader))
                {
                    continue;
                }

                var isFields = reader.ValueTextEquals("fields"u8);
                Raw('P', ref reader);
                reader.Read();
                if (!isFields)
                {
                    Value(ref reader, mention, reference, capture);
                    continue;
                }

                _buffer.WriteByte((byte)'[');
                reader.Read(); // the qualifier
                reader.Skip();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Value(ref reader, mention, reference, capture);
                }

                _buffer.WriteByte((byte)']');
            }

            _buffer.WriteByte((byte)'}');
        }

        /// <summary>
        /// Whether the value (the probe on its StartObject) is <c>{"TypeCast":{"arg":{"A_Const":{"fval":...}},"typeName":numeric}}</c>
        /// with a decimal literal (a digit first, a point in it): PostgreSQL types such a literal numeric, so the cast to
        /// plain numeric changes nothing, and pg_get_viewdef and pg_get_expr print the literal alone (<c>0.2::numeric</c>
        /// is printed <c>0.2</c>).
        /// </summary>
        private static bool IsNoOpNumericCast(Utf8JsonReader probe)
        {
            if (!probe.Read() || probe.TokenType != JsonTokenType.PropertyName || !probe.ValueTextEquals("TypeCast"u8))
            {
                return false;
            }

            try
            {
                probe.Read();
                using var document = JsonDocument.ParseValue(ref probe);
                var cast = document.RootElement;
                if (!cast.TryGetProperty("arg", out var arg) || !arg.TryGetProperty("A_Const", out var literal)
                    || !literal.TryGetProperty("fval", out var number) || !number.TryGetProperty("fval", out var f) || f.ValueKind != JsonValueKind.String
                    || !cast.TryGetProperty("typeName", out var typeName) || !WhenColumns.IsPlainType(typeName, "numeric"))
                {
                    return false;
                }

                var text = f.GetString();
                return text is { Length: > 0 } && char.IsAsciiDigit(text[0]) && text.Contains('.', StringComparison.Ordinal)
                    && text.AsSpan().IndexOfAnyExcept("0123456789.") < 0;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>A cast (the reader on its outer object) encoded as its argument alone.</summary>
        private void CastArgument(ref Utf8JsonReader reader, bool mention, bool reference, List<string>? capture)
        {
            reader.Read(); // "TypeCast"
            reader.Read(); // {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isArg = reader.ValueTextEquals("arg"u8);
                reader.Read();
                if (isArg)
                {
                    Value(ref reader, mention, reference, capture);
                }
                else
                {
                    reader.Skip();
                }
            }

            reader.Read(); // the end of {"TypeCast":...}
        }

        /// <summary>
        /// The object of an A_Expr (the reader on it) whose left or right operand is a literal with a cast PostgreSQL
        /// would add itself (<see cref="WhenColumns.ImpliedCasts"/>): that operand is encoded as the literal alone.
        /// </summary>
        private void ComparisonWithImpliedCast(ref Utf8JsonReader reader, bool left, bool right)
        {
            _buffer.WriteByte((byte)'{');
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (SkippedPosition(ref reader))
                {
                    continue;
                }

                var strip = (left && reader.ValueTextEquals("lexpr"u8)) || (right && reader.ValueTextEquals("rexpr"u8));
                Raw('P', ref reader);
                reader.Read();
                if (!strip)
                {
                    Value(ref reader, mention: false, reference: false, capture: null);
                    continue;
                }

                // {"TypeCast":{"arg":{...},"typeName":{...},"location":n}}: only the arg.
                CastArgument(ref reader, mention: false, reference: false, capture: null);
            }

            _buffer.WriteByte((byte)'}');
        }

        /// <summary>
        /// A routine's parameter (the reader on its object). Two spellings of one parameter encode alike: no mode and
        /// <c>IN</c> (FUNC_PARAM_DEFAULT is IN for functions and procedures), and a default that is a string literal or
        /// NULL with or without a cast to the parameter's own type (PostgreSQL coerces the literal to that type either
        /// way and prints the cast: <c>DEFAULT 'x'</c> is stored as <c>'x'::text</c>).
        /// </summary>
        private void Parameter(ref Utf8JsonReader reader, bool mention, bool reference, List<string>? capture)
        {
            byte[]? argType = null;
            _buffer.WriteByte((byte)'{');
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (SkippedPosition(ref reader))
                {
                    continue;
                }

                var isArgType = reader.ValueTextEquals("argType"u8);
                var isMode = reader.ValueTextEquals("mode"u8);
                var isDefault = reader.ValueTextEquals("defexpr"u8);
                Raw('P', ref reader);
                reader.Read();
                if (isArgType)
                {
                    var start = _buffer.Length;
                    Value(ref reader, mention, reference, capture);
                    argType = _buffer.GetBuffer().AsSpan((int)start, (int)(_buffer.Length - start)).ToArray();
                }
                else if (isMode && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("FUNC_PARAM_DEFAULT"u8))
                {
                    Tagged('S', "FUNC_PARAM_IN"u8);
                }
                else if (isDefault && argType is not null && reader.TokenType == JsonTokenType.StartObject)
                {
                    var probe = reader;
                    var start = _buffer.Length;
                    Value(ref reader, mention, reference, capture);
                    if (LiteralCastTo(probe, argType) is { } literal)
                    {
                        _buffer.SetLength(start);
                        _buffer.Write(literal);
                    }
                }
                else
                {
                    Value(ref reader, mention, reference, capture);
                }
            }

            _buffer.WriteByte((byte)'}');
        }

        /// <summary>
        /// The encoding of the literal of <c>{"TypeCast":{"arg":{"A_Const":{string or NULL}},"typeName":T}}</c> (the probe
        /// on its StartObject) when T encodes as <paramref name="type"/>; null for anything else.
        /// </summary>
        private byte[]? LiteralCastTo(Utf8JsonReader probe, byte[] type)
        {
            if (!probe.Read() || probe.TokenType != JsonTokenType.PropertyName || !probe.ValueTextEquals("TypeCast"u8)
                || !probe.Read() || probe.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var outer = _buffer;
            var collecting = collect;
            collect = false;
            try
            {
                byte[]? literal = null, target = null;
                while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
                {
                    var isArg = probe.ValueTextEquals("arg"u8);
                    var isType = probe.ValueTextEquals("typeName"u8);
                    if (IsPosition(ref probe) || !(isArg || isType))
                    {
                        probe.Read();
                        probe.Skip();
                        continue;
                    }

                    probe.Read();
                    if (isArg && !IsStringOrNullConst(probe))
                    {
                        return null;
                    }

                    _buffer = new MemoryStream();
                    Value(ref probe, mention: false, reference: false, capture: null);
                    if (isArg)
                    {
                        literal = _buffer.ToArray();
                    }
                    else
                    {
                        target = _buffer.ToArray();
                    }
                }

                return literal is not null && target is not null && target.AsSpan().SequenceEqual(type) ? literal : null;
            }
            finally
            {
                _buffer = outer;
                collect = collecting;
            }
        }

        /// <summary>Whether the value the probe is on is <c>{"A_Const":{...}}</c> holding a string or NULL.</summary>
        private static bool IsStringOrNullConst(Utf8JsonReader probe)
        {
            if (probe.TokenType != JsonTokenType.StartObject || !probe.Read() || probe.TokenType != JsonTokenType.PropertyName
                || !probe.ValueTextEquals("A_Const"u8) || !probe.Read() || probe.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
            {
                if (probe.ValueTextEquals("sval"u8) || probe.ValueTextEquals("isnull"u8))
                {
                    return true;
                }

                probe.Read();
                probe.Skip();
            }

            return false;
        }

        /// <summary>Whether the value the reader is on is <c>[{"String":{"sval":"pg_catalog"}},{"String":{"sval":X}}]</c>, X a <see cref="CatalogTypeNames"/>.</summary>
        private static bool IsCatalogTypeName(Utf8JsonReader probe)
        {
            if (probe.TokenType != JsonTokenType.StartArray || !probe.Read() || StringNode(ref probe) != "pg_catalog"
                || !probe.Read() || StringNode(ref probe) is not { } name || !CatalogTypeNames.Contains(name))
            {
                return false;
            }

            return probe.Read() && probe.TokenType == JsonTokenType.EndArray;
        }

        /// <summary>The sval of <c>{"String":{"sval":...}}</c> the reader is on (left on its end), else null.</summary>
        private static string? StringNode(ref Utf8JsonReader probe)
        {
            if (probe.TokenType != JsonTokenType.StartObject || !probe.Read() || probe.TokenType != JsonTokenType.PropertyName
                || !probe.ValueTextEquals("String"u8) || !probe.Read() || probe.TokenType != JsonTokenType.StartObject
                || !probe.Read() || probe.TokenType != JsonTokenType.PropertyName || !probe.ValueTextEquals("sval"u8)
                || !probe.Read() || probe.TokenType != JsonTokenType.String)
            {
                return null;
            }

            var value = probe.GetString();
            return probe.Read() && probe.TokenType == JsonTokenType.EndObject && probe.Read() && probe.TokenType == JsonTokenType.EndObject ? value : null;
        }

        private static NameReference ToReference(List<string> parts) => parts.Count switch
        {
            0 => new NameReference("", ""),
            1 => new NameReference("", parts[0]),
            _ => new NameReference(parts[^2], parts[^1]),
        };

        private void Mention(string text) => _mentions.AddRange(DeclarationFacts.MentionKeys(text));

        /// <summary>
        /// The string token the reader is on, mentioned: read from its bytes when it is plain ASCII (the keys are those of
        /// its lower-cased characters, as <see cref="Mention(string)"/> computes them), else as a string.
        /// </summary>
        private void Mention(ref Utf8JsonReader reader)
        {
            var bytes = reader.ValueSpan;
            if (reader.ValueIsEscaped || System.Text.Ascii.IsValid(bytes) is false)
            {
                Mention(reader.GetString() ?? "");
                return;
            }

            var whole = FnvOffset;
            var word = FnvOffset;
            var inWord = false;
            foreach (var b in bytes)
            {
                var c = b is >= (byte)'A' and <= (byte)'Z' ? (char)(b + 32) : (char)b;
                whole = (whole ^ c) * FnvPrime;
                if (char.IsAsciiLetterOrDigit(c) || c is '_' or '$')
                {
                    word = (word ^ c) * FnvPrime;
                    inWord = true;
                }
                else if (inWord)
                {
                    _mentions.Add(word);
                    word = FnvOffset;
                    inWord = false;
                }
            }

            if (inWord)
            {
                _mentions.Add(word);
            }

            _mentions.Add(whole);
        }

        /// <summary>On a position property (location, stmt_location, stmt_len): skips it and its value.</summary>
        private static bool SkippedPosition(ref Utf8JsonReader reader)
        {
            if (!IsPosition(ref reader))
            {
                return false;
            }

            reader.Read();
            reader.Skip();
            return true;
        }

        private static bool IsPosition(ref Utf8JsonReader reader) =>
            reader.ValueTextEquals("location"u8) || reader.ValueTextEquals("stmt_location"u8) || reader.ValueTextEquals("stmt_len"u8);

        /// <summary>A tag, the length, and the token's bytes as written (a property name, a string, a number).</summary>
        private void Raw(char tag, ref Utf8JsonReader reader) => Tagged(tag, reader.ValueSpan);

        private void Tagged(char tag, ReadOnlySpan<byte> span)
        {
            _buffer.WriteByte((byte)tag);
            Span<byte> length = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, span.Length);
            _buffer.Write(length);
            _buffer.Write(span);
        }
    }
}

/// <summary>
/// A trigger's WHEN clause as the catalog prints it has casts PostgreSQL added when it analysed the clause:
/// <c>WHEN (new.amount > 185)</c> on a numeric column is printed <c>new.amount > (185)::numeric</c>, and
/// <c>new.status = 'closed'</c> on a text one <c>new.status = 'closed'::text</c>. With the types of the trigger's table's
/// columns (read with the trigger, pg_catalog's types only), such a cast is encoded as the literal alone, so the
/// declaration that wrote the literal encodes alike. Only where the literal alone is exactly what PostgreSQL turns into
/// that cast, so that executing the declaration would print the catalog's text again:
/// <list type="bullet">
/// <item>a comparison (<c>= &lt;&gt; &lt; &gt; &lt;= &gt;=</c>, unqualified) of <c>new.column</c> or <c>old.column</c> with
/// <c>literal::T</c>, where T (unqualified or pg_catalog's, no modifier, no array) is the column's own type;</item>
/// <item>a string literal, T one of <see cref="StringTypes"/>: a literal of unknown type compared with a T takes the
/// operator T op T, found first in pg_catalog (the shortcut's condition) where every one of these types has all six, and
/// becomes a constant of type T: printed as the same string with <c>::T</c> (the literal must be the printed string: a
/// declaration writing <c>'2020-1-1'</c> where the catalog prints <c>'2020-01-01'::date</c> differs, and is executed);</item>
/// <item>an integer (not negative) with T numeric or double precision, a decimal number (not negative) with T double
/// precision: there is no operator between those types and integer or numeric in pg_catalog, so PostgreSQL picks
/// T op T and casts the literal implicitly, printed <c>(185)::numeric</c>. Only when every operator of those names is
/// pg_catalog's (<see cref="BuiltinComparisons"/>): another one taking exactly those types would be taken instead.</item>
/// </list>
/// A declaration that writes the cast itself (<c>185::numeric</c>) is not recognized, and is executed.
/// </summary>
internal sealed class WhenColumns
{
    /// <summary>pg_catalog's types that have the six comparison operators T op T, by typname.</summary>
    private static readonly HashSet<string> StringTypes = new(StringComparer.Ordinal)
    {
        "text", "bpchar", "numeric", "int2", "int4", "int8", "float4", "float8", "bool", "date", "time", "timestamp", "timestamptz", "interval", "uuid",
    };

    private static readonly HashSet<string> Comparisons = new(StringComparer.Ordinal) { "=", "<>", "<", ">", "<=", ">=" };

    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);

    /// <param name="columns">The table's columns of pg_catalog types, <c>name typname</c>.</param>
    /// <param name="builtinComparisons">No operator named = &lt;&gt; &lt; &gt; &lt;= &gt;= exists outside pg_catalog.</param>
    public WhenColumns(IEnumerable<string> columns, bool builtinComparisons)
    {
        foreach (var column in columns)
        {
            var space = column.LastIndexOf(' ');
            if (space > 0)
            {
                _types[column[..space]] = column[(space + 1)..];
            }
        }

        BuiltinComparisons = builtinComparisons;
    }

    public bool BuiltinComparisons { get; }

    /// <summary>Whether the left and the right operand of the A_Expr the probe is on (its object) is a literal with a cast PostgreSQL added.</summary>
    public (bool Left, bool Right) ImpliedCasts(Utf8JsonReader probe)
    {
        using var document = JsonDocument.ParseValue(ref probe);
        var expr = document.RootElement;
        if (!expr.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != "AEXPR_OP"
            || !expr.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.Array || name.GetArrayLength() != 1
            || StringNode(name[0]) is not { } op || !Comparisons.Contains(op)
            || !expr.TryGetProperty("lexpr", out var left) || !expr.TryGetProperty("rexpr", out var right))
        {
            return (false, false);
        }

        return (ColumnType(right) is { } r && Implied(left, r), ColumnType(left) is { } l && Implied(right, l));
    }

    /// <summary>
    /// For the A_Expr the probe is on (its object) that is <c>new.x = ANY (ARRAY['a'::text, 'b'::text])</c>, x a text
    /// column and at least two string literals each cast to text (what PostgreSQL stores and prints for
    /// <c>new.x IN ('a', 'b')</c>): the JSON of that IN expression as libpg_query writes it, else null. Only text: a
    /// varchar column is printed with a cast of its own, NOT IN is <c>&lt;&gt; ALL</c>, and one element is printed <c>=</c>.
    /// </summary>
    public byte[]? InList(Utf8JsonReader probe)
    {
        using var document = JsonDocument.ParseValue(ref probe);
        var expr = document.RootElement;
        if (!expr.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != "AEXPR_OP_ANY"
            || !expr.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.Array || name.GetArrayLength() != 1
            || StringNode(name[0]) != "=" || !expr.TryGetProperty("lexpr", out var left) || ColumnType(left) != "text"
            || !expr.TryGetProperty("rexpr", out var right) || !right.TryGetProperty("A_ArrayExpr", out var array)
            || !array.TryGetProperty("elements", out var elements) || elements.ValueKind != JsonValueKind.Array || elements.GetArrayLength() < 2)
        {
            return null;
        }

        var items = new List<string>(elements.GetArrayLength());
        foreach (var element in elements.EnumerateArray())
        {
            if (!element.TryGetProperty("TypeCast", out var cast) || !cast.TryGetProperty("arg", out var arg) || !arg.TryGetProperty("A_Const", out var literal)
                || !literal.TryGetProperty("sval", out _) || !cast.TryGetProperty("typeName", out var typeName) || !IsPlainType(typeName, "text"))
            {
                return null;
            }

            items.Add(arg.GetRawText());
        }

        return System.Text.Encoding.UTF8.GetBytes(
            "{\"kind\":\"AEXPR_IN\",\"name\":[{\"String\":{\"sval\":\"=\"}}],\"lexpr\":" + left.GetRawText()
            + ",\"rexpr\":{\"List\":{\"items\":[" + string.Join(",", items) + "]}}}");
    }

    /// <summary>The type of <c>new.column</c> or <c>old.column</c>; null for anything else.</summary>
    private string? ColumnType(JsonElement node)
    {
        if (!node.TryGetProperty("ColumnRef", out var reference) || !reference.TryGetProperty("fields", out var fields)
            || fields.ValueKind != JsonValueKind.Array || fields.GetArrayLength() != 2
            || StringNode(fields[0]) is not ("new" or "old") || StringNode(fields[1]) is not { } column)
        {
            return null;
        }

        return _types.GetValueOrDefault(column);
    }

    /// <summary>Whether the node is <c>literal::type</c> with a cast that the literal alone gets from PostgreSQL (see the class).</summary>
    private bool Implied(JsonElement node, string type)
    {
        if (!node.TryGetProperty("TypeCast", out var cast) || !cast.TryGetProperty("arg", out var arg) || !arg.TryGetProperty("A_Const", out var literal)
            || !cast.TryGetProperty("typeName", out var typeName) || !IsPlainType(typeName, type))
        {
            return false;
        }

        if (literal.TryGetProperty("sval", out _))
        {
            return StringTypes.Contains(type);
        }

        if (!BuiltinComparisons)
        {
            return false;
        }

        if (literal.TryGetProperty("ival", out var integer))
        {
            var value = integer.TryGetProperty("ival", out var v) ? v.GetInt64() : 0;
            return value >= 0 && type is "numeric" or "float8";
        }

        if (literal.TryGetProperty("fval", out var number))
        {
            var text = number.TryGetProperty("fval", out var f) ? f.GetString() : null;
            return text is { Length: > 0 } && char.IsAsciiDigit(text[0]) && type == "float8";
        }

        return false;
    }

    /// <summary>A TypeName <c>T</c> or <c>pg_catalog.T</c>, without modifier or array bounds.</summary>
    internal static bool IsPlainType(JsonElement typeName, string type)
    {
        if (!typeName.TryGetProperty("names", out var names) || names.ValueKind != JsonValueKind.Array
            || typeName.TryGetProperty("typmods", out _) || typeName.TryGetProperty("arrayBounds", out _)
            || typeName.TryGetProperty("setof", out _) || typeName.TryGetProperty("pct_type", out _))
        {
            return false;
        }

        return names.GetArrayLength() switch
        {
            1 => StringNode(names[0]) == type,
            2 => StringNode(names[0]) == "pg_catalog" && StringNode(names[1]) == type,
            _ => false,
        };
    }

    internal static string? StringNode(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("String", out var s) && s.TryGetProperty("sval", out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;
}
