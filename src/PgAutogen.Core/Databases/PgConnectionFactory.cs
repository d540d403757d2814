using System.Net;
using Npgsql;

namespace PgAutogen.Core.Databases;

/// <summary>
/// Builds PgAutogen's connections from what a user has at hand, in the forms the PostgreSQL tools use:
/// <list type="bullet">
/// <item>no connection string: the <c>PG*</c> environment variables and a <c>PGSERVICE</c> service, read as libpq reads
/// them (Npgsql itself reads only a few);</item>
/// <item>a libpq keyword/value string (<c>host=db dbname=app user=u</c>, what psql takes) or a <c>postgresql://</c> URI
/// (dbmate, golang-migrate, Atlas, most CI secrets): libpq's rules, the environment and the service filling what is unset;</item>
/// <item>Npgsql's own syntax (<c>Host=db;Database=app</c>): as Npgsql reads it (it applies PGPASSWORD and .pgpass itself).</item>
/// </list>
/// Every connection sets Include Error Detail, and the application name PgAutogen unless the user gives one.
/// </summary>
public static class PgConnectionFactory
{
    /// <summary>The application name of PgAutogen's connections when the user gives none (libpq's fallback_application_name).</summary>
    public const string ApplicationName = "PgAutogen";

    /// <summary>Builds the connection string builder (see the class summary for the forms accepted).</summary>
    public static NpgsqlConnectionStringBuilder Build(string? connectionString, NetworkCredential? credential = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        NpgsqlConnectionStringBuilder builder;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            builder = FromLibpq(new Dictionary<string, string>(StringComparer.Ordinal), environment);
        }
        else if (LibpqParameters.IsUri(connectionString.Trim()))
        {
            builder = FromLibpq(LibpqParameters.ParseUri(connectionString.Trim()), environment);
        }
        else if (LibpqParameters.TryParseKeywordValue(connectionString, out var values))
        {
            builder = FromLibpq(values, environment);
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException ex)
            {
                // Npgsql's message names the bad keyword; it never echoes the whole string (which may hold a password).
                throw new PgAutogenException(PgErrorId.ConnectionStringInvalid, "The connection string is not valid: " + ex.Message +
                    " Use Npgsql's form 'Host=localhost;Port=5432;Database=app;Username=me', libpq's 'host=localhost port=5432 dbname=app user=me' " +
                    "or a URI 'postgresql://me@localhost:5432/app'.", ex)
                {
                    RecommendedAction = "Fix the connection string; see Get-Help about_PgAutogen (CONNECTING) for the forms accepted.",
                };
            }

            if (string.IsNullOrEmpty(builder.ApplicationName))
            {
                builder.ApplicationName = ApplicationName;
            }
        }

        if (credential is not null)
        {
            if (!string.IsNullOrEmpty(credential.UserName))
            {
                builder.Username = credential.UserName;
            }

            builder.Password = credential.Password;
        }

        builder.IncludeErrorDetail = true;
        if (!builder.ConnectionString.Contains("Connection Idle Lifetime=", StringComparison.OrdinalIgnoreCase))
        {
            // Npgsql keeps an idle pooled connection for 300 s: a session that compares many databases one after the
            // other (tenants, shards) would hold one per database and use up the server's max_connections. Reused
            // within a pipeline, closed soon after.
            builder.ConnectionIdleLifetime = IdleLifetimeSeconds;
            builder.ConnectionPruningInterval = Math.Min(builder.ConnectionPruningInterval, IdleLifetimeSeconds / 3);
        }

        return builder;
    }

    /// <summary>How long an idle pooled connection stays open (unless the connection string says otherwise).</summary>
    internal const int IdleLifetimeSeconds = 15;


    private static NpgsqlConnectionStringBuilder FromLibpq(Dictionary<string, string> values, Func<string, string?> environment)
    {
        var origins = LibpqParameters.Complete(values, environment);
        return LibpqParameters.ToNpgsql(values, environment, origins);
    }

    /// <summary>What the connection points at, without the password.</summary>
    public static ConnectionInfo Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var user = builder.Username ?? Environment.UserName;
        return new ConnectionInfo(builder.Host ?? "localhost", builder.Port, builder.Database ?? user, user);
    }

    /// <summary>Opens a connection, turning failures into <see cref="PgAutogenException"/> with a clear, password-free message.</summary>
    public static Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder builder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return OpenAsync(builder, () => new NpgsqlConnection(builder.ConnectionString), () => builder.Password, cancellationToken);
    }

    /// <summary>Opens a connection made by <paramref name="create"/>; <paramref name="secret"/> is what must never show in an error.</summary>
    internal static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder builder, Func<NpgsqlConnection> create, Func<string?> secret, CancellationToken cancellationToken)
    {
        var info = Describe(builder);
        var connection = create();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw ConnectionError(ex, info, secret() ?? builder.Password);
        }
    }

    internal static PgAutogenException ConnectionError(Exception ex, ConnectionInfo info, string? password)
    {
        var where = $"server {info.Host}:{info.Port}, database '{info.Database}', user '{info.Username}'";
        PgAutogenException result;
        if (ex is PostgresException { SqlState: "57014" or "57P01" or "57P02" or "57P03" or "57P05" } interrupted
            && Interruptions.Explain(interrupted, info, TimeSpan.Zero, TimeSpan.Zero) is { } explained)
        {
            // Cancelled or terminated by another session while connecting: said as such.
            result = explained;
        }
        else if (ex is PostgresException pg)
        {
            result = pg.SqlState switch
            {
                "28P01" or "28000" => new PgAutogenException(PgErrorId.AuthenticationFailed,
                    $"Authentication failed for {where}: {pg.MessageText}. Check the user name and password (-Credential, PGPASSWORD or .pgpass).", ex)
                {
                    Target = info,
                    RecommendedAction = $"Check the user name and password for {info}: -Credential, the connection string, PGPASSWORD or ~/.pgpass (or -AccessToken for a cloud token).",
                },
                "3D000" => new PgAutogenException(PgErrorId.DatabaseNotFound,
                    $"The database '{info.Database}' does not exist on {info.Host}:{info.Port}. Check the Database in the connection string or PGDATABASE.", ex)
                {
                    Target = info,
                    RecommendedAction = $"Check the database name in the connection string (Database=, dbname=) or PGDATABASE; '{info.Database}' does not exist on {info.Host}:{info.Port}.",
                },
                _ => new PgAutogenException(PgErrorId.ConnectionFailed, $"Could not connect to {where}: {pg.MessageText}", ex)
                {
                    Target = info,
                    RecommendedAction = $"Check that {info.Host}:{info.Port} accepts connections for user '{info.Username}' to database '{info.Database}' (pg_hba.conf, max_connections).",
                },
            };
        }
        else
        {
            var inner = ex.InnerException?.Message;
            var detail = inner is null ? ex.Message : ex.Message + " (" + inner + ")";
            result = new PgAutogenException(PgErrorId.ConnectionFailed,
                $"Could not connect to {where}: {detail}. Check that the server is running and reachable, and the host and port (-ConnectionString, or PGHOST/PGPORT).", ex)
            {
                Target = info,
                RecommendedAction = $"Check that a PostgreSQL server is running on {info.Host}:{info.Port} and reachable from here, and the host and port (-ConnectionString, or PGHOST/PGPORT).",
            };
        }

        return string.IsNullOrEmpty(password) ? result : result.Redact(password);
    }
}
