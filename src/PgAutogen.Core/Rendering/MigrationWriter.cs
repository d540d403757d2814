using System.Text;

namespace PgAutogen.Core.Rendering;

/// <summary>Plans rendered migrations as files.</summary>
public static class MigrationWriter
{
    /// <summary>The files a render would produce, as full paths with their content (LF line endings), without writing anything.</summary>
    public static IReadOnlyList<PlannedFile> Plan(MigrationRenderRequest request, MigrationFormat format)
    {
        ArgumentNullException.ThrowIfNull(request);
        return MigrationRenderers.For(format)
            .Render(request)
            .Select(f => f with { Content = f.Content.Replace("\r\n", "\n", StringComparison.Ordinal) })
            .ToList();
    }

    /// <summary>The dbmate file for <paramref name="outFile"/> (kept for callers that name the file themselves).</summary>
    public static IReadOnlyList<(string Path, string Content)> Plan(IReadOnlyList<MigrationOp> ops, string outFile, string? message, MigrationFormat format) =>
        Plan(new MigrationRenderRequest { Ops = ops, OutPath = outFile, Message = message }, format).Select(f => (f.Path, f.Content)).ToList();
}

/// <summary>
/// Writes files PgAutogen produces: UTF-8 without BOM, LF, deterministic bytes; never overwrites without force; all
/// or nothing — every file is written to a temporary file beside its target first, and only when all of them are
/// written are they moved into place.
/// </summary>
public static class OutputFiles
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the planned files. Throws OutputFileExists (before writing anything) when one exists and <paramref name="force"/> is not set.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<(string Path, string Content)> files, bool force)
    {
        ArgumentNullException.ThrowIfNull(files);
        return Write(files.Select(f => new PlannedFile(f.Path, f.Content)).ToList(), force);
    }

    /// <summary>Writes the planned files; a file marked Updates may exist (it is rewritten). Throws OutputFileExists (before writing anything) otherwise.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<PlannedFile> files, bool force)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!force)
        {
            var existing = files.FirstOrDefault(f => !f.Updates && File.Exists(f.Path));
            if (existing is not null)
            {
                throw new PgAutogenException(PgErrorId.OutputFileExists,
                    $"The file '{existing.Path}' already exists. Use -Force to overwrite it, or choose another -OutFile. Nothing was written.")
                {
                    Target = existing.Path,
                    RecommendedAction = "Add -Force to overwrite, or pick a new file name.",
                };
            }
        }

        var staged = new List<(string Temp, string Path)>(files.Count);
        try
        {
            foreach (var file in files)
            {
                var directory = Path.GetDirectoryName(file.Path)!;
                Directory.CreateDirectory(directory);
                var temp = Path.Combine(directory, "." + Path.GetFileName(file.Path) + "." + Guid.NewGuid().ToString("N")[..8] + ".pgautogen-tmp");
                File.WriteAllText(temp, file.Content, Utf8NoBom);
                staged.Add((temp, file.Path));
            }

            foreach (var (temp, path) in staged)
            {
                File.Move(temp, path, overwrite: true);
            }
        }
        finally
        {
            foreach (var (temp, _) in staged)
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }

        return files.Select(f => f.Path).ToList();
    }
}
