namespace PgAutogen.Core.Parsing;

/// <summary>
/// Just enough of PostgreSQL's lexical rules (scan.l) to find where a statement really starts and ends inside the
/// span libpg_query reports for it: that span starts right after the previous semicolon (so it includes the
/// whitespace and comments before the statement) and ends at the semicolon (so it may end with a comment); and to
/// split text that does not parse into statements the way psql does (<see cref="SplitStatements"/>).
/// Works on UTF-8 bytes; every character that matters is ASCII, and bytes of 0x80 and above are identifier
/// characters, as in scan.l. On invalid text (an unterminated string) the answers are bounded by the given range.
/// </summary>
internal static class SqlLexer
{
    /// <summary>The offset of the first byte in [start, end) that is not whitespace or part of a comment; end when there is none.</summary>
    public static int SkipTrivia(ReadOnlySpan<byte> s, int start, int end)
    {
        var i = start;
        while (i < end)
        {
            var c = s[i];
            if (IsSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < end && s[i + 1] == '-')
            {
                i += 2;
                while (i < end && s[i] != '\n' && s[i] != '\r')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < end && s[i + 1] == '*')
            {
                i = SkipBlockComment(s, i, end);
            }
            else
            {
                break;
            }
        }

        return i;
    }

    /// <summary>The first token in [start, end) that is not whitespace or a comment, as a (start, end) byte range; (end, end) when there is none.</summary>
    public static (int Start, int End) FirstToken(ReadOnlySpan<byte> s, int start, int end)
    {
        var i = SkipTrivia(s, start, end);
        return i < end ? (i, ScanToken(s, i, end)) : (end, end);
    }

    /// <summary>The end (exclusive) of the last token in [start, end) that is not whitespace or a comment; start when there is none.</summary>
    public static int EndOfLastToken(ReadOnlySpan<byte> s, int start, int end)
    {
        var last = start;
        var i = SkipTrivia(s, start, end);
        while (i < end)
        {
            i = ScanToken(s, i, end);
            last = i;
            i = SkipTrivia(s, i, end);
        }

        return last;
    }

    /// <summary>The tokens in [start, end) that are not whitespace or comments, as (start, end) byte ranges.</summary>
    public static List<(int Start, int End)> Tokens(ReadOnlySpan<byte> s, int start, int end)
    {
        var tokens = new List<(int, int)>();
        var i = SkipTrivia(s, start, end);
        while (i < end)
        {
            var tokenEnd = ScanToken(s, i, end);
            tokens.Add((i, tokenEnd));
            i = SkipTrivia(s, tokenEnd, end);
        }

        return tokens;
    }

    /// <summary>
    /// Splits [start, end) into statements at top-level semicolons, with psql's rules (psqlscan.l): not inside
    /// strings, quoted identifiers, dollar quotes, comments or parentheses, and not inside the BEGIN ... END body of
    /// CREATE [OR REPLACE] FUNCTION | PROCEDURE (BEGIN ATOMIC; CASE ... END nested in it counts too). Each range
    /// starts after the previous semicolon (leading whitespace and comments included, like libpg_query's
    /// stmt_location) and ends at its semicolon, or at <paramref name="end"/>. Ranges holding only whitespace and
    /// comments are included; a lexical error (an unterminated string) makes the last range run to the end.
    /// Unlike libpg_query's pg_query_split_with_scanner (15-4.0.0, 17-6.1.0), this keeps BEGIN ATOMIC bodies whole and keeps
    /// statements that contain no keyword (<c>selec 1;</c>), so that they can be reported.
    /// </summary>
    public static List<(int Start, int End)> SplitStatements(ReadOnlySpan<byte> s, int start, int end)
    {
        var statements = new List<(int Start, int End)>();
        var statementStart = start;
        var parenDepth = 0;
        var beginDepth = 0;
        var words = 0;
        Span<char> head = stackalloc char[4]; // first letters of the first words, when they are create/or/replace/function/procedure
        head.Clear();
        var i = SkipTrivia(s, start, end);
        while (i < end)
        {
            var c = s[i];
            var tokenEnd = ScanToken(s, i, end);
            if (c == ';' && parenDepth == 0 && beginDepth == 0)
            {
                statements.Add((statementStart, i));
                statementStart = i + 1;
                words = 0;
                head.Clear();
            }
            else if (c == '(')
            {
                parenDepth++;
            }
            else if (c == ')' && parenDepth > 0)
            {
                parenDepth--;
            }
            else if (IsIdentStart(c) && !(c is (byte)'e' or (byte)'E' && i + 1 < end && s[i + 1] == '\''))
            {
                var word = s[i..tokenEnd];
                if (words < head.Length && (Is(word, "create"u8) || Is(word, "or"u8) || Is(word, "replace"u8) || Is(word, "function"u8) || Is(word, "procedure"u8)))
                {
                    head[words] = (char)(word[0] | 0x20);
                }

                words++;
                var routine = head[0] == 'c' && (head[1] is 'f' or 'p' || (head[1] == 'o' && head[2] == 'r' && head[3] is 'f' or 'p'));
                if (routine && parenDepth == 0)
                {
                    if (Is(word, "begin"u8))
                    {
                        beginDepth++;
                    }
                    else if (Is(word, "case"u8))
                    {
                        if (beginDepth >= 1)
                        {
                            beginDepth++;
                        }
                    }
                    else if (Is(word, "end"u8) && beginDepth > 0)
                    {
                        beginDepth--;
                    }
                }
            }

            i = SkipTrivia(s, tokenEnd, end);
        }

        if (statementStart < end)
        {
            statements.Add((statementStart, end));
        }

        return statements;
    }

