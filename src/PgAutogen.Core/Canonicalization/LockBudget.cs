using Npgsql;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// A live compare holds every lock its DDL takes until it rolls back: one per view or materialized view it replaces,
/// one per relation its statements read (a view's tables, a BEGIN ATOMIC body's, a trigger's or policy's table). Those
/// live in the server's shared lock table (max_locks_per_transaction × (max_connections + max_prepared_transactions)
/// entries), which every session shares: a compare of 100,000 views once filled it, and other clients' connections
/// were refused ("out of shared memory") until it failed. So before executing, the compare counts the relation locks
/// it will take (an upper bound: every relation, function and type its statements name, and every view it replaces)
/// and refuses when that is more than <see cref="Share"/> of what the lock table has free.
/// </summary>
internal static class LockBudget
{
    /// <summary>The share of the lock table's free entries a compare may take.</summary>
    public const double Share = 0.5;

    /// <summary>Below this many, no check (a backend takes its first 16 weak relation locks outside the shared table anyway).</summary>
    private const int Trivial = 64;

    public static int Estimate(IEnumerable<PreparedStatement> statements)
    {
        var relations = new HashSet<(string, string)>();
        var own = 0;
        foreach (var statement in statements.Where(s => !s.Skipped).DistinctBy(s => s.Declaration))
        {
            var declaration = statement.Declaration;
            if ((declaration.Kind is PgObjectKind.View or PgObjectKind.MaterializedView && !declaration.IsAttribute) || declaration.IsIndex)
            {
                own++;
            }

            foreach (var reference in DeclarationFacts.For(declaration).References)
            {
                relations.Add((reference.Schema, reference.Name));
            }
        }

        return own + relations.Count;
    }

    public static async Task CheckAsync(CompareContext context, IReadOnlyList<PreparedStatement> statements)
    {
        var estimate = Estimate(statements);
        if (estimate < Trivial)
        {
            return;
        }

        await using var cmd = new NpgsqlCommand("""
            SELECT current_setting('max_locks_per_transaction')::int, current_setting('max_connections')::int,
                   current_setting('max_prepared_transactions')::int, (SELECT count(*) FROM pg_catalog.pg_locks WHERE NOT fastpath)::int
            """, context.Connection);
        int perTransaction, connections, prepared, inUse;
        await using (var reader = await cmd.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false);
            (perTransaction, connections, prepared, inUse) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
        }

        var capacity = perTransaction * (connections + prepared);
        var allowed = (int)((capacity - inUse) * Share);
        context.Events.Verbose($"Lock budget: about {estimate} relation lock(s) to take; the lock table holds {capacity} " +
            $"(max_locks_per_transaction {perTransaction} × (max_connections {connections} + max_prepared_transactions {prepared})), {inUse} in use, {allowed} allowed");
        if (estimate > allowed)
        {
            throw new PgAutogenException(PgErrorId.LockBudgetExceeded,
                $"This compare would take about {estimate} locks on the target, which it holds until it rolls back, but the server's lock table has room " +
                $"for {capacity} (max_locks_per_transaction {perTransaction} × (max_connections {connections} + max_prepared_transactions {prepared})) " +
                $"and {inUse} are in use: taking more than half of what is free could exhaust it, and other clients' statements and connections " +
                "would fail with \"out of shared memory\" until the compare ends. Nothing was executed.")
            {
                RecommendedAction = "Compare on a shadow (-Shadow or -ShadowConnectionString: the target is then only read), or compare a part at a time (-Schema, -Kind).",
            };
        }
    }
}
