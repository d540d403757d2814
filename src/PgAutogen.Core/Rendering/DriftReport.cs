using System.Text;

namespace PgAutogen.Core.Rendering;

/// <summary>Annotations and a Markdown summary for the objects whose database state differs from their declaration.</summary>
public static class DriftReport
{
    /// <summary>Auto → AzureDevOps when TF_BUILD is set, GitHubActions when GITHUB_ACTIONS is set, else None.</summary>
    public static CIFormat Resolve(CIFormat format, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (format != CIFormat.Auto)
        {
            return format;
        }

        if (!string.IsNullOrEmpty(environment("TF_BUILD")))
        {
            return CIFormat.AzureDevOps;
        }

        return string.Equals(environment("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase) ? CIFormat.GitHubActions : CIFormat.None;
    }

    /// <summary>
    /// One warning annotation per drifting object, pointing at its declaration (line and column) where it has one. The file
    /// is relative to the repository (GITHUB_WORKSPACE, BUILD_SOURCESDIRECTORY, else the current directory when the file
    /// is below it), with forward slashes: GitHub and Azure DevOps show an annotation inline on a pull request only then.
    /// </summary>
    public static IEnumerable<string> Annotations(IReadOnlyList<MigrationOp> ops, CIFormat format, Func<string, string?>? environment = null, string? currentDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(ops);
        environment ??= Environment.GetEnvironmentVariable;
        var root = format switch
        {
            CIFormat.GitHubActions => environment("GITHUB_WORKSPACE"),
            CIFormat.AzureDevOps => environment("BUILD_SOURCESDIRECTORY") is { Length: > 0 } sources ? sources : environment("SYSTEM_DEFAULTWORKINGDIRECTORY"),
            _ => null,
        };
        if (string.IsNullOrEmpty(root))
        {
            root = currentDirectory ?? Environment.CurrentDirectory;
        }

        if (format is not (CIFormat.AzureDevOps or CIFormat.GitHubActions))
        {
            yield break;
        }

        foreach (var group in ops.GroupBy(o => (o.Kind, o.Identity)))
        {
            // One annotation per drifting object (the first of its steps that is not the drop half of a re-creation)...
            var op = group.FirstOrDefault(o => o.Phase != MigrationPhase.Drop) ?? group.First();
            // A drop's reason says what its description already does; the others add why.
            var reasons = string.Join("; ", group.Where(o => o.Phase != MigrationPhase.Drop).Select(o => o.Reason).Where(r => r.Length > 0).Distinct());
            var message = op.Action is MigrationAction.Create or MigrationAction.Drop ? Describe(op) : $"{Describe(op)}: {reasons}";
            var (file, line, column) = Location(group.Select(o => o.Declaration).FirstOrDefault(d => d.Length > 0) ?? "");
            file = file is null ? null : RepositoryPath(file, root);
            if (group.Any(o => o.Phase != MigrationPhase.Drop))
            {
                yield return Annotation(format, file, line, column, message);
            }

            // ... and one per hazard of its steps, saying whether New-PgMigration will want it allowed by name.
            foreach (var hazard in group.SelectMany(o => o.Hazards).GroupBy(h => (h.Kind, h.Reason)).Select(h => h.First()))
            {
                yield return Annotation(format, file, line, column,
                    $"Hazard {hazard.Kind} ({(hazard.Gated ? $"New-PgMigration needs -AllowHazard {hazard.Kind}" : "does not gate")}): {op.Kind} {op.Identity}: {hazard.Reason}");
            }
        }
    }

    private static string Annotation(CIFormat format, string? file, int line, int column, string message)
    {
        if (format == CIFormat.AzureDevOps)
        {
            var props = file is null ? "type=warning" : $"type=warning;sourcepath={AzureProperty(file)};linenumber={line};columnnumber={column}";
            return $"##vso[task.logissue {props}]{AzureMessage(message)}";
        }

        var where = file is null ? "" : $" file={GitHubProperty(file)},line={line},col={column}";
        return $"::warning{where}::{GitHubMessage(message)}";
    }

    /// <summary><paramref name="file"/> relative to <paramref name="root"/> with forward slashes when it is below it, else as it is.</summary>
    internal static string RepositoryPath(string file, string root)
    {
        var full = Path.GetFullPath(file);
        var relative = Path.GetRelativePath(Path.GetFullPath(root), full);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return file;
        }

        return relative.Replace('\\', '/');
    }

    /// <summary>A Markdown summary (for $GITHUB_STEP_SUMMARY or a pipeline artifact).</summary>
    public static string Markdown(IReadOnlyList<MigrationOp> ops, string target)
    {
        var sb = new StringBuilder();
        if (ops.Count == 0)
        {
            sb.Append("### PgAutogen: no drift\n\n").Append(target).Append(" matches the declarations.\n");
            return sb.ToString();
        }

        var objects = ops.Where(o => o.Phase != MigrationPhase.Drop).GroupBy(o => (o.Kind, o.Identity)).Select(g => g.First()).ToList();
        sb.Append($"### PgAutogen: {objects.Count} object(s) differ from their declarations\n\n");
        sb.Append(target).Append("\n\n| Action | Kind | Object | Declared at | Why |\n| --- | --- | --- | --- | --- |\n");
        foreach (var op in objects)
        {
            sb.Append($"| {op.Action} | {op.Kind} | `{Cell(op.Identity)}` | {Cell(op.Declaration)} | {Cell(op.Reason)} |\n");
        }

        var hazards = ops.OrderBy(o => o.Order).SelectMany(o => o.Hazards.Select(h => (Op: o, Hazard: h))).ToList();
        if (hazards.Count > 0)
        {
            sb.Append($"\n#### Hazards ({hazards.Count})\n\n| Hazard | Gates New-PgMigration | Object | Why |\n| --- | --- | --- | --- |\n");
            foreach (var (op, hazard) in hazards)
            {
                sb.Append($"| {hazard.Kind} | {(hazard.Gated ? "yes: -AllowHazard " + hazard.Kind : "no")} | `{Cell(op.Identity)}` | {Cell(hazard.Reason)} |\n");
            }
        }

        return sb.ToString();
    }

    private static string Describe(MigrationOp op) => op.Action switch
    {
        MigrationAction.Create => $"{op.Kind} {op.Identity} is declared but missing from the database",
        MigrationAction.Drop => $"{op.Kind} {op.Identity} is in the database but not declared",
        _ => $"{op.Kind} {op.Identity} differs from its declaration",
    };

    private static (string? File, int Line, int Column) Location(string declaration)
    {
        // file:line:column — the file may itself contain ':' (Windows drive letters).
        var parts = declaration.Split(':');
        if (parts.Length >= 3 && int.TryParse(parts[^2], out var line))
        {
            _ = int.TryParse(parts[^1], out var column);
            var file = string.Join(':', parts[..^2]);
            // Declarations given as -Sql strings have no file to point at.
            return file.StartsWith("-Sql[", StringComparison.Ordinal) ? (null, 0, 0) : (file, line, Math.Max(column, 1));
        }

        return (null, 0, 0);
    }

    // Azure DevOps logging commands: %AZP25 for %, and ; ] in properties.
    private static string AzureMessage(string text) =>
        text.Replace("%", "%AZP25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string AzureProperty(string text) =>
        AzureMessage(text).Replace(";", "%3B", StringComparison.Ordinal).Replace("]", "%5D", StringComparison.Ordinal);

    // GitHub workflow commands: the runner decodes %25 %0D %0A in the message, and also %3A %2C in properties.
    private static string GitHubMessage(string text) =>
        text.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string GitHubProperty(string text) =>
        GitHubMessage(text).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
