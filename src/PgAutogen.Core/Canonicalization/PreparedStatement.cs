namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// A declaration as it is executed during canonicalization: the user's text, possibly with OR REPLACE
/// injected, and how to map a server error position back into the user's text.
/// </summary>
internal sealed class PreparedStatement
{
    public PreparedStatement(PgDeclaration declaration, string sql, int injectedAt, int injectedLength)
    {
        Declaration = declaration;
        Sql = sql;
        InjectedAt = injectedAt;
        InjectedLength = injectedLength;
    }

    public PgDeclaration Declaration { get; }

    public string Sql { get; }

    /// <summary>0-based character offset in <see cref="Declaration"/>.Sql where text was injected, or -1.</summary>
    public int InjectedAt { get; }

    public int InjectedLength { get; }

    /// <summary>Not executed unless what it declares must be rebuilt (a materialized view found unchanged, and its indexes).</summary>
    public bool Skipped { get; set; }

    /// <summary>
    /// Maps a 1-based character position in <see cref="Sql"/> (PostgreSQL's error position: characters, not UTF-16 units)
    /// to a 0-based UTF-16 offset in the declaration's text.
    /// </summary>
    public int ToDeclarationOffset(int position)
    {
        var offset = Parsing.SourceText.CharOffset(Sql, position - 1);
        if (InjectedAt >= 0 && offset >= InjectedAt + InjectedLength)
        {
            offset -= InjectedLength;
        }
        else if (InjectedAt >= 0 && offset >= InjectedAt)
        {
            offset = InjectedAt;
        }

        return Math.Clamp(offset, 0, Math.Max(0, Declaration.Sql.Length - 1));
    }
}
