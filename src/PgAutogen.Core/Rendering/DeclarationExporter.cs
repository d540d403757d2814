using System.Security.Cryptography;
using System.Text;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Diff;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// Writes the current catalog as declaration files, one per object, under &lt;schema&gt;/&lt;kind&gt;/&lt;name&gt;.sql:
/// how a team adopts PgAutogen on an existing database. Comparing the exported files with the same
/// database gives no difference.
/// </summary>
public static class DeclarationExporter
{
    /// <summary>Reads the catalog and plans the files (full paths under <paramref name="root"/> and contents), writing nothing.</summary>
    public static async Task<IReadOnlyList<(string Path, string Content)>> PlanAsync(
        ConnectionOptions connection, CatalogFilter filter, string root, IEngineEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var objects = new List<PgObject>();
        var (_, defaults) = await CatalogService.ReadAsync(connection, filter, objects.Add, events, aclDefaults: true, cancellationToken).ConfigureAwait(false);
        return Plan(objects, root, defaults);
    }

    /// <summary>
    /// The files for <paramref name="objects"/>: deterministic names and bytes. Each routine's and view's owner and
    /// privileges are written after its definition, relative to <paramref name="aclDefaults"/> (the server's default
    /// privileges; <see cref="AclDefaults.Assumed"/> when not given).
    /// </summary>
    public static IReadOnlyList<(string Path, string Content)> Plan(IReadOnlyList<PgObject> objects, string root, AclDefaults? aclDefaults = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        aclDefaults ??= AclDefaults.Assumed;
        var overloaded = objects
            .Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure)
            .GroupBy(o => (o.Schema, o.Name))
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .ToHashSet();
        var files = new List<(string, string)>(objects.Count);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var obj in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            var name = obj.Kind switch
            {
                PgObjectKind.Trigger or PgObjectKind.Policy => obj.Table + "." + obj.Name,
                PgObjectKind.Function or PgObjectKind.Procedure when overloaded.Contains((obj.Schema, obj.Name)) =>
                    obj.Name + "(" + obj.Arguments + ")",
                _ => obj.Name,
            };
            var schemaFolder = obj.Schema.Length == 0 ? "" : SafeFileName(obj.Schema); // event triggers: in no schema
            var relative = Path.Combine(schemaFolder, Folder(obj.Kind), SafeFileName(name) + ".sql");
            if (!used.Add(relative))
            {
                // Names that differ only in case or in characters a file name cannot hold.
                relative = Path.Combine(schemaFolder, Folder(obj.Kind), SafeFileName(name) + "-" + ShortHash(obj.Key) + ".sql");
                used.Add(relative);
            }

            files.Add((Path.Combine(root, relative), Content(obj, aclDefaults)));
        }

        return files;
    }

    private static string Folder(PgObjectKind kind) => kind switch
    {
        PgObjectKind.Function => "functions",
        PgObjectKind.Procedure => "procedures",
        PgObjectKind.Trigger => "triggers",
        PgObjectKind.MaterializedView => "materialized_views",
        PgObjectKind.Policy => "policies",
        PgObjectKind.EventTrigger => "event_triggers",
        _ => "views",
    };

    private static string Content(PgObject obj, AclDefaults aclDefaults)
    {
        // A materialized view that is not populated is exported WITH NO DATA (the rest of its definition is the same).
        var text = obj.Kind == PgObjectKind.MaterializedView ? Diff.SqlBuilder.Create(obj) : obj.Definition;
        var definition = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
        if (!definition.EndsWith(';'))
        {
            definition += ";";
        }

        var header = $"-- {ObjectKey.Words(obj.Kind)} {obj.Identity}\n";
        if (obj.Kind is PgObjectKind.Trigger or PgObjectKind.EventTrigger && obj.TriggerState is { } state && state != TriggerState.Enabled)
        {
            header += $"-- The {ObjectKey.Words(obj.Kind)} is {state.ToString().ToLowerInvariant()} in the database; PgAutogen keeps that state when it replaces it.\n";
        }

        var attributes = AclSql.Declare(obj, aclDefaults);
        return header + definition + "\n" + (attributes.Length == 0 ? "" : attributes + "\n");
    }

    /// <summary>Keeps letters, digits and _ . - ( ) , and spaces as _; anything else becomes _ (the hash disambiguates).</summary>
    internal static string SafeFileName(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var ch in name)
        {
            sb.Append(char.IsLetterOrDigit(ch) || ch is '_' or '.' or '-' or '(' or ')' or ',' ? ch : '_');
        }

        var result = sb.ToString().Replace(",_", ",", StringComparison.Ordinal).Trim('.');
        return result.Length == 0 ? "_" : result;
    }

    private static string ShortHash(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8].ToLowerInvariant();
}
