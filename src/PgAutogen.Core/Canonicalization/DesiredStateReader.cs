using System.Diagnostics;
using PgAutogen.Core.Catalog;

namespace PgAutogen.Core.Canonicalization;

/// <summary>The desired state, read back from the catalog inside the compare's transaction.</summary>
/// <param name="Catalog">The whole catalog (within the filter) as the declarations left it.</param>
/// <param name="Desired">Exactly the objects the declarations created or replaced.</param>
/// <param name="DeclarationByKey">The declaration behind each desired object.</param>
/// <param name="CommentedKeys">The objects whose comment is declared.</param>
/// <param name="OutOfScope">Declared objects outside the compared kinds or schemas (ignored).</param>
/// <param name="ReadMilliseconds">How long reading the catalog took.</param>
internal sealed record DesiredState(
    IReadOnlyList<PgObject> Catalog, IReadOnlyList<PgObject> Desired, IReadOnlyDictionary<string, PgDeclaration> DeclarationByKey,
    IReadOnlySet<string> CommentedKeys, int OutOfScope, long ReadMilliseconds)
{
    /// <summary>The objects whose privileges are declared (a GRANT or REVOKE names them).</summary>
    public IReadOnlySet<string> PrivilegedKeys { get; init; } = new HashSet<string>();

    /// <summary>The objects whose owner is declared (ALTER ... OWNER TO).</summary>
    public IReadOnlySet<string> OwnedKeys { get; init; } = new HashSet<string>();
}

/// <summary>
/// Reads the desired state back with the inspector's queries (what PostgreSQL stores is the canonical form), and maps each
/// object to its declaration by catalog row: the declarations' targets, and the declarations the parse-tree shortcut left
/// out, which are their current objects.
/// </summary>
internal sealed class DesiredStateReader(CompareContext context, CatalogFilter filter)
{
    public async Task<DesiredState> ReadAsync(IReadOnlyList<Target> targets, IReadOnlyDictionary<PgDeclaration, PgObject> unchanged, IReadOnlyList<PgObject> current)
    {
        // COMMENT ON, GRANT, REVOKE and OWNER TO declarations name objects; they create none.
        var resolved = TargetResolver.Map(targets.Where(t => !t.Declaration.IsAttribute && !t.Declaration.IsIndex)
            .Concat(unchanged.Select(u => new Target(u.Key, ObjectKey.Family(u.Value.Kind), u.Value.Oid))));
        var commented = targets.Where(t => t.Declaration.IsComment && t.Id is not null).Select(t => t.Id!.Value).ToHashSet();
        var privileged = Attributes(targets.Where(t => t.Declaration.IsPrivilege), resolved);
        var owned = Attributes(targets.Where(t => t.Declaration.IsOwnerChange), resolved);

        var watch = Stopwatch.StartNew();
        var after = unchanged.Count == 0
            ? await CatalogInspector.ReadAllAsync(context.Connection, filter, context.CancellationToken).ConfigureAwait(false)
            : await ReadExecutedAsync(targets, current).ConfigureAwait(false);
        var readMs = watch.ElapsedMilliseconds;
        context.Events.Verbose($"Read the desired catalog: {after.Count} object(s) in {readMs} ms");

        var desired = new List<PgObject>();
        var byKey = new Dictionary<string, PgDeclaration>(StringComparer.Ordinal);
        var commentedKeys = after.Where(o => commented.Contains(CatalogId.Of(o))).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var obj in after)
        {
            if (resolved.TryGetValue(CatalogId.Of(obj), out var declaration))
            {
                desired.Add(obj.Kind switch
                {
                    // Created WITH NO DATA here whatever was declared; the declaration says how a migration creates it.
                    PgObjectKind.MaterializedView => new PgObject(obj) { WithNoData = declaration.WithNoData },
                    // Disabled here so that it never fires during the compare; declared, it is enabled.
                    PgObjectKind.EventTrigger => new PgObject(obj) { TriggerState = TriggerState.Enabled },
                    _ => obj,
                });
                byKey[obj.Key] = declaration;
            }
        }

        return new DesiredState(after, desired, byKey, commentedKeys, resolved.Count - desired.Count, readMs)
        {
            PrivilegedKeys = after.Where(o => privileged.Contains(CatalogId.Of(o))).Select(o => o.Key).ToHashSet(StringComparer.Ordinal),
            OwnedKeys = after.Where(o => owned.Contains(CatalogId.Of(o))).Select(o => o.Key).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The catalog rows GRANT, REVOKE or OWNER TO declarations reached, each of which must be an object declared here: a
    /// routine that exists but is not declared (to be dropped), or one that ALL FUNCTIONS IN SCHEMA reaches but that is
    /// not declared, is an error.
    /// </summary>
    private static HashSet<CatalogId> Attributes(IEnumerable<Target> targets, IReadOnlyDictionary<CatalogId, PgDeclaration> declared)
    {
        var result = new HashSet<CatalogId>();
        foreach (var target in targets)
        {
            if (target.Id is not { } id)
            {
                continue;
            }

            if (!declared.ContainsKey(id))
            {
                throw AttributeDeclarations.NotDeclared(target.Declaration, target.Declaration.AllInSchema
                    ? $"it also reaches a {ObjectKey.Words(PgObjectKind.Function)} or {ObjectKey.Words(PgObjectKind.Procedure)} of that schema that is not declared here (oid {id.Oid}); grant on each declared routine instead"
                    : "it names an object that exists but is not declared here (a migration would drop it)");
            }

            result.Add(id);
        }

        return result;
    }

    /// <summary>
    /// The desired catalog when the shortcut left declarations out: the objects the executed declarations target, read by
    /// oid, and every other current object as it is (nothing executed refers to them, or they would have been executed).
    /// </summary>
    private async Task<List<PgObject>> ReadExecutedAsync(IReadOnlyList<Target> targets, IReadOnlyList<PgObject> current)
    {
        var executed = targets.Where(t => t.Id is not null).Select(t => t.Id!.Value).ToHashSet();
        var read = executed.Count == 0
            ? new List<PgObject>()
            : await CatalogInspector.ReadAllAsync(context.Connection,
                new CatalogFilter { Kinds = filter.Kinds, Schemas = filter.Schemas, Names = filter.Names, Oids = executed.Select(e => e.Oid).ToHashSet() },
                context.CancellationToken).ConfigureAwait(false);
        read.RemoveAll(o => !executed.Contains(CatalogId.Of(o))); // an oid shared by rows of two catalogs
        var keys = read.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        read.AddRange(current.Where(o => !keys.Contains(o.Key)));
        return read;
    }
}
