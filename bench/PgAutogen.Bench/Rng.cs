namespace PgAutogen.Bench;

/// <summary>SplitMix64: a tiny seeded generator whose sequence never changes between .NET versions (System.Random's may).</summary>
internal sealed class Rng
{
    private ulong _state;

    public Rng(ulong seed) => _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>0 ≤ result &lt; max.</summary>
    public int Int(int max) => max <= 1 ? 0 : (int)(Next() % (ulong)max);

    public bool Chance(double probability) => (Next() >> 11) * (1.0 / (1UL << 53)) < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Int(items.Count)];

    /// <summary><paramref name="count"/> distinct items, in a random order.</summary>
    public List<T> Sample<T>(IReadOnlyList<T> items, int count)
    {
        var copy = items.ToList();
        count = Math.Min(count, copy.Count);
        for (var i = 0; i < count; i++)
        {
            var j = i + Int(copy.Count - i);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }

        return copy.GetRange(0, count);
    }
}
