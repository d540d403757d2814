using PgAutogen.Core.Parsing;

namespace PgAutogen.Core;

/// <summary>Loads declarations from files, folders and SQL strings (the parser), reporting each error and going on.</summary>
public static class DeclarationSources
{
    /// <summary>Parses <paramref name="paths"/> (files, folders searched recursively for *.sql) and <paramref name="sqls"/>; every error goes to <paramref name="onError"/>.</summary>
    public static IReadOnlyList<PgDeclaration> Load(IReadOnlyList<string> paths, IReadOnlyList<string> sqls, Action<PgAutogenException> onError, IEngineEvents? events = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(sqls);
        ArgumentNullException.ThrowIfNull(onError);
        if (paths.Count == 0 && sqls.Count == 0)
        {
            return Array.Empty<PgDeclaration>();
        }

        var set = DeclarationParser.Parse(paths, sqls, events);
        foreach (var error in set.Errors)
        {
            onError(error);
        }

        return set.Declarations;
    }
}
