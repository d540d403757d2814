using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// DbUp: <c>&lt;n&gt;_&lt;slug&gt;.sql</c> for the embedded-scripts folder (DbUp runs scripts in name order, each once;
/// <c>&lt;n&gt;</c> the next number, four digits in an empty folder). DbUp has no downgrade: the down script is written
/// beside it as <c>&lt;n&gt;_&lt;slug&gt;.down.psql</c> — not <c>.sql</c>, so that DbUp never runs it as an upgrade — to run by
/// hand with <c>psql -f</c> (it is one transaction). The upgrade is made safe for DbUp's defaults: dollar-quote tags
/// become <c>$$</c> (DbUp takes <c>$name$</c> for its variables), a BEGIN ATOMIC body goes through
/// <c>DO $$ BEGIN EXECUTE ... END $$</c> (DbUp and Npgsql split at semicolons); what cannot be made safe is refused.
/// Run it with <c>.WithTransactionPerScript()</c> so that a failing script changes nothing.
/// </summary>
public sealed partial class DbUpRenderer : IMigrationRenderer
{
    public MigrationFormat Format => MigrationFormat.DbUp;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "0003_audit.sql and 0003_audit.down.psql");
        var version = MigrationFolder.Next(MigrationFolder.Versions(folder, VersionedFile(), Format), defaultDigits: 4);
        var name = $"{version}_{MigrationText.Slug(request.Message)}";
        var header = MigrationText.Header(request.Message, request.Ops);
        var up = MigrationText.Section(request.Ops, up: true,
            (s, op) => MigrationText.RetagDollarQuotes(MigrationText.WrapInnerSemicolons(s, op, "DbUp"), op, "DbUp"), request.Guard);
        return new[]
        {
            new PlannedFile(Path.Combine(folder, name + ".sql"),
                header + $"-- DbUp has no downgrade: {name}.down.psql beside this file undoes it (psql -v ON_ERROR_STOP=1 -f {name}.down.psql).\n"
                + "-- Run DbUp with .WithTransactionPerScript(), so that a script that fails changes nothing.\n\n" + up),
            new PlannedFile(Path.Combine(folder, name + ".down.psql"),
                header + $"-- The downgrade of {name}.sql, which DbUp cannot run: psql -v ON_ERROR_STOP=1 -f {name}.down.psql (one transaction),\n"
                + $"-- then delete the row '{name}.sql' (with its embedded-resource prefix) from DbUp's journal table (schemaversions).\n\nBEGIN;\n"
                + MigrationText.Section(request.Ops, up: false, guard: request.Guard) + "\nCOMMIT;\n"),
        };
    }

    [GeneratedRegex(@"^(?<v>[0-9]+)_.*\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedFile();
}
