using System.Net;
using Npgsql;

namespace PgAutogen.Core.Databases;

/// <summary>How to reach the database, as the cmdlets received it. Exposes no Npgsql type (the cmdlets load in another context).</summary>
public sealed class ConnectionOptions : IDisposable
{
    private readonly object _gate = new();
    private NpgsqlDataSource? _dataSource;
    private string? _lastPassword;

    public string? ConnectionString { get; init; }

    public NetworkCredential? Credential { get; init; }

    /// <summary>
    /// Gives the password of every new physical connection: a cloud access token (Microsoft Entra ID for Azure Database
    /// for PostgreSQL, IAM for Amazon RDS/Aurora), asked for again for each connection so that an expired token is never
    /// used (Npgsql's password provider on the data source). Wins over any password in the connection string.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? PasswordProvider { get; init; }

    internal NpgsqlConnectionStringBuilder Build() => PgConnectionFactory.Build(ConnectionString, Credential);

    /// <summary>Where the connection goes, without the password.</summary>
    public ConnectionInfo Describe() => PgConnectionFactory.Describe(Build());

    internal async Task<NpgsqlConnection> OpenAsync(IEngineEvents events, CancellationToken cancellationToken)
    {
        var builder = Build();
        events.Verbose("Connecting to " + PgConnectionFactory.Describe(builder) + (PasswordProvider is null ? "" : " (password from the access token provider)"));
        if (PasswordProvider is null)
        {
            return await PgConnectionFactory.OpenAsync(builder, cancellationToken).ConfigureAwait(false);
        }

        var dataSource = DataSource(builder);
        return await PgConnectionFactory.OpenAsync(builder, dataSource.CreateConnection, () => _lastPassword, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The password a client tool (pg_dump) needs for this connection: the access token, the one given, else PGPASSWORD;
    /// null when none (the tool then reads ~/.pgpass or PGPASSFILE itself).
    /// </summary>
    internal async Task<string?> PasswordForToolsAsync(CancellationToken cancellationToken)
    {
        if (PasswordProvider is not null)
        {
            return await PasswordProvider(cancellationToken).ConfigureAwait(false);
        }

        return Build().Password is { Length: > 0 } password ? password : Environment.GetEnvironmentVariable("PGPASSWORD");
    }

    /// <summary>One data source per options (so one pool), whose password provider asks <see cref="PasswordProvider"/> for each physical connection.</summary>
    private NpgsqlDataSource DataSource(NpgsqlConnectionStringBuilder builder)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_dataSource is null && _disposed, this);
            if (_dataSource is null)
            {
                builder.Password = null;
                var dataSourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
                dataSourceBuilder.UsePasswordProvider(
                    _ => throw new InvalidOperationException("PgAutogen opens connections asynchronously."),
                    async (_, token) =>
                    {
                        var password = await PasswordProvider!(token).ConfigureAwait(false);
                        _lastPassword = password;
                        return password;
                    });
                _dataSource = dataSourceBuilder.Build();
            }

            return _dataSource;
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _dataSource?.Dispose();
            _dataSource = null;
        }
    }
}
