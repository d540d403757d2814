using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// Materialized views have no CREATE OR REPLACE: a declared one that exists must be dropped and created to be
/// canonicalized, and dropping it takes its dependents along. So before the declarations run, each declared
/// materialized view that exists is tried beside the live one: inside a savepoint the live view and its indexes are
/// renamed out of the way, the declaration (WITH NO DATA) and its indexes run, the result is read back and compared
/// with the live definition, and the savepoint is rolled back. Unchanged: its statements are skipped (nothing is
/// dropped, nothing that depends on it is touched). Changed (or a view becoming a materialized view, or a trial that
/// fails, e.g. on a name declared later): it is dropped with its dependents (<see cref="Recreation"/>, which refuses
/// dependents PgAutogen does not manage), to be created by its declaration in the batch.
/// </summary>
internal sealed class MaterializedViews(CompareContext context)
{
    /// <summary>Checks the index declarations and judges the declared materialized views; returns the declarations (views and indexes) to skip.</summary>
    public async Task<IReadOnlySet<PgDeclaration>> JudgeAsync(IReadOnlyList<PgDeclaration> declarations, IReadOnlyList<PgObject> current, Recreation recreation)
    {
        var skipped = new HashSet<PgDeclaration>();
        var views = declarations.Where(d => d.Kind == PgObjectKind.MaterializedView && !d.IsAttribute && !d.IsIndex)
            .GroupBy(d => context.Qualify(d.Schema, d.Name), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var indexes = new Dictionary<string, List<PgDeclaration>>(StringComparer.Ordinal);
        foreach (var index in declarations.Where(d => d.IsIndex))
        {
            var on = context.Qualify(index.Schema, index.Name);
            if (!views.ContainsKey(on))
            {
                throw new PgAutogenException(PgErrorId.DeclarationStatementNotAllowed,
                    $"{index.Location}: CREATE INDEX on {on}: PgAutogen manages indexes only as part of a materialized view declared with them, " +
                    $"and no materialized view {on} is declared. Indexes of tables belong in your schema migrations; remove this statement, or declare the materialized view.")
                {
                    Target = index,
                    RecommendedAction = "Remove the CREATE INDEX, or declare the materialized view it is on.",
                };
            }

            if (!indexes.TryGetValue(on, out var list))
            {
                indexes[on] = list = new List<PgDeclaration>();
            }

            list.Add(index);
        }

        if (views.Count == 0)
        {
            return skipped;
        }

        var live = current.Where(o => o.Kind is PgObjectKind.View or PgObjectKind.MaterializedView).ToDictionary(o => o.Identity, StringComparer.Ordinal);
        foreach (var (name, declaration) in views)
        {
            if (!live.TryGetValue(name, out var existing))
            {
                continue; // new: created by the batch
            }

            var viewIndexes = indexes.GetValueOrDefault(name) ?? new List<PgDeclaration>();
            string? why;
            if (existing.Kind == PgObjectKind.View)
            {
                why = "a view becomes a materialized view";
            }
            else
            {
                why = await TryAsync(declaration, viewIndexes, existing).ConfigureAwait(false);
            }

            if (why is null)
            {
                skipped.Add(declaration);
                skipped.UnionWith(viewIndexes);
                continue;
            }

            context.Events.Verbose($"{existing.Identity}: {why}; dropped and created again.");
            await recreation.DropAsync(context, declaration, why).ConfigureAwait(false);
        }

        if (skipped.Count > 0)
        {
            context.Events.Verbose($"{skipped.Count(d => !d.IsIndex)} declared materialized view(s) are the same as in the database: not re-created.");
        }

        return skipped;
    }

    /// <summary>Null when the declaration gives exactly the live definition; otherwise why it must be re-created.</summary>
    private async Task<string?> TryAsync(PgDeclaration declaration, IReadOnlyList<PgDeclaration> indexes, PgObject existing)
    {
        var connection = context.Connection;
        var cancellationToken = context.CancellationToken;
        await context.SaveAsync(Savepoints.MaterializedView).ConfigureAwait(false);
        try
        {
            await using (var batch = new NpgsqlBatch(connection))
            {
                var stash = "pgautogen_trial_" + existing.Oid.ToString(CultureInfo.InvariantCulture);
                await using (var cmd = new NpgsqlCommand("""
                    SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), c.oid
                    FROM pg_catalog.pg_index i
                    JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
                    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                    WHERE i.indrelid = $1
                    """, connection))
                {
                    cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Oid, Value = existing.Oid });
                    await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        batch.BatchCommands.Add(new NpgsqlBatchCommand(
                            $"ALTER INDEX {reader.GetString(0)} RENAME TO pgautogen_trial_{reader.GetFieldValue<uint>(1).ToString(CultureInfo.InvariantCulture)}"));
                    }
                }

                batch.BatchCommands.Add(new NpgsqlBatchCommand($"ALTER MATERIALIZED VIEW {existing.Identity} RENAME TO {stash}"));
                batch.BatchCommands.Add(SqlCommands.Verbatim(StatementPreparer.WithNoData(declaration).Sql));
                foreach (var index in indexes)
                {
                    batch.BatchCommands.Add(SqlCommands.Verbatim(index.Sql));
                }

                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            uint? oid;
            await using (var cmd = new NpgsqlCommand("SELECT pg_catalog.to_regclass($1)::oid", connection))
            {
                cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = existing.Identity });
                oid = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as uint?;
            }

            var trial = oid is null
                ? new List<PgObject>()
                : await CatalogInspector.ReadAllAsync(connection, new CatalogFilter { Kinds = new[] { PgObjectKind.MaterializedView }, Oids = new[] { oid.Value } }, cancellationToken).ConfigureAwait(false);
            return trial.Count == 1 && string.Equals(trial[0].Definition, existing.Definition, StringComparison.Ordinal)
                ? null
                : "its definition differs, and a materialized view cannot be replaced in place";
        }
        catch (PostgresException ex)
        {
            // Names something declared later, or is invalid: the batch runs it again and reports a real error.
            return "it could not be compared in place (" + ex.MessageText + ")";
        }
        finally
        {
            await context.RollbackToAsync(Savepoints.MaterializedView).ConfigureAwait(false);
            await context.ReleaseAsync(Savepoints.MaterializedView).ConfigureAwait(false);
        }
    }
}
