namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// A routine that is no longer declared while another routine of the same schema and name is (its argument list
/// changed: a parameter added, removed or retyped) must be gone before anything that calls that name is created: while
/// both overloads exist, PostgreSQL resolves a call like <c>f(true, 'a')</c> against both — ambiguous ("function ... is
/// not unique") when the new one has a default for the added parameter, or bound to the old one, which the migration
/// then cannot drop. So before the declarations run, each such routine is dropped inside the transaction with the
/// managed objects that depend on it (<see cref="Recreation"/>), and their declarations create them again, bound to
/// what the desired state has. The migration does the same: the planner drops it before the routines of its name are
/// created, its dependents before it (both ways: going down, the new overload is the one displaced).
/// One that something unmanaged depends on is left alone: the compare refuses to drop it (<see cref="DroppedDependents"/>).
/// </summary>
internal static class DisplacedOverloads
{
    public static async Task DropAsync(CompareContext context, IReadOnlyList<PgDeclaration> declarations, IReadOnlyList<PgObject> current, Recreation recreation)
    {
        var routines = current.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure).ToList();
        if (routines.Count == 0)
        {
            return;
        }

        var names = routines.Select(r => SqlIdentifier.Qualify(r.Schema, r.Name)).ToHashSet(StringComparer.Ordinal);
        var sameName = declarations
            .Where(d => d.Kind is PgObjectKind.Function or PgObjectKind.Procedure && !d.IsComment && names.Contains(context.Qualify(d.Schema, d.Name)))
            .ToList();
        if (sameName.Count == 0)
        {
            return;
        }

        var declaredNames = sameName.Select(d => context.Qualify(d.Schema, d.Name)).ToHashSet(StringComparer.Ordinal);
        var targeted = (await new TargetResolver(context).ResolveAsync(sameName).ConfigureAwait(false))
            .Where(t => t.Id is not null).Select(t => t.Id!.Value).ToHashSet();
        foreach (var old in routines.Where(r => declaredNames.Contains(SqlIdentifier.Qualify(r.Schema, r.Name)) && !targeted.Contains(CatalogId.Of(r)))
                     .OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (recreation.Reasons.ContainsKey(old.Key))
            {
                continue; // already dropped, as a dependent of another
            }

            const string why = "no longer declared, while another routine of its name is: dropped before that one is created, so that calls of the name resolve as in the desired state";
            if (await recreation.DropUndeclaredAsync(context, old, why).ConfigureAwait(false))
            {
                context.Events.Verbose($"{old.Identity}: {why}.");
            }
        }
    }
}
