namespace PgAutogen.Core.Rendering;

/// <summary>
/// Plain SQL for psql or any client: <c>&lt;slug&gt;.up.sql</c> and <c>&lt;slug&gt;.down.sql</c> in the folder, each wrapped in
/// <c>BEGIN;</c> ... <c>COMMIT;</c>, so that <c>psql -f</c> applies all of it or (after an error) none of it. No
/// numbering: an existing file needs -Force.
/// </summary>
public sealed class PlainRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.Plain;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "audit.up.sql and audit.down.sql");
        var slug = MigrationText.Slug(request.Message);
        var header = MigrationText.Header(request.Message, request.Ops)
            + "-- Run with: psql -v ON_ERROR_STOP=1 -f <file> (one transaction: all of it or, after an error, nothing).\n";
        return new[]
        {
            new PlannedFile(Path.Combine(folder, slug + ".up.sql"), header + "\nBEGIN;\n" + MigrationText.Section(request.Ops, up: true, guard: request.Guard) + "\nCOMMIT;\n"),
            new PlannedFile(Path.Combine(folder, slug + ".down.sql"), header + "\nBEGIN;\n" + MigrationText.Section(request.Ops, up: false, guard: request.Guard) + "\nCOMMIT;\n"),
        };
    }
}
