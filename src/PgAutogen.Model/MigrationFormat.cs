namespace PgAutogen;

/// <summary>The migration formats New-PgMigration writes: the migration tool a team already runs.</summary>
public enum MigrationFormat
{
    /// <summary>One file with <c>-- migrate:up</c> and <c>-- migrate:down</c> sections (dbmate; also Invoke-PgMigration).</summary>
    Dbmate,

    /// <summary><c>V&lt;n&gt;__&lt;slug&gt;.sql</c> and the undo <c>U&lt;n&gt;__&lt;slug&gt;.sql</c> (Flyway; Evolve runs the V files).</summary>
    Flyway,

    /// <summary><c>&lt;n&gt;_&lt;slug&gt;.up.sql</c> and <c>.down.sql</c> (golang-migrate).</summary>
    GolangMigrate,

    /// <summary><c>deploy/</c>, <c>revert/</c>, <c>verify/&lt;change&gt;.sql</c> and a line in <c>sqitch.plan</c> (sqitch).</summary>
    Sqitch,

    /// <summary>A formatted SQL changelog: one changeset with its rollback (Liquibase).</summary>
    Liquibase,

    /// <summary>A migration class with Up and Down (Entity Framework Core).</summary>
    EfCore,

    /// <summary>An ordered script for an embedded-scripts folder, and its down script beside it (DbUp runs only the up).</summary>
    DbUp,

    /// <summary><c>up/</c> and <c>down/</c> scripts (grate).</summary>
    Grate,

    /// <summary><c>&lt;slug&gt;.up.sql</c> and <c>&lt;slug&gt;.down.sql</c>, each one transaction (psql).</summary>
    Plain,
}
