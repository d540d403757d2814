using PgAutogen.Core.Rendering;

namespace PgAutogen.Core.Tests.Rendering;

public sealed class ExportAndDriftTests
{
    private static PgObject Fn(string schema, string name, string args) =>
        new(PgObjectKind.Function, schema, name, SqlIdentifier.Qualify(schema, name) + "(" + args + ")", $"CREATE OR REPLACE FUNCTION {schema}.{name}({args})\n RETURNS int\n LANGUAGE sql\nAS $function$SELECT 1$function$\n")
        { Arguments = args };

    [Fact]
    public void Export_writes_one_file_per_object_under_schema_kind_name_and_disambiguates_overloads()
    {
        var objects = new[]
        {
            Fn("app", "area", "integer, integer"),
            Fn("app", "area", "double precision"),
            Fn("app", "solo", ""),
            new PgObject(PgObjectKind.Trigger, "app", "touch", "touch ON app.orders", "CREATE TRIGGER touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.solo()")
            { Table = "orders", TriggerState = TriggerState.Disabled },
            new PgObject(PgObjectKind.View, "My App", "Big View", "\"My App\".\"Big View\"", "CREATE OR REPLACE VIEW \"My App\".\"Big View\" AS\n SELECT 1;"),
        };
        var files = DeclarationExporter.Plan(objects, "/root");
        var names = files.Select(f => f.Path).ToList();
        Assert.Contains("/root/app/functions/area(integer,integer).sql", names);
        Assert.Contains("/root/app/functions/area(double_precision).sql", names);
        Assert.Contains("/root/app/functions/solo.sql", names);
        Assert.Contains("/root/app/triggers/orders.touch.sql", names);
        Assert.Contains("/root/My_App/views/Big_View.sql", names);
        var trigger = files.Single(f => f.Path.EndsWith("orders.touch.sql", StringComparison.Ordinal)).Content;
        Assert.EndsWith("EXECUTE FUNCTION app.solo();\n", trigger, StringComparison.Ordinal);
        Assert.Contains("-- The trigger is disabled", trigger, StringComparison.Ordinal);
        Assert.All(files, f => Assert.DoesNotContain("\r", f.Content, StringComparison.Ordinal));
        // Deterministic: the same objects in another order give the same files.
        Assert.Equal(files, DeclarationExporter.Plan(objects.Reverse().ToArray(), "/root"));
    }

    [Fact]
    public void Names_that_collide_as_file_names_get_a_stable_suffix()
    {
        var objects = new[] { Fn("app", "a/b", ""), Fn("app", "a?b", "") };
        var names = DeclarationExporter.Plan(objects, "/r").Select(f => f.Path).ToList();
        Assert.Equal(2, names.Distinct().Count());
        Assert.Contains("/r/app/functions/a_b.sql", names);
        Assert.Contains(names, n => n.StartsWith("/r/app/functions/a_b-", StringComparison.Ordinal));
    }

