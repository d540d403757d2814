using Npgsql;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Rendering;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>Builds declarations (the real model type) and runs compare → render → apply on a real server.</summary>
internal static class D
{
    public static PgDeclaration Fn(string sql, string name, string args = "", string schema = "", bool procedure = false, int line = 1) =>
        new(procedure ? PgObjectKind.Procedure : PgObjectKind.Function, schema, name, sql, "db/test.sql", line, 1)
        {
            Arguments = args,
            OrReplace = sql.Contains("OR REPLACE", StringComparison.OrdinalIgnoreCase),
        };

    public static PgDeclaration Proc(string sql, string name, string args = "", string schema = "") => Fn(sql, name, args, schema, procedure: true);

    public static PgDeclaration Trg(string sql, string name, string table, string tableSchema = "", bool constraint = false, int line = 1) =>
        new(PgObjectKind.Trigger, tableSchema, name, sql, "db/test.sql", line, 1)
        {
            Table = table,
            TableSchema = tableSchema,
            IsConstraintTrigger = constraint,
            OrReplace = sql.Contains("OR REPLACE", StringComparison.OrdinalIgnoreCase),
        };

    public static PgDeclaration View(string sql, string name, string schema = "", int line = 1) =>
        new(PgObjectKind.View, schema, name, sql, "db/test.sql", line, 1) { OrReplace = sql.Contains("OR REPLACE", StringComparison.OrdinalIgnoreCase) };
}

/// <summary>Keeps the engine's warnings and verbose lines (thread-safe).</summary>
internal sealed class RecordingEvents : IEngineEvents
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _verbose = new();

    public IReadOnlyList<string> Warnings => _warnings.ToArray();

    public IReadOnlyList<string> VerboseLines => _verbose.ToArray();

    public void Verbose(string message) => _verbose.Enqueue(message);

    public void Debug(string message)
    {
    }

    public void Warning(string message) => _warnings.Enqueue(message);

    public void Progress(EngineProgress progress)
    {
    }
}

internal sealed record Migration(IReadOnlyList<MigrationOp> Ops, string Up, string Down, string File);

