using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace PgAutogen.Core.Catalog;

/// <summary>
/// Reads the managed objects of a live database: one query per kind, no per-object round trips.
/// Definitions are read with search_path pinned to pg_catalog, so they are schema-qualified and read
/// the same from any session.
/// </summary>
public static class CatalogInspector
{
    internal const uint PgClassOid = 1259;
    internal const uint PgTriggerOid = 2620;
    internal const uint PgProcOid = 1255;
    internal const uint PgPolicyOid = 3256;
    internal const uint PgEventTriggerOid = 3466;

    /// <summary>
    /// Streams the objects that match the filter, kind by kind (routines, triggers, views, materialized views,
    /// policies, event triggers), each ordered by identity.
    /// </summary>
    public static async IAsyncEnumerable<PgObject> ReadAsync(
        NpgsqlConnection connection,
        CatalogFilter filter,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(filter);

        var saved = await PinSessionAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            var dependencies = await ReadDependenciesAsync(connection, cancellationToken).ConfigureAwait(false);

            if (filter.Includes(PgObjectKind.Function) || filter.Includes(PgObjectKind.Procedure))
            {
                await using var cmd = Command(connection, CatalogQueries.Routines, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var kind = reader.GetChar(3) == 'p' ? PgObjectKind.Procedure : PgObjectKind.Function;
                    if (!filter.Includes(kind))
                    {
                        continue;
                    }

                    var oid = reader.GetFieldValue<uint>(0);
                    var schema = reader.GetString(1);
                    var name = reader.GetString(2);
                    var args = reader.GetString(4);
                    yield return new PgObject(kind, schema, name, Identities.Routine(schema, name, args), reader.GetString(5))
                    {
                        Arguments = args,
                        Owner = reader.GetString(6),
                        Comment = NullableString(reader, 7),
                        Acl = NullableString(reader, 8),
                        Oid = oid,
                        DependsOn = DependsOn(dependencies, PgProcOid, oid),
                    };
                }
            }

            if (filter.Includes(PgObjectKind.Trigger))
            {
                await using var cmd = Command(connection, CatalogQueries.Triggers, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var schema = reader.GetString(1);
                    var table = reader.GetString(2);
                    var name = reader.GetString(3);
                    var function = Identities.Routine(reader.GetString(9), reader.GetString(10), reader.GetString(11));
                    yield return new PgObject(PgObjectKind.Trigger, schema, name, Identities.Trigger(schema, table, name), reader.GetString(4))
                    {
                        Table = table,
                        TriggerState = ParseTriggerState(reader.GetString(5)),
                        IsConstraintTrigger = reader.GetBoolean(6),
                        Owner = reader.GetString(7),
                        Comment = NullableString(reader, 8),
                        Oid = reader.GetFieldValue<uint>(0),
                        DependsOn = new[] { function },
                    };
                }
            }

            if (filter.Includes(PgObjectKind.View))
            {
                await using var cmd = Command(connection, CatalogQueries.Views, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var oid = reader.GetFieldValue<uint>(0);
                    var schema = reader.GetString(1);
                    var name = reader.GetString(2);
                    var options = reader.IsDBNull(4) ? Array.Empty<string>() : reader.GetFieldValue<string[]>(4);
                    yield return new PgObject(PgObjectKind.View, schema, name, Identities.Relation(schema, name),
                        ViewDefinition(schema, name, options, reader.GetString(3)))
                    {
                        Owner = reader.GetString(5),
                        Comment = NullableString(reader, 6),
                        Acl = NullableString(reader, 7),
                        Oid = oid,
                        DependsOn = DependsOn(dependencies, PgClassOid, oid),
                    };
                }
            }

            if (filter.Includes(PgObjectKind.MaterializedView))
            {
                await using var cmd = Command(connection, CatalogQueries.MaterializedViews, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var oid = reader.GetFieldValue<uint>(0);
                    var schema = reader.GetString(1);
                    var name = reader.GetString(2);
                    var options = reader.IsDBNull(4) ? Array.Empty<string>() : reader.GetFieldValue<string[]>(4);
                    var indexes = reader.GetFieldValue<string[]>(11).Select(i => i.TrimEnd() + ";").ToArray();
                    var create = MaterializedViewCreate(schema, name, NullableString(reader, 8), options, NullableString(reader, 9), reader.GetString(3));
                    yield return new PgObject(PgObjectKind.MaterializedView, schema, name, Identities.Relation(schema, name),
                        MaterializedViewDefinition(create, indexes))
                    {
                        Owner = reader.GetString(5),
                        Comment = NullableString(reader, 6),
                        Acl = NullableString(reader, 7),
                        WithNoData = !reader.GetBoolean(10),
                        Indexes = indexes,
                        Oid = oid,
                        DependsOn = DependsOn(dependencies, PgClassOid, oid),
                    };
                }
            }

            if (filter.Includes(PgObjectKind.Policy))
            {
                await using var cmd = Command(connection, CatalogQueries.Policies, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var oid = reader.GetFieldValue<uint>(0);
                    var schema = reader.GetString(1);
                    var table = reader.GetString(2);
                    var name = reader.GetString(3);
                    var clauses = new PolicyClauses(reader.GetString(4), reader.GetBoolean(5), reader.GetFieldValue<string[]>(6),
                        NullableString(reader, 7), NullableString(reader, 8));
                    yield return new PgObject(PgObjectKind.Policy, schema, name, Identities.Trigger(schema, table, name),
                        PolicyDefinition(schema, table, name, clauses))
                    {
                        Table = table,
                        Policy = clauses,
                        Comment = NullableString(reader, 9),
                        Oid = oid,
                        DependsOn = DependsOn(dependencies, PgPolicyOid, oid),
                    };
                }
            }

            if (filter.Includes(PgObjectKind.EventTrigger))
            {
                await using var cmd = Command(connection, CatalogQueries.EventTriggers, filter);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(1);
                    var function = Identities.Routine(reader.GetString(7), reader.GetString(8), reader.GetString(9));
                    var definition = EventTriggerDefinition(name, reader.GetString(2), reader.GetFieldValue<string[]>(3),
                        SqlIdentifier.Qualify(reader.GetString(7), reader.GetString(8)));
                    yield return new PgObject(PgObjectKind.EventTrigger, "", name, SqlIdentifier.Quote(name), definition)
                    {
                        TriggerState = ParseTriggerState(reader.GetString(4)),
                        Owner = reader.GetString(5),
                        Comment = NullableString(reader, 6),
                        Oid = reader.GetFieldValue<uint>(0),
                        DependsOn = new[] { function },
                    };
                }
            }
        }
        finally
        {
            await RestoreSessionAsync(connection, saved).ConfigureAwait(false);
        }
    }

    /// <summary>What the object (catalog, oid) depends on, by identity (pg_depend edges; none when it has none).</summary>
    private static string[] DependsOn(Dictionary<(uint, uint), string[]> dependencies, uint catalog, uint oid) =>
        dependencies.TryGetValue((catalog, oid), out var deps) ? deps : Array.Empty<string>();

    /// <summary>Reads everything that matches into a list.</summary>
    public static async Task<List<PgObject>> ReadAllAsync(NpgsqlConnection connection, CatalogFilter filter, CancellationToken cancellationToken = default)
    {
        var result = new List<PgObject>();
        await foreach (var obj in ReadAsync(connection, filter, cancellationToken).ConfigureAwait(false))
        {
            result.Add(obj);
        }

        return result;
    }

    /// <summary>
    /// Builds a view's definition: CREATE OR REPLACE VIEW with its reloptions (security_barrier,
    /// security_invoker) and its check option, which pg_get_viewdef leaves out.
    /// </summary>
    internal static string ViewDefinition(string schema, string name, IReadOnlyList<string> reloptions, string body)
    {
        var options = new List<string>();
        string? checkOption = null;
        foreach (var option in reloptions)
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? option : option[..eq];
            var value = eq < 0 ? "true" : option[(eq + 1)..];
            if (key == "check_option")
            {
                checkOption = value.ToUpperInvariant();
            }
            else
            {
                options.Add(key + "=" + value);
            }
        }

        var sb = new System.Text.StringBuilder();
        sb.Append("CREATE OR REPLACE VIEW ").Append(Identities.Relation(schema, name));
        if (options.Count > 0)
        {
            sb.Append(" WITH (").Append(string.Join(", ", options)).Append(')');
        }

        sb.Append(" AS\n").Append(body.TrimEnd().TrimEnd(';'));
        if (checkOption is not null)
        {
            sb.Append("\n  WITH ").Append(checkOption).Append(" CHECK OPTION");
        }

        return sb.Append(';').ToString();
    }

    /// <summary>
    /// A materialized view's CREATE statement: access method (when not heap), storage options, tablespace, the query,
    /// and WITH DATA (whether it is created empty is <see cref="PgObject.WithNoData"/>, not part of the definition).
    /// </summary>
    internal static string MaterializedViewCreate(string schema, string name, string? accessMethod, IReadOnlyList<string> reloptions, string? tablespace, string body)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("CREATE MATERIALIZED VIEW ").Append(Identities.Relation(schema, name));
        if (accessMethod is not null)
        {
            sb.Append(" USING ").Append(SqlIdentifier.Quote(accessMethod));
        }

        if (reloptions.Count > 0)
        {
            sb.Append(" WITH (").Append(string.Join(", ", reloptions)).Append(')');
        }

        if (tablespace is not null)
        {
            sb.Append(" TABLESPACE ").Append(SqlIdentifier.Quote(tablespace));
        }

        return sb.Append(" AS\n").Append(body.TrimEnd().TrimEnd(';')).Append(MaterializedViewData).ToString();
    }

    /// <summary>How every materialized view's CREATE statement ends (<see cref="Diff.SqlBuilder"/> turns it into WITH NO DATA where wanted).</summary>
    internal const string MaterializedViewData = "\n  WITH DATA;";

    /// <summary>The CREATE statement followed by the indexes', one per line.</summary>
    internal static string MaterializedViewDefinition(string create, IReadOnlyList<string> indexes) =>
        indexes.Count == 0 ? create : create + "\n" + string.Join("\n", indexes);

    /// <summary>CREATE POLICY with every clause written out (AS, FOR, TO), as PostgreSQL would need to re-create it.</summary>
    internal static string PolicyDefinition(string schema, string table, string name, PolicyClauses clauses)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("CREATE POLICY ").Append(SqlIdentifier.Quote(name)).Append(" ON ").Append(SqlIdentifier.Qualify(schema, table))
          .Append("\n  AS ").Append(clauses.Permissive ? "PERMISSIVE" : "RESTRICTIVE")
          .Append("\n  FOR ").Append(clauses.Command);
        return AppendAlterable(sb, clauses).Append(';').ToString();
    }

    /// <summary>What ALTER POLICY can set, as CREATE POLICY and ALTER POLICY both write it: TO, USING, WITH CHECK.</summary>
    internal static System.Text.StringBuilder AppendAlterable(System.Text.StringBuilder sb, PolicyClauses clauses)
    {
        sb.Append("\n  TO ").Append(string.Join(", ", clauses.Roles));
        if (clauses.Using is not null)
        {
            sb.Append("\n  USING (").Append(clauses.Using).Append(')');
        }

        if (clauses.WithCheck is not null)
        {
            sb.Append("\n  WITH CHECK (").Append(clauses.WithCheck).Append(')');
        }

        return sb;
    }

    /// <summary>CREATE EVENT TRIGGER name ON event [WHEN TAG IN (...)] EXECUTE FUNCTION f().</summary>
    internal static string EventTriggerDefinition(string name, string @event, IReadOnlyList<string> tags, string function)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("CREATE EVENT TRIGGER ").Append(SqlIdentifier.Quote(name)).Append(" ON ").Append(SqlIdentifier.Quote(@event));
        if (tags.Count > 0)
        {
            sb.Append("\n  WHEN TAG IN (").Append(string.Join(", ", tags.Select(SqlIdentifier.Literal))).Append(')');
        }

        return sb.Append("\n  EXECUTE FUNCTION ").Append(function).Append("();").ToString();
    }

    private static async Task<Dictionary<(uint, uint), string[]>> ReadDependenciesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(uint, uint), List<string>>();
        await using var cmd = new NpgsqlCommand(CatalogQueries.Dependencies, connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (reader.GetFieldValue<uint>(0), reader.GetFieldValue<uint>(1));
            var identity = reader.GetString(2) == "r"
                ? Identities.Routine(reader.GetString(3), reader.GetString(4), reader.GetString(5))
                : Identities.Relation(reader.GetString(3), reader.GetString(4));
            if (!result.TryGetValue(key, out var list))
            {
                result[key] = list = new List<string>();
            }

            list.Add(identity);
        }

        return result.ToDictionary(kv => kv.Key, kv => kv.Value.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, CatalogFilter filter)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)filter.SchemaRegexes ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)filter.NameRegexes ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid, Value = (object?)filter.Oids?.ToArray() ?? DBNull.Value });
        return cmd;
    }

    /// <summary>Pins search_path to pg_catalog and turns JIT off for the catalog queries; returns the previous values.</summary>
    private static async Task<(string SearchPath, string Jit)> PinSessionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT current_setting('search_path'), current_setting('jit'), " +
            "pg_catalog.set_config('search_path', 'pg_catalog', false), pg_catalog.set_config('jit', 'off', false)", connection);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetString(0), reader.GetString(1));
    }

    private static async Task RestoreSessionAsync(NpgsqlConnection connection, (string SearchPath, string Jit) saved)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT pg_catalog.set_config('search_path', $1, false), pg_catalog.set_config('jit', $2, false)", connection);
            cmd.Parameters.Add(new NpgsqlParameter { Value = saved.SearchPath });
            cmd.Parameters.Add(new NpgsqlParameter { Value = saved.Jit });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // Inside an aborted transaction the reset cannot run; the rollback that follows restores the settings.
        }
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static TriggerState ParseTriggerState(string tgenabled) => tgenabled switch
    {
        "D" => TriggerState.Disabled,
        "R" => TriggerState.Replica,
        "A" => TriggerState.Always,
        _ => TriggerState.Enabled,
    };
}
