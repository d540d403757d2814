using PgAutogen.Core.Diff;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// Orders the statements of the one-batch fast path so that a declaration runs after the declarations it references
/// (a view on a view declared later, a BEGIN ATOMIC body calling a function declared later, a function returning a
/// declared view's row type, a trigger on a declared view): in one batch, a statement that names an object not created
/// yet fails, and the compare falls back to one savepoint per statement, which at tens of thousands of statements costs
/// many times the batch.
/// <para>
/// The references are the names the parser found (<see cref="DeclarationFacts.References"/>), matched to declared
/// objects by name and, where both are written, schema; a match may be too broad (an unqualified name, an overload),
/// which only constrains the order more. A stable topological sort: statements keep their order unless a referenced
/// one comes later; statements in a cycle keep their order after the others (<see cref="DependencyGraph"/>). The server still judges: what this does
/// not see is handled by the slow path, as before.
/// </para>
/// </summary>
internal static class DependencyOrder
{
    /// <summary>The statements in an order that puts referenced declarations first; the same list when nothing moves.</summary>
    public static List<PreparedStatement> Sort(List<PreparedStatement> statements, out int moved)
    {
        moved = 0;
        var count = statements.Count;
        if (count < 2)
        {
            return statements;
        }

        // The parser keeps each declaration's tree; its facts are read on first use: here, on every core.
        statements.Select(s => s.Declaration).Distinct().AsParallel().ForAll(d => DeclarationFacts.For(d));

        // Who defines which name (functions and procedures share names across overloads).
        var definers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var declaration = statements[i].Declaration;
            if (!declaration.IsAttribute && declaration.Kind != PgObjectKind.Trigger)
            {
                if (!definers.TryGetValue(declaration.Name, out var list))
                {
                    definers[declaration.Name] = list = new List<int>(1);
                }

                list.Add(i);
            }
        }

        var graph = new DependencyGraph(count);
        for (var i = 0; i < count; i++)
        {
            var declaration = statements[i].Declaration;
            if (declaration.IsAttribute)
            {
                continue; // a comment, privileges, an owner: ranked after every object
            }

            foreach (var reference in DeclarationFacts.For(declaration).References)
            {
                if (!definers.TryGetValue(reference.Name, out var candidates))
                {
                    continue;
                }

                foreach (var j in candidates)
                {
                    var target = statements[j].Declaration;
                    if (ReferenceEquals(target, declaration)
                        || (reference.Schema.Length > 0 && target.Schema.Length > 0 && !string.Equals(reference.Schema, target.Schema, StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    graph.AddEdge(j, i);
                }
            }
        }

        if (graph.Edges == 0)
        {
            return statements;
        }

        // The original order where the references allow it; a cycle (or a reference too broad to tell) keeps its order after the rest.
        var order = graph.Sort();
        for (var i = 0; i < count; i++)
        {
            if (order[i] != i)
            {
                moved++;
            }
        }

        return moved == 0 ? statements : order.Select(i => statements[i]).ToList();
    }
}
