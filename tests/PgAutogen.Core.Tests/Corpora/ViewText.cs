namespace PgAutogen.Core.Tests.Corpora;

/// <summary>
/// Just enough of a lexer to edit the select list of a view definition as PgAutogen exports it
/// (<c>CREATE OR REPLACE VIEW s.v AS\n SELECT a,\n    b\n   FROM t ...;</c>, pg_get_viewdef in pretty mode):
/// quotes, parentheses and brackets are skipped, top-level words and commas are found.
/// </summary>
internal sealed class ViewText
{
    private ViewText(string definition, int listStart, int listEnd, IReadOnlyList<(int Start, int End)> items)
    {
        Definition = definition;
        ListStart = listStart;
        ListEnd = listEnd;
        Items = items;
    }

    public string Definition { get; }

    /// <summary>Where the select list starts (after SELECT [DISTINCT [ON (...)]]) and ends (before the top-level FROM, or the end).</summary>
    public int ListStart { get; }

    public int ListEnd { get; }

    /// <summary>The select-list items (trimmed), in order.</summary>
    public IReadOnlyList<(int Start, int End)> Items { get; }

    public string Item(int i) => Definition[Items[i].Start..Items[i].End];

    /// <summary>
    /// The select list of a plain SELECT view (no top-level UNION / INTERSECT / EXCEPT, no WITH, no VALUES, no
    /// check option), or null when the view has another shape.
    /// </summary>
    public static ViewText? Parse(string definition)
    {
        var asAt = definition.IndexOf(" AS\n", StringComparison.Ordinal);
        if (asAt < 0 || definition.Contains(" CHECK OPTION", StringComparison.Ordinal))
        {
            return null;
        }

        var bodyStart = asAt + " AS\n".Length;
        var bodyEnd = definition.TrimEnd().TrimEnd(';').Length;
        var words = TopLevelWords(definition, bodyStart, bodyEnd, out var commas);
        if (words.Count == 0 || !Is(words[0], definition, "SELECT"))
        {
            return null;
        }

        if (words.Any(w => Is(w, definition, "UNION") || Is(w, definition, "INTERSECT") || Is(w, definition, "EXCEPT")))
        {
            return null;
        }

        var listStart = words[0].End;
        var next = 1;
        if (next < words.Count && Is(words[next], definition, "DISTINCT"))
        {
            listStart = words[next].End;
            next++;
            if (next < words.Count && Is(words[next], definition, "ON"))
            {
                // DISTINCT ON (...): the list starts after the parenthesis.
                var open = definition.IndexOf('(', words[next].End);
                listStart = MatchingParen(definition, open) + 1;
            }
        }

        // The top-level FROM (or another clause) that pretty printing puts at the start of a line: not IS DISTINCT FROM.
        var listEnd = bodyEnd;
        foreach (var w in words.Skip(1))
        {
            if (w.Start > listStart && IsClause(definition, w) && StartsLine(definition, w.Start))
            {
                listEnd = w.Start;
                break;
            }
        }

        var items = new List<(int, int)>();
        var start = listStart;
        foreach (var comma in commas.Where(c => c > listStart && c < listEnd).Append(listEnd))
        {
            var (s, e) = Trim(definition, start, comma);
            if (e <= s)
            {
                return null;
            }

            items.Add((s, e));
            start = comma + 1;
        }

        return new ViewText(definition, listStart, listEnd, items);
    }

    /// <summary>The item without its alias: <c>expr</c> of <c>expr AS name</c>.</summary>
    public string Expression(int i)
    {
        var item = Item(i);
        var words = TopLevelWords(item, 0, item.Length, out _);
        var alias = words.LastOrDefault(w => Is(w, item, "AS"));
        return alias == default ? item : item[..alias.Start].TrimEnd();
    }

    /// <summary>The definition with item <paramref name="i"/> replaced.</summary>
    public string ReplaceItem(int i, string text) => Definition[..Items[i].Start] + text + Definition[Items[i].End..];

    /// <summary>The definition without item <paramref name="i"/> (and one of its commas).</summary>
    public string RemoveItem(int i)
    {
        if (Items.Count < 2)
        {
            throw new InvalidOperationException("A view keeps at least one column here.");
        }

        return i == Items.Count - 1
            ? Definition[..Items[i - 1].End] + Definition[Items[i].End..]
            : Definition[..Items[i].Start] + Definition[Items[i + 1].Start..];
    }

    /// <summary>The definition with an item added at the end of the select list.</summary>
    public string AddItem(string text) => Definition[..Items[^1].End] + ",\n    " + text + Definition[Items[^1].End..];

    private static readonly string[] Clauses = { "FROM", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR" };

    private static bool IsClause(string text, (int Start, int End) w) => Clauses.Any(c => Is(w, text, c));

    private static bool Is((int Start, int End) w, string text, string keyword) =>
        w.End - w.Start == keyword.Length && string.Compare(text, w.Start, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0;

    private static bool StartsLine(string text, int at)
    {
        var i = at - 1;
        while (i >= 0 && text[i] == ' ')
        {
            i--;
        }

        return i < 0 || text[i] == '\n';
    }

    private static (int, int) Trim(string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return (start, end);
    }

    internal static int MatchingParen(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            i = SkipQuoted(text, i);
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')' && --depth == 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("Unbalanced parentheses in " + text);
    }

    /// <summary>At a quote, the index of its closing quote; otherwise i.</summary>
    private static int SkipQuoted(string text, int i)
    {
        var ch = text[i];
        if (ch is not ('\'' or '"'))
        {
            return i;
        }

        var backslash = ch == '\'' && i > 0 && text[i - 1] is 'E' or 'e';
        for (var j = i + 1; j < text.Length; j++)
        {
            if (backslash && text[j] == '\\')
            {
                j++;
            }
            else if (text[j] == ch)
            {
                if (j + 1 < text.Length && text[j + 1] == ch)
                {
                    j++;
                }
                else
                {
                    return j;
                }
            }
        }

        return text.Length - 1;
    }

    /// <summary>The words (identifiers and keywords, unquoted) and the commas at parenthesis depth 0 in [start, end).</summary>
    private static List<(int Start, int End)> TopLevelWords(string text, int start, int end, out List<int> commas)
    {
        var words = new List<(int, int)>();
        commas = new List<int>();
        var depth = 0;
        for (var i = start; i < end; i++)
        {
            var quoted = SkipQuoted(text, i);
            if (quoted != i)
            {
                i = quoted;
                continue;
            }

            var ch = text[i];
            if (ch is '(' or '[')
            {
                depth++;
            }
            else if (ch is ')' or ']')
            {
                depth--;
            }
            else if (depth == 0 && ch == ',')
            {
                commas.Add(i);
            }
            else if (char.IsLetter(ch) || ch == '_')
            {
                var j = i;
                while (j < end && (char.IsLetterOrDigit(text[j]) || text[j] is '_' or '$'))
                {
                    j++;
                }

                // Part of a qualified name or a cast (a.b, x::text) is not a keyword, but still a word; callers check the text.
                if (depth == 0 && (i == 0 || text[i - 1] is not ('.' or ':')))
                {
                    words.Add((i, j));
                }

                i = j - 1;
            }
        }

        return words;
    }
}
