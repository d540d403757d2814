namespace PgAutogen.Bench;

/// <summary>
/// The parse phase: Get-PgDeclaration's Core API over the declaration folder. Until the parser is merged,
/// there is none: the benchmark then uses the declarations the generator built (the same kind, identity as
/// written, statement text and file), and reports parsing as not measured.
/// </summary>
internal static class DeclarationParser
{
    public static bool Available => false;

    /// <summary>The declarations of every *.sql under <paramref name="path"/>, or null without a parser.</summary>
    public static IReadOnlyList<PgDeclaration>? Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return null;
    }
}
