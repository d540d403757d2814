using System.Text.Json;

namespace PgAutogen.Core.Parsing;

/// <summary>A function named in a call, as written: <see cref="Schema"/> is empty when the call is unqualified.</summary>
public sealed record FunctionReference(string Schema, string Name)
{
    public override string ToString() => Schema.Length == 0 ? SqlIdentifier.Quote(Name) : SqlIdentifier.Qualify(Schema, Name);
}

/// <summary>Offline analysis of routine bodies and statements with libpg_query.</summary>
public static class RoutineBodies
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 100_000 };

    /// <summary>
    /// The functions called in the body of one CREATE FUNCTION / CREATE PROCEDURE statement, distinct, in parse-tree
    /// order, as written (built-ins such as <c>count</c> included; the caller matches them against what it
    /// knows). PL/pgSQL bodies are parsed with pg_query_parse_plpgsql and each embedded SQL statement or expression
    /// with pg_query_parse; SQL bodies (<c>AS '...'</c> and <c>BEGIN ATOMIC ... END</c>) are parsed directly; other
    /// languages give nothing. Calls hidden in dynamic SQL (<c>EXECUTE 'select f()'</c>) are not found.
    /// </summary>
    /// <exception cref="PgAutogenException">DeclarationSyntaxError when the statement or its body does not parse; DeclarationInvalid when it is not one CREATE FUNCTION/PROCEDURE.</exception>
    public static IReadOnlyList<FunctionReference> CalledFunctions(string createFunctionSql)
    {
        ArgumentNullException.ThrowIfNull(createFunctionSql);
        var parsed = LibPgQuery.ParseToJson(createFunctionSql);
        if (parsed.Value is null)
        {
            throw SyntaxError(parsed.Error!);
        }

        using var doc = JsonDocument.Parse(parsed.Value, JsonOptions);
        var stmts = doc.RootElement.TryGetProperty("stmts", out var s) ? s : default;
        if (stmts.ValueKind != JsonValueKind.Array || stmts.GetArrayLength() != 1
            || !stmts[0].GetProperty("stmt").TryGetProperty("CreateFunctionStmt", out var function))
        {
            throw new PgAutogenException(PgErrorId.DeclarationInvalid, "Expected exactly one CREATE FUNCTION or CREATE PROCEDURE statement.");
        }

        var found = new List<FunctionReference>();
        if (function.TryGetProperty("sql_body", out var sqlBody))
        {
            CollectCalls(sqlBody, found);
            return Distinct(found);
        }

        var language = "sql";
        string? body = null;
        if (function.TryGetProperty("options", out var options))
        {
            foreach (var option in options.EnumerateArray())
            {
                var defElem = option.GetProperty("DefElem");
                var name = DeclarationReaders.String(defElem, "defname");
                if (string.Equals(name, "language", StringComparison.Ordinal))
                {
                    language = DeclarationReaders.StringValue(defElem.GetProperty("arg"));
                }
                else if (string.Equals(name, "as", StringComparison.Ordinal)
                         && defElem.GetProperty("arg").TryGetProperty("List", out var list)
                         && list.TryGetProperty("items", out var items) && items.GetArrayLength() == 1)
                {
                    body = DeclarationReaders.StringValue(items[0]);
                }
            }
        }

        if (string.Equals(language, "plpgsql", StringComparison.OrdinalIgnoreCase))
        {
            CollectPlpgsqlCalls(createFunctionSql, found);
        }
        else if (string.Equals(language, "sql", StringComparison.OrdinalIgnoreCase) && body is not null)
        {
            CollectSqlCalls(body, found, strict: true);
        }

        return Distinct(found);
    }

    /// <summary>libpg_query's fingerprint of a statement (16 hex digits): equal for statements that differ only in constants, whitespace, comments and keyword case.</summary>
    /// <exception cref="PgAutogenException">DeclarationSyntaxError when the statement does not parse.</exception>
    public static string Fingerprint(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var result = LibPgQuery.Fingerprint(sql);
        return result.Value ?? throw SyntaxError(result.Error!);
    }

    private static void CollectPlpgsqlCalls(string createFunctionSql, List<FunctionReference> found)
    {
        var parsed = LibPgQuery.ParsePlpgsqlToJson(createFunctionSql);
        if (parsed.Value is null)
        {
            throw SyntaxError(parsed.Error!);
        }

        using var doc = JsonDocument.Parse(parsed.Value, JsonOptions);
        foreach (var query in PlpgsqlQueries(doc.RootElement))
        {
            CollectSqlCalls(query, found, strict: false);
        }
    }

    /// <summary>The text of every PLpgSQL_expr (embedded statements, expressions, assignments) in a PL/pgSQL parse tree.</summary>
    private static IEnumerable<string> PlpgsqlQueries(JsonElement element) =>
        PreOrder(element)
            .Where(p => string.Equals(p.Name, "PLpgSQL_expr", StringComparison.Ordinal))
            .Select(p => DeclarationReaders.String(p.Value, "query"))
            .OfType<string>();

    /// <summary>
    /// Parses embedded SQL and collects its function calls. PL/pgSQL hands over whole statements
    /// (<c>SELECT ...</c>, <c>CALL ...</c>), bare expressions (<c>x + f(1)</c>) and assignments (<c>x := f(1)</c>);
    /// expressions are parsed as <c>SELECT expr</c>, like PL/pgSQL itself does.
    /// </summary>
    private static void CollectSqlCalls(string sql, List<FunctionReference> found, bool strict)
    {
        var candidates = new List<string> { sql };
        if (!strict)
        {
            candidates.Add("SELECT " + sql);
            var assign = sql.IndexOf(":=", StringComparison.Ordinal);
            if (assign > 0)
            {
                candidates.Add("SELECT " + sql[(assign + 2)..]);
            }
        }

        PgQueryError? firstError = null;
        foreach (var candidate in candidates)
        {
            var parsed = LibPgQuery.ParseToJson(candidate);
            if (parsed.Value is { } json)
            {
                using var doc = JsonDocument.Parse(json, JsonOptions);
                CollectCalls(doc.RootElement, found);
                return;
            }

            firstError ??= parsed.Error;
        }

        if (strict)
        {
            throw SyntaxError(firstError!);
        }
    }

    /// <summary>Every FuncCall node under <paramref name="element"/>, in document order.</summary>
    private static void CollectCalls(JsonElement element, List<FunctionReference> found)
    {
        foreach (var (name, value) in PreOrder(element))
        {
            // A FuncCall node, or CallStmt.funccall (a field typed FuncCall, so written without the node wrapper).
            if ((string.Equals(name, "FuncCall", StringComparison.Ordinal) || string.Equals(name, "funccall", StringComparison.Ordinal))
                && value.ValueKind == JsonValueKind.Object && value.TryGetProperty("funcname", out var names))
            {
                var (schema, function) = DeclarationReaders.QualifiedName(names);
                found.Add(new FunctionReference(schema, function));
            }
        }
    }

    /// <summary>Every property (name and value) of a JSON tree in document order, without recursion (parse trees can be deep).</summary>
    private static IEnumerable<(string Name, JsonElement Value)> PreOrder(JsonElement root)
    {
        var stack = new Stack<(string Name, JsonElement Value)>();
        stack.Push(("", root));
        var children = new List<(string, JsonElement)>();
        while (stack.Count > 0)
        {
            var (name, e) = stack.Pop();
            if (name.Length > 0)
            {
                yield return (name, e);
            }

            children.Clear();
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    children.Add((p.Name, p.Value));
                }
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    children.Add(("", item));
                }
            }

            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }
    }

    private static List<FunctionReference> Distinct(List<FunctionReference> found) => found.Distinct().ToList();

    private static PgAutogenException SyntaxError(PgQueryError error) =>
        new(PgErrorId.DeclarationSyntaxError, error.Message + (error.CursorPosition > 0 ? $" (at character {error.CursorPosition})" : "") + ".");
}
