using System.Text.Json;

namespace PgAutogen.Core.Parsing;

/// <summary>One top-level statement of libpg_query's JSON parse tree: its byte span in the SQL and its node.</summary>
/// <param name="Location">stmt_location: byte offset in the parsed text where the statement's span begins (after the previous semicolon).</param>
/// <param name="Length">stmt_len in bytes, up to the semicolon; 0 means "to the end of the text".</param>
internal sealed record RawStatement(int Location, int Length, StatementNode Node);

/// <summary>
/// A statement's parse-tree node, read shallowly: its type (<c>CreateFunctionStmt</c>) and its top-level fields.
/// Scalar fields are read at once; objects and arrays are kept as byte ranges of the JSON and parsed only when
/// asked for — the body of a view or of a large CREATE TABLE is never materialized, which is most of the tree.
/// </summary>
internal sealed class StatementNode
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 100_000 };

    private readonly byte[] _json;
    private readonly Dictionary<string, (int Start, int Length)> _nested = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _true = new(StringComparer.Ordinal);
    private int _start;
    private int _length;

    private StatementNode(string nodeType, byte[] json)
    {
        NodeType = nodeType;
        _json = json;
    }

    /// <summary>The node type: CreateFunctionStmt, ViewStmt, DropStmt, ...</summary>
    public string NodeType { get; }

    /// <summary>The whole node, <c>{"CreateFunctionStmt":{...}}</c>, as a range of the JSON (for <see cref="DeclarationFacts"/>).</summary>
    public ReadOnlyMemory<byte> Json => _json.AsMemory(_start, _length);

    /// <summary>A string (or enum) field, or null when absent.</summary>
    public string? String(string name) => _strings.GetValueOrDefault(name);

    /// <summary>A boolean field (absent means false, as in libpg_query's JSON).</summary>
    public bool Bool(string name) => _true.Contains(name);

    /// <summary>An object or array field, parsed now; null when absent.</summary>
    public JsonElement? Element(string name)
    {
        if (!_nested.TryGetValue(name, out var range))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(_json.AsMemory(range.Start, range.Length), JsonOptions);
        return doc.RootElement.Clone();
    }

    /// <summary>Reads the statements of a libpg_query JSON parse tree: <c>{"version":..,"stmts":[{"stmt":{Type:{..}},"stmt_location":..,"stmt_len":..}]}</c>.</summary>
    public static List<RawStatement> ReadStatements(byte[] json, int length)
    {
        var statements = new List<RawStatement>();
        var reader = new Utf8JsonReader(json.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 100_000 });
        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("stmts"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    statements.Add(ReadStatement(ref reader, json));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return statements;
    }

    private static RawStatement ReadStatement(ref Utf8JsonReader reader, byte[] json)
    {
        int location = 0, length = 0;
        StatementNode? node = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("stmt_location"u8))
            {
                reader.Read();
                location = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("stmt_len"u8))
            {
                reader.Read();
                length = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("stmt"u8))
            {
                Expect(ref reader, JsonTokenType.StartObject);
                var start = (int)reader.TokenStartIndex;
                Expect(ref reader, JsonTokenType.PropertyName);
                node = new StatementNode(reader.GetString()!, json);
                Expect(ref reader, JsonTokenType.StartObject);
                node.ReadFields(ref reader);
                Expect(ref reader, JsonTokenType.EndObject);
                node._start = start;
                node._length = (int)reader.BytesConsumed - start;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new RawStatement(location, length, node ?? throw new JsonException("A statement of the parse tree has no node."));
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"Unexpected parse tree from libpg_query: expected {type}, found {reader.TokenType}.");
        }
    }

    /// <summary>Reads the fields of the node object (the reader is on its StartObject; leaves it on its EndObject).</summary>
    private void ReadFields(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    _strings[name] = reader.GetString()!;
                    break;
                case JsonTokenType.True:
                    _true.Add(name);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    _nested[name] = (start, (int)reader.BytesConsumed - start);
                    break;
            }
        }
    }
}
