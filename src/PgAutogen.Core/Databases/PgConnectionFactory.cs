using System.Net;
using Npgsql;

namespace PgAutogen.Core.Databases;

/// <summary>
/// Builds PgAutogen's connections: from a connection string, or from the libpq environment variables
/// (PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGUSER, PGSSLMODE), which Npgsql does not read itself.
/// Npgsql still applies PGPASSWORD and .pgpass when no password is given.
/// </summary>
public static class PgConnectionFactory
{
    public const string ApplicationName = "PgAutogen";

    /// <summary>Builds the connection string. Every connection sets Application Name and Include Error Detail.</summary>
    public static NpgsqlConnectionStringBuilder Build(string? connectionString, NetworkCredential? credential = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString ?? string.Empty);
        }
        catch (ArgumentException ex)
        {
            // Npgsql's message names the bad keyword; it never echoes the whole string (which may hold a password).
            throw new PgAutogenException(PgErrorId.ConnectionStringInvalid, "The connection string is not valid: " + ex.Message +
                " Use the form 'Host=localhost;Port=5432;Database=app;Username=me'.", ex);
        }

        if (string.IsNullOrEmpty(connectionString))
        {
            var host = environment("PGHOST");
            var hostAddr = environment("PGHOSTADDR");
            if (!string.IsNullOrEmpty(hostAddr))
            {
                builder.Host = hostAddr;
            }
            else if (!string.IsNullOrEmpty(host))
            {
                builder.Host = host;
            }
            else
            {
                builder.Host = "localhost";
            }

            if (int.TryParse(environment("PGPORT"), out var port))
            {
                builder.Port = port;
            }

            var database = environment("PGDATABASE");
            if (!string.IsNullOrEmpty(database))
            {
                builder.Database = database;
            }

            var user = environment("PGUSER");
            if (!string.IsNullOrEmpty(user))
            {
                builder.Username = user;
            }

            var sslMode = environment("PGSSLMODE");
            if (!string.IsNullOrEmpty(sslMode))
            {
                builder.SslMode = sslMode.ToLowerInvariant() switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw new PgAutogenException(PgErrorId.ConnectionStringInvalid,
                        $"PGSSLMODE='{sslMode}' is not a valid SSL mode. Use disable, allow, prefer, require, verify-ca or verify-full."),
                };
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

        builder.ApplicationName = ApplicationName;
        builder.IncludeErrorDetail = true;
        return builder;
    }

    /// <summary>What the connection points at, without the password.</summary>
    public static ConnectionInfo Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var user = builder.Username ?? Environment.UserName;
        return new ConnectionInfo(builder.Host ?? "localhost", builder.Port, builder.Database ?? user, user);
    }

    /// <summary>Opens a connection, turning failures into <see cref="PgAutogenException"/> with a clear, password-free message.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder builder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var info = Describe(builder);
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw ConnectionError(ex, info, builder.Password);
        }
    }

    internal static PgAutogenException ConnectionError(Exception ex, ConnectionInfo info, string? password)
    {
        var where = $"server {info.Host}:{info.Port}, database '{info.Database}', user '{info.Username}'";
        PgAutogenException result;
        if (ex is PostgresException pg)
        {
            result = pg.SqlState switch
            {
                "28P01" or "28000" => new PgAutogenException(PgErrorId.AuthenticationFailed,
                    $"Authentication failed for {where}: {pg.MessageText}. Check the user name and password (-Credential, PGPASSWORD or .pgpass).", ex),
                "3D000" => new PgAutogenException(PgErrorId.DatabaseNotFound,
                    $"The database '{info.Database}' does not exist on {info.Host}:{info.Port}. Check the Database in the connection string or PGDATABASE.", ex),
                _ => new PgAutogenException(PgErrorId.ConnectionFailed, $"Could not connect to {where}: {pg.MessageText}", ex),
            };
        }
        else
        {
            var inner = ex.InnerException?.Message;
            var detail = inner is null ? ex.Message : ex.Message + " (" + inner + ")";
            result = new PgAutogenException(PgErrorId.ConnectionFailed,
                $"Could not connect to {where}: {detail}. Check that the server is running and reachable, and the host and port (-ConnectionString, or PGHOST/PGPORT).", ex);
        }

        return string.IsNullOrEmpty(password) ? result : result.Redact(password);
    }
}
