using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>-Shadow, -Baseline and -Verify through the cmdlets: a read-only target still gets its migration.</summary>
public sealed class ShadowCmdletTests(ModuleDatabaseFixture fixture)
{
    [Fact]
    public async Task A_read_only_target_gets_a_verified_migration_through_a_shadow_and_a_baseline_replays_migrations()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        var major = db.MajorVersion;
        Assert.SkipWhen(!HasClient(major), $"no pg_dump/psql of PostgreSQL {major} or newer here");
        await db.ExecuteAsync($"""
            CREATE SCHEMA app;
            CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
            CREATE FUNCTION app.total(o app.orders) RETURNS numeric LANGUAGE sql AS 'SELECT o.total';
            ALTER DATABASE {db.Name} SET default_transaction_read_only = on;
            """);
        var work = Directory.CreateTempSubdirectory("pgautogen-shadow-cmdlet-");
        try
        {
            var decl = Path.Combine(work.FullName, "db");
            Directory.CreateDirectory(decl);
            await File.WriteAllTextAsync(Path.Combine(decl, "f.sql"), """
                CREATE FUNCTION app.total(o app.orders) RETURNS numeric LANGUAGE sql AS 'SELECT o.total * 2';
                CREATE VIEW app.totals AS SELECT id, app.total(o) AS total FROM app.orders o;
                """, TestContext.Current.CancellationToken);
            var migrations = Path.Combine(work.FullName, "migrations");
            Directory.CreateDirectory(migrations);
            await File.WriteAllTextAsync(Path.Combine(migrations, "20260101000000_tables.sql"),
                "-- migrate:up\nCREATE SCHEMA app;\nCREATE TABLE app.orders (id int PRIMARY KEY, total numeric);\n-- migrate:down\nDROP SCHEMA app CASCADE;\n",
                TestContext.Current.CancellationToken);

            var result = PowerShellHost.Run("""
                $ops = @(Compare-PgDeclaration -ConnectionString $cs -Path $decl -Shadow -Verbose)
                ($ops | ForEach-Object { "$($_.Action) $($_.Identity)" }) -join '; '
                $file = New-PgMigration -ConnectionString $cs -Path $decl -Shadow -Verify -OutFile $out -Message shadow -Verbose
                (Get-Content -Raw $file.FullName) -match 'CREATE VIEW app.totals'
                # The baseline holds only the tables: both objects are new there.
                (@(Compare-PgDeclaration -ConnectionString $cs -Path $decl -Baseline $migrations) | ForEach-Object { "$($_.Action) $($_.Identity)" }) -join '; '
                """, Ps.Vars(("cs", db.ConnectionString), ("decl", decl), ("out", Path.Combine(work.FullName, "out")), ("migrations", migrations)));
            Assert.False(result.HadErrors, result.ToString());
            var lines = result.Output.Select(o => o.ToString()).ToList();
            Assert.Equal("Replace app.total(app.orders); Create app.totals", lines[0]);
            Assert.Equal("True", lines[^2]);
            Assert.Equal("Create app.total(app.orders); Create app.totals", lines[^1]);
            Assert.Contains(result.Verbose, v => v.StartsWith("Shadow: loaded a throwaway PostgreSQL", StringComparison.Ordinal));
            Assert.Contains(result.Verbose, v => v.StartsWith("Shadow: reusing", StringComparison.Ordinal));

            // Without a shadow the read-only target refuses the compare's DDL.
            var live = PowerShellHost.Run("Compare-PgDeclaration -ConnectionString $cs -Path $decl", Ps.Vars(("cs", db.ConnectionString), ("decl", decl)));
            Assert.True(live.HadErrors);
        }
        finally
        {
            await db.ReadWriteAgainAsync();
            work.Delete(recursive: true);
        }
    }

    private static bool HasClient(int major) =>
        Enumerable.Range(major, 8).Any(m => File.Exists($"/usr/lib/postgresql/{m}/bin/pg_dump")) ||
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "pg_dump")) && major <= 15);
}
