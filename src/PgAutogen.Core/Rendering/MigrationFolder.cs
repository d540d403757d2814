using System.Globalization;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// The target folder of a migration: what it already holds decides the next version, so that nothing is clobbered
/// and the tool runs the new migration after the others. A folder whose numbering the format cannot continue (two
/// files with one version) is an error naming both files.
/// </summary>
public static class MigrationFolder
{
    /// <summary>
    /// Resolves -OutFile for a format that writes into a folder: the folder itself. A path that names a file (it
    /// exists as a file, or ends in .sql / .cs) is refused with what to give instead.
    /// </summary>
    public static string Folder(string outPath, MigrationFormat format, string example)
    {
        ArgumentNullException.ThrowIfNull(outPath);
        var full = Path.GetFullPath(outPath);
        var ext = Path.GetExtension(full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (File.Exists(full) || (!Directory.Exists(full) && (ext.Equals(".sql", StringComparison.OrdinalIgnoreCase) || ext.Equals(".cs", StringComparison.OrdinalIgnoreCase))))
        {
            throw new PgAutogenException(PgErrorId.MigrationOptionInvalid,
                $"For -Format {format}, -OutFile is the migrations folder, not a file: '{outPath}'. PgAutogen names the file(s) from the folder's numbering and -Message ({example}).")
            {
                Target = outPath,
                RecommendedAction = "Give the folder, e.g. -OutFile ./migrations -Message audit.",
            };
        }

        return full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
    }

    /// <summary>The file names directly in <paramref name="folder"/> (none when it does not exist yet), in ordinal order.</summary>
    public static IReadOnlyList<string> Files(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList()
            : Array.Empty<string>();

    /// <summary>
    /// The versions of the files in <paramref name="folder"/> that <paramref name="pattern"/> matches (group <c>v</c>:
    /// the version digits; group <c>kind</c>, when present, groups files that may share a version, e.g. Flyway's V and U).
    /// Two files of one kind with one version are an error: the tool would refuse the folder, and PgAutogen cannot
    /// know which comes first.
    /// </summary>
    public static IReadOnlyList<(decimal Version, int Digits, string File)> Versions(string folder, Regex pattern, MigrationFormat format, string? subfolderLabel = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var found = new List<(decimal, int, string)>();
        var seen = new Dictionary<(string Kind, string Version), string>();
        foreach (var file in Files(folder))
        {
            var m = pattern.Match(file);
            if (!m.Success)
            {
                continue;
            }

            var digits = m.Groups["v"].Value;
            if (!decimal.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw FolderInvalid(folder, format, $"the version of '{file}' is too long to continue from", "Rename it, or start a new folder.");
            }

            var kind = m.Groups["kind"].Success ? m.Groups["kind"].Value.ToUpperInvariant() : "";
            // Flyway's 1.1 and 1_1 are one version; the minor parts only tell versions apart, the next one follows the major.
            var full = version.ToString(CultureInfo.InvariantCulture) + (m.Groups["rest"].Success ? m.Groups["rest"].Value.Replace('_', '.') : "");
            if (seen.TryGetValue((kind, full), out var other))
            {
                var where = subfolderLabel is null ? "" : $" ({subfolderLabel})";
                throw FolderInvalid(folder, format,
                    $"'{other}' and '{file}'{where} have the same version {digits}, so {format} cannot tell which runs first and PgAutogen cannot continue the numbering",
                    "Renumber one of them (the one not yet applied anywhere), then run New-PgMigration again.");
            }

            seen[(kind, full)] = file;
            found.Add((version, digits.Length, file));
        }

        return found;
    }

    /// <summary>The next version after the highest, written with at least the digits the folder uses (<paramref name="defaultDigits"/> when empty).</summary>
    public static string Next(IReadOnlyList<(decimal Version, int Digits, string File)> versions, int defaultDigits)
    {
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.Count == 0)
        {
            return 1.ToString(CultureInfo.InvariantCulture).PadLeft(defaultDigits, '0');
        }

        var highest = versions.MaxBy(v => v.Version);
        var padded = highest.Digits > highest.Version.ToString(CultureInfo.InvariantCulture).Length; // 000042: keep the width
        var next = (highest.Version + 1).ToString(CultureInfo.InvariantCulture);
        return padded ? next.PadLeft(highest.Digits, '0') : next;
    }

    /// <summary>A timestamp version (yyyyMMddHHmmss) from the clock, or the highest version + 1 when the folder already has one at or after it.</summary>
    public static string NextTimestamp(IReadOnlyList<(decimal Version, int Digits, string File)> versions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var stamp = decimal.Parse(now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var highest = versions.Count == 0 ? 0 : versions.Max(v => v.Version);
        return (highest >= stamp ? highest + 1 : stamp).ToString(CultureInfo.InvariantCulture);
    }

    public static PgAutogenException FolderInvalid(string folder, MigrationFormat format, string what, string fix) =>
        new(PgErrorId.MigrationFolderInvalid, $"The migrations folder '{folder}' cannot take a {format} migration: {what}. Nothing was written.")
        {
            Target = folder,
            RecommendedAction = fix,
        };
}
