using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// Flyway: <c>V&lt;n&gt;__&lt;slug&gt;.sql</c> (the upgrade) and the undo <c>U&lt;n&gt;__&lt;slug&gt;.sql</c> (the downgrade) in the
/// migrations folder, <c>&lt;n&gt;</c> the next version after the folder's highest. Flyway runs a versioned migration in
/// one transaction; undo migrations run only in Flyway Teams/Enterprise (<c>flyway undo</c>) — Flyway Community and
/// Evolve ignore U files. Flyway and Evolve send statements through a JDBC / Npgsql driver that splits at semicolons, so a
/// BEGIN ATOMIC body goes through <c>DO $$ BEGIN EXECUTE ... END $$</c>. A step containing <c>${</c> is refused: Flyway (and Evolve) replace placeholders there.
/// </summary>
public sealed partial class FlywayRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.Flyway;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "V3__audit.sql and U3__audit.sql");
        MigrationText.RefuseDollarBracePlaceholders(request.Ops, "Flyway",
            "Turn placeholder replacement off for this migration (Flyway: placeholderReplacement=false; Evolve: a PlaceholderPrefix the scripts never contain) and write it as -Format Plain, or change the body.");
        var version = MigrationFolder.Next(MigrationFolder.Versions(folder, VersionedFile(), Format), defaultDigits: 1);
        var name = $"{version}__{MigrationText.Slug(request.Message)}.sql";
        var header = MigrationText.Header(request.Message, request.Ops);
        string Statement(string s, MigrationOp op) => MigrationText.WrapInnerSemicolons(s, op, "Flyway");
        return new[]
        {
            new PlannedFile(Path.Combine(folder, "V" + name),
                header + "-- Flyway runs this versioned migration in one transaction; its undo is U" + name + ".\n\n" + MigrationText.Section(request.Ops, up: true, Statement, request.Guard)),
            new PlannedFile(Path.Combine(folder, "U" + name),
                header + "-- The undo of V" + name + ": run by `flyway undo` (Flyway Teams/Enterprise only; Flyway Community and Evolve do not run U files).\n\n"
                + MigrationText.Section(request.Ops, up: false, Statement, request.Guard)),
        };
    }

    [GeneratedRegex(@"^(?<kind>[VvUu])(?<v>[0-9]+)(?<rest>(?:[._][0-9]+)*)__.*\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedFile();
}
