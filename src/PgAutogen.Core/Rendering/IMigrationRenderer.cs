namespace PgAutogen.Core.Rendering;

/// <summary>What New-PgMigration asks a renderer for.</summary>
public sealed class MigrationRenderRequest
{
    /// <summary>The steps, in any order (each renderer orders them by Order / DownOrder).</summary>
    public required IReadOnlyList<MigrationOp> Ops { get; init; }

    /// <summary>
    /// The full path -OutFile names: the migrations folder (every format), or for Dbmate a file too (an existing
    /// folder, or a path ending in a separator, is a folder).
    /// </summary>
    public required string OutPath { get; init; }

    /// <summary>-Message: a comment at the top, and the slug of the file names.</summary>
    public string? Message { get; init; }

    /// <summary>The clock, for formats whose names or plans carry a time (dbmate, EF Core, sqitch); UTC.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>EF Core: the namespace of the migration class.</summary>
    public string? Namespace { get; init; }

    /// <summary>EF Core: the DbContext type the migration belongs to (a name or a qualified name).</summary>
    public string? DbContext { get; init; }

    /// <summary>
    /// -Guard: each half starts with a statement that stops it, changing nothing, when an object it replaces, drops or
    /// creates is not as it was when the migration was generated (<see cref="MigrationGuard"/>).
    /// </summary>
    public bool Guard { get; init; }

    /// <summary>Sqitch: the planner written in sqitch.plan; SQITCH_FULLNAME / SQITCH_EMAIL, else PgAutogen.</summary>
    public string? Planner { get; init; }
}

/// <summary>
/// One file a render produces: its full path and content. <see cref="Updates"/> marks a file that is meant to exist
/// already and is rewritten with more in it (sqitch.plan); any other file that exists is an error without -Force.
/// </summary>
public sealed record PlannedFile(string Path, string Content)
{
    public bool Updates { get; init; }
}

/// <summary>One migration format. Output is deterministic: UTF-8 without BOM, LF line endings, the time only where the format requires one.</summary>
public interface IMigrationRenderer
{
    MigrationFormat Format { get; }

    /// <summary>The files to write (nothing is written here). Throws PgAutogenException when the folder or the steps do not fit the format.</summary>
    IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request);
}

public static class MigrationRenderers
{
    public static IMigrationRenderer For(MigrationFormat format) => format switch
    {
        MigrationFormat.Dbmate => new DbmateRenderer(),
        MigrationFormat.Flyway => new FlywayRenderer(),
        MigrationFormat.GolangMigrate => new GolangMigrateRenderer(),
        MigrationFormat.Sqitch => new SqitchRenderer(),
        MigrationFormat.Liquibase => new LiquibaseRenderer(),
        MigrationFormat.EfCore => new EfCoreRenderer(),
        MigrationFormat.DbUp => new DbUpRenderer(),
        MigrationFormat.Grate => new GrateRenderer(),
        MigrationFormat.Plain => new PlainRenderer(),
        _ => throw new PgAutogenException(PgErrorId.MigrationOptionInvalid,
            $"Unknown migration format '{format}'. Use one of: {string.Join(", ", Enum.GetNames<MigrationFormat>())}.")
        {
            RecommendedAction = "Pick a -Format from the list.",
        },
    };
}
