using System.Text;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// Liquibase formatted SQL: <c>&lt;n&gt;_&lt;slug&gt;.sql</c> in the changelog folder (for an <c>includeAll</c>, which runs
/// files in name order; <c>&lt;n&gt;</c> the next number, four digits in an empty folder), holding one changeset whose
/// SQL is the upgrade and whose <c>--rollback</c> lines are the downgrade, with <c>splitStatements:false</c> and
/// <c>rollbackSplitStatements:false</c> so that Liquibase never cuts a body at a semicolon. The JDBC driver still splits
/// the text at semicolons outside quotes, so a BEGIN ATOMIC body goes through <c>DO $$ BEGIN EXECUTE ... END $$</c>.
/// A body line that Liquibase would read as its own (<c>--changeset</c>, <c>--rollback</c>, ...) is refused, and so is
/// <c>${</c>, where Liquibase substitutes changelog properties.
/// </summary>
public sealed partial class LiquibaseRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.Liquibase;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "0003_audit.sql");
        var version = MigrationFolder.Next(MigrationFolder.Versions(folder, VersionedFile(), Format), defaultDigits: 4);
        var slug = MigrationText.Slug(request.Message);
        MigrationText.RefuseDollarBracePlaceholders(request.Ops, "Liquibase",
            "Change the body (Liquibase substitutes changelog properties and Java system properties such as ${user.name}), or write this migration in another -Format.");
        foreach (var op in request.Ops)
        {
            foreach (var line in (op.UpSql + "\n" + op.DownSql).Split('\n'))
            {
                if (LiquibaseDirective().IsMatch(line))
                {
                    throw MigrationText.Unsafe(op, "Liquibase", $"has a line that Liquibase reads as its own directive ({line.Trim()})",
                        "Liquibase's formatted SQL parser acts on such comment lines wherever they are.", "Change that comment in the declaration, or write this migration in another -Format.");
                }
            }
        }

        string Statement(string s, MigrationOp op) => MigrationText.WrapInnerSemicolons(s, op, "Liquibase");
        var up = MigrationText.Section(request.Ops, up: true, Statement, request.Guard);
        var down = MigrationText.Section(request.Ops, up: false, Statement, request.Guard);
        var sb = new StringBuilder("--liquibase formatted sql\n\n");
        sb.Append($"--changeset pgautogen:{version}-{slug} splitStatements:false rollbackSplitStatements:false\n");
        sb.Append(MigrationText.Header(request.Message, request.Ops)).Append('\n').Append(up);
        foreach (var line in down.TrimEnd('\n').Split('\n'))
        {
            sb.Append("--rollback ").Append(line).Append('\n');
        }

        return new[] { new PlannedFile(Path.Combine(folder, $"{version}_{slug}.sql"), sb.ToString()) };
    }

    [GeneratedRegex(@"^(?<v>[0-9]+)_.*\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedFile();

    [GeneratedRegex(@"^\s*--\s*(liquibase\b|changeset\b|rollback\b|comment\b|precondition|validCheckSum|ignoreLines|property\b|include)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LiquibaseDirective();
}
