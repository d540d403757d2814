using System.Text;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Parsing;

public sealed class DeclarationParserTests
{
    [Fact]
    public void Dollar_quoted_bodies_with_tags_nested_quotes_and_semicolons_are_one_statement()
    {
        const string function = """
            CREATE FUNCTION app.f(a int) RETURNS text LANGUAGE plpgsql AS $fn$
            BEGIN
              RAISE NOTICE 'it''s; $$ not the end';
              RETURN $x$;$x$ || 'a;b' || E'\';' || "a;b";
            END
            $fn$
            """;
        const string view = "CREATE VIEW app.v AS SELECT ';' AS semi, $$;$$ AS d, $q$ $fn$; $q$ AS e";
        var declarations = Parse.Clean(function + ";\n" + view + ";\n");

        Assert.Equal(2, declarations.Count);
        var f = declarations[0];
        Assert.Equal((PgObjectKind.Function, "app", "f", "integer"), (f.Kind, f.Schema, f.Name, f.Arguments));
        Assert.Equal((1, 1), (f.Line, f.Column));
        Assert.Equal(function, f.Sql);
        var v = declarations[1];
        Assert.Equal((PgObjectKind.View, "app", "v"), (v.Kind, v.Schema, v.Name));
        Assert.Equal((7, 1), (v.Line, v.Column));
        Assert.Equal(view, v.Sql);
    }

    [Fact]
    public void Begin_atomic_bodies_keep_their_inner_semicolons()
    {
        const string procedure = """
            CREATE PROCEDURE app.p(a int, OUT b int)
            LANGUAGE sql
            BEGIN ATOMIC
              SELECT 1;
              SELECT a;
            END
            """;
        const string function = "CREATE FUNCTION app.g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END";
        var declarations = Parse.Clean(procedure + ";\n" + function + ";");

        Assert.Equal(2, declarations.Count);
        Assert.Equal(procedure, declarations[0].Sql);
        Assert.Equal((PgObjectKind.Procedure, "integer, integer", 1, 1), (declarations[0].Kind, declarations[0].Arguments, declarations[0].Line, declarations[0].Column));
        Assert.Equal(function, declarations[1].Sql);
        Assert.Equal((7, 1), (declarations[1].Line, declarations[1].Column));
    }

    [Fact]
    public void Comments_between_and_inside_statements_are_skipped_for_positions_and_kept_inside_the_text()
    {
        const string sql = """
            -- header; with a semicolon
            /* block /* nested; */ still a comment; */
            CREATE VIEW v1 AS SELECT 1 /* inside; */ AS a -- trailing; comment
            ;
            /* before */ CREATE VIEW v2 AS SELECT 2; -- after
            --
            """;
        var declarations = Parse.Clean(sql);

        Assert.Equal(2, declarations.Count);
        Assert.Equal("CREATE VIEW v1 AS SELECT 1 /* inside; */ AS a", declarations[0].Sql);
        Assert.Equal((3, 1), (declarations[0].Line, declarations[0].Column));
        Assert.Equal("CREATE VIEW v2 AS SELECT 2", declarations[1].Sql);
        Assert.Equal((5, 14), (declarations[1].Line, declarations[1].Column));
    }

