using System.Diagnostics;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>
/// Makes a failing case smaller while it fails the same way (same direction, same stage): mutations left out one at a
/// time, then objects of A (with what names them) in halves, quarters, ... and one by one, until nothing more can go or
/// the time is up. What is left is a ready bug report.
/// </summary>
internal static class RandomShrinker
{
    public static async Task<(RandomCase Case, CaseFailure Failure, int Trials)> ShrinkAsync(RandomCaseRunner runner, RandomCase c, CaseFailure failure, TimeSpan budget)
    {
        var watch = Stopwatch.StartNew();
        var trials = 0;
        var only = failure.Direction is "A to B" or "B to A" ? failure.Direction : null;

        async Task<CaseFailure?> SameFailure(RandomCase candidate)
        {
            trials++;
            var outcome = await runner.RunAsync(candidate, only);
            return outcome.Failure?.Signature == failure.Signature ? outcome.Failure : null;
        }

        bool progress;
        do
        {
            progress = false;

            // Mutations, one at a time (the last, invalid one included: the failure may not need it).
            for (var i = c.Mutations.Count - 1; i >= 0 && watch.Elapsed < budget; i--)
            {
                var candidate = c.WithMutations(c.Mutations.Where((_, j) => j != i).ToList());
                if (await SameFailure(candidate) is { } f)
                {
                    (c, failure, progress) = (candidate, f, true);
                }
            }

            // Objects of A: chunks first, then one by one.
            for (var size = Math.Max(1, c.A.Objects.Count / 2); size >= 1 && watch.Elapsed < budget; size /= 2)
            {
                for (var at = 0; at < c.A.Objects.Count && watch.Elapsed < budget; at += size)
                {
                    var ids = c.A.Objects.Skip(at).Take(size).Select(o => o.Id).ToList();
                    var candidate = c.Without(ids);
                    if (candidate.A.Objects.Count < c.A.Objects.Count && await SameFailure(candidate) is { } f)
                    {
                        (c, failure, progress) = (candidate, f, true);
                        at -= size;
                    }
                }

                if (size == 1)
                {
                    break;
                }
            }
        }
        while (progress && watch.Elapsed < budget);

        var shrunk = new RandomCase { Seed = c.Seed, A = c.A, Mutations = c.Mutations, Shrunk = $"{c.A.Objects.Count} object(s), {c.Mutations.Count} mutation(s) left after {trials} trial(s) in {watch.Elapsed.TotalSeconds:0} s" };
        return (shrunk, failure, trials);
    }
}
