using System.Management.Automation;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>The connection parameters every database cmdlet shares.</summary>
public abstract class PgDatabaseCmdlet : PgCmdlet
{
    /// <summary>An Npgsql connection string. With none, PGHOST/PGHOSTADDR/PGPORT/PGDATABASE/PGUSER/PGSSLMODE are used.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>The user and password to connect with (overrides those in the connection string).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    internal ConnectionOptions GetConnectionOptions() => new()
    {
        ConnectionString = ConnectionString,
        Credential = Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential(),
    };
}
