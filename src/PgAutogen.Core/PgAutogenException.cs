namespace PgAutogen.Core;

/// <summary>Stable error identifiers; the cmdlets use them as ErrorRecord ids.</summary>
public enum PgErrorId
{
    ConnectionStringInvalid,
    ConnectionFailed,
    AuthenticationFailed,
    DatabaseNotFound,
    QueryFailed,
    LibPgQueryMissing,
    DeclarationSyntaxError,
    DeclarationStatementNotAllowed,
    DeclarationDuplicate,
    DeclarationInvalid,
    DeclarationFileNotFound,
    DeclarationTargetNotAllowed,
    LockTimeout,
    StatementTimeout,
    UnmanagedDependent,
    OutputFileExists,
    ServerUnavailable,
    Cancelled,
    MigrationFolderInvalid,
    MigrationUnsafeForFormat,
    MigrationOptionInvalid,
    MigrationVerifyFailed,
    ShadowUnavailable,
    ShadowSetupFailed,
    DesiredStateImpossible,
    ConnectionLost,
    LockBudgetExceeded,
    EventTriggerWouldFire,
    MigrationHazardNotAllowed,
    RoleNotFound,
}

/// <summary>An error PgAutogen explains to the user: a stable id, a sentence that says what to do, and where (file:line:column) when known.</summary>
public sealed class PgAutogenException : Exception
{
    public PgAutogenException(PgErrorId errorId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
    }

    public PgErrorId ErrorId { get; }

    /// <summary>The object the error is about (a declaration, a PgObject, a path), for the ErrorRecord's target.</summary>
    public object? Target { get; init; }

    /// <summary>What the user can do about it.</summary>
    public string? RecommendedAction { get; init; }

    /// <summary>Where in a declaration file the error is (file, line, column), when it is about one.</summary>
    public SourceLocation? Location { get; init; }

    /// <summary>Returns a copy whose message has every occurrence of <paramref name="secret"/> masked.</summary>
    public PgAutogenException Redact(string secret)
    {
        if (string.IsNullOrEmpty(secret) || !Message.Contains(secret, StringComparison.Ordinal))
        {
            return this;
        }

        return new PgAutogenException(ErrorId, Message.Replace(secret, "********", StringComparison.Ordinal), InnerException)
        {
            Target = Target,
            RecommendedAction = RecommendedAction,
            Location = Location,
        };
    }
}

/// <summary>A place in a declaration source: the file (or a label such as <c>-Sql[0]</c>), 1-based line and column (in characters).</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => File + ":" + Line + ":" + Column;
}