    [Fact]
    public void Several_statements_on_one_line_get_their_own_columns()
    {
        var declarations = Parse.Clean("CREATE VIEW a AS SELECT 1; CREATE VIEW b AS SELECT 2;CREATE VIEW c AS SELECT 3 ;  CREATE VIEW d AS SELECT 4");

        Assert.Equal(new[] { "a", "b", "c", "d" }, declarations.Select(d => d.Name));
        Assert.All(declarations, d => Assert.Equal(1, d.Line));
        Assert.Equal(new[] { 1, 28, 54, 83 }, declarations.Select(d => d.Column));
        Assert.Equal("CREATE VIEW c AS SELECT 3", declarations[2].Sql);
        Assert.Equal("CREATE VIEW d AS SELECT 4", declarations[3].Sql);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t\r\n")]
    [InlineData("-- only a comment")]
    [InlineData("/* a /* nested */ block */\n-- and a line\n;;\n")]
    public void Empty_and_comment_only_text_has_no_declarations_and_no_errors(string sql)
    {
        var set = Parse.Sql(sql);
        Assert.Empty(set.Declarations);
        Assert.Empty(set.Errors);
        Assert.Equal(0, set.StatementCount);
    }

    [Fact]
    public void Empty_and_comment_only_files_have_no_declarations_and_no_errors()
    {
        using var files = new SqlFiles();
        files.Write("empty.sql", "");
        files.Write("comments.sql", "-- nothing here\n/* nor here */\n");
        var set = Parse.Paths(files.Root);
        Assert.Empty(set.Declarations);
        Assert.Empty(set.Errors);
    }

    [Fact]
    public void Crlf_line_endings_count_as_one_line_break()
    {
        const string sql = "CREATE VIEW a AS SELECT 1;\r\n\r\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\r\nSELECT 1\r\n$$;\r\n  CREATE VIEW b AS SELECT 2;\r\n";
        var declarations = Parse.Clean(sql);

        Assert.Equal(new[] { (1, 1), (3, 1), (6, 3) }, declarations.Select(d => (d.Line, d.Column)));
        Assert.Equal("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\r\nSELECT 1\r\n$$", declarations[1].Sql);
    }

    [Fact]
    public void A_byte_order_mark_is_not_part_of_the_text()
    {
        using var files = new SqlFiles();
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("CREATE VIEW a AS SELECT 1; CREATE VIEW b AS SELECT 2;\nCREATE VIEW c AS SELECT 3;")).ToArray();
        var path = files.WriteBytes("bom.sql", bytes);
        var set = Parse.Paths(path);

        Assert.Empty(set.Errors);
        Assert.Equal(new[] { (1, 1), (1, 28), (2, 1) }, set.Declarations.Select(d => (d.Line, d.Column)));
        Assert.Equal("CREATE VIEW a AS SELECT 1", set.Declarations[0].Sql);
        Assert.All(set.Declarations, d => Assert.Equal(path, d.File));
    }

    [Fact]
    public void Non_ascii_identifiers_and_text_keep_columns_in_characters()
    {
        const string sql = "-- Überprüfung: äöü 😀\nCREATE VIEW \"Größe\" AS SELECT 'ü' AS x; CREATE VIEW straße AS SELECT 1;\n/* 😀 */ CREATE VIEW e AS SELECT '😀;' AS smile;";
        var declarations = Parse.Clean(sql);

        Assert.Equal(new[] { "Größe", "straße", "e" }, declarations.Select(d => d.Name));
        Assert.Equal((2, 1), (declarations[0].Line, declarations[0].Column));
        Assert.Equal((2, 41), (declarations[1].Line, declarations[1].Column));
        // "/* 😀 */ " is 8 characters (code points): column 9; the emoji is 2 UTF-16 units and 4 UTF-8 bytes.
        Assert.Equal((3, 9), (declarations[2].Line, declarations[2].Column));
        Assert.Equal("CREATE VIEW e AS SELECT '😀;' AS smile", declarations[2].Sql);
        Assert.Equal("\"Größe\"", declarations[0].Identity);
    }

