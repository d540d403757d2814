using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// grate: <c>up/&lt;n&gt;_&lt;slug&gt;.sql</c> (a one-time script: grate runs the up folder's scripts in name order, each
/// once, in its transaction) and <c>down/&lt;n&gt;_&lt;slug&gt;.sql</c> under the scripts folder (-OutFile, grate's
/// --sqlfilesdirectory).
/// grate has no downgrade command: down/ is not one of its folders, so it never runs it; run it with psql
/// (one transaction) and delete the script's row from grate's ScriptsRun table. grate sends a script through Npgsql, which
/// splits at semicolons, so a BEGIN ATOMIC body goes through <c>DO $$ BEGIN EXECUTE ... END $$</c>. A step with <c>{{token}}</c> is refused: grate replaces
/// such tokens unless run with --disabletokenreplacement.
/// </summary>
public sealed partial class GrateRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.Grate;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "up/0003_audit.sql and down/0003_audit.sql");
        foreach (var op in request.Ops)
        {
            if (Token().Match(op.UpSql + "\n" + op.DownSql) is { Success: true } m)
            {
                throw MigrationText.Unsafe(op, "grate", $"contains \"{m.Value}\"", "grate replaces {{token}} in a script with its value.",
                    "Run grate with --disabletokenreplacement, or change the body.");
            }
        }

        var versions = MigrationFolder.Versions(Path.Combine(folder, "up"), VersionedFile(), Format, "up/")
            .Concat(MigrationFolder.Versions(Path.Combine(folder, "down"), VersionedFile(), Format, "down/"))
            .ToList();
        var version = MigrationFolder.Next(versions, defaultDigits: 4);
        var name = $"{version}_{MigrationText.Slug(request.Message)}.sql";
        var header = MigrationText.Header(request.Message, request.Ops);
        string Statement(string s, MigrationOp op) => MigrationText.WrapInnerSemicolons(s, op, "grate");
        return new[]
        {
            new PlannedFile(Path.Combine(folder, "up", name),
                header + "-- grate runs this one-time script once, in its transaction; down/" + name + " undoes it.\n\n" + MigrationText.Section(request.Ops, up: true, Statement, request.Guard)),
            new PlannedFile(Path.Combine(folder, "down", name),
                header + "-- The downgrade of up/" + name + ". grate has no downgrade and never runs down/: run this with\n"
                + "-- psql -1 -v ON_ERROR_STOP=1 -f, then delete the row '" + name + "' from grate's \"ScriptsRun\" table.\n\n"
                + MigrationText.Section(request.Ops, up: false, Statement, request.Guard)),
        };
    }

    [GeneratedRegex(@"^(?<v>[0-9]+)_.*\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedFile();

    [GeneratedRegex(@"\{\{\w+\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
