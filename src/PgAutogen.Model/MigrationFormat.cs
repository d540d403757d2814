namespace PgAutogen;

/// <summary>The migration file formats New-PgMigration writes.</summary>
public enum MigrationFormat
{
    /// <summary>One file with <c>-- migrate:up</c> and <c>-- migrate:down</c> sections (dbmate).</summary>
    Dbmate,
}
