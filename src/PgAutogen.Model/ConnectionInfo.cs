namespace PgAutogen;

/// <summary>Where a connection goes. Never holds a secret: safe to print.</summary>
public sealed record ConnectionInfo(string Host, int Port, string Database, string Username)
{
    public override string ToString() => $"{Username}@{Host}:{Port}/{Database}";
}
