using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
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
/// <item><see cref="TreeHash"/>: the SHA-256 of its parse tree without positions, OR REPLACE, and with a routine's
/// options in a canonical order (<see cref="TreeHashOf(string)"/> gives the same for a catalog definition), to know
/// a declaration that is the current object's definition without executing it.</item>
/// <item><see cref="Mentions"/>: every word of every string of the tree, lower-cased (names, literals; not a routine's
/// body string, which CREATE does not resolve with check_function_bodies off): what executing it could resolve.</item>
/// </list>
/// Declarations the parser did not read (built in code) get them from their SQL on first use.
/// </summary>
internal sealed class DeclarationFacts
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 100_000 };
    private static readonly ConditionalWeakTable<PgDeclaration, Pending> Table = new();

    /// <summary>Nothing known: references nothing, never equal to a catalog definition.</summary>
    public static readonly DeclarationFacts Unknown = new(Array.Empty<NameReference>(), null, new HashSet<string>(StringComparer.Ordinal));

    private DeclarationFacts(IReadOnlyList<NameReference> references, string? treeHash, IReadOnlySet<string> mentions)
    {
        References = references;
        TreeHash = treeHash;
        Mentions = mentions;
    }

    public IReadOnlyList<NameReference> References { get; }

    /// <summary>Hex SHA-256 of the normalized parse tree; null when unknown.</summary>
    public string? TreeHash { get; }

    /// <summary>Lower-cased words of the tree's strings (outside routine bodies), and each whole string.</summary>
    public IReadOnlySet<string> Mentions { get; }

    /// <summary>The facts of a declaration: those its parser attached, else read from its SQL now (once).</summary>
    public static DeclarationFacts For(PgDeclaration declaration)
    {
        var pending = Table.GetValue(declaration, static _ => new Pending(ReadOnlyMemory<byte>.Empty));
        lock (pending)
        {
            if (pending.Facts is null)
            {
                pending.Facts = pending.Json.IsEmpty ? FromSql(declaration) : FromJson(pending.Json);
                pending.Json = ReadOnlyMemory<byte>.Empty;
            }

            return pending.Facts;
        }
    }

    /// <summary>
    /// A declaration's parse-tree node, kept by the parser and read only when a compare asks (the first time): parsing
    /// declarations (Get-PgDeclaration, a linter) does not pay for what only a compare uses.
    /// </summary>
    private sealed class Pending(ReadOnlyMemory<byte> json)
    {
        public ReadOnlyMemory<byte> Json { get; set; } = json;

        public DeclarationFacts? Facts { get; set; }
    }

    private static DeclarationFacts FromJson(ReadOnlyMemory<byte> nodeJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(nodeJson, JsonOptions);
            return Read(doc.RootElement);
        }
        catch (JsonException)
        {
            return Unknown;
        }
    }

    /// <summary>Attaches the parse-tree node the parser read to the declaration it made (read when first asked for).</summary>
    public static void Attach(PgDeclaration declaration, ReadOnlyMemory<byte> nodeJson)
    {
        if (declaration.IsComment)
        {
            return; // executed last, never skipped: nothing to know
        }

        Table.AddOrUpdate(declaration, new Pending(nodeJson));
    }

    /// <summary>The tree hash of one statement's SQL (a catalog definition); null when it is not exactly one statement that parses.</summary>
    public static string? TreeHashOf(string sql)
    {
        var element = ParseOne(sql, out var doc);
        using (doc)
        {
            if (element is not { } node)
            {
                return null;
            }

            var walker = new Walker(collect: false);
            walker.Statement(node);
            return walker.Hash();
        }
    }

    /// <summary>The words of a text: runs of letters, digits, _, $ and non-ASCII characters.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '$' || text[i] > 127);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                yield return text[start..i];
                start = -1;
            }
        }
    }

    private static DeclarationFacts FromSql(PgDeclaration declaration)
    {
        if (declaration.IsComment)
        {
            return Unknown;
        }

        var element = ParseOne(declaration.Sql, out var doc);
        using (doc)
        {
            return element is { } node ? Read(node) : Unknown;
        }
    }

    private static JsonElement? ParseOne(string sql, out JsonDocument? doc)
    {
        doc = null;
        var parsed = LibPgQuery.ParseToJson(sql);
        if (parsed.Value is not { } json)
        {
            return null;
        }

        doc = JsonDocument.Parse(json, JsonOptions);
        return doc.RootElement.TryGetProperty("stmts", out var stmts) && stmts.ValueKind == JsonValueKind.Array && stmts.GetArrayLength() == 1
            && stmts[0].TryGetProperty("stmt", out var stmt)
            ? stmt
            : null;
    }

    private static DeclarationFacts Read(JsonElement node)
    {
        var walker = new Walker(collect: true);
        walker.Statement(node);
        return new DeclarationFacts(walker.References.Distinct().ToArray(), walker.Hash(), walker.Mentions);
    }

    /// <summary>
    /// One pass over a statement's tree: an injective encoding of it for the hash (positions and OR REPLACE left
    /// out, a routine's options stably sorted by name: CREATE accepts them in any order, and pg_get_functiondef
    /// prints them in its own), and, when collecting, the references and mentions.
    /// </summary>
    private sealed class Walker(bool collect)
    {
        private readonly MemoryStream _buffer = new();
        private readonly byte[] _scratch = new byte[4];

        public List<NameReference> References { get; } = new();

        public HashSet<string> Mentions { get; } = new(StringComparer.Ordinal);

        public string Hash() => Convert.ToHexString(SHA256.HashData(_buffer.GetBuffer().AsSpan(0, (int)_buffer.Length)));

        /// <summary>The statement node: <c>{"CreateFunctionStmt":{...}}</c>.</summary>
        public void Statement(JsonElement wrapper)
        {
            _buffer.WriteByte((byte)'{');
            foreach (var type in wrapper.EnumerateObject())
            {
                Name(type.Name);
                var isFunction = type.NameEquals("CreateFunctionStmt");
                if (type.Value.ValueKind != JsonValueKind.Object)
                {
                    Value(type.Value, mention: true);
                    continue;
                }

                _buffer.WriteByte((byte)'{');
                foreach (var field in type.Value.EnumerateObject())
                {
                    if (IsPosition(field) || field.NameEquals("replace"))
                    {
                        continue;
                    }

                    Name(field.Name);
                    if (isFunction && field.NameEquals("options") && field.Value.ValueKind == JsonValueKind.Array)
                    {
                        Options(field.Value);
                    }
                    else if (type.NameEquals("ViewStmt") && field.NameEquals("view"))
                    {
                        Value(field.Value, mention: true, reference: false); // its own name, not a reference
                    }
                    else if (type.NameEquals("CreateTrigStmt") && field.NameEquals("funcname"))
                    {
                        if (collect)
                        {
                            References.Add(ToReference(field.Value)); // the trigger's function
                        }

                        Value(field.Value, mention: true);
                    }
                    else
                    {
                        Value(field.Value, mention: true);
                    }
                }

                _buffer.WriteByte((byte)'}');
            }

            _buffer.WriteByte((byte)'}');
        }

        /// <summary>A routine's options (DefElem), stably sorted by defname; the body ("as") is hashed, not mentioned.</summary>
        private void Options(JsonElement options)
        {
            var items = options.EnumerateArray()
                .Select((e, i) => (Element: e, Index: i, Name: e.TryGetProperty("DefElem", out var d) ? DeclarationReaders.String(d, "defname") ?? "" : ""))
                .OrderBy(x => x.Name, StringComparer.Ordinal).ThenBy(x => x.Index)
                .ToList();
            _buffer.WriteByte((byte)'[');
            Int(items.Count);
            foreach (var item in items)
            {
                Value(item.Element, mention: !string.Equals(item.Name, "as", StringComparison.Ordinal));
            }

            _buffer.WriteByte((byte)']');
        }

        private void Value(JsonElement value, bool mention, bool reference = true)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    if (collect && reference)
                    {
                        Reference(value);
                    }

                    _buffer.WriteByte((byte)'{');
                    foreach (var field in value.EnumerateObject())
                    {
                        if (IsPosition(field))
                        {
                            continue;
                        }

                        Name(field.Name);
                        Value(field.Value, mention, reference);
                    }

                    _buffer.WriteByte((byte)'}');
                    break;
                case JsonValueKind.Array:
                    _buffer.WriteByte((byte)'[');
                    Int(value.GetArrayLength());
                    foreach (var item in value.EnumerateArray())
                    {
                        Value(item, mention, reference);
                    }

                    _buffer.WriteByte((byte)']');
                    break;
                case JsonValueKind.String:
                    var text = value.GetString() ?? "";
                    _buffer.WriteByte((byte)'S');
                    Text(text);
                    if (collect && mention)
                    {
                        Mention(text);
                    }

                    break;
                case JsonValueKind.Number:
                    _buffer.WriteByte((byte)'N');
                    Text(value.GetRawText());
                    break;
                case JsonValueKind.True:
                    _buffer.WriteByte((byte)'T');
                    break;
                case JsonValueKind.False:
                    _buffer.WriteByte((byte)'F');
                    break;
                default:
                    _buffer.WriteByte((byte)'Z');
                    break;
            }
        }

        /// <summary>A RangeVar (relname), a FuncCall or a trigger's function (funcname), a TypeName (names + typemod).</summary>
        private void Reference(JsonElement node)
        {
            if (DeclarationReaders.String(node, "relname") is { } relation)
            {
                References.Add(new NameReference(DeclarationReaders.String(node, "schemaname") ?? "", relation));
            }

            if (node.TryGetProperty("funcname", out var function))
            {
                References.Add(ToReference(function));
            }

            if (node.TryGetProperty("names", out var type) && node.TryGetProperty("typemod", out _))
            {
                References.Add(ToReference(type));
            }
        }

        private static NameReference ToReference(JsonElement names)
        {
            var (schema, name) = DeclarationReaders.QualifiedName(names);
            return new NameReference(schema, name);
        }

        private void Mention(string text)
        {
            var lower = text.ToLowerInvariant();
            Mentions.Add(lower);
            foreach (var word in Words(lower))
            {
                Mentions.Add(word);
            }
        }

        private static bool IsPosition(JsonProperty field) =>
            field.NameEquals("location") || field.NameEquals("stmt_location") || field.NameEquals("stmt_len");

        private void Name(string name)
        {
            _buffer.WriteByte((byte)'P');
            Text(name);
        }

        private void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            Int(bytes.Length);
            _buffer.Write(bytes);
        }

        private void Int(int value)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_scratch, value);
            _buffer.Write(_scratch);
        }
    }
}
