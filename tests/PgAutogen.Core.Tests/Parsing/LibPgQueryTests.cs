using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Parsing;

public sealed class LibPgQueryTests
{
    [Fact]
    public void Parse_returns_the_json_tree_with_statement_byte_spans()
    {
        var result = LibPgQuery.ParseToJson("SELECT 'é' AS x; CREATE VIEW v AS SELECT 1");
        Assert.True(result.Succeeded);
        using var doc = JsonDocument.Parse(result.Value!);
        var stmts = doc.RootElement.GetProperty("stmts");
        Assert.Equal(2, stmts.GetArrayLength());
        Assert.True(stmts[0].GetProperty("stmt").TryGetProperty("SelectStmt", out _));
        // 'é' is two bytes: the first statement is 15 characters but 16 bytes long, the second starts at byte 17.
        Assert.Equal(16, stmts[0].GetProperty("stmt_len").GetInt32());
        Assert.Equal(17, stmts[1].GetProperty("stmt_location").GetInt32());
        Assert.True(stmts[1].GetProperty("stmt").TryGetProperty("ViewStmt", out _));
    }

    [Fact]
    public void The_parser_speaks_the_postgresql_17_grammar()
    {
        Assert.Equal(17, LibPgQuery.PostgresMajorVersion);
        Assert.Equal(LibPgQuery.PostgresMajorVersion, LibPgQuery.PostgresVersionNumber / 10000);
    }

    [Fact]
    public void Error_cursor_positions_count_characters_not_bytes()
    {
        var result = LibPgQuery.ParseToJson("SELECT '😀é' AS x; SELEC 1");
        Assert.False(result.Succeeded);
        Assert.Equal("syntax error at or near \"SELEC\"", result.Error!.Message);
        // 18 characters precede SELEC (22 bytes in UTF-8, 19 UTF-16 units): the position is 1-based, in characters.
        Assert.Equal(19, result.Error.CursorPosition);
    }

    [Fact]
    public void Split_with_parser_returns_byte_offsets_and_keeps_begin_atomic_bodies_whole()
    {
        var sql = Encoding.UTF8.GetBytes("SELECT 'ü'; -- c\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;");
        var parser = LibPgQuery.SplitWithParser(sql);
        Assert.True(parser.Succeeded);
        Assert.Equal(new[] { new PgQuerySplitStatement(0, 11), new PgQuerySplitStatement(12, sql.Length - 13) }, parser.Value);

        // The scanner split of libpg_query (15-4.0.0 and 17-6.1.0) cuts BEGIN ATOMIC bodies at their semicolons; the parser's own
        // splitter (psql's rules) does not, and agrees with the parser.
        var scanner = LibPgQuery.SplitWithScanner(sql).Value!;
        Assert.Equal(new PgQuerySplitStatement(0, 11), scanner[0]);
        var psql = SqlLexer.SplitStatements(sql, 0, sql.Length);
        Assert.Equal(new[] { (0, 11), (12, sql.Length - 1) }, psql);
    }

    [Fact]
    public void Split_with_parser_fails_on_a_syntax_error_and_split_with_scanner_does_not()
    {
        var sql = Encoding.UTF8.GetBytes("CREATE VIEW a AS SELECT 1; CREATE VIEW b AS SELEC 1; CREATE VIEW c AS SELECT 1");
        Assert.False(LibPgQuery.SplitWithParser(sql).Succeeded);
        Assert.Equal(3, LibPgQuery.SplitWithScanner(sql).Value!.Length);
        Assert.False(LibPgQuery.SplitWithScanner("SELECT 'open"u8).Succeeded);
    }

