namespace PgAutogen.Core.Rendering;

/// <summary>One migration file format. Output is deterministic: UTF-8 without BOM, LF line endings, no timestamps.</summary>
public interface IMigrationRenderer
{
    MigrationFormat Format { get; }

    /// <summary>The files to write, relative to the output path's folder: (file name, content).</summary>
    IReadOnlyList<(string FileName, string Content)> Render(IReadOnlyList<MigrationOp> ops, string outFileName, string? message);
}

public static class MigrationRenderers
{
    public static IMigrationRenderer For(MigrationFormat format) => format switch
    {
        MigrationFormat.Dbmate => new DbmateRenderer(),
        _ => throw new NotSupportedException("No renderer for " + format),
    };
}