    /// <summary>ASCII case-insensitive comparison of a word with a lower-case keyword.</summary>
    private static bool Is(ReadOnlySpan<byte> word, ReadOnlySpan<byte> keyword) => System.Text.Ascii.EqualsIgnoreCase(word, keyword);

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v';

    private static bool IsIdentStart(byte c) => c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' or >= 0x80;

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool IsIdentCont(byte c) => IsIdentStart(c) || IsDigit(c) || c == '$';

    /// <summary>Skips a /* comment */; they nest in PostgreSQL.</summary>
    private static int SkipBlockComment(ReadOnlySpan<byte> s, int i, int end)
    {
        var depth = 0;
        while (i < end)
        {
            if (s[i] == '/' && i + 1 < end && s[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (s[i] == '*' && i + 1 < end && s[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return end;
    }

    /// <summary>Scans one token starting at <paramref name="i"/> (not trivia) and returns its end.</summary>
    private static int ScanToken(ReadOnlySpan<byte> s, int i, int end)
    {
        var c = s[i];
        if (c == '\'')
        {
            return SkipQuoted(s, i + 1, end, '\'', backslashEscapes: false);
        }

        if (c is (byte)'e' or (byte)'E' && i + 1 < end && s[i + 1] == '\'')
        {
            return SkipQuoted(s, i + 2, end, '\'', backslashEscapes: true);
        }

        if (c == '"')
        {
            return SkipQuoted(s, i + 1, end, '"', backslashEscapes: false);
        }

        if (c == '$')
        {
            return ScanDollar(s, i, end);
        }

        if (IsIdentStart(c))
        {
            i++;
            while (i < end && IsIdentCont(s[i]))
            {
                i++;
            }

            return i;
        }

        if (IsDigit(c))
        {
            // Numbers (1, 1.5, 1e10, 0x1F); a following '.' that starts '..' is not part of it, but that does not
            // matter here: only where tokens end matters, not what they are.
            i++;
            while (i < end && (IsDigit(s[i]) || s[i] == '.' || s[i] == '_' || s[i] is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z'))
            {
                i++;
            }

            return i;
        }

        // Operators and punctuation: one byte at a time is enough, because a comment may start in the middle of an
        // operator ("*--" is '*' then a comment) and the caller looks for trivia after every token.
        return i + 1;
    }

    /// <summary>Skips to after the closing quote; a doubled quote is an escaped quote; in E'' strings a backslash escapes the next byte.</summary>
    private static int SkipQuoted(ReadOnlySpan<byte> s, int i, int end, char quote, bool backslashEscapes)
    {
        while (i < end)
        {
            var c = s[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
                continue;
            }

            if (c == quote)
            {
                if (i + 1 < end && s[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return end;
    }

    /// <summary>A $n parameter, a $tag$ ... $tag$ string, or a lone '$'.</summary>
    private static int ScanDollar(ReadOnlySpan<byte> s, int i, int end)
    {
        var j = i + 1;
        if (j < end && IsDigit(s[j]))
        {
            while (j < end && IsDigit(s[j]))
            {
                j++;
            }

            return j;
        }

        // dolq_start [A-Za-z\200-\377_], dolq_cont [A-Za-z\200-\377_0-9]
        if (j < end && IsIdentStart(s[j]))
        {
            j++;
            while (j < end && (IsIdentStart(s[j]) || IsDigit(s[j])))
            {
                j++;
            }
        }

        if (j >= end || s[j] != '$')
        {
            return i + 1;
        }

        var delimiter = s.Slice(i, j - i + 1);
        var bodyStart = j + 1;
        var close = bodyStart <= end ? s[bodyStart..end].IndexOf(delimiter) : -1;
        return close < 0 ? end : bodyStart + close + delimiter.Length;
    }
}
