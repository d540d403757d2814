using System.Text.RegularExpressions;
using PgAutogen.Core.Catalog;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Corpora;

/// <summary>A real schema under <see cref="Paths.CorporaDirectory"/>: a folder with a schema.sql (and a SOURCE.md saying where it is from).</summary>
internal static partial class Corpus
{
    /// <summary>The newest PostgreSQL major of the supported range (README, scripts/fetch-postgres.sh).</summary>
    private const int NewestSupportedMajor = 18;

    /// <summary>The corpus folders present now (a folder dropped there later is picked up at the next run), by name.</summary>
    public static IReadOnlyList<string> Names() =>
        Directory.Exists(Paths.CorporaDirectory)
            ? Directory.GetDirectories(Paths.CorporaDirectory)
                .Where(d => File.Exists(Path.Combine(d, "schema.sql")))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal)
                .ToList()
            : Array.Empty<string>();

    public static string SchemaFile(string name) => Path.Combine(Paths.CorporaDirectory, name, "schema.sql");

    /// <summary>
    /// Loads the corpus into the (empty) database the way its SOURCE.md says: psql, ON_ERROR_STOP, one transaction.
    /// Skips the test when the server lacks what the corpus needs: an extension that is not installed, a feature
    /// this build does not have (feature_not_supported 0A000, e.g. ICU; undefined_file 58P01, e.g. a contrib library),
    /// or syntax of a later major (a syntax error on any but the newest supported major).
    /// Returns the search_path the script leaves: the one its application's sessions run with (musicbrainz's role
    /// default is "musicbrainz, public", which its unqualified PL/pgSQL and SQL bodies rely on), and so the one a
    /// compare of its declarations runs with.
    /// </summary>
    public static async Task<string> LoadAsync(TestDatabase db, string name)
    {
        var file = SchemaFile(name);
        var text = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        var wanted = CreateExtension().Matches(text).Select(m => m.Groups["name"].Value.Trim('"')).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count > 0)
        {
            var available = (await db.QueryAsync("SELECT name FROM pg_catalog.pg_available_extensions")).Select(r => (string)r[0]!).ToHashSet(StringComparer.Ordinal);
            var missing = wanted.Where(e => !available.Contains(e)).ToList();
            Assert.SkipWhen(missing.Count > 0,
                $"The {name} corpus needs the extension(s) {string.Join(", ", missing)}, which PostgreSQL {db.MajorVersion} here does not have installed.");
        }

        var script = Path.Combine(Path.GetTempPath(), "pgautogen-load-" + Guid.NewGuid().ToString("N") + ".sql");
        await File.WriteAllTextAsync(script, $"""
            \i '{file.Replace("'", "''", StringComparison.Ordinal)}'
            SELECT pg_catalog.current_setting('search_path') AS pgautogen_search_path \gset
            \echo PGAUTOGEN_SEARCH_PATH=:pgautogen_search_path

            """, TestContext.Current.CancellationToken);
        try
        {
            var (exitCode, output) = await Psql.RunFileAsync(db.ConnectionString, script);
            if (exitCode != 0)
            {
                var feature = FeatureError().Match(output);
                Assert.SkipWhen(feature.Success, $"The {name} corpus needs a feature PostgreSQL {db.MajorVersion} here does not have: {feature.Value.Trim()}");

                // Syntax an older major does not know (musicbrainz uses UNIQUE NULLS NOT DISTINCT, new in 15). On the
                // newest supported major a syntax error is the corpus's own, and fails.
                var syntax = SyntaxError().Match(output);
                Assert.SkipWhen(syntax.Success && db.MajorVersion < NewestSupportedMajor,
                    $"The {name} corpus uses syntax PostgreSQL {db.MajorVersion} does not have: {syntax.Value.Trim()}");
                Assert.Fail($"Loading the {name} corpus ({file}) failed (psql exit code {exitCode}):\n{output}");
            }

            var searchPath = SearchPathLine().Match(output);
            Assert.True(searchPath.Success, "psql did not report the search_path after loading:\n" + output);
            return searchPath.Groups[1].Value.Trim();
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// The corpora ship no privileges: gives a seeded sample of the routines and views some — PUBLIC's EXECUTE revoked,
    /// grants to a reader role (some with the grant option), another owner — so that exporting and comparing them
    /// covers privileges and owners. Returns what it did, for the report.
    /// </summary>
    public static async Task<string> AddPrivilegesAsync(TestDatabase db, IReadOnlyList<PgObject> objects, int seed)
    {
        var random = new Random(seed);
        var sql = new System.Text.StringBuilder(
            "DO $$ BEGIN\n" +
            "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgautogen_corpus_reader') THEN CREATE ROLE pgautogen_corpus_reader NOLOGIN; END IF;\n" +
            "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgautogen_corpus_owner') THEN CREATE ROLE pgautogen_corpus_owner NOLOGIN; END IF;\n" +
            "END $$;\n");
        int revoked = 0, granted = 0, owned = 0;
        foreach (var obj in objects.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.MaterializedView))
        {
            var routine = obj.Kind is PgObjectKind.Function or PgObjectKind.Procedure;
            var target = routine ? $"{(obj.Kind == PgObjectKind.Function ? "FUNCTION" : "PROCEDURE")} {obj.Identity}" : $"TABLE {obj.Identity}";
            if (routine && random.Next(4) == 0)
            {
                sql.Append($"REVOKE ALL ON {target} FROM PUBLIC;\n");
                revoked++;
            }

            if (random.Next(3) == 0)
            {
                sql.Append($"GRANT {(routine ? "EXECUTE" : "SELECT")} ON {target} TO pgautogen_corpus_reader{(random.Next(2) == 0 ? " WITH GRANT OPTION" : "")};\n");
                granted++;
            }

            if (random.Next(5) == 0)
            {
                sql.Append($"ALTER {(routine ? target : (obj.Kind == PgObjectKind.View ? "VIEW " : "MATERIALIZED VIEW ") + obj.Identity)} OWNER TO pgautogen_corpus_owner;\n");
                owned++;
            }
        }

        await db.ExecuteAsync(sql.ToString());
        return $"privileges added (seed {seed}): PUBLIC's EXECUTE revoked on {revoked}, granted on {granted}, owner changed on {owned}";
    }

    /// <summary>The managed objects of the whole database, as the catalog shows them.</summary>
    public static async Task<List<PgObject>> ReadCatalogAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        return await CatalogInspector.ReadAllAsync(conn, new CatalogFilter(), TestContext.Current.CancellationToken);
    }

    [GeneratedRegex(@"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<name>""[^""]+""|[A-Za-z_][A-Za-z0-9_$-]*)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateExtension();

    [GeneratedRegex(@"^PGAUTOGEN_SEARCH_PATH=(.*)$", RegexOptions.Multiline)]
    private static partial Regex SearchPathLine();

    [GeneratedRegex(@"ERROR:\s+42601:[^\n]*(\nLINE [^\n]*)?")]
    private static partial Regex SyntaxError();

    [GeneratedRegex(@"ERROR:\s+(0A000|58P01):[^\n]*")]
    private static partial Regex FeatureError();
}
