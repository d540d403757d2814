using System.Management.Automation;
using System.Text;
using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

public sealed class GetPgDeclarationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pgautogen-decl-" + Guid.NewGuid().ToString("N"));

    public GetPgDeclarationTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Declarations_stream_as_typed_objects_that_Where_Object_can_filter()
    {
        Write("functions.sql", """
            CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE PROCEDURE app.archive(days int) LANGUAGE sql AS 'SELECT 1';
            """);
        Write("views/orders.sql", "-- views\nCREATE VIEW app.big_orders AS SELECT 1 AS id;\n  CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();");
        var result = PowerShellHost.Run("""
            $all = @(Get-PgDeclaration $dir)
            $all.Count
            ($all[0] -is [PgAutogen.PgDeclaration])
            Get-PgDeclaration -Path $dir | Where-Object Kind -eq 'View' | ForEach-Object { "$($_.Identity) $($_.Line):$($_.Column)" }
            Get-PgDeclaration $dir | Where-Object { $_.Kind -eq 'Trigger' -and $_.Table -eq 'orders' } | ForEach-Object Location
            $all | ForEach-Object { "$($_.Kind) $_" }
            """, Ps.Vars(("dir", _dir)), ciStyle: true);

        Assert.False(result.HadErrors, result.ToString());
        var lines = Lines(result);
        Assert.Equal("4", lines[0]);
        Assert.Equal("True", lines[1]);
        Assert.Equal("app.big_orders 2:1", lines[2]);
        Assert.Equal(Path.Combine(_dir, "views", "orders.sql") + ":3:3", lines[3]);
        Assert.Equal(new[] { "Function app.touch()", "Procedure app.archive(integer)", "View app.big_orders", "Trigger touch ON app.orders" }, lines.Skip(4));
    }

    [Fact]
    public void FileInfo_objects_from_the_pipeline_bind_by_property_name()
    {
        Write("a.sql", "CREATE VIEW a AS SELECT 1");
        Write("sub/b[1].sql", "CREATE VIEW b AS SELECT 1");
        Write("notes.txt", "DROP TABLE t");
        var result = PowerShellHost.Run("""
            [System.IO.DirectoryInfo]::new($dir).GetFiles('*.sql', 'AllDirectories') | Get-PgDeclaration | ForEach-Object Name
            # Get-ChildItem lives in Microsoft.PowerShell.Management, which the hosted engine may not have.
            if (@(Get-Command -CommandType Cmdlet | Where-Object Name -eq 'Get-ChildItem').Count) {
                Get-ChildItem -LiteralPath $dir -Recurse -Filter *.sql | Get-PgDeclaration | ForEach-Object Name
            } else {
                'a'; 'b'
            }
            """, Ps.Vars(("dir", _dir)), ciStyle: true);

        Assert.False(result.HadErrors, result.ToString());
        Assert.Equal(new[] { "a", "b", "a", "b" }, Lines(result));
    }

    [Fact]
    public void Path_takes_wildcards_and_LiteralPath_takes_names_with_brackets()
    {
        Write("one.sql", "CREATE VIEW one AS SELECT 1");
        Write("two.sql", "CREATE VIEW two AS SELECT 1");
        Write("x[1].sql", "CREATE VIEW bracket AS SELECT 1");
        var result = PowerShellHost.Run("""
            Get-PgDeclaration ([System.IO.Path]::Combine($dir, 't*.sql')) | ForEach-Object Name
            Get-PgDeclaration -LiteralPath ([System.IO.Path]::Combine($dir, 'x[1].sql')) | ForEach-Object Name
            """, Ps.Vars(("dir", _dir)), ciStyle: true);

        Assert.False(result.HadErrors, result.ToString());
        Assert.Equal(new[] { "two", "bracket" }, Lines(result));
    }

    [Fact]
    public void Three_broken_files_give_three_non_terminating_errors_and_every_good_statement()
    {
        Write("1.sql", "CREATE VIEW a AS SELECT 1;\nCREATE VIEW b AS SELEC 1;");
        Write("2.sql", "CREATE VIEW c AS SELECT 1;\n  COMMIT;");
        Write("3.sql", "CREATE FUNCTION pg_catalog.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE VIEW d AS SELECT 1;");
        var result = PowerShellHost.Run("Get-PgDeclaration $dir | ForEach-Object Name", Ps.Vars(("dir", _dir)));

        Assert.Equal(new[] { "a", "c", "d" }, Lines(result));
        Assert.Equal(3, result.Errors.Count);
        Assert.Null(result.Terminating);
        Assert.Equal(
            new[] { "DeclarationSyntaxError", "DeclarationStatementNotAllowed", "DeclarationTargetNotAllowed" }
                .Select(id => id + ",PgAutogen.Commands.GetPgDeclarationCommand"),
            result.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Equal(
            new[] { ErrorCategory.ParserError, ErrorCategory.InvalidData, ErrorCategory.InvalidData },
            result.Errors.Select(e => e.CategoryInfo.Category));

        var syntax = result.Errors[0];
        Assert.StartsWith(Path.Combine(_dir, "1.sql") + ":2:18: syntax error at or near \"SELEC\"", syntax.ToString(), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_dir, "1.sql"), syntax.TargetObject);
        Assert.False(string.IsNullOrEmpty(syntax.ErrorDetails?.RecommendedAction));
        Assert.StartsWith(Path.Combine(_dir, "2.sql") + ":2:3: COMMIT is not allowed", result.Errors[1].ToString(), StringComparison.Ordinal);
        Assert.Contains("pg_catalog", result.Errors[2].ToString(), StringComparison.Ordinal);
        Assert.Equal("pg_catalog.f()", PSObject.AsPSObject(result.Errors[2].TargetObject).Properties["Identity"].Value);
        Assert.All(result.Errors, e => Assert.DoesNotContain("   at ", e.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void ErrorAction_decides_what_an_error_does()
    {
        Write("1.sql", "CREATE VIEW a AS SELECT 1; DROP TABLE t; CREATE VIEW b AS SELECT 1;");
        var silent = PowerShellHost.Run("Get-PgDeclaration $dir -ErrorAction SilentlyContinue | ForEach-Object Name", Ps.Vars(("dir", _dir)));
        Assert.Equal(new[] { "a", "b" }, Lines(silent));
        Assert.Empty(silent.Errors);

        var collected = PowerShellHost.Run("""
            $names = Get-PgDeclaration $dir -ErrorAction SilentlyContinue -ErrorVariable problems | ForEach-Object Name
            $names -join ','
            $problems.Count
            $problems[0].FullyQualifiedErrorId
            """, Ps.Vars(("dir", _dir)));
        Assert.Equal(new[] { "a,b", "1", "DeclarationStatementNotAllowed,PgAutogen.Commands.GetPgDeclarationCommand" }, Lines(collected));

        var stop = PowerShellHost.Run("Get-PgDeclaration $dir | ForEach-Object Name", Ps.Vars(("dir", _dir)), ciStyle: true);
        Assert.NotNull(stop.Terminating);
        Assert.Equal("DeclarationStatementNotAllowed,PgAutogen.Commands.GetPgDeclarationCommand", stop.Terminating!.ErrorRecord.FullyQualifiedErrorId);
    }

    [Fact]
    public void Sql_strings_are_parsed_with_their_index_as_the_file_name()
    {
        var result = PowerShellHost.Run("""
            Get-PgDeclaration -Sql 'CREATE VIEW v AS SELECT 1', "-- x`nCREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'; VACUUM" | ForEach-Object Location
            """);
        Assert.Equal(new[] { "-Sql[0]:1:1", "-Sql[1]:2:1" }, Lines(result));
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("-Sql[1]:2:66: VACUUM is not allowed", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("-Sql[1]", error.TargetObject);
    }

    [Fact]
    public void A_duplicate_across_two_files_is_an_error_whose_target_is_the_second_declaration()
    {
        Write("a.sql", "CREATE VIEW app.v AS SELECT 1;");
        Write("b.sql", "\nCREATE OR REPLACE VIEW APP.V AS SELECT 2;");
        var result = PowerShellHost.Run("Get-PgDeclaration $dir | ForEach-Object Location", Ps.Vars(("dir", _dir)));

        Assert.Equal(new[] { Path.Combine(_dir, "a.sql") + ":1:1" }, Lines(result));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DeclarationDuplicate,PgAutogen.Commands.GetPgDeclarationCommand", error.FullyQualifiedErrorId);
        Assert.Contains(Path.Combine(_dir, "a.sql") + ":1:1", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dir, "b.sql") + ":2:1", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_dir, "b.sql") + ":2:1", PSObject.AsPSObject(error.TargetObject).Properties["Location"].Value);
    }

    [Fact]
    public void A_path_or_pattern_that_matches_nothing_is_an_error()
    {
        Write("a.sql", "CREATE VIEW a AS SELECT 1");
        var result = PowerShellHost.Run("""
            Get-PgDeclaration ([System.IO.Path]::Combine($dir, 'missing.sql')), ([System.IO.Path]::Combine($dir, 'nothing*.sql')), $dir | ForEach-Object Name
            Get-PgDeclaration -LiteralPath ([System.IO.Path]::Combine($dir, 'gone')) | ForEach-Object Name
            """, Ps.Vars(("dir", _dir)));

        Assert.Equal(new[] { "a" }, Lines(result));
        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("DeclarationFileNotFound,PgAutogen.Commands.GetPgDeclarationCommand", e.FullyQualifiedErrorId));
        Assert.All(result.Errors, e => Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category));
        Assert.Contains("the pattern matches nothing", result.Errors[1].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_parameters_are_Path_LiteralPath_and_Sql()
    {
        var result = PowerShellHost.Run("""
            $c = Get-Command Get-PgDeclaration
            $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
            $c.Parameters.Keys | Where-Object { $common -notcontains $_ } | ForEach-Object { $_ }
            $c.OutputType.Name
            $c.DefaultParameterSet
            $c.Parameters['LiteralPath'].Aliases -join ','
            """);
        Assert.False(result.HadErrors, result.ToString());
        var lines = Lines(result);
        Assert.Equal(new[] { "LiteralPath", "Path", "Sql" }, lines.Take(3).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "PgAutogen.PgDeclaration", "Path", "PSPath,FullName,LP" }, lines.Skip(3));
    }

    [Fact]
    public void The_corpus_parses_through_the_cmdlet()
    {
        var corpus = Path.Combine(Paths.CorporaDirectory, "apflora", "schema.sql");
        Assert.SkipUnless(File.Exists(corpus), "The apflora corpus is not at " + corpus);
        var result = PowerShellHost.Run("""
            $d = @(Get-PgDeclaration -LiteralPath $corpus -ErrorAction SilentlyContinue -ErrorVariable problems)
            $d.Count
            @($d | Where-Object Kind -eq View).Count
            @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'DeclarationStatementNotAllowed,*' }).Count
            @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'DeclarationDuplicate,*' }).Count
            """, Ps.Vars(("corpus", corpus)));
        // 69 functions, 43 triggers, 281 views and one COMMENT ON FUNCTION; the rest refused; four views declared twice.
        Assert.Equal(new[] { "394", "281", "718", "4" }, Lines(result));
    }

    private static List<string> Lines(PowerShellResult result) => result.Output.Select(o => o.ToString()).ToList();

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }
}