    [Fact]
    public void Drift_annotations_for_azure_devops_and_github_actions_point_at_the_declaration()
    {
        var ops = new[]
        {
            new MigrationOp(MigrationAction.Replace, PgObjectKind.Function, "app.f(integer)", "", "") { Reason = "definition differs", Declaration = "db/app/f.sql:12:1" },
            new MigrationOp(MigrationAction.Drop, PgObjectKind.View, "app.v", "", "") { Reason = "in the database, not declared" },
        };
        var azure = DriftReport.Annotations(ops, CIFormat.AzureDevOps).ToList();
        Assert.Equal("##vso[task.logissue type=warning;sourcepath=db/app/f.sql;linenumber=12;columnnumber=1]Function app.f(integer) differs from its declaration: definition differs", azure[0]);
        Assert.Equal("##vso[task.logissue type=warning]View app.v is in the database but not declared", azure[1]);
        var github = DriftReport.Annotations(ops, CIFormat.GitHubActions).ToList();
        Assert.Equal("::warning file=db/app/f.sql,line=12,col=1::Function app.f(integer) differs from its declaration: definition differs", github[0]);
        Assert.Empty(DriftReport.Annotations(ops, CIFormat.None));
        Assert.Equal(CIFormat.AzureDevOps, DriftReport.Resolve(CIFormat.Auto, k => k == "TF_BUILD" ? "True" : null));
        Assert.Equal(CIFormat.GitHubActions, DriftReport.Resolve(CIFormat.Auto, k => k == "GITHUB_ACTIONS" ? "true" : null));
        Assert.Equal(CIFormat.None, DriftReport.Resolve(CIFormat.Auto, _ => null));
        Assert.Contains("| Replace | Function | `app.f(integer)` | db/app/f.sql:12:1 |", DriftReport.Markdown(ops, "db"), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_hazard_is_annotated_at_its_declaration_and_listed_in_the_summary()
    {
        var ops = new[]
        {
            new MigrationOp(MigrationAction.DropAndCreate, PgObjectKind.MaterializedView, "app.mv", "", "")
            {
                Reason = "definition differs", Declaration = "db/app/mv.sql:1:1", Phase = MigrationPhase.Drop,
                Hazards = new[] { new MigrationHazard(HazardKind.RecreatesMaterializedView, "its data is computed again") },
            },
            new MigrationOp(MigrationAction.DropAndCreate, PgObjectKind.MaterializedView, "app.mv", "", "") { Reason = "definition differs", Declaration = "db/app/mv.sql:1:1", Phase = MigrationPhase.Create },
            new MigrationOp(MigrationAction.Replace, PgObjectKind.Trigger, "t ON app.orders", "", "")
            {
                Reason = "definition differs", Declaration = "db/app/t.sql:2:3",
                Hazards = new[] { new MigrationHazard(HazardKind.LocksTable, "takes SHARE ROW EXCLUSIVE on app.orders (about 12 rows)") },
            },
        };
        var github = DriftReport.Annotations(ops, CIFormat.GitHubActions).ToList();
        Assert.Equal(new[]
        {
            "::warning file=db/app/mv.sql,line=1,col=1::MaterializedView app.mv differs from its declaration: definition differs",
            "::warning file=db/app/mv.sql,line=1,col=1::Hazard RecreatesMaterializedView (New-PgMigration needs -AllowHazard RecreatesMaterializedView): MaterializedView app.mv: its data is computed again",
            "::warning file=db/app/t.sql,line=2,col=3::Trigger t ON app.orders differs from its declaration: definition differs",
            "::warning file=db/app/t.sql,line=2,col=3::Hazard LocksTable (does not gate): Trigger t ON app.orders: takes SHARE ROW EXCLUSIVE on app.orders (about 12 rows)",
        }, github);
        var summary = DriftReport.Markdown(ops, "db");
        Assert.Contains("#### Hazards (2)", summary, StringComparison.Ordinal);
        Assert.Contains("| RecreatesMaterializedView | yes: -AllowHazard RecreatesMaterializedView | `app.mv` | its data is computed again |", summary, StringComparison.Ordinal);
        Assert.Contains("| LocksTable | no | `t ON app.orders` |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Drift_annotations_carry_repository_relative_paths_and_columns()
    {
        var root = Path.Combine(Path.GetTempPath(), "checkout");
        var file = Path.Combine(root, "db", "app", "f.sql");
        var ops = new[]
        {
            new MigrationOp(MigrationAction.Replace, PgObjectKind.Function, "app.f(integer)", "", "") { Reason = "definition differs", Declaration = file + ":12:5" },
            new MigrationOp(MigrationAction.Create, PgObjectKind.View, "app.v", "", "") { Declaration = "/elsewhere/v.sql:3:1" },
        };
        var github = DriftReport.Annotations(ops, CIFormat.GitHubActions, k => k == "GITHUB_WORKSPACE" ? root : null).ToList();
        Assert.StartsWith("::warning file=db/app/f.sql,line=12,col=5::", github[0], StringComparison.Ordinal);
        Assert.StartsWith("::warning file=/elsewhere/v.sql,line=3,col=1::", github[1], StringComparison.Ordinal);
        var azure = DriftReport.Annotations(ops, CIFormat.AzureDevOps, k => k == "BUILD_SOURCESDIRECTORY" ? root : null).ToList();
        Assert.StartsWith("##vso[task.logissue type=warning;sourcepath=db/app/f.sql;linenumber=12;columnnumber=5]", azure[0], StringComparison.Ordinal);
        // Without the variable, relative to the current directory (PowerShell's location, given by the cmdlet).
        var local = DriftReport.Annotations(ops, CIFormat.GitHubActions, _ => null, root).ToList();
        Assert.StartsWith("::warning file=db/app/f.sql,", local[0], StringComparison.Ordinal);
    }
}