    [Fact]
    public void Plpgsql_bodies_parse_to_json()
    {
        var result = LibPgQuery.ParsePlpgsqlToJson("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN g(1); END $$");
        Assert.True(result.Succeeded);
        Assert.Contains("\"query\":\"g(1)\"", Encoding.UTF8.GetString(result.Value!), StringComparison.Ordinal);
        var error = LibPgQuery.ParsePlpgsqlToJson("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETUR 1; END $$");
        Assert.Contains("syntax error", error.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprints_ignore_constants_whitespace_comments_and_keyword_case()
    {
        var a = RoutineBodies.Fingerprint("SELECT a FROM t WHERE id = 1");
        Assert.Matches("^[0-9a-f]{16}$", a);
        Assert.Equal(a, RoutineBodies.Fingerprint("select  a\nfrom t -- comment\nwhere id = 42"));
        Assert.NotEqual(a, RoutineBodies.Fingerprint("SELECT a FROM u WHERE id = 1"));
        var error = Assert.Throws<PgAutogenException>(() => RoutineBodies.Fingerprint("SELEC 1"));
        Assert.Equal(PgErrorId.DeclarationSyntaxError, error.ErrorId);
    }

    [Fact]
    public void Nul_characters_are_rejected_before_they_reach_the_parser()
    {
        Assert.Throws<ArgumentException>(() => LibPgQuery.ParseToJson("SELECT 1;\0DROP TABLE t"));
        Assert.Throws<ArgumentException>(() => LibPgQuery.ParseToJson("SELECT 1;\0DROP TABLE t"u8));
    }

    [Fact]
    public void A_library_path_that_does_not_exist_is_a_LibPgQueryMissing_error_saying_what_to_install()
    {
        var outcome = LibPgQueryLoader.TryLoad("/nonexistent/libpg_query.so", LibPgQueryLoader.BundledDirectories());
        Assert.Equal(IntPtr.Zero, outcome.Handle);
        var error = outcome.Error!;
        Assert.Equal(PgErrorId.LibPgQueryMissing, error.ErrorId);
        Assert.Contains("PGAUTOGEN_LIBPG_QUERY is set to '/nonexistent/libpg_query.so'", error.Message, StringComparison.Ordinal);
        Assert.Contains("reinstall the module", error.Message, StringComparison.Ordinal);
        Assert.Contains("brew install libpg_query", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public void The_module_s_own_library_is_loaded_first_from_runtimes_rid_native()
    {
        var outcome = LibPgQueryLoader.TryLoad(null, LibPgQueryLoader.BundledDirectories());
        Assert.Null(outcome.Error);
        Assert.NotEqual(IntPtr.Zero, outcome.Handle);
        var expected = Path.Combine(AppContext.BaseDirectory, "runtimes", LibPgQueryLoader.RuntimeIdentifier, "native", LibPgQueryLoader.PlatformFileName);
        Assert.Equal(expected, outcome.LoadedFrom);
        Assert.StartsWith($"Parser: the module's libpg_query (PostgreSQL 17 grammar, 17.4) from {expected}", outcome.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_library_that_is_not_a_libpg_query_of_a_supported_grammar_is_passed_over_and_named()
    {
        // Any loadable native library that answers no grammar version stands in for one of another grammar: the
        // module's folder holds it under the library's name, and it is passed over, never used.
        var impostor = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1" }
            .FirstOrDefault(File.Exists);
        Assert.SkipWhen(impostor is null || !OperatingSystem.IsLinux(), "needs a libz.so.1 to stand in for a foreign library");
        var folder = Directory.CreateTempSubdirectory("pgautogen-loader-");
        try
        {
            var native = Path.Combine(folder.FullName, "runtimes", LibPgQueryLoader.RuntimeIdentifier, "native");
            Directory.CreateDirectory(native);
            File.Copy(impostor!, Path.Combine(native, LibPgQueryLoader.PlatformFileName));

            var outcome = LibPgQueryLoader.TryLoad(null, new[] { Path.Combine(folder.FullName, "runtimes", LibPgQueryLoader.RuntimeIdentifier, "native") });
            Assert.NotEqual(Path.Combine(native, LibPgQueryLoader.PlatformFileName), outcome.LoadedFrom);
            if (outcome.Error is { } error)
            {
                Assert.Equal(PgErrorId.LibPgQueryMissing, error.ErrorId);
                Assert.Contains("passed over: " + Path.Combine(native, LibPgQueryLoader.PlatformFileName) + " (grammar unknown)", error.Message, StringComparison.Ordinal);
            }

            var overridden = LibPgQueryLoader.TryLoad(impostor, Array.Empty<string>());
            Assert.Equal(IntPtr.Zero, overridden.Handle);
            Assert.Contains($"PGAUTOGEN_LIBPG_QUERY is set to '{impostor}', which is not a libpg_query PgAutogen reads (grammar unknown)", overridden.Error!.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task In_a_fresh_process_PGAUTOGEN_LIBPG_QUERY_pointing_nowhere_stops_parsing_with_the_install_hint()
    {
        var probe = Path.Combine(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!
            .Replace("PgAutogen.Core.Tests", "PgAutogen.ParserProbe", StringComparison.Ordinal),
            Path.GetFileName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)), "PgAutogen.ParserProbe.dll");
        Assert.True(File.Exists(probe), "The parser probe was not built: " + probe);

        var (exit, stdout) = await RunProbe(probe, "/nonexistent/libpg_query.so.1504.0");
        Assert.True(exit == 3, stdout);
        Assert.StartsWith("fatal LibPgQueryMissing PGAUTOGEN_LIBPG_QUERY is set to '/nonexistent/libpg_query.so.1504.0'", stdout, StringComparison.Ordinal);
        Assert.Contains("reinstall the module", stdout, StringComparison.Ordinal);
        Assert.Contains("brew install libpg_query", stdout, StringComparison.Ordinal);

        // The same probe with the variable unset parses normally (so the failure above is the variable's doing).
        var (okExit, okStdout) = await RunProbe(probe, null);
        Assert.True(okExit == 0, okStdout);
        Assert.Contains("decl View v -Sql[0]:1:1", okStdout, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout)> RunProbe(string probe, string? libraryPath)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(probe);
        psi.ArgumentList.Add("--sql");
        psi.ArgumentList.Add("CREATE VIEW v AS SELECT 1");
        psi.Environment.Remove(LibPgQueryLoader.PathVariable);
        if (libraryPath is not null)
        {
            psi.Environment[LibPgQueryLoader.PathVariable] = libraryPath;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