    [Fact]
    public void A_syntax_error_reports_the_parser_message_at_its_line_and_column_and_the_other_statements_survive()
    {
        var set = Parse.Sql("CREATE VIEW ok AS SELECT 1;\nCREATE VIEW \"ä😀\" AS SELEC 1;\nCREATE VIEW ok2 AS SELECT 2;");

        Assert.Equal(new[] { "ok", "ok2" }, set.Declarations.Select(d => d.Name));
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationSyntaxError, error.ErrorId);
        Assert.Equal(new SourceLocation("-Sql[0]", 2, 21), error.Location);
        Assert.StartsWith("-Sql[0]:2:21: syntax error at or near \"SELEC\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL 17 grammar", error.Message, StringComparison.Ordinal);
        Assert.Equal("-Sql[0]", error.Target);
        Assert.NotNull(error.RecommendedAction);
    }

    [Fact]
    public void A_syntax_error_at_the_end_of_the_text_points_after_the_last_character()
    {
        var error = Parse.OneError("CREATE VIEW v AS SELECT (1");
        Assert.Equal(PgErrorId.DeclarationSyntaxError, error.ErrorId);
        Assert.Equal(new SourceLocation("-Sql[0]", 1, 27), error.Location);
        Assert.Contains("syntax error at end of input", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lexical_error_keeps_the_statements_before_it()
    {
        var set = Parse.Sql("CREATE VIEW a AS SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1;\nCREATE VIEW b AS SELECT 2;");

        Assert.Equal("a", Assert.Single(set.Declarations).Name);
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationSyntaxError, error.ErrorId);
        Assert.Equal(new SourceLocation("-Sql[0]", 2, 49), error.Location);
        Assert.Contains("unterminated dollar-quoted string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_syntax_errors_in_one_text_are_all_reported()
    {
        var set = Parse.Sql("selec 1;\nCREATE VIEW a AS SELECT 1;\nCREATE VEIW b AS SELECT 2;\nCREATE VIEW c AS SELECT 3;\nfoo;");

        Assert.Equal(new[] { "a", "c" }, set.Declarations.Select(d => d.Name));
        Assert.Equal(new[] { (1, 1), (3, 8), (5, 1) }, set.Errors.Select(e => (e.Location!.Line, e.Location.Column)));
        Assert.All(set.Errors, e => Assert.Equal(PgErrorId.DeclarationSyntaxError, e.ErrorId));
    }

    [Fact]
    public void A_syntax_error_elsewhere_does_not_break_begin_atomic_bodies_apart()
    {
        var set = Parse.Sql(
            "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END; SELECT 3; END;\n" +
            "CREATE VIEW bad AS SELEC 1;\n" +
            "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n" +
            "CREATE VIEW v AS SELECT (SELECT 1) AS x;");

        Assert.Equal(new[] { "f", "p", "v" }, set.Declarations.Select(d => d.Name));
        Assert.Equal(new SourceLocation("-Sql[0]", 2, 20), Assert.Single(set.Errors).Location);
        Assert.EndsWith("SELECT 3; END", set.Declarations[0].Sql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT 1; SELECT 2", 2)]
    [InlineData("SELECT ';'; SELECT $$;$$; SELECT $a$ ; $a$; SELECT \"a;b\"; SELECT E'\\';'", 5)]
    [InlineData("SELECT 1 -- ;\n; /* ; /* ; */ ; */ SELECT 2", 2)]
    [InlineData("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1", 2)]
    [InlineData("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 1", 2)]
    [InlineData("create or replace procedure p() begin atomic select 1; end; begin; select 1; end;", 4)]
    [InlineData("SELECT CASE WHEN true THEN 1 END; SELECT 2", 2)]
    [InlineData("SELECT 'unterminated; SELECT 2", 1)]
    public void The_recovery_splitter_follows_psql(string sql, int count)
    {
        var bytes = Encoding.UTF8.GetBytes(sql);
        var pieces = SqlLexer.SplitStatements(bytes, 0, bytes.Length).Where(p => SqlLexer.SkipTrivia(bytes, p.Start, p.End) < p.End).ToList();
        Assert.Equal(count, pieces.Count);
    }

    [Fact]
    public void The_sql_is_the_exact_statement_text_without_the_semicolon_and_a_last_statement_needs_none()
    {
        var declarations = Parse.Clean("  CREATE  OR REPLACE VIEW v AS\n\tSELECT 1  ;\nCREATE VIEW w AS SELECT 2 -- no semicolon\n");
        Assert.Equal("CREATE  OR REPLACE VIEW v AS\n\tSELECT 1", declarations[0].Sql);
        Assert.True(declarations[0].OrReplace);
        Assert.Equal("CREATE VIEW w AS SELECT 2", declarations[1].Sql);
        Assert.False(declarations[1].OrReplace);
    }

    [Fact]
    public void Strings_are_labelled_by_their_index()
    {
        var set = Parse.Sql("CREATE VIEW a AS SELECT 1", "\n CREATE VIEW b AS SELECT 1");
        Assert.Equal(new[] { "-Sql[0]:1:1", "-Sql[1]:2:2" }, set.Declarations.Select(d => d.Location));
    }

    [Fact]
    public void Functions_procedures_triggers_and_views_are_read_with_their_identity()
    {
        var declarations = Parse.Clean("""
            CREATE OR REPLACE FUNCTION "App"."Do It"(IN a int, b text DEFAULT 'x', OUT c int, INOUT d numeric(10,2), VARIADIC e text[]) RETURNS record LANGUAGE sql AS 'SELECT 1, 2';
            CREATE FUNCTION app.t() RETURNS TABLE (x int, y text) LANGUAGE sql AS 'SELECT 1, ''a''';
            CREATE PROCEDURE app.p(a int, OUT b text, INOUT c int) LANGUAGE sql AS '';
            CREATE OR REPLACE TRIGGER audit BEFORE UPDATE ON app.orders FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION app.touch();
            CREATE CONSTRAINT TRIGGER check_it AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE PROCEDURE app.check('a', 'b');
            CREATE RECURSIVE VIEW app.nums (n) AS SELECT 1 UNION ALL SELECT n + 1 FROM nums WHERE n < 10;
            CREATE VIEW app.secure WITH (security_barrier = true, security_invoker) AS SELECT 1 AS x WITH LOCAL CHECK OPTION;
            CREATE OR REPLACE VIEW app.checked AS SELECT 1 AS x WITH CASCADED CHECK OPTION;
            """);

        Assert.Equal(new[]
        {
            "Function \"App\".\"Do It\"(integer, text, numeric, text[]) or-replace",
            "Function app.t() ",
            "Procedure app.p(integer, text, integer) ",
            "Trigger audit ON app.orders or-replace",
            "Trigger check_it ON orders constraint",
            "View app.nums ",
            "View app.secure ",
            "View app.checked or-replace",
        }, declarations.Select(d => $"{d.Kind} {d.Identity} {(d.OrReplace ? "or-replace" : "")}{(d.IsConstraintTrigger ? "constraint" : "")}"));
        Assert.Equal(("app", "orders", "app"), (declarations[3].TableSchema, declarations[3].Table, declarations[3].Schema));
        Assert.Equal(("", "orders"), (declarations[4].TableSchema, declarations[4].Table));
    }

    [Theory]
    [InlineData("int", "integer")]
    [InlineData("INTEGER", "integer")]
    [InlineData("int4", "integer")]
    [InlineData("pg_catalog.int4", "integer")]
    [InlineData("bigint", "bigint")]
    [InlineData("smallint", "smallint")]
    [InlineData("character varying(10)", "character varying")]
    [InlineData("varchar", "character varying")]
    [InlineData("char(3)", "character")]
    [InlineData("\"char\"", "\"char\"")]
    [InlineData("double precision", "double precision")]
    [InlineData("float", "double precision")]
    [InlineData("float(3)", "real")]
    [InlineData("decimal(10, 2)", "numeric")]
    [InlineData("bool", "boolean")]
    [InlineData("timestamptz", "timestamp with time zone")]
    [InlineData("timestamp(3) without time zone", "timestamp without time zone")]
    [InlineData("time with time zone", "time with time zone")]
    [InlineData("interval day", "interval")]
    [InlineData("bit varying(5)", "bit varying")]
    [InlineData("text", "text")]
    [InlineData("pg_catalog.text", "text")]
    [InlineData("int[]", "integer[]")]
    [InlineData("int[3][]", "integer[]")]
    [InlineData("app.mytype", "app.mytype")]
    [InlineData("App.MyType", "app.mytype")]
    [InlineData("\"App\".\"MyType\"[]", "\"App\".\"MyType\"[]")]
    [InlineData("orders.total%TYPE", "orders.total%TYPE")]
    [InlineData("jsonb", "jsonb")]
    public void Argument_types_are_rendered_like_format_type(string written, string expected)
    {
        var declaration = Parse.One($"CREATE FUNCTION f(x {written}) RETURNS int LANGUAGE sql AS 'SELECT 1'");
        Assert.Equal(expected, declaration.Arguments);
    }

    [Fact]
    public void Out_and_table_parameters_are_not_part_of_a_function_identity_but_out_is_part_of_a_procedure_identity()
    {
        var f = Parse.One("CREATE FUNCTION f(a int, OUT b text, INOUT c bigint, VARIADIC d int[]) LANGUAGE sql AS 'SELECT 1'");
        Assert.Equal("integer, bigint, integer[]", f.Arguments);
        var t = Parse.One("CREATE FUNCTION t(a int) RETURNS TABLE (b text) LANGUAGE sql AS 'SELECT 1'");
        Assert.Equal("integer", t.Arguments);
        var p = Parse.One("CREATE PROCEDURE p(a int, OUT b text) LANGUAGE sql AS ''");
        Assert.Equal("integer, text", p.Arguments);
    }

    [Fact]
    public void A_duplicate_across_two_files_names_both_places_and_only_the_first_is_a_declaration()
    {
        using var files = new SqlFiles();
        var a = files.Write("a.sql", "CREATE FUNCTION app.f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n");
        var b = files.Write("b.sql", "-- again\n  CREATE OR REPLACE FUNCTION APP.F(x INTEGER) RETURNS int LANGUAGE sql AS 'SELECT 2';\n");
        var set = Parse.Paths(files.Root);

        var declaration = Assert.Single(set.Declarations);
        Assert.Equal(a, declaration.File);
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationDuplicate, error.ErrorId);
        Assert.Contains($"{a}:1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{b}:2:3", error.Message, StringComparison.Ordinal);
        Assert.Contains("app.f(integer)", error.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation(b, 2, 3), error.Location);
        var target = Assert.IsType<PgDeclaration>(error.Target);
        Assert.Equal(b, target.File);
    }

    [Theory]
    [InlineData("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE PROCEDURE f(a int4) LANGUAGE sql AS ''", true)]
    [InlineData("CREATE FUNCTION f(varchar(10)) RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE FUNCTION f(character varying(20)) RETURNS int LANGUAGE sql AS 'SELECT 1'", true)]
    [InlineData("CREATE FUNCTION f(a int, OUT b int) LANGUAGE sql AS 'SELECT 1'", "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1'", true)]
    [InlineData("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE FUNCTION f(text) RETURNS int LANGUAGE sql AS 'SELECT 1'", false)]
    [InlineData("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE FUNCTION \"F\"() RETURNS int LANGUAGE sql AS 'SELECT 1'", false)]
    [InlineData("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", false)]
    [InlineData("CREATE VIEW v AS SELECT 1", "CREATE OR REPLACE VIEW V AS SELECT 2", true)]
    [InlineData("CREATE VIEW v AS SELECT 1", "CREATE FUNCTION v() RETURNS int LANGUAGE sql AS 'SELECT 1'", false)]
    [InlineData("CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()", "CREATE TRIGGER t AFTER INSERT ON b FOR EACH ROW EXECUTE FUNCTION f()", false)]
    [InlineData("CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()", "CREATE CONSTRAINT TRIGGER T AFTER INSERT ON A FOR EACH ROW EXECUTE FUNCTION g()", true)]
    public void Duplicates_compare_kind_family_schema_name_table_and_argument_types(string first, string second, bool duplicate)
    {
        var set = Parse.Sql(first + ";\n" + second + ";");
        Assert.Equal(duplicate, set.Errors.Any(e => e.ErrorId == PgErrorId.DeclarationDuplicate));
        Assert.Equal(duplicate ? 1 : 2, set.Declarations.Count);
        Assert.Equal(duplicate ? 1 : 0, set.Errors.Count);
    }

    [Theory]
    [InlineData("CREATE FUNCTION pg_catalog.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "pg_catalog")]
    [InlineData("CREATE OR REPLACE VIEW information_schema.v AS SELECT 1", "information_schema")]
    [InlineData("CREATE TRIGGER t AFTER INSERT ON pg_catalog.pg_class FOR EACH ROW EXECUTE FUNCTION f()", "pg_catalog")]
    [InlineData("CREATE PROCEDURE pg_toast.p() LANGUAGE sql AS ''", "pg_toast")]
    [InlineData("CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "pg_temp")]
    public void Declarations_in_system_schemas_are_refused_by_name(string sql, string schema)
    {
        var set = Parse.Sql("CREATE VIEW ok AS SELECT 1;\n  " + sql);
        Assert.Equal("ok", Assert.Single(set.Declarations).Name);
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationTargetNotAllowed, error.ErrorId);
        Assert.StartsWith("-Sql[0]:2:3: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("system schema " + schema, error.Message, StringComparison.Ordinal);
        Assert.IsType<PgDeclaration>(error.Target);
    }

    [Fact]
    public void Three_broken_files_in_a_folder_give_three_errors_and_every_good_statement()
    {
        using var files = new SqlFiles();
        files.Write("1_good.sql", "CREATE VIEW a AS SELECT 1;");
        files.Write("2_syntax.sql", "CREATE VIEW b AS SELECT 1;\nCREATE VIEW c AS SELEC 1;");
        files.Write("3_refused.sql", "DROP TABLE t;\nCREATE VIEW d AS SELECT 1;");
        files.Write("sub/4_duplicate.sql", "CREATE VIEW a AS SELECT 2;\nCREATE VIEW e AS SELECT 1;");
        var set = Parse.Paths(files.Root);

        Assert.Equal(new[] { "a", "b", "d", "e" }, set.Declarations.Select(d => d.Name));
        Assert.Equal(new[] { PgErrorId.DeclarationSyntaxError, PgErrorId.DeclarationStatementNotAllowed, PgErrorId.DeclarationDuplicate },
            set.Errors.Select(e => e.ErrorId));
        Assert.Equal(
            new[] { ("2_syntax.sql", 2, 18), ("3_refused.sql", 1, 1), ("4_duplicate.sql", 1, 1) },
            set.Errors.Select(e => (Path.GetFileName(e.Location!.File), e.Location.Line, e.Location.Column)));
    }

    [Fact]
    public void Folders_are_searched_recursively_in_ordinal_order_and_a_file_given_twice_is_read_once()
    {
        using var files = new SqlFiles();
        files.Write("b.sql", "CREATE VIEW b AS SELECT 1");
        files.Write("a/z.sql", "CREATE VIEW az AS SELECT 1");
        files.Write("a.sql", "CREATE VIEW a AS SELECT 1");
        files.Write("B.SQL", "CREATE VIEW upper_b AS SELECT 1");
        files.Write("notes.txt", "DROP TABLE everything;");
        files.Write(".hidden/x.sql", "DROP TABLE hidden;");
        var set = Parse.Paths(files.Root, Path.Combine(files.Root, "a.sql"));

        Assert.Empty(set.Errors);
        Assert.Equal(new[] { "upper_b", "a", "az", "b" }, set.Declarations.Select(d => d.Name));
    }

    [Fact]
    public void The_first_position_counted_without_an_index_is_the_position_the_index_gives()
    {
        const string Text = "a\nbé\r\n\rc\r\r\nd\n\n€ e\r";
        var indexed = PgAutogen.Core.Parsing.SourceText.FromString("x", Text);
        indexed.Locate(0); // the first call counts; every later one uses the index
        for (var offset = 0; offset <= indexed.Length; offset++)
        {
            var fresh = PgAutogen.Core.Parsing.SourceText.FromString("x", Text);
            Assert.Equal(indexed.Locate(offset), fresh.Locate(offset));
        }
    }

    [Fact]
    public void A_file_with_a_byte_order_mark_reads_like_one_without_and_an_empty_file_declares_nothing()
    {
        using var files = new SqlFiles();
        var text = "CREATE VIEW a AS SELECT 1;\nCREATE VIEW b AS SELEC 2;\n";
        var plain = files.Write("plain.sql", text);
        var bom = files.WriteBytes("bom.sql", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);
        var empty = files.WriteBytes("empty.sql", []);

        var withBom = Parse.Paths(bom);
        var without = Parse.Paths(plain);
        Assert.Equal("a", Assert.Single(withBom.Declarations).Name);
        Assert.Equal((1, 1), (withBom.Declarations[0].Line, withBom.Declarations[0].Column));
        Assert.Equal(Assert.Single(without.Errors).Message.Replace(plain, bom, StringComparison.Ordinal), Assert.Single(withBom.Errors).Message);
        Assert.Contains(":2:", withBom.Errors[0].Message, StringComparison.Ordinal);

        var none = Parse.Paths(empty);
        Assert.Empty(none.Declarations);
        Assert.Empty(none.Errors);
    }

    [Fact]
    public void A_missing_path_is_an_error_and_the_other_paths_are_still_read()
    {
        using var files = new SqlFiles();
        var good = files.Write("good.sql", "CREATE VIEW a AS SELECT 1");
        var missing = Path.Combine(files.Root, "missing.sql");
        var set = Parse.Paths(missing, good);

        Assert.Equal("a", Assert.Single(set.Declarations).Name);
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationFileNotFound, error.ErrorId);
        Assert.Equal(missing, error.Target);
    }

    [Fact]
    public void Invalid_utf8_and_nul_bytes_are_refused_with_their_position()
    {
        using var files = new SqlFiles();
        var latin1 = files.WriteBytes("latin1.sql", Encoding.Latin1.GetBytes("CREATE VIEW a AS SELECT 1;\nCREATE VIEW b AS SELECT 'é';"));
        var nul = files.WriteBytes("nul.sql", Encoding.UTF8.GetBytes("CREATE VIEW a AS SELECT 1;\0CREATE VIEW b AS SELECT 1;"));
        var set = Parse.Paths(latin1, nul);

        Assert.Empty(set.Declarations);
        Assert.Equal(new[] { PgErrorId.DeclarationInvalid, PgErrorId.DeclarationInvalid }, set.Errors.Select(e => e.ErrorId));
        Assert.Equal(new SourceLocation(latin1, 2, 26), set.Errors[0].Location);
        Assert.Contains("not valid UTF-8", set.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation(nul, 1, 27), set.Errors[1].Location);
        Assert.Contains("NUL", set.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declarations_and_errors_stream_through_the_callbacks_in_order()
    {
        var events = new List<string>();
        var parser = new DeclarationParser(d => events.Add("decl " + d.Name), e => events.Add("error " + e.ErrorId));
        parser.ParseSql("CREATE VIEW a AS SELECT 1; COMMIT; CREATE VIEW b AS SELECT 1; CREATE VIEW a AS SELECT 2", "x", TestContext.Current.CancellationToken);

        Assert.Equal(new[] { "decl a", "error DeclarationStatementNotAllowed", "decl b", "error DeclarationDuplicate" }, events);
        Assert.True(parser.HasErrors);
        Assert.Equal(4, parser.StatementCount);
    }

    [Fact]
    public void Parsers_in_parallel_threads_agree()
    {
        var sql = string.Join(";\n", Enumerable.Range(0, 200).Select(i =>
            $"CREATE FUNCTION app.f{i}(a int) RETURNS int LANGUAGE plpgsql AS $b$ BEGIN RETURN a + {i}; END $b$;\nCREATE VIEW app.v{i} AS SELECT {i} AS n; DROP TABLE t{i}"));
        var expected = Parse.Sql(sql);
        var results = new DeclarationSet[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = Parse.Sql(sql));

        foreach (var result in results)
        {
            Assert.Equal(expected.Declarations.Select(d => d.Location + d.Identity), result.Declarations.Select(d => d.Location + d.Identity));
            Assert.Equal(expected.Errors.Select(e => e.Message), result.Errors.Select(e => e.Message));
        }

        Assert.Equal(400, expected.Declarations.Count);
        Assert.Equal(200, expected.Errors.Count);
    }

    [Fact]
    public void A_folder_parsed_on_every_core_gives_what_parsing_its_files_one_by_one_gives()
    {
        using var files = new SqlFiles();
        for (var i = 0; i < 300; i++)
        {
            var dir = "s" + (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var name = $"{dir}/{i:D4}_f.sql";
            var text = (i % 50) switch
            {
                3 => $"CREATE VIEW app.v{i} AS SELECT 1; DROP TABLE t{i}; CREATE VIEW app.w{i} AS SELECT 2;",          // not allowed, in the middle
                4 => $"CREATE VIEW app.v{i} AS SELECT 1;\nCREATE VIEW app.x{i} AS SELEC 2;\nCREATE VIEW app.y{i} AS SELECT 3;", // syntax error: recovered
                5 => "CREATE VIEW app.shared AS SELECT 1;",                                                          // duplicates across files
                6 => "CREATE VIEW app.v AS SELECT 'unterminated;",                                                   // lexical error
                7 => "",                                                                                             // empty
                _ => $"CREATE FUNCTION app.f{i}(a int) RETURNS int LANGUAGE plpgsql AS $b$ BEGIN RETURN a + {i}; END $b$;\n" +
                     $"CREATE TRIGGER t{i} BEFORE INSERT ON app.t{i % 3} FOR EACH ROW EXECUTE FUNCTION app.f{i}();",
            };
            files.Write(name, text);
        }

        files.WriteBytes("s1/0999_latin1.sql", Encoding.Latin1.GetBytes("CREATE VIEW app.latin AS SELECT 'é';"));

        var folder = Record(parser => parser.ParsePath(files.Root, TestContext.Current.CancellationToken));
        var oneByOne = Record(parser =>
        {
            foreach (var file in DeclarationParser.EnumerateSqlFiles(files.Root))
            {
                parser.ParseFile(file, TestContext.Current.CancellationToken);
            }
        });

        Assert.Equal(oneByOne.Callbacks, folder.Callbacks);
        Assert.Equal(oneByOne.Verbose, folder.Verbose);
        Assert.Equal(oneByOne.Set.StatementCount, folder.Set.StatementCount);
        Assert.Equal(oneByOne.Set.Declarations.Select(d => (d.Location, d.Identity, d.Sql)), folder.Set.Declarations.Select(d => (d.Location, d.Identity, d.Sql)));
        Assert.Equal(oneByOne.Set.Errors.Select(e => (e.ErrorId, e.Message)), folder.Set.Errors.Select(e => (e.ErrorId, e.Message)));
        Assert.Contains(folder.Set.Errors, e => e.ErrorId == PgErrorId.DeclarationDuplicate);
        Assert.Contains(folder.Set.Errors, e => e.ErrorId == PgErrorId.DeclarationSyntaxError);
        Assert.Contains(folder.Set.Errors, e => e.ErrorId == PgErrorId.DeclarationStatementNotAllowed);
        Assert.Contains(folder.Set.Errors, e => e.ErrorId == PgErrorId.DeclarationInvalid);
        Assert.True(folder.Set.Declarations.Count > 500);

        // A file parsed again through its folder is skipped, in its place.
        var again = Record(parser =>
        {
            parser.ParseFile(DeclarationParser.EnumerateSqlFiles(files.Root)[10], TestContext.Current.CancellationToken);
            parser.ParsePath(files.Root, TestContext.Current.CancellationToken);
        });
        Assert.Equal(folder.Set.Declarations.Count, again.Set.Declarations.Count);
        Assert.Single(again.Verbose, v => v.EndsWith("already parsed, skipped.", StringComparison.Ordinal));
    }

    private static (DeclarationSet Set, List<string> Callbacks, List<string> Verbose) Record(Action<DeclarationParser> parse)
    {
        var callbacks = new List<string>();
        var events = new ListEvents();
        var thread = Environment.CurrentManagedThreadId;
        var parser = new DeclarationParser(
            d => callbacks.Add($"decl {d.Location} {d.Identity} {(Environment.CurrentManagedThreadId == thread ? "" : "other thread")}"),
            e => callbacks.Add($"error {e.ErrorId} {e.Message} {(Environment.CurrentManagedThreadId == thread ? "" : "other thread")}"),
            events);
        parse(parser);
        // Without the timing ("in 3 ms"), which varies.
        var verbose = events.Lines.Select(v => System.Text.RegularExpressions.Regex.Replace(v, @" in \d+ ms$", "")).ToList();
        return (parser.ToSet(), callbacks, verbose);
    }

    private sealed class ListEvents : IEngineEvents
    {
        public List<string> Lines { get; } = new();

        public void Verbose(string message) => Lines.Add(message);

        public void Debug(string message)
        {
        }

        public void Warning(string message) => Lines.Add("WARNING " + message);

        public void Progress(EngineProgress progress)
        {
        }
    }
}
