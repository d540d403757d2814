namespace PgAutogen.Core.Diff;

/// <summary>
/// Dependencies between things to do, with one topological sort: the order in which a compare's declarations are executed
/// (<see cref="Canonicalization.DependencyOrder"/>) and the order of a migration's steps (<see cref="MigrationPlanner"/>).
/// Nodes are 0 … n-1, numbered in the order preferred where the edges leave a choice; an edge makes one node wait for
/// another. The sort is Kahn's algorithm taking, of the nodes whose dependencies are all placed, the lowest number
/// (deterministic, O(E log V)); nodes left in a cycle follow the others in their numbers' order.
/// </summary>
internal sealed class DependencyGraph
{
    private readonly List<int>?[] _successors;
    private readonly int[] _indegree;

    public DependencyGraph(int count)
    {
        _successors = new List<int>?[count];
        _indegree = new int[count];
    }

    /// <summary>How many edges were added (a repeated one counts again).</summary>
    public int Edges { get; private set; }

    /// <summary>Makes node <paramref name="after"/> wait for node <paramref name="before"/>.</summary>
    public void AddEdge(int before, int after)
    {
        (_successors[before] ??= new List<int>()).Add(after);
        _indegree[after]++;
        Edges++;
    }

    /// <summary>The nodes in an order that respects every edge outside a cycle, preferring lower numbers.</summary>
    public List<int> Sort()
    {
        var count = _indegree.Length;
        var indegree = (int[])_indegree.Clone();
        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < count; i++)
        {
            if (indegree[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new List<int>(count);
        var placed = new bool[count];
        while (ready.TryDequeue(out var next, out _))
        {
            order.Add(next);
            placed[next] = true;
            foreach (var successor in _successors[next] ?? Enumerable.Empty<int>())
            {
                if (--indegree[successor] == 0)
                {
                    ready.Enqueue(successor, successor);
                }
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (!placed[i])
            {
                order.Add(i); // a cycle: in the preferred order, after the rest
            }
        }

        return order;
    }
}
