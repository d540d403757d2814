namespace PgAutogen.Core.Canonicalization;

/// <summary>The declarations of a compare had errors (reported where they were parsed): nothing was compared, the transaction was rolled back.</summary>
public sealed class DeclarationsInvalidException() : Exception("The declarations have errors; nothing was compared and the database was not changed.");