internal static class Harness
{
    public static async Task<Migration> CompareAsync(TestDatabase db, IEnumerable<PgDeclaration> declarations, CanonicalizationOptions? options = null, string? searchPath = null, IEngineEvents? events = null)
    {
        await using var conn = await db.OpenAsync();
        if (searchPath is not null)
        {
            await using var set = new NpgsqlCommand($"SET search_path = {searchPath}", conn);
            await set.ExecuteNonQueryAsync();
        }

        var ops = await CompareService.CompareAsync(conn, new CompareRequest { Declarations = declarations.ToList(), Options = options ?? new CanonicalizationOptions() },
            events ?? NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        return Render(ops);
    }

    /// <summary>
    /// Compares with the parse-tree shortcut on and with it off, and checks that both give exactly the same ops (actions,
    /// identities, current and desired definitions, reasons, declarations, order, SQL both ways) and migration. Returns the first.
    /// </summary>
    public static async Task<Migration> CompareBothWaysAsync(TestDatabase db, IEnumerable<PgDeclaration> declarations, string? searchPath = null, IEngineEvents? events = null)
    {
        var list = declarations.ToList();
        var on = await CompareAsync(db, list, new CanonicalizationOptions { ParseTreeShortcut = true }, searchPath, events);
        var off = await CompareAsync(db, list, new CanonicalizationOptions { ParseTreeShortcut = false }, searchPath);
        Assert.Equal(Describe(off), Describe(on));
        Assert.Equal(off.File, on.File);
        return on;

        static List<string> Describe(Migration m) => m.Ops.Select(o => string.Join("\n|", o.Action, o.Kind, o.Identity, o.Reason, o.Declaration, o.Order, o.DownOrder,
            o.Current?.Definition, o.Current?.Comment, o.Desired?.Definition, o.Desired?.Comment, o.Desired?.Owner, o.Desired?.Acl, o.Desired?.TriggerState,
            string.Join(",", o.Desired?.DependsOn ?? Array.Empty<string>()), o.UpSql, o.DownSql, o.Diff)).ToList();
    }

    /// <summary>
    /// The same compare through a throwaway shadow (the target only read), when pg_dump/psql of the server's major or newer
    /// are on this machine; asserts it gives exactly the ops of <paramref name="live"/>. False when no client was found.
    /// </summary>
    public static async Task<bool> AssertShadowAgreesAsync(TestDatabase db, IEnumerable<PgDeclaration> declarations, Migration live, string? searchPath = null)
    {
        if (Core.Shadow.PostgresInstallations.FindClient(db.MajorVersion) is null)
        {
            return false;
        }

        var cs = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        if (searchPath is not null)
        {
            cs.Options = "-c search_path=" + searchPath.Replace(" ", "", StringComparison.Ordinal);
        }

        try
        {
            var ops = await Core.Shadow.ShadowCompare.CompareAsync(new Core.Databases.ConnectionOptions { ConnectionString = cs.ConnectionString },
                new Core.Shadow.ShadowOptions { Throwaway = true, Reuse = false }, new CompareRequest { Declarations = declarations.ToList() },
                NullEngineEvents.Instance, TestContext.Current.CancellationToken);
            Assert.Equal(live.File, Render(ops).File);
            return true;
        }
        finally
        {
            await Core.Shadow.ShadowCompare.DropAllAsync();
        }
    }

    public static Migration Render(IReadOnlyList<MigrationOp> ops)
    {
        var file = new DbmateRenderer().Render(ops, "m.sql", null).Single().Content;
        var up = file[file.IndexOf("-- migrate:up", StringComparison.Ordinal)..file.IndexOf("-- migrate:down", StringComparison.Ordinal)];
        var down = file[file.IndexOf("-- migrate:down", StringComparison.Ordinal)..];
        return new Migration(ops, up, down, file);
    }

    /// <summary>
    /// Runs a migration half the way migration tools do: one transaction, the text sent by a client that
    /// understands dollar quotes and BEGIN ATOMIC bodies (psql; Npgsql would split those on semicolons).
    /// </summary>
    public static Task ApplyAsync(TestDatabase db, string sql) => Psql.RunAsync(db.ConnectionString, sql);

    /// <summary>
    /// Everything PgAutogen can see of the catalog, plus trigger states, privileges, comments and owners: for
    /// "byte-identical" checks. Privileges as PostgreSQL grants them (a NULL ACL is its owner's default, grantors aside):
    /// revoking what was granted leaves an explicit ACL equal to the default.
    /// </summary>
    public static async Task<string> SnapshotAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        var objects = await CatalogInspector.ReadAllAsync(conn, new CatalogFilter());
        var defaults = await Core.Diff.AclDefaults.ReadAsync(conn, TestContext.Current.CancellationToken);
        return string.Join("\n----\n", objects.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o =>
            $"{o.Key}|{o.TriggerState}|{o.Owner}|{Core.Diff.AclSql.Text(Core.Diff.AclSql.Effective(o, defaults))}|{o.Comment}\n{o.Definition}"));
    }

    /// <summary>Upgrade, compare again (nothing), downgrade (the original catalog, exactly), upgrade again.</summary>
    public static async Task RoundTripAsync(TestDatabase db, IReadOnlyList<PgDeclaration> declarations, Migration migration, string? searchPath = null)
    {
        var before = await SnapshotAsync(db);
        await ApplyAsync(db, migration.Up);
        var again = await CompareAsync(db, declarations, searchPath: searchPath);
        Assert.True(again.Ops.Count == 0, "Not idempotent; second compare gave:\n" + string.Join("\n", again.Ops.Select(o => o + "\n" + o.UpSql)));
        var upgraded = await SnapshotAsync(db);
        await ApplyAsync(db, migration.Down);
        Assert.Equal(before, await SnapshotAsync(db));
        await ApplyAsync(db, migration.Up);
        Assert.Equal(upgraded, await SnapshotAsync(db));
    }

    public static string Actions(Migration m) => string.Join(", ", m.Ops.Select(o => $"{o.Action} {o.Identity}"));
}
