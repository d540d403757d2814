using Npgsql;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Catalog;

/// <summary>The names a user may type for -Schema and -Name: the user schemas, and the managed objects' kinds, schemas and names.</summary>
public sealed record CatalogNames(IReadOnlyList<string> Schemas, IReadOnlyList<CatalogName> Objects);

/// <summary>One managed object's name (an event trigger's schema is empty).</summary>
public sealed record CatalogName(PgObjectKind Kind, string Schema, string Name);

/// <summary>Reads <see cref="CatalogNames"/> with two light queries (names only, no definitions): for tab completion.</summary>
public static class CatalogNamesReader
{
    private const string UserSchema =
        "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'";

    private const string SchemasQuery = $"SELECT n.nspname FROM pg_namespace n WHERE {UserSchema} ORDER BY 1";

    private const string ObjectsQuery = $"""
        SELECT CASE p.prokind WHEN 'p' THEN 'Procedure' ELSE 'Function' END, n.nspname, p.proname
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prokind IN ('f', 'p') AND {UserSchema}
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
        UNION ALL
        SELECT CASE c.relkind WHEN 'm' THEN 'MaterializedView' ELSE 'View' END, n.nspname, c.relname
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('v', 'm') AND {UserSchema}
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        UNION ALL
        SELECT 'Trigger', n.nspname, t.tgname
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND {UserSchema}
        UNION ALL
        SELECT 'Policy', n.nspname, pol.polname
          FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE {UserSchema}
        UNION ALL
        SELECT 'EventTrigger', '', e.evtname FROM pg_event_trigger e
        ORDER BY 2, 3
        """;

    public static async Task<CatalogNames> ReadAsync(ConnectionOptions connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var conn = await connection.OpenAsync(NullEngineEvents.Instance, cancellationToken).ConfigureAwait(false);
        var schemas = new List<string>();
        await using (var cmd = new NpgsqlCommand(SchemasQuery, conn))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                schemas.Add(reader.GetString(0));
            }
        }

        var objects = new List<CatalogName>();
        await using (var cmd = new NpgsqlCommand(ObjectsQuery, conn))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                objects.Add(new CatalogName(Enum.Parse<PgObjectKind>(reader.GetString(0)), reader.GetString(1), reader.GetString(2)));
            }
        }

        return new CatalogNames(schemas, objects);
    }
}
