using System.Globalization;
using System.Text;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// sqitch: in the project folder (the one with sqitch.plan), <c>deploy/&lt;change&gt;.sql</c>,
/// <c>revert/&lt;change&gt;.sql</c> (each one transaction, BEGIN ... COMMIT, as sqitch's own templates), and
/// <c>verify/&lt;change&gt;.sql</c> (raises an error when an object the change creates is missing or one it drops is
/// still there), plus the change's line appended to sqitch.plan, which is created with a %project line when missing.
/// The change is named from -Message; a name the plan already has gets _2, _3, ....
/// </summary>
public sealed class SqitchRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.Sqitch;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "deploy/audit.sql, revert/audit.sql, verify/audit.sql and a line in sqitch.plan");
        var planPath = Path.Combine(folder, "sqitch.plan");
        string plan;
        string project;
        var changes = new HashSet<string>(StringComparer.Ordinal);
        if (File.Exists(planPath))
        {
            plan = File.ReadAllText(planPath).Replace("\r\n", "\n", StringComparison.Ordinal);
            project = "";
            foreach (var raw in plan.Split('\n'))
            {
                var line = raw.Trim();
                if (line.StartsWith("%project=", StringComparison.Ordinal))
                {
                    project = line["%project=".Length..].Trim();
                }
                else if (line.Length > 0 && line[0] is not ('%' or '#' or '@'))
                {
                    changes.Add(line.Split(' ', '\t')[0].TrimStart('+', '-'));
                }
            }

            if (project.Length == 0)
            {
                throw MigrationFolder.FolderInvalid(folder, Format, $"'{planPath}' has no %project=<name> line, which sqitch needs before any change",
                    "Add a line %project=<name> near the top of sqitch.plan (sqitch init writes one), then run New-PgMigration again.");
            }

            if (plan.Length > 0 && !plan.EndsWith('\n'))
            {
                plan += "\n";
            }
        }
        else
        {
            project = MigrationText.Slug(Path.GetFileName(folder), "pgautogen");
            plan = $"%syntax-version=1.0.0\n%project={project}\n\n";
        }

        var baseName = MigrationText.Slug(request.Message);
        var change = baseName;
        for (var n = 2; changes.Contains(change) || File.Exists(Path.Combine(folder, "deploy", change + ".sql")); n++)
        {
            change = baseName + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        var note = (request.Message ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')[0].Trim();
        var planner = request.Planner ?? DefaultPlanner();
        var stamp = request.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        plan += $"{change} {stamp} {planner}" + (note.Length > 0 ? " # " + note : "") + "\n";

        var header = MigrationText.Header(request.Message, request.Ops);
        return new[]
        {
            new PlannedFile(Path.Combine(folder, "deploy", change + ".sql"),
                $"-- Deploy {project}:{change} to pg\n" + header + "\nBEGIN;\n\n" + MigrationText.Section(request.Ops, up: true, guard: request.Guard) + "\nCOMMIT;\n"),
            new PlannedFile(Path.Combine(folder, "revert", change + ".sql"),
                $"-- Revert {project}:{change} from pg\n" + header + "\nBEGIN;\n\n" + MigrationText.Section(request.Ops, up: false, guard: request.Guard) + "\nCOMMIT;\n"),
            new PlannedFile(Path.Combine(folder, "verify", change + ".sql"),
                $"-- Verify {project}:{change} on pg\n" + header + "\nBEGIN;\n\n" + Verify(request.Ops) + "\nROLLBACK;\n"),
            new PlannedFile(planPath, plan) { Updates = true },
        };
    }

    private static string DefaultPlanner()
    {
        var name = Environment.GetEnvironmentVariable("SQITCH_FULLNAME");
        var email = Environment.GetEnvironmentVariable("SQITCH_EMAIL");
        return $"{(string.IsNullOrWhiteSpace(name) ? "PgAutogen" : name.Trim())} <{(string.IsNullOrWhiteSpace(email) ? "pgautogen@localhost" : email.Trim())}>";
    }

    /// <summary>A DO block that raises an error for every object the change creates that is missing, and every one it drops that is still there.</summary>
    private static string Verify(IReadOnlyList<MigrationOp> ops)
    {
        var sb = new StringBuilder("DO $verify$\nBEGIN\n");
        foreach (var op in ops.OrderBy(o => o.Order))
        {
            var obj = op.Desired ?? op.Current;
            if (obj is null)
            {
                continue;
            }

            var exists = Exists(obj);
            var words = ObjectKey.Words(obj.Kind) + " " + obj.Identity;
            sb.Append(op.Desired is not null
                ? $"    IF NOT {exists} THEN RAISE EXCEPTION '%', {Literal("missing: " + words)}; END IF;\n"
                : $"    IF {exists} THEN RAISE EXCEPTION '%', {Literal("still there: " + words)}; END IF;\n");
        }

        return sb.Append("END\n$verify$;\n").ToString();
    }

    private static string Exists(PgObject obj) => obj.Kind switch
    {
        PgObjectKind.Function or PgObjectKind.Procedure => $"(to_regprocedure({Literal(obj.Identity)}) IS NOT NULL)",
        PgObjectKind.View or PgObjectKind.MaterializedView => $"(to_regclass({Literal(obj.Identity)}) IS NOT NULL)",
        PgObjectKind.Trigger =>
            $"EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgname = {Literal(obj.Name)} AND tgrelid = to_regclass({Literal(SqlIdentifier.Qualify(obj.Schema, obj.Table ?? ""))}))",
        PgObjectKind.Policy =>
            $"EXISTS (SELECT FROM pg_catalog.pg_policy WHERE polname = {Literal(obj.Name)} AND polrelid = to_regclass({Literal(SqlIdentifier.Qualify(obj.Schema, obj.Table ?? ""))}))",
        PgObjectKind.EventTrigger => $"EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = {Literal(obj.Name)})",
        _ => "true",
    };

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
