using System.Text;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Parsing;

/// <summary>A throwaway folder of declaration files, deleted on dispose.</summary>
internal sealed class SqlFiles : IDisposable
{
    public SqlFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "pgautogen-parse-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Writes UTF-8 (no BOM) text; returns the full path.</summary>
    public string Write(string relativePath, string text) => WriteBytes(relativePath, new UTF8Encoding(false).GetBytes(text));

    public string WriteBytes(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Parse
{
    /// <summary>Parses SQL strings (labelled -Sql[0], -Sql[1], ...).</summary>
    public static DeclarationSet Sql(params string[] sql) => DeclarationParser.Parse(Array.Empty<string>(), sql);

    public static DeclarationSet Paths(params string[] paths) => DeclarationParser.Parse(paths);

    /// <summary>Parses text that must contain only allowed, valid statements.</summary>
    public static IReadOnlyList<PgDeclaration> Clean(string sql)
    {
        var set = Sql(sql);
        Assert.True(!set.HasErrors, string.Join("\n", set.Errors.Select(e => e.Message)));
        return set.Declarations;
    }

    public static PgDeclaration One(string sql) => Assert.Single(Clean(sql));

    public static PgAutogenException OneError(string sql)
    {
        var set = Sql(sql);
        return Assert.Single(set.Errors);
    }
}
