using System.Text;

namespace PgAutogen.Core.Parsing;

/// <summary>
/// The UTF-8 text of one declaration source (a file or a -Sql string), NUL-terminated for libpg_query, with the
/// mapping from byte offsets (what libpg_query reports) to 1-based lines and columns. Columns count characters
/// as Unicode code points, like PostgreSQL's own error positions; line breaks are LF, CRLF and a lone CR.
/// </summary>
internal sealed class SourceText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private int[]? _lineStarts;
    private bool _locatedOnce;

    private SourceText(string label, byte[] utf8Z)
    {
        Label = label;
        Utf8Z = utf8Z;
    }

    /// <summary>The file path, or a label such as <c>-Sql[0]</c>.</summary>
    public string Label { get; }

    /// <summary>The text as UTF-8 without BOM, followed by one NUL byte.</summary>
    public byte[] Utf8Z { get; }

    /// <summary>Length in bytes, without the NUL.</summary>
    public int Length => Utf8Z.Length - 1;

    public ReadOnlySpan<byte> Bytes => Utf8Z.AsSpan(0, Length);

    /// <summary>Wraps a string (a -Sql argument).</summary>
    public static SourceText FromString(string label, string sql)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(sql) + 1];
        Encoding.UTF8.GetBytes(sql, bytes);
        return new SourceText(label, bytes);
    }

    /// <summary>A file's UTF-8 bytes, read straight into the NUL-terminated buffer (an optional BOM stripped).</summary>
    public static SourceText FromFile(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length >= Array.MaxLength)
        {
            throw new IOException($"The file is too large ({length} bytes).");
        }

        var bytes = new byte[length + 1];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(read, (int)length - read), read);
            if (n == 0)
            {
                break; // shorter than it was: what was read
            }

            read += n;
        }

        return read == length && !bytes.AsSpan(0, read).StartsWith("\uFEFF"u8)
            ? new SourceText(path, bytes)
            : FromBytes(path, bytes.AsSpan(0, read));
    }

    /// <summary>UTF-8 bytes, an optional BOM stripped.</summary>
    public static SourceText FromBytes(string label, ReadOnlySpan<byte> content)
    {
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }

        var bytes = new byte[content.Length + 1];
        content.CopyTo(bytes);
        return new SourceText(label, bytes);
    }

    /// <summary>Returns the byte offset of the first NUL byte or invalid UTF-8 sequence, and what it is; null when the text is clean.</summary>
    public (int Offset, string Problem)? FindEncodingProblem()
    {
        var bytes = Bytes;
        var nul = bytes.IndexOf((byte)0);
        var limit = nul >= 0 ? nul : bytes.Length;
        if (!System.Text.Unicode.Utf8.IsValid(bytes[..limit]))
        {
            Span<char> buffer = stackalloc char[256];
            var offset = 0;
            while (offset < limit)
            {
                var status = System.Text.Unicode.Utf8.ToUtf16(bytes[offset..limit], buffer, out var read, out _, replaceInvalidSequences: false);
                if (status == System.Buffers.OperationStatus.InvalidData)
                {
                    return (offset + read, $"is not valid UTF-8 (byte 0x{bytes[offset + read]:X2})");
                }

                if (read == 0)
                {
                    break;
                }

                offset += read;
            }
        }

        return nul >= 0 ? (nul, "contains a NUL character") : null;
    }

    /// <summary>Decodes bytes [start, end) as a string.</summary>
    public string Decode(int start, int end) => end <= start ? "" : StrictUtf8.GetString(Utf8Z, start, end - start);

    /// <summary>The 1-based line and column (in code points) of a byte offset.</summary>
    public (int Line, int Column) Locate(int byteOffset)
    {
        byteOffset = Math.Clamp(byteOffset, 0, Length);
        if (_lineStarts is null && !_locatedOnce)
        {
            // The first position asked of a text (most files declare one object) is counted, not indexed.
            _locatedOnce = true;
            return Count(Bytes, byteOffset);
        }

        var starts = LineStarts();
        var index = Array.BinarySearch(starts, byteOffset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        var lineStart = starts[index];
        return (index + 1, CountCodePoints(Bytes[lineStart..byteOffset]) + 1);
    }

    /// <summary>
    /// Where a position inside a piece of text lies in its file: <paramref name="text"/> starts at
    /// <paramref name="line"/>:<paramref name="column"/> (a declaration's statement), and the position is
    /// <paramref name="charOffset"/> UTF-16 units into it. The rule of <see cref="Locate"/>: LF, CRLF and a lone CR
    /// break lines; columns count code points.
    /// </summary>
    public static (int Line, int Column) Advance(int line, int column, string text, int charOffset)
    {
        charOffset = Math.Clamp(charOffset, 0, text.Length);
        var bytes = Encoding.UTF8.GetBytes(text);
        var (lines, columns) = Count(bytes, Encoding.UTF8.GetByteCount(text.AsSpan(0, charOffset)));
        return lines == 1 ? (line, column + columns - 1) : (line + lines - 1, columns);
    }

    /// <summary>
    /// The UTF-16 offset in <paramref name="text"/> of the character (code point) <paramref name="codePoints"/> from its
    /// start: PostgreSQL counts positions in characters, a string indexes UTF-16 units (two for a character outside the BMP).
    /// </summary>
    public static int CharOffset(string text, int codePoints)
    {
        var i = 0;
        while (codePoints > 0 && i < text.Length)
        {
            i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            codePoints--;
        }

        return i;
    }

    /// <summary>The byte offset reached by moving <paramref name="codePoints"/> characters forward from <paramref name="fromByte"/>.</summary>
    public int AdvanceCodePoints(int fromByte, int codePoints)
    {
        var i = fromByte;
        var bytes = Utf8Z;
        var end = Length;
        while (codePoints > 0 && i < end)
        {
            i++;
            while (i < end && (bytes[i] & 0xC0) == 0x80)
            {
                i++;
            }

            codePoints--;
        }

        return i;
    }

    private static int CountCodePoints(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The 1-based line and column of a byte offset, counted from the start (the line breaks of <see cref="NextLineStart"/>).</summary>
    private static (int Line, int Column) Count(ReadOnlySpan<byte> bytes, int byteOffset)
    {
        int line = 1, start = 0;
        for (var next = NextLineStart(bytes, 0, byteOffset); next >= 0 && next <= byteOffset; next = NextLineStart(bytes, next, byteOffset))
        {
            line++;
            start = next;
        }

        return (line, CountCodePoints(bytes[start..byteOffset]) + 1);
    }

    /// <summary>
    /// Where the line after the first line break in bytes [from, limit) starts (LF, CR, or CR LF counted once, its LF
    /// looked for past the limit too); -1 when there is none. A CR LF split by the limit ends after the limit.
    /// </summary>
    private static int NextLineStart(ReadOnlySpan<byte> bytes, int from, int limit)
    {
        var next = bytes[from..limit].IndexOfAny((byte)'\n', (byte)'\r');
        if (next < 0)
        {
            return -1;
        }

        var i = from + next;
        return bytes[i] == '\r' && i + 1 < bytes.Length && bytes[i + 1] == '\n' ? i + 2 : i + 1;
    }

    private int[] LineStarts()
    {
        if (_lineStarts is not null)
        {
            return _lineStarts;
        }

        var starts = new List<int> { 0 };
        for (var next = NextLineStart(Bytes, 0, Length); next >= 0; next = NextLineStart(Bytes, next, Length))
        {
            starts.Add(next);
        }

        _lineStarts = starts.ToArray();
        return _lineStarts;
    }
}
