using System.Management.Automation;
using System.Net;
using System.Security;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>The connection parameters every database cmdlet shares.</summary>
public abstract class PgDatabaseCmdlet : PgCmdlet
{
    /// <summary>
    /// A connection string: Npgsql's (Host=...;Database=...), libpq's (host=... dbname=...) or a postgresql:// URI.
    /// With none, the PG* environment variables and PGSERVICE, as libpq reads them. Binds by property name from the
    /// pipeline, so a sandbox (Start-PgSandbox) or any object with a ConnectionString property can be piped in.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>The user and password to connect with (overrides those in the connection string).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>
    /// A cloud access token used as the password (Microsoft Entra ID for Azure Database for PostgreSQL, IAM for Amazon
    /// RDS/Aurora): a string, a SecureString, or a script block that returns one, run again for every new connection so
    /// that a token is never used after it expires.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? AccessToken { get; set; }

    private ConnectionOptions? _connectionOptions;
    private string? _optionsConnectionString;
    private readonly List<ConnectionOptions> _retired = new();

    /// <summary>The connection of the current -ConnectionString (a new one when the pipeline binds another).</summary>
    internal ConnectionOptions GetConnectionOptions()
    {
        if (_connectionOptions is not null && !string.Equals(_optionsConnectionString, ConnectionString, StringComparison.Ordinal))
        {
            _retired.Add(_connectionOptions);
            _connectionOptions = null;
        }

        _optionsConnectionString = ConnectionString;
        return _connectionOptions ??= new()
        {
            ConnectionString = ConnectionString,
            Credential = Credential is null || Credential == PSCredential.Empty ? null : Credential.GetNetworkCredential(),
            PasswordProvider = AccessToken is null ? null : TokenProvider(AccessToken),
        };
    }

    /// <summary>Where the connection goes (never a secret), as the target of an error; null when the string does not parse.</summary>
    internal object? ConnectionTarget()
    {
        try
        {
            return GetConnectionOptions().Describe();
        }
        catch (PgAutogen.Core.PgAutogenException)
        {
            return null;
        }
    }

    /// <summary>Disposes the connection options (the token provider's data source and its pool) with the cmdlet.</summary>
    protected override void DisposeResources()
    {
        _connectionOptions?.Dispose();
        foreach (var retired in _retired)
        {
            retired.Dispose();
        }
    }

    /// <summary>
    /// The password provider of -AccessToken. A script block runs on the pipeline thread (PowerShell script blocks
    /// belong to their runspace): from the engine's threads it is posted there and awaited.
    /// </summary>
    private Func<CancellationToken, ValueTask<string>> TokenProvider(object value)
    {
        var unwrapped = value is PSObject ps ? ps.BaseObject : value;
        return unwrapped switch
        {
            string token => _ => ValueTask.FromResult(token),
            SecureString secure => _ => ValueTask.FromResult(new NetworkCredential(string.Empty, secure).Password),
            ScriptBlock script => token => new ValueTask<string>(InvokeOnPipelineThread(() => TokenFromScript(script), token)),
            _ => throw new PSArgumentException(
                $"-AccessToken takes a string, a SecureString or a script block that returns one; it was given a {unwrapped.GetType().Name}.", nameof(AccessToken)),
        };
    }

    private static string TokenFromScript(ScriptBlock script)
    {
        var output = script.Invoke();
        var last = output.Count == 0 ? null : output[^1]?.BaseObject;
        return last switch
        {
            string token when token.Length > 0 => token.Trim(),
            SecureString secure => new NetworkCredential(string.Empty, secure).Password,
            PSObject { BaseObject: string token } => token.Trim(),
            _ when last?.GetType().GetProperty("Token")?.GetValue(last) is { } inner => inner switch
            {
                // Get-AzAccessToken returns an object with a Token property (a string, or a SecureString in Az 14+).
                string token => token,
                SecureString secure => new NetworkCredential(string.Empty, secure).Password,
                _ => throw new InvalidOperationException("The -AccessToken script block returned an object whose Token is neither a string nor a SecureString."),
            },
            _ => throw new InvalidOperationException("The -AccessToken script block returned no token (it must output the token as a string or SecureString, " +
                "e.g. { az account get-access-token --resource-type oss-rdbms --query accessToken --output tsv })."),
        };
    }
}
