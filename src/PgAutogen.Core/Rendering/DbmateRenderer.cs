using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// dbmate: one file with <c>-- migrate:up</c> and <c>-- migrate:down</c> sections. Each section starts with
/// <c>SET check_function_bodies = off</c> (like pg_dump), so the order of functions among themselves never
/// matters. Steps are written in their upgrade order (Order) and downgrade order (DownOrder), so a
/// filtered subset of the ops still renders two halves that run. -OutFile is the file, or the migrations folder:
/// then the file is <c>&lt;yyyyMMddHHmmss&gt;_&lt;slug&gt;.sql</c>, after the folder's highest version.
/// </summary>
public sealed partial class DbmateRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.Dbmate;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = Path.GetFullPath(request.OutPath);
        var isFolder = Directory.Exists(path) || request.OutPath.EndsWith('/') || request.OutPath.EndsWith(Path.DirectorySeparatorChar);
        if (isFolder)
        {
            var folder = path.TrimEnd('/', Path.DirectorySeparatorChar);
            var version = MigrationFolder.NextTimestamp(MigrationFolder.Versions(folder, VersionedFile(), Format), request.Now);
            path = Path.Combine(folder, $"{version}_{MigrationText.Slug(request.Message)}.sql");
        }

        return new[] { new PlannedFile(path, Content(request.Ops, request.Message, request.Guard)) };
    }

    /// <summary>The file's content (the name is the caller's): what Invoke-PgMigration and dbmate run.</summary>
    public IReadOnlyList<(string FileName, string Content)> Render(IReadOnlyList<MigrationOp> ops, string outFileName, string? message) =>
        new[] { (outFileName, Content(ops, message)) };

    private static string Content(IReadOnlyList<MigrationOp> ops, string? message, bool guard = false) =>
        MigrationText.Header(message, ops)
        + "\n-- migrate:up\n" + MigrationText.Section(ops, up: true, guard: guard)
        + "\n-- migrate:down\n" + MigrationText.Section(ops, up: false, guard: guard);

    [GeneratedRegex(@"^(?<v>[0-9]+)_.*\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedFile();
}
