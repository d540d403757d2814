using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Shadow;

/// <summary>
/// Another database as the desired state ("what differs between staging and production, and what migration takes
/// production there?"): its managed objects, read from its catalog (only read), become the declarations — what
/// Export-PgDeclaration would write, with their comments, parsed in memory — and are compared with the target as usual,
/// live or through a shadow.
/// </summary>
public static class ReferenceDeclarations
{
    public static async Task<IReadOnlyList<PgDeclaration>> LoadAsync(ConnectionOptions reference, CatalogFilter filter, Action<PgAutogenException> onError,
        IEngineEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(onError);
        var objects = new List<PgObject>();
        var (_, defaults) = await CatalogService.ReadAsync(reference, filter, objects.Add, events, aclDefaults: true, cancellationToken).ConfigureAwait(false);
        var label = "reference " + reference.Describe();
        var parser = new DeclarationParser(onError: onError, events: events);
        foreach (var obj in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            parser.ParseSql(Text(obj, defaults), $"{label}: {ObjectKey.Words(obj.Kind)} {obj.Identity}", cancellationToken);
        }

        events.Verbose($"Reference: {objects.Count} managed object(s) of {reference.Describe()} as the declarations");
        return parser.Declarations;
    }

    /// <summary>
    /// The object's declaration: its definition (a materialized view as created, WITH NO DATA when not populated), its
    /// comment, and a routine's or view's owner and privileges.
    /// </summary>
    private static string Text(PgObject obj, Diff.AclDefaults defaults)
    {
        var definition = (obj.Kind == PgObjectKind.MaterializedView ? Diff.SqlBuilder.Create(obj) : obj.Definition).TrimEnd();
        if (!definition.EndsWith(';'))
        {
            definition += ";";
        }

        var attributes = Diff.AclSql.Declare(obj, defaults);
        return (string.IsNullOrEmpty(obj.Comment) ? definition : definition + "\n" + Diff.AclSql.CommentOn(obj))
            + (attributes.Length == 0 ? "" : "\n" + attributes);
    }
}
