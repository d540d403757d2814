namespace PgAutogen;

/// <summary>A throwaway local PostgreSQL server started by Start-PgSandbox. Its connection string holds no password.</summary>
public sealed class PgSandbox
{
    public PgSandbox(string id, string connectionString, int port, string version, string dataDirectory)
    {
        Id = id;
        ConnectionString = connectionString;
        Port = port;
        Version = version;
        DataDirectory = dataDirectory;
    }

    public string Id { get; }

    /// <summary>The superuser's connection string to the database <c>postgres</c> on 127.0.0.1.</summary>
    public string ConnectionString { get; }

    public string Host => "127.0.0.1";

    public int Port { get; }

    public string Version { get; }

    public string DataDirectory { get; }

    public override string ToString() => $"PostgreSQL {Version} sandbox on {Host}:{Port}";
}
