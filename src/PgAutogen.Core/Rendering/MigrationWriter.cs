using System.Text;

namespace PgAutogen.Core.Rendering;

/// <summary>Plans rendered migrations as files.</summary>
public static class MigrationWriter
{
    /// <summary>The files a render would produce, as full paths with their content, without writing anything.</summary>
    public static IReadOnlyList<(string Path, string Content)> Plan(IReadOnlyList<MigrationOp> ops, string outFile, string? message, MigrationFormat format)
    {
        ArgumentNullException.ThrowIfNull(outFile);
        var directory = Path.GetDirectoryName(Path.GetFullPath(outFile)) ?? ".";
        return MigrationRenderers.For(format)
            .Render(ops, Path.GetFileName(outFile), message)
            .Select(f => (Path.Combine(directory, f.FileName), f.Content.Replace("\r\n", "\n", StringComparison.Ordinal)))
            .ToList();
    }

}

/// <summary>Writes files PgAutogen produces: UTF-8 without BOM, LF, deterministic bytes; never overwrites without force.</summary>
public static class OutputFiles
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the planned files. Throws OutputFileExists (before writing anything) when one exists and <paramref name="force"/> is not set.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<(string Path, string Content)> files, bool force)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!force)
        {
            var existing = files.FirstOrDefault(f => File.Exists(f.Path));
            if (existing.Path is not null)
            {
                throw new PgAutogenException(PgErrorId.OutputFileExists,
                    $"The file '{existing.Path}' already exists. Use -Force to overwrite it, or choose another -OutFile.")
                {
                    Target = existing.Path,
                    RecommendedAction = "Add -Force to overwrite, or pick a new file name.",
                };
            }
        }

        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content, Utf8NoBom);
        }

        return files.Select(f => f.Path).ToList();
    }
}
