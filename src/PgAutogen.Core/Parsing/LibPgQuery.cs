using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace PgAutogen.Core.Parsing;

/// <summary>An error reported by libpg_query.</summary>
/// <param name="Message">The parser's message (<c>syntax error at or near "selec"</c>).</param>
/// <param name="CursorPosition">
/// 1-based position of the error in the input, counted in characters (Unicode code points: libpg_query runs
/// with the UTF-8 database encoding, so PostgreSQL's errposition counts characters, not bytes); 0 when unknown.
/// </param>
/// <param name="Context">Additional context (PL/pgSQL errors), or null.</param>
public sealed record PgQueryError(string Message, int CursorPosition, string? Context);

/// <summary>One statement found by a split: byte offsets into the UTF-8 input.</summary>
/// <param name="Location">Byte offset where the statement's text begins; it includes whitespace and comments that precede the statement.</param>
/// <param name="Length">Length in bytes, up to (not including) the terminating semicolon.</param>
public readonly record struct PgQuerySplitStatement(int Location, int Length);

/// <summary>The result of a libpg_query call: a value, or the parser's error.</summary>
public readonly struct PgQueryResult<T>
{
    public PgQueryResult(T value)
    {
        Value = value;
        Error = null;
    }

    public PgQueryResult(PgQueryError error)
    {
        Value = default;
        Error = error;
    }

    public T? Value { get; }

    public PgQueryError? Error { get; }

    public bool Succeeded => Error is null;
}

/// <summary>
/// The binding of libpg_query (github.com/pganalyze/libpg_query), the PostgreSQL parser as a C library.
/// <list type="bullet">
/// <item>Strings cross as null-terminated UTF-8; every result is freed with its pg_query_free_* function in a finally.</item>
/// <item>
/// Thread safety: libpg_query keeps its parser state in thread-local storage (a per-thread TopMemoryContext,
/// initialized on first use in each thread; freed by a pthread key destructor when the thread exits — see
/// pg_query.c and the library's changelog, "Make library thread-safe through thread-local storage"). Results are
/// plain malloc'ed memory owned by the caller. So these methods may be called from several threads at once; they
/// share no managed state except the library handle, which is loaded once.
/// </item>
/// <item>
/// The grammar is the one of the PostgreSQL version libpg_query was built from: the module's libpg_query 17-6.1.0
/// (built from Debian's source package) speaks PostgreSQL 17. Syntax added in later PostgreSQL versions is a syntax
/// error here (<see cref="PostgresMajorVersion"/>).
/// </item>
/// <item>
/// Positions: statement locations and lengths (<see cref="PgQuerySplitStatement"/>, and stmt_location/stmt_len
/// in the JSON tree) are byte offsets into the UTF-8 input; error cursor positions are 1-based character counts.
/// </item>
/// </list>
/// The native library is found by <see cref="LibPgQueryLoader"/> (PGAUTOGEN_LIBPG_QUERY, then the usual names).
/// </summary>
public static unsafe partial class LibPgQuery
{
    internal const string LibraryName = "pg_query";

    private static readonly Lazy<int> GrammarVersion = new(ReadGrammarVersion, LazyThreadSafetyMode.ExecutionAndPublication);

    static LibPgQuery()
    {
        // The one DllImport resolver of the PgAutogen.Core assembly (the runtime allows one per assembly). In the
        // module, Core lives in a private AssemblyLoadContext whose LoadUnmanagedDll serves only deps/, so the native
        // library is found here, not there.
        NativeLibrary.SetDllImportResolver(typeof(LibPgQuery).Assembly, LibPgQueryLoader.Resolve);
    }

    /// <summary>The PostgreSQL version number the loaded parser was built from (170004 for libpg_query 17-6.1.0).</summary>
    public static int PostgresVersionNumber => GrammarVersion.Value;

    /// <summary>The PostgreSQL major version whose grammar the loaded parser speaks (17 for the module's libpg_query 17-6.1.0).</summary>
    public static int PostgresMajorVersion => GrammarVersion.Value / 10000;

