using System.Text;
using PgAutogen.Core.Rendering;

namespace PgAutogen.Core.Tests.Rendering;

/// <summary>
/// Every format's bytes for one fixed set of steps, against files kept in Golden/&lt;format&gt;/ (set
/// PGAUTOGEN_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, and review the diff); plus the folder rules
/// (numbering, never clobbering, refusing what a tool would misread) and all-or-nothing writing. No database.
/// </summary>
public sealed class FormatGoldenTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly string _dir = Directory.CreateTempSubdirectory("pgautogen-golden-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string GoldenRoot => Path.Combine(TestSupport.Paths.RepoRoot, "tests", "PgAutogen.Core.Tests", "Rendering", "Golden");

    private static PgObject Fn(string name, string args, string definition) =>
        new(PgObjectKind.Function, "app", name, $"app.{name}({args})", definition) { Arguments = args };

    /// <summary>A create with a dollar-quoted body holding a semicolon and quotes, a BEGIN ATOMIC create, a trigger, a view replace, a drop with its comment.</summary>
    internal static IReadOnlyList<MigrationOp> Ops()
    {
        const string fresh = "CREATE OR REPLACE FUNCTION app.fresh(a text)\n RETURNS text\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n    RETURN a || 'it''s \"quoted\"; really';\nEND\n$function$\n";
        const string atomic = "CREATE OR REPLACE FUNCTION app.atomic(a integer)\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT (a + 1);\nEND\n";
        const string gone = "CREATE OR REPLACE FUNCTION app.gone()\n RETURNS integer\n LANGUAGE sql\nAS $function$SELECT 3$function$\n";
        const string oldView = " SELECT orders.id\n   FROM app.orders;";
        const string newView = " SELECT orders.id,\n    'say \"hi\"'::text AS greeting\n   FROM app.orders;";
        var trigger = new PgObject(PgObjectKind.Trigger, "app", "orders_stamp", "orders_stamp ON app.orders",
            "CREATE TRIGGER orders_stamp BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.fresh_stamp()") { Table = "orders" };
        return new[]
        {
            new MigrationOp(MigrationAction.Create, PgObjectKind.Function, "app.fresh(text)", fresh.TrimEnd() + ";", "DROP FUNCTION app.fresh(text);")
            { Desired = Fn("fresh", "text", fresh), Order = 1, DownOrder = 4, Declaration = "db/fresh.sql:1:1", Reason = "declared, missing" },
            new MigrationOp(MigrationAction.Create, PgObjectKind.Function, "app.atomic(integer)", atomic.TrimEnd() + ";", "DROP FUNCTION app.atomic(integer);")
            { Desired = Fn("atomic", "integer", atomic), Order = 2, DownOrder = 3, Declaration = "db/atomic.sql:1:1" },
            new MigrationOp(MigrationAction.Replace, PgObjectKind.View, "app.big",
                "CREATE OR REPLACE VIEW app.big AS\n" + newView, "CREATE OR REPLACE VIEW app.big AS\n" + oldView)
            {
                Current = new PgObject(PgObjectKind.View, "app", "big", "app.big", oldView),
                Desired = new PgObject(PgObjectKind.View, "app", "big", "app.big", newView),
                Order = 3, DownOrder = 2, Declaration = "db/big.sql:2:1",
            },
            new MigrationOp(MigrationAction.Create, PgObjectKind.Trigger, "orders_stamp ON app.orders", trigger.Definition + ";", "DROP TRIGGER orders_stamp ON app.orders;")
            { Desired = trigger, Order = 4, DownOrder = 1, Declaration = "db/stamp.sql:1:1" },
            new MigrationOp(MigrationAction.Drop, PgObjectKind.Function, "app.gone()", "DROP FUNCTION app.gone();",
                gone.TrimEnd() + ";\nCOMMENT ON FUNCTION app.gone() IS 'the old one';")
            { Current = Fn("gone", "", gone), Order = 5, DownOrder = 5 },
        };
    }

    private IReadOnlyList<PlannedFile> Render(MigrationFormat format, string? outPath = null, IReadOnlyList<MigrationOp>? ops = null, string? message = "Audit orders", bool guard = false) =>
        MigrationWriter.Plan(new MigrationRenderRequest
        {
            Guard = guard,
            Ops = ops ?? Ops(),
            OutPath = outPath ?? _dir,
            Message = message,
            Now = Now,
            Namespace = "Shop.Data.Migrations",
            DbContext = "Shop.Data.ShopContext",
            Planner = "PgAutogen <pgautogen@localhost>",
        }, format);

    [Theory]
    [InlineData(MigrationFormat.Dbmate)]
    [InlineData(MigrationFormat.Flyway)]
    [InlineData(MigrationFormat.GolangMigrate)]
    [InlineData(MigrationFormat.Sqitch)]
    [InlineData(MigrationFormat.Liquibase)]
    [InlineData(MigrationFormat.EfCore)]
    [InlineData(MigrationFormat.DbUp)]
    [InlineData(MigrationFormat.Grate)]
    [InlineData(MigrationFormat.Plain)]
    public void Each_format_writes_the_golden_bytes(MigrationFormat format) => AssertGolden(format, guard: false);

    /// <summary>With -Guard: the guard is each half's first statement, in the dialect each tool reads (DbUp's $$, EF Core's doubled quotes, Liquibase's rollback lines).</summary>
    [Theory]
    [InlineData(MigrationFormat.Dbmate)]
    [InlineData(MigrationFormat.DbUp)]
    [InlineData(MigrationFormat.EfCore)]
    [InlineData(MigrationFormat.Liquibase)]
    public void Each_guarded_format_writes_the_golden_bytes(MigrationFormat format) => AssertGolden(format, guard: true);

    private void AssertGolden(MigrationFormat format, bool guard)
    {
        var root = Path.Combine(_dir, "migrations"); // sqitch names a new plan's project after the folder
        var outPath = format == MigrationFormat.Dbmate ? root + "/" : root;
        var files = Render(format, outPath, guard: guard);
        var golden = Path.Combine(GoldenRoot, format + (guard ? "-Guard" : ""));
        var update = Environment.GetEnvironmentVariable("PGAUTOGEN_UPDATE_GOLDEN") == "1";
        foreach (var file in files)
        {
            Assert.DoesNotContain("\r", file.Content, StringComparison.Ordinal);
            var relative = Path.GetRelativePath(root, file.Path);
            var expectedPath = Path.Combine(golden, relative);
            if (update)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(expectedPath)!);
                File.WriteAllText(expectedPath, file.Content, new UTF8Encoding(false));
            }

            Assert.True(File.Exists(expectedPath), $"No golden file {expectedPath} (PGAUTOGEN_UPDATE_GOLDEN=1 writes it)");
            Assert.Equal(File.ReadAllText(expectedPath), file.Content);
        }

        Assert.Equal(
            Directory.EnumerateFiles(golden, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(golden, f)).Order(StringComparer.Ordinal),
            files.Select(f => Path.GetRelativePath(root, f.Path)).Order(StringComparer.Ordinal));

        // Deterministic: the same steps in another order give the same bytes.
        Assert.Equal(files, Render(format, outPath, Ops().Reverse().ToList(), guard: guard));
    }

    private void Touch(params string[] relative)
    {
        foreach (var r in relative)
        {
            var path = Path.Combine(_dir, r);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "-- existing\n");
        }
    }

    private static string Names(IReadOnlyList<PlannedFile> files, string root) =>
        string.Join(" ", files.Select(f => Path.GetRelativePath(root, f.Path).Replace('\\', '/')));

    [Fact]
    public void The_version_follows_the_folders_highest_in_its_width()
    {
        Touch("V1__a.sql", "V2__b.sql", "U2__b.sql", "R__views.sql", "V1_5__c.sql", "notes.txt");
        Assert.Equal("V3__audit_orders.sql U3__audit_orders.sql", Names(Render(MigrationFormat.Flyway), _dir));

        var golang = Path.Combine(_dir, "golang");
        Directory.CreateDirectory(golang);
        File.WriteAllText(Path.Combine(golang, "000009_x.up.sql"), "");
        File.WriteAllText(Path.Combine(golang, "000009_x.down.sql"), "");
        Assert.Equal("000010_audit_orders.up.sql 000010_audit_orders.down.sql", Names(Render(MigrationFormat.GolangMigrate, golang), golang));

        var dbup = Path.Combine(_dir, "dbup");
        Directory.CreateDirectory(dbup);
        File.WriteAllText(Path.Combine(dbup, "0099_x.sql"), "");
        Assert.Equal("0100_audit_orders.sql 0100_audit_orders.down.psql", Names(Render(MigrationFormat.DbUp, dbup), dbup));

        // dbmate and EF Core: a timestamp, or after the highest when the folder already holds a later one.
        var dbmate = Path.Combine(_dir, "dbmate");
        Directory.CreateDirectory(dbmate);
        File.WriteAllText(Path.Combine(dbmate, "20991231000000_later.sql"), "");
        Assert.Equal("20991231000001_audit_orders.sql", Names(Render(MigrationFormat.Dbmate, dbmate), dbmate));
        Assert.Equal("explicit.sql", Names(Render(MigrationFormat.Dbmate, Path.Combine(dbmate, "explicit.sql")), dbmate));

        var ef = Path.Combine(_dir, "ef");
        Directory.CreateDirectory(ef);
        File.WriteAllText(Path.Combine(ef, "20261125120000_AuditOrders.cs"), "");
        Assert.Equal("20261125120001_AuditOrders2.cs", Names(Render(MigrationFormat.EfCore, ef), ef));
    }

    [Theory]
    [InlineData(MigrationFormat.Flyway, "V3__a.sql", "V3__b.sql")]
    [InlineData(MigrationFormat.Flyway, "V1.1__a.sql", "V1_1__b.sql")]
    [InlineData(MigrationFormat.GolangMigrate, "2_a.up.sql", "2_b.up.sql")]
    [InlineData(MigrationFormat.DbUp, "0002_a.sql", "0002_b.sql")]
    [InlineData(MigrationFormat.Liquibase, "0002_a.sql", "0002_b.sql")]
    [InlineData(MigrationFormat.Grate, "up/0002_a.sql", "up/0002_b.sql")]
    public void A_folder_whose_numbering_cannot_continue_is_refused_by_name_and_nothing_is_written(MigrationFormat format, string first, string second)
    {
        Touch(first, second);
        var ex = Assert.Throws<PgAutogenException>(() => Render(format));
        Assert.Equal(PgErrorId.MigrationFolderInvalid, ex.ErrorId);
        Assert.Contains($"'{Path.GetFileName(first)}' and '{Path.GetFileName(second)}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Renumber", ex.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqitch_appends_to_the_plan_and_refuses_one_without_a_project()
    {
        File.WriteAllText(Path.Combine(_dir, "sqitch.plan"), "%syntax-version=1.0.0\n%project=shop\n\naudit_orders 2026-01-01T00:00:00Z A <a@b> # first\n");
        var files = Render(MigrationFormat.Sqitch);
        Assert.Equal("deploy/audit_orders_2.sql revert/audit_orders_2.sql verify/audit_orders_2.sql sqitch.plan", Names(files, _dir));
        var plan = files.Single(f => f.Path.EndsWith("sqitch.plan", StringComparison.Ordinal));
        Assert.True(plan.Updates);
        Assert.EndsWith("# first\naudit_orders_2 2026-11-25T12:00:00Z PgAutogen <pgautogen@localhost> # Audit orders\n", plan.Content, StringComparison.Ordinal);
        Assert.StartsWith("-- Deploy shop:audit_orders_2 to pg\n", files[0].Content, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_dir, "sqitch.plan"), "%syntax-version=1.0.0\n\nfirst 2026-01-01T00:00:00Z A <a@b>\n");
        var ex = Assert.Throws<PgAutogenException>(() => Render(MigrationFormat.Sqitch));
        Assert.Equal(PgErrorId.MigrationFolderInvalid, ex.ErrorId);
        Assert.Contains("sqitch.plan' has no %project=<name> line", ex.Message, StringComparison.Ordinal);
        Assert.Contains("%project=<name>", ex.RecommendedAction, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Shop.class", "DbContext")]
    [InlineData("Shop.9Data", "DbContext")]
    [InlineData("Shop-Data", "DbContext")]
    [InlineData(null, "DbContext")]
    [InlineData("Shop.Data", null)]
    public void EfCore_refuses_a_namespace_or_context_that_is_not_a_CSharp_name(string? ns, string? context)
    {
        var ex = Assert.Throws<PgAutogenException>(() => MigrationWriter.Plan(new MigrationRenderRequest
        {
            Ops = Ops(), OutPath = _dir, Message = "x", Namespace = ns, DbContext = context,
        }, MigrationFormat.EfCore));
        Assert.Equal(PgErrorId.MigrationOptionInvalid, ex.ErrorId);
        Assert.Contains(ns is null ? "needs -Namespace" : context is null ? "needs -DbContext" : $"-Namespace '{ns}' is not a C# name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_format_refuses_a_file_name_for_OutFile()
    {
        var ex = Assert.Throws<PgAutogenException>(() => Render(MigrationFormat.Flyway, Path.Combine(_dir, "V42__audit.sql")));
        Assert.Equal(PgErrorId.MigrationOptionInvalid, ex.ErrorId);
        Assert.Contains("For -Format Flyway, -OutFile is the migrations folder, not a file", ex.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<MigrationOp> WithBody(string body) => new[]
    {
        new MigrationOp(MigrationAction.Create, PgObjectKind.Function, "app.f()",
            $"CREATE OR REPLACE FUNCTION app.f()\n RETURNS text\n LANGUAGE plpgsql\nAS $function${body}$function$;", "DROP FUNCTION app.f();")
        { Order = 1, DownOrder = 1, Declaration = "db/f.sql:3:1" },
    };

    [Theory]
    [InlineData(MigrationFormat.Flyway, "BEGIN RETURN '${user}'; END", "contains \"${\"")]
    [InlineData(MigrationFormat.Liquibase, "BEGIN RETURN '${user.name}'; END", "contains \"${\"")]
    [InlineData(MigrationFormat.DbUp, "BEGIN EXECUTE $q$SELECT 1$q$; RETURN ''; END", "contains \"$q$\"")]
    [InlineData(MigrationFormat.DbUp, "BEGIN RETURN '$$'; END", "has a dollar-quoted string that contains \"$$\"")]
    [InlineData(MigrationFormat.Liquibase, "BEGIN\n--rollback nothing\nRETURN ''; END", "has a line that Liquibase reads as its own directive")]
    [InlineData(MigrationFormat.Grate, "BEGIN RETURN '{{DatabaseName}}'; END", "contains \"{{DatabaseName}}\"")]
    public void A_body_the_tool_would_rewrite_is_refused_with_the_declaration(MigrationFormat format, string body, string said)
    {
        var ex = Assert.Throws<PgAutogenException>(() => Render(format, ops: WithBody(body)));
        Assert.Equal(PgErrorId.MigrationUnsafeForFormat, ex.ErrorId);
        Assert.Contains("The function app.f() (declared at db/f.sql:3:1) " + said, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was written.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DbUp_gets_dollar_quotes_it_does_not_take_for_variables()
    {
        var up = Render(MigrationFormat.DbUp, ops: WithBody("BEGIN RETURN 'x'; END"))[0].Content;
        Assert.Contains("AS $$BEGIN RETURN 'x'; END$$;", up, StringComparison.Ordinal);
        Assert.DoesNotContain("$function$", up, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_is_written_when_one_file_exists_and_Force_overwrites()
    {
        Touch("U1__audit_orders.sql");
        var files = Render(MigrationFormat.Flyway);
        Assert.Equal("V2__audit_orders.sql U2__audit_orders.sql", Names(files, _dir)); // U1 counts: V1 is taken

        var plain = Render(MigrationFormat.Plain);
        Touch("audit_orders.down.sql");
        var ex = Assert.Throws<PgAutogenException>(() => OutputFiles.Write(plain, force: false));
        Assert.Equal(PgErrorId.OutputFileExists, ex.ErrorId);
        Assert.False(File.Exists(Path.Combine(_dir, "audit_orders.up.sql")));
        Assert.Equal("-- existing\n", File.ReadAllText(Path.Combine(_dir, "audit_orders.down.sql")));

        OutputFiles.Write(plain, force: true);
        Assert.Equal(plain[1].Content, File.ReadAllText(Path.Combine(_dir, "audit_orders.down.sql")));
        Assert.Empty(Directory.EnumerateFiles(_dir, "*.pgautogen-tmp", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("Audit orders!", "audit_orders")]
    [InlineData("  Ça marche -- v2 ", "ca_marche_v2")]
    [InlineData("", "pgautogen")]
    [InlineData(null, "pgautogen")]
    public void The_message_becomes_the_slug(string? message, string slug) => Assert.Equal(slug, MigrationText.Slug(message));
}
