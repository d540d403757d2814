using System.Net;
using Npgsql;

namespace PgAutogen.Core.Databases;

/// <summary>How to reach the database, as the cmdlets received it. Exposes no Npgsql type (the cmdlets load in another context).</summary>
public sealed class ConnectionOptions
{
    public string? ConnectionString { get; init; }

    public NetworkCredential? Credential { get; init; }

    internal NpgsqlConnectionStringBuilder Build() => PgConnectionFactory.Build(ConnectionString, Credential);

    /// <summary>Where the connection goes, without the password.</summary>
    public ConnectionInfo Describe() => PgConnectionFactory.Describe(Build());

    internal async Task<NpgsqlConnection> OpenAsync(IEngineEvents events, CancellationToken cancellationToken)
    {
        var builder = Build();
        events.Verbose("Connecting to " + PgConnectionFactory.Describe(builder));
        return await PgConnectionFactory.OpenAsync(builder, cancellationToken).ConfigureAwait(false);
    }
}