    /// <summary>Loads the native library now; throws <see cref="PgAutogenException"/> (LibPgQueryMissing) when it cannot be found.</summary>
    public static void EnsureLoaded() => LibPgQueryLoader.EnsureLoaded();

    /// <summary>Parses SQL into libpg_query's JSON parse tree (UTF-8 bytes of <c>{"version":..,"stmts":[..]}</c>).</summary>
    public static PgQueryResult<byte[]> ParseToJson(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return ParseToJson(Utf8Z(sql));
    }

    /// <summary>Parses UTF-8 SQL into libpg_query's JSON parse tree. The input may end with a NUL byte (then it is not copied).</summary>
    public static PgQueryResult<byte[]> ParseToJson(ReadOnlySpan<byte> utf8) =>
        ReadJson(utf8, static json => new PgQueryResult<byte[]>(json.ToArray()), static error => new PgQueryResult<byte[]>(error));

    /// <summary>
    /// As <see cref="ParseToJson(ReadOnlySpan{byte})"/>, into an array rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>
    /// (the JSON is its first Length bytes): the caller returns it when done with the tree.
    /// </summary>
    internal static PgQueryResult<(byte[] Buffer, int Length)> ParseToPooledJson(ReadOnlySpan<byte> utf8) =>
        ReadJson(utf8, static json =>
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(json.Length);
            json.CopyTo(buffer);
            return new PgQueryResult<(byte[] Buffer, int Length)>((buffer, json.Length));
        }, static error => new PgQueryResult<(byte[] Buffer, int Length)>(error));

    /// <summary>Reads libpg_query's JSON tree in place, without copying it: <paramref name="read"/> gets the UTF-8 JSON (default when the SQL does not parse).</summary>
    internal static T ReadJson<T>(string sql, JsonReader<T> read)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return ReadJson(Utf8Z(sql), read, static _ => default!);
    }

    /// <summary>Parses UTF-8 SQL (NUL-terminated or not); the tree goes to <paramref name="read"/>, in libpg_query's memory, or the error to <paramref name="failed"/>.</summary>
    private static T ReadJson<T>(ReadOnlySpan<byte> utf8, JsonReader<T> read, Func<PgQueryError, T> failed)
    {
        LibPgQueryLoader.EnsureLoaded();
        var input = Terminated(utf8, out var rented);
        try
        {
            fixed (byte* p = input)
            {
                var result = Native.pg_query_parse(p);
                try
                {
                    return result.Error != null ? failed(ToError(result.Error)) : read(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.ParseTree));
                }
                finally
                {
                    Native.pg_query_free_parse_result(result);
                }
            }
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>What reads a JSON tree in place (<see cref="ReadJson{T}"/>).</summary>
    internal delegate T JsonReader<out T>(ReadOnlySpan<byte> json);

    /// <summary>Splits SQL into statements with the full parser (fails on the first syntax error).</summary>
    public static PgQueryResult<PgQuerySplitStatement[]> SplitWithParser(ReadOnlySpan<byte> utf8) => Split(utf8, scanner: false);

    /// <summary>
    /// Splits SQL into statements with the scanner only: tolerates syntax errors (not lexical ones, like an
    /// unterminated string). In libpg_query 15-4.0.0 it splits BEGIN ATOMIC bodies at their inner semicolons and
    /// leaves out statements without any keyword (<c>selec 1;</c>); the declaration parser uses
    /// <see cref="SqlLexer.SplitStatements"/> instead.
    /// </summary>
    public static PgQueryResult<PgQuerySplitStatement[]> SplitWithScanner(ReadOnlySpan<byte> utf8) => Split(utf8, scanner: true);

    /// <summary>
    /// Parses the PL/pgSQL bodies of the CREATE FUNCTION statements in <paramref name="sql"/> into libpg_query's
    /// JSON (an array of <c>PLpgSQL_function</c>; functions in other languages have no body in it).
    /// </summary>
    public static PgQueryResult<byte[]> ParsePlpgsqlToJson(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        LibPgQueryLoader.EnsureLoaded();
        var input = Utf8Z(sql);
        fixed (byte* p = input)
        {
            var result = Native.pg_query_parse_plpgsql(p);
            try
            {
                if (result.Error != null)
                {
                    return new PgQueryResult<byte[]>(ToError(result.Error));
                }

                return new PgQueryResult<byte[]>(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.PlpgsqlFuncs).ToArray());
            }
            finally
            {
                Native.pg_query_free_plpgsql_parse_result(result);
            }
        }
    }

    /// <summary>
    /// libpg_query's fingerprint of a statement: the same for statements that differ only in constants, whitespace,
    /// comments and case of keywords (16 hex digits).
    /// </summary>
    public static PgQueryResult<string> Fingerprint(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        LibPgQueryLoader.EnsureLoaded();
        var input = Utf8Z(sql);
        fixed (byte* p = input)
        {
            var result = Native.pg_query_fingerprint(p);
            try
            {
                if (result.Error != null)
                {
                    return new PgQueryResult<string>(ToError(result.Error));
                }

                return new PgQueryResult<string>(Marshal.PtrToStringUTF8((IntPtr)result.FingerprintStr)
                    ?? result.Fingerprint.ToString("x16", CultureInfo.InvariantCulture));
            }
            finally
            {
                Native.pg_query_free_fingerprint_result(result);
            }
        }
    }

    private static PgQueryResult<PgQuerySplitStatement[]> Split(ReadOnlySpan<byte> utf8, bool scanner)
    {
        LibPgQueryLoader.EnsureLoaded();
        var input = Terminated(utf8, out var rented);
        try
        {
            fixed (byte* p = input)
            {
                var result = scanner ? Native.pg_query_split_with_scanner(p) : Native.pg_query_split_with_parser(p);
                try
                {
                    if (result.Error != null)
                    {
                        return new PgQueryResult<PgQuerySplitStatement[]>(ToError(result.Error));
                    }

                    var statements = new PgQuerySplitStatement[result.NStmts];
                    for (var i = 0; i < statements.Length; i++)
                    {
                        var s = result.Stmts[i];
                        statements[i] = new PgQuerySplitStatement(s->StmtLocation, s->StmtLen);
                    }

                    return new PgQueryResult<PgQuerySplitStatement[]>(statements);
                }
                finally
                {
                    Native.pg_query_free_split_result(result);
                }
            }
        }
        finally
        {
            Return(rented);
        }
    }

    private static int ReadGrammarVersion()
    {
        var result = ParseToJson(""u8);
        if (result.Value is null)
        {
            return 0;
        }

        using var doc = JsonDocument.Parse(result.Value);
        return doc.RootElement.TryGetProperty("version", out var v) && v.TryGetInt32(out var n) ? n : 0;
    }

    /// <summary>
    /// The PostgreSQL version number (170004) of the grammar of a library that is loaded but not yet the one this binding
    /// uses (the loader checks a candidate before choosing it): pg_query_parse of an empty string, through the handle's
    /// own exports. 0 when the library lacks them or answers without a version.
    /// </summary>
    internal static int ReadGrammarVersion(IntPtr handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "pg_query_parse", out var parseExport)
            || !NativeLibrary.TryGetExport(handle, "pg_query_free_parse_result", out var freeExport))
        {
            return 0;
        }

        var parse = (delegate* unmanaged<byte*, Native.PgQueryParseResult>)parseExport;
        var free = (delegate* unmanaged<Native.PgQueryParseResult, void>)freeExport;
        byte empty = 0;
        var result = parse(&empty);
        try
        {
            if (result.Error != null || result.ParseTree == null)
            {
                return 0;
            }

            var reader = new Utf8JsonReader(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.ParseTree));
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("version"u8) && reader.Read()
                    && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version))
                {
                    return version;
                }
            }

            return 0;
        }
        finally
        {
            free(result);
        }
    }

    private static PgQueryError ToError(Native.PgQueryErrorNative* error) =>
        new(Marshal.PtrToStringUTF8((IntPtr)error->Message) ?? "unknown parser error",
            error->CursorPos,
            error->Context == null ? null : Marshal.PtrToStringUTF8((IntPtr)error->Context));

    /// <summary>Null-terminated UTF-8 of a string.</summary>
    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        if (bytes.AsSpan(0, bytes.Length - 1).IndexOf((byte)0) >= 0)
        {
            throw new ArgumentException("SQL text must not contain NUL characters.", nameof(s));
        }

        return bytes;
    }

    /// <summary>The input itself when it already ends with its only NUL; otherwise a rented, terminated copy.</summary>
    private static ReadOnlySpan<byte> Terminated(ReadOnlySpan<byte> utf8, out byte[]? rented)
    {
        var nul = utf8.IndexOf((byte)0);
        if (nul >= 0 && nul == utf8.Length - 1)
        {
            rented = null;
            return utf8;
        }

        if (nul >= 0)
        {
            throw new ArgumentException("SQL text must not contain NUL bytes (the parser would stop there).", nameof(utf8));
        }

        rented = System.Buffers.ArrayPool<byte>.Shared.Rent(utf8.Length + 1);
        utf8.CopyTo(rented);
        rented[utf8.Length] = 0;
        return rented.AsSpan(0, utf8.Length + 1);
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The C API of pg_query.h (libpg_query 17-6.1.0; unchanged for these calls since 15-4.0.0). Struct layouts follow the header field by field.</summary>
    private static partial class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        internal struct PgQueryErrorNative
        {
            public byte* Message;   // char* message
            public byte* FuncName;  // char* funcname
            public byte* FileName;  // char* filename
            public int LineNo;      // int lineno
            public int CursorPos;   // int cursorpos
            public byte* Context;   // char* context
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PgQueryParseResult
        {
            public byte* ParseTree;             // char* parse_tree
            public byte* StderrBuffer;          // char* stderr_buffer
            public PgQueryErrorNative* Error;   // PgQueryError* error
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PgQuerySplitStmt
        {
            public int StmtLocation;    // int stmt_location
            public int StmtLen;         // int stmt_len
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PgQuerySplitResult
        {
            public PgQuerySplitStmt** Stmts;    // PgQuerySplitStmt** stmts
            public int NStmts;                  // int n_stmts
            public byte* StderrBuffer;          // char* stderr_buffer
            public PgQueryErrorNative* Error;   // PgQueryError* error
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PgQueryPlpgsqlParseResult
        {
            public byte* PlpgsqlFuncs;          // char* plpgsql_funcs
            public PgQueryErrorNative* Error;   // PgQueryError* error
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PgQueryFingerprintResult
        {
            public ulong Fingerprint;           // uint64_t fingerprint
            public byte* FingerprintStr;        // char* fingerprint_str
            public byte* StderrBuffer;          // char* stderr_buffer
            public PgQueryErrorNative* Error;   // PgQueryError* error
        }

        [LibraryImport(LibraryName)]
        internal static partial PgQueryParseResult pg_query_parse(byte* input);

        [LibraryImport(LibraryName)]
        internal static partial void pg_query_free_parse_result(PgQueryParseResult result);

        [LibraryImport(LibraryName)]
        internal static partial PgQuerySplitResult pg_query_split_with_parser(byte* input);

        [LibraryImport(LibraryName)]
        internal static partial PgQuerySplitResult pg_query_split_with_scanner(byte* input);

        [LibraryImport(LibraryName)]
        internal static partial void pg_query_free_split_result(PgQuerySplitResult result);

        [LibraryImport(LibraryName)]
        internal static partial PgQueryPlpgsqlParseResult pg_query_parse_plpgsql(byte* input);

        [LibraryImport(LibraryName)]
        internal static partial void pg_query_free_plpgsql_parse_result(PgQueryPlpgsqlParseResult result);

        [LibraryImport(LibraryName)]
        internal static partial PgQueryFingerprintResult pg_query_fingerprint(byte* input);

        [LibraryImport(LibraryName)]
        internal static partial void pg_query_free_fingerprint_result(PgQueryFingerprintResult result);
    }
}
