using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// golang-migrate: <c>&lt;n&gt;_&lt;slug&gt;.up.sql</c> and <c>&lt;n&gt;_&lt;slug&gt;.down.sql</c>, <c>&lt;n&gt;</c> the next version
/// (six digits in an empty folder, like <c>migrate create -seq -digits 6</c>; the folder's width otherwise). Its
/// PostgreSQL driver sends each file as one multi-statement query, which PostgreSQL runs as one transaction; do not
/// turn on <c>x-multi-statement</c>, which splits at every semicolon, bodies included.
/// </summary>
public sealed partial class GolangMigrateRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.GolangMigrate;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "000003_audit.up.sql and 000003_audit.down.sql");
        var version = MigrationFolder.Next(MigrationFolder.Versions(folder, VersionedFile(), Format), defaultDigits: 6);
        var name = $"{version}_{MigrationText.Slug(request.Message)}";
        var header = MigrationText.Header(request.Message, request.Ops);
        return new[]
        {
            new PlannedFile(Path.Combine(folder, name + ".up.sql"), header + "\n" + MigrationText.Section(request.Ops, up: true, guard: request.Guard)),
            new PlannedFile(Path.Combine(folder, name + ".down.sql"), header + "\n" + MigrationText.Section(request.Ops, up: false, guard: request.Guard)),
        };
    }

    [GeneratedRegex(@"^(?<v>[0-9]+)_.*\.(?<kind>up|down)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedFile();
}
