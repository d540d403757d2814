using System.Globalization;
using Npgsql;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// Checks the bodies of the declared routines that are new or changed, with check_function_bodies on, once every
/// declaration has run (the declarations execute with it off, so that their order never matters).
/// </summary>
internal sealed class BodyValidator(CompareContext context)
{
    /// <summary>
    /// The languages whose validators only parse and analyse a body. Others are not validated during a compare: PL/Perl's
    /// validator compiles the body, which runs its BEGIN blocks on the server (C and internal are never declared at all).
    /// </summary>
    internal static readonly string[] ValidatedLanguages = { "sql", "plpgsql", "plpython3u" };

    /// <summary>
    /// Validates the body of every declared routine that is new or changed with its language's validator, now that
    /// all of them exist, the way CREATE FUNCTION does with check_function_bodies on: with the routine's own SET
    /// options (a SET search_path that its body's unqualified names rely on) in effect. A body that does not
    /// validate is an error. An unchanged routine (its declaration gives exactly the definition the database has) is
    /// not validated: the migration does not touch it, and its body is in the
    /// database as it is. Returns how many bodies were validated.
    /// </summary>
    public async Task<int> ValidateAsync(IReadOnlyList<Target> targets, IReadOnlyList<PgObject> desired, IReadOnlyList<PgObject> current)
    {
        var connection = context.Connection;
        var cancellationToken = context.CancellationToken;
        var unchanged = Unchanged(desired, current);
        var routines = targets
            .Where(t => t.Declaration.Kind is PgObjectKind.Function or PgObjectKind.Procedure && !t.Declaration.IsAttribute
                && t.Oid is { } oid && !unchanged.Contains(oid))
            .ToList();
        if (routines.Count == 0)
        {
            return 0;
        }

        var validators = new List<(PgDeclaration Declaration, uint Oid, string Validator, string[] Config)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT s.i::int, p.oid, quote_ident(vn.nspname) || '.' || quote_ident(v.proname), p.proconfig
            FROM unnest($1::oid[]) WITH ORDINALITY AS s(oid, i)
            JOIN pg_catalog.pg_proc p ON p.oid = s.oid
            JOIN pg_catalog.pg_language l ON l.oid = p.prolang
            JOIN pg_catalog.pg_proc v ON v.oid = l.lanvalidator
            JOIN pg_catalog.pg_namespace vn ON vn.oid = v.pronamespace
            WHERE l.lanname = ANY($2::text[])
            ORDER BY s.i
            """, connection))
        {
            cmd.Parameters.Add(SqlCommands.OidArray(routines.Select(t => t.Oid!.Value)));
            cmd.Parameters.Add(new NpgsqlParameter { Value = ValidatedLanguages, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                validators.Add((routines[reader.GetInt32(0) - 1].Declaration, reader.GetFieldValue<uint>(1), reader.GetString(2),
                    reader.IsDBNull(3) ? Array.Empty<string>() : reader.GetFieldValue<string[]>(3)));
            }
        }

        if (validators.Count == 0)
        {
            return 0;
        }

        // The fast path: one statement per validator for all the routines of its language without SET options
        // (20,000 single-call statements cost more in per-statement overhead than the validation itself), and one
        // call each, under its own settings, for those with SET options. Validation changes nothing, so on a failure
        // it is rolled back and repeated one routine at a time, in declaration order, to report the first invalid
        // body against its declaration exactly.
        await using (var fast = new NpgsqlBatch(connection))
        {
            fast.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Validate));
            fast.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = on"));
            // Routines with the same SET options (none, or typically a few distinct search_paths) share one call per
            // validator, under those settings.
            foreach (var group in validators.GroupBy(v => (v.Validator, Config: string.Join('\n', v.Config))))
            {
                foreach (var command in WithSettings(ValidatorCall(group.Key.Validator, group.Select(v => v.Oid)), group.First().Config))
                {
                    fast.BatchCommands.Add(command);
                }
            }

            fast.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = off"));
            fast.BatchCommands.Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT " + Savepoints.Validate));
            try
            {
                await fast.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return validators.Count;
            }
            catch (PostgresException) when (!cancellationToken.IsCancellationRequested)
            {
                await context.RollbackToAsync(Savepoints.Validate).ConfigureAwait(false);
                await context.ReleaseAsync(Savepoints.Validate).ConfigureAwait(false);
            }
        }

        // One batch of single calls, in declaration order: it stops at the first body that does not validate.
        await using var batch = new NpgsqlBatch(connection);
        var owner = new List<int>();
        void Add(NpgsqlBatchCommand command, int validator)
        {
            batch.BatchCommands.Add(command);
            owner.Add(validator);
        }

        Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Validate), -1);
        Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = on"), -1);
        for (var i = 0; i < validators.Count; i++)
        {
            foreach (var command in WithSettings(ValidatorCall(validators[i].Validator, validators[i].Oid), validators[i].Config))
            {
                Add(command, i);
            }
        }

        Add(new NpgsqlBatchCommand("SET LOCAL check_function_bodies = off"), -1);
        Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT " + Savepoints.Validate), -1);
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.BatchCommand is not null && owner[batch.BatchCommands.IndexOf(ex.BatchCommand)] >= 0)
        {
            var declaration = validators[owner[batch.BatchCommands.IndexOf(ex.BatchCommand)]].Declaration;
            throw CanonicalizationErrors.For(ex, new PreparedStatement(declaration, declaration.Sql, -1, 0), cancellationToken, ignorePosition: true);
        }

        return validators.Count;
    }

    /// <summary>The validator call for one routine.</summary>
    private static NpgsqlBatchCommand ValidatorCall(string validator, uint oid) =>
        new($"SELECT {validator}({oid.ToString(CultureInfo.InvariantCulture)}::oid)");

    /// <summary>One validator call for many routines (one statement, one plan; the oids bound as a parameter).</summary>
    private static NpgsqlBatchCommand ValidatorCall(string validator, IEnumerable<uint> oids)
    {
        var command = new NpgsqlBatchCommand($"SELECT count({validator}(s.oid)) FROM unnest($1::pg_catalog.oid[]) AS s(oid)");
        command.Parameters.Add(SqlCommands.OidArray(oids));
        return command;
    }

    /// <summary>A validator call; with the routines' SET options, they apply while the bodies are checked, and only then.</summary>
    private static IEnumerable<NpgsqlBatchCommand> WithSettings(NpgsqlBatchCommand call, string[] config)
    {
        if (config.Length == 0)
        {
            yield return call;
            yield break;
        }

        yield return new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Config);
        foreach (var item in config)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                yield return new NpgsqlBatchCommand($"SELECT pg_catalog.set_config({SqlIdentifier.Literal(item[..eq])}, {SqlIdentifier.Literal(item[(eq + 1)..])}, true)");
            }
        }

        yield return call;
        yield return new NpgsqlBatchCommand("ROLLBACK TO SAVEPOINT " + Savepoints.Config);
        yield return new NpgsqlBatchCommand("RELEASE SAVEPOINT " + Savepoints.Config);
    }

    /// <summary>The oids of the desired routines whose definition is the current one, exactly.</summary>
    private static HashSet<uint> Unchanged(IReadOnlyList<PgObject> desired, IReadOnlyList<PgObject> current)
    {
        var currentDefinitions = current.ToDictionary(o => o.Key, o => o.Definition, StringComparer.Ordinal);
        return desired
            .Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure
                && currentDefinitions.TryGetValue(o.Key, out var definition) && string.Equals(definition, o.Definition, StringComparison.Ordinal))
            .Select(o => o.Oid)
            .ToHashSet();
    }
}
