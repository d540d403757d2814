using System.Diagnostics;
using System.Text;
using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Parsing;
using PgAutogen.Core.Rendering;
using PgAutogen.Core.Tests.Compare;
using PgAutogen.TestSupport;

namespace PgAutogen.Core.Tests.Corpora;

/// <summary>
/// Fidelity on real schemas (issue 6): every corpus under the corpora directory is loaded into a fresh database,
/// exported as declarations and compared with itself (no change), then mutated and migrated both ways.
/// </summary>
[Trait("Category", "Database")]
// One at a time with the other tests that start throwaway shadows: the Ctrl+C test counts the server folders left.
[Collection("Shadow servers")]
public sealed partial class CorpusFidelityTests(CoreDatabaseFixture fixture)
{
    private const string None = "(no corpus)";

    public static TheoryData<string> Corpora()
    {
        var names = Corpus.Names();
        return names.Count > 0 ? new TheoryData<string>(names) : new TheoryData<string>(None);
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Exported_declarations_compare_with_zero_ops(string corpus)
    {
        Assert.SkipWhen(corpus == None, $"No corpus (a folder with schema.sql) under {Paths.CorporaDirectory}.");
        await using var db = await fixture.CreateDatabaseAsync();
        var watch = Stopwatch.StartNew();
        var searchPath = await Corpus.LoadAsync(db, corpus);
        var load = watch.ElapsedMilliseconds;
        var privileges = await Corpus.AddPrivilegesAsync(db, await Corpus.ReadCatalogAsync(db), Seed(corpus));
        var objects = await Corpus.ReadCatalogAsync(db);
        using var export = new ExportFolder(objects, await ReadAclDefaultsAsync(db));
        var declarations = export.Parse();
        Assert.Equal(objects.Count, declarations.Count(d => !d.IsPrivilege && !d.IsOwnerChange));

        // -Guard: the fingerprint of every object, computed in the database, is the one computed here.
        await Harness.ApplyAsync(db, Rendering.GuardTests.GuardOver(objects));
        watch.Restart();
        var events = new RecordingEvents();
        var m = await Harness.CompareBothWaysAsync(db, declarations, searchPath: searchPath, events: events);
        var compare = watch.ElapsedMilliseconds;
        Assert.True(m.Ops.Count == 0, $"{m.Ops.Count} op(s) comparing the export of {corpus} with itself:\n" +
            string.Join("\n", m.Ops.Take(20).Select(o => $"{o.Action} {o.Identity}: {o.Reason}\n{o.Diff}")));
        watch.Restart();
        var shadow = await Harness.AssertShadowAgreesAsync(db, declarations, m, searchPath) ? $"; through a shadow too ({watch.ElapsedMilliseconds} ms)" : "";
        foreach (var warning in events.Warnings)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("warning: " + warning);
        }

        var executed = events.VerboseLines.FirstOrDefault(v => v.StartsWith("Executed ", StringComparison.Ordinal)) ?? "";
        Report.Line(db, corpus, $"no-change: {Counts(objects)}; {privileges}; load {load} ms; compare {compare} ms (both with the parse-tree shortcut and without); " +
            $"0 ops, {events.Warnings.Count} warning(s){shadow}; every object's -Guard fingerprint matches; {System.Text.RegularExpressions.Regex.Replace(executed, @" in \d+ ms$", "")}");
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Mutations_are_seen_exactly_and_migrate_up_and_down(string corpus)
    {
        Assert.SkipWhen(corpus == None, $"No corpus (a folder with schema.sql) under {Paths.CorporaDirectory}.");
        await using var db = await fixture.CreateDatabaseAsync();
        var searchPath = await Corpus.LoadAsync(db, corpus);
        var seed = Seed(corpus);
        await Corpus.AddPrivilegesAsync(db, await Corpus.ReadCatalogAsync(db), seed);
        var objects = await Corpus.ReadCatalogAsync(db);
        var before = ByKey(objects);
        var aclDefaults = await ReadAclDefaultsAsync(db);
        using var export = new ExportFolder(objects, aclDefaults);
        var mutations = await CorpusMutator.ApplyAsync(db, searchPath, objects, export, seed);
        var declarations = export.Parse();
        var context = $"{corpus} on PostgreSQL {db.MajorVersion} (search_path {searchPath}), seed {seed} (PGAUTOGEN_CORPUS_SEED={seed} replays it); mutations:\n  " + string.Join("\n  ", mutations);
        TestContext.Current.TestOutputHelper?.WriteLine(context);

        // 3. Exactly the mutated objects, with the right actions, plus the dependents a re-creation rebuilds.
        var watch = Stopwatch.StartNew();
        var m = await Harness.CompareBothWaysAsync(db, declarations, searchPath: searchPath);
        var compare = watch.ElapsedMilliseconds;
        var rebuilt = AssertExactly(mutations, m, context);
        var shadow = await Harness.AssertShadowAgreesAsync(db, declarations, m, searchPath) ? "; a shadow compare gives the same ops" : "";

        // 4. Upgrade: compare again gives nothing; the mutated objects are the declarations' canonical state, the rest as before.
        watch.Restart();
        await ApplyAsync(db, m.Up, "upgrade", context);
        var up = watch.ElapsedMilliseconds;
        var again = await Harness.CompareAsync(db, declarations, searchPath: searchPath);
        Assert.True(again.Ops.Count == 0, $"Not idempotent: after the upgrade the compare still gives\n{Describe(again.Ops)}\n{context}");
        var upgraded = ByKey(await Corpus.ReadCatalogAsync(db));
        var problems = new List<string>();
        foreach (var mutation in mutations)
        {
            if (mutation.Expected == MigrationAction.Drop)
            {
                if (upgraded.ContainsKey(mutation.Key))
                {
                    problems.Add($"{mutation.Identity} is still there after the upgrade");
                }

                continue;
            }

            var desired = m.Ops.First(o => Key(o) == mutation.Key && o.Desired is not null).Desired!;
            if (!upgraded.TryGetValue(mutation.Key, out var now))
            {
                problems.Add($"{mutation.Identity} is missing after the upgrade");
            }
            else if (!string.Equals(now.Definition, desired.Definition, StringComparison.Ordinal))
            {
                problems.Add($"{mutation.Identity} after the upgrade:\n{Diff.SqlBuilder.LineDiff(desired.Definition, now.Definition)}");
            }
            else if (before.TryGetValue(mutation.Key, out var was) && Attributes(was, aclDefaults) != Attributes(now, aclDefaults))
            {
                problems.Add($"{mutation.Identity} lost its attributes: {Attributes(was, aclDefaults)} → {Attributes(now, aclDefaults)}");
            }
        }

        var mutated = mutations.Select(x => x.Key).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(await DifferencesAsync(db, Without(before, mutated), Without(upgraded, mutated)));
        Assert.True(problems.Count == 0, "After the upgrade:\n" + string.Join("\n", problems) + "\n" + context);

        // Downgrade: the original catalog, object for object (definitions, owners, grants, comments, trigger states).
        watch.Restart();
        await ApplyAsync(db, m.Down, "downgrade", context);
        var down = watch.ElapsedMilliseconds;
        var restored = ByKey(await Corpus.ReadCatalogAsync(db));
        var lost = await DifferencesAsync(db, before, restored);
        Assert.True(lost.Count == 0, "After the downgrade:\n" + string.Join("\n", lost) + "\n" + context);
        using var original = new ExportFolder(objects, aclDefaults);
        var clean = await Harness.CompareAsync(db, original.Parse(), searchPath: searchPath);
        Assert.True(clean.Ops.Count == 0, $"After the downgrade the original export compares with\n{Describe(clean.Ops)}\n{context}");

        Report.Line(db, corpus, $"mutations (seed {seed}): {mutations.Count} mutated, {rebuilt} rebuilt dependent(s), {m.Ops.Count} op(s), exact; " +
            $"compare {compare} ms{shadow}; upgrade {up} ms, downgrade {down} ms: catalog restored");
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Another_database_as_the_desired_state_gives_exactly_the_mutation_and_makes_the_two_identical(string corpus)
    {
        Assert.SkipWhen(corpus == None, $"No corpus (a folder with schema.sql) under {Paths.CorporaDirectory}.");
        await using var production = await fixture.CreateDatabaseAsync();
        await using var staging = await fixture.CreateDatabaseAsync();
        var searchPath = await Corpus.LoadAsync(production, corpus);
        await Corpus.LoadAsync(staging, corpus);
        var seed = Seed(corpus);
        await Corpus.AddPrivilegesAsync(production, await Corpus.ReadCatalogAsync(production), seed);
        await Corpus.AddPrivilegesAsync(staging, await Corpus.ReadCatalogAsync(staging), seed);
        var objects = await Corpus.ReadCatalogAsync(production);
        using var export = new ExportFolder(objects, await ReadAclDefaultsAsync(production));
        var mutations = await CorpusMutator.ApplyAsync(production, searchPath, objects, export, seed);
        var context = $"{corpus} on PostgreSQL {production.MajorVersion}, seed {seed}; mutations:\n  " + string.Join("\n  ", mutations);

        // Staging gets the mutated declarations (a migration, applied); production stays as it was.
        await ApplyAsync(staging, (await Harness.CompareAsync(staging, export.Parse(), searchPath: searchPath)).Up, "staging", context);

        // Staging, read as the declarations, against production: exactly the mutation.
        var reference = new Core.Databases.ConnectionOptions
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(staging.ConnectionString) { Options = "-c search_path=" + searchPath.Replace(" ", "", StringComparison.Ordinal) }.ConnectionString,
        };
        var errors = new List<PgAutogenException>();
        var declarations = await Core.Shadow.ReferenceDeclarations.LoadAsync(reference, new CatalogFilter(), errors.Add, NullEngineEvents.Instance, TestContext.Current.CancellationToken);
        Assert.Empty(errors);
        var m = await Harness.CompareAsync(production, declarations, searchPath: searchPath);
        AssertExactly(mutations, m, context);

        // Applying it makes the two the same: nothing left to do, and the catalogs alike object for object.
        await ApplyAsync(production, m.Up, "upgrade", context);
        var again = await Harness.CompareAsync(production, declarations, searchPath: searchPath);
        Assert.True(again.Ops.Count == 0, $"After the upgrade production still differs from staging:\n{Describe(again.Ops)}\n{context}");
        Assert.Equal(await Harness.SnapshotAsync(staging), await Harness.SnapshotAsync(production));
        Report.Line(production, corpus, $"reference database (seed {seed}): {mutations.Count} mutated in staging, {m.Ops.Count} op(s), exact; production equals staging after the upgrade");
    }

    /// <summary>Every mutated object has its op(s) with the expected action; every other op rebuilds a dependent of a re-created object. Returns how many were rebuilt.</summary>
    private static int AssertExactly(IReadOnlyList<Mutation> mutations, Migration m, string context)
    {
        var byKey = m.Ops.GroupBy(Key).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var recreated = m.Ops.Where(o => o.Action == MigrationAction.DropAndCreate).Select(o => o.Identity).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var mutation in mutations)
        {
            if (!byKey.TryGetValue(mutation.Key, out var ops))
            {
                problems.Add($"no op for {mutation}");
                continue;
            }

            var actions = ops.Select(o => o.Action).Distinct().ToList();
            var asDependent = mutation.Expected == MigrationAction.Replace && actions is [MigrationAction.DropAndCreate] && ops.All(IsRebuilt);
            if (actions is not [var action] || (action != mutation.Expected && !asDependent))
            {
                problems.Add($"{mutation}, but the compare gives {string.Join(", ", ops.Select(o => $"{o.Action} ({o.Reason})"))}");
            }
        }

        var expected = mutations.Select(x => x.Key).ToHashSet(StringComparer.Ordinal);
        var rebuilt = 0;
        foreach (var (key, ops) in byKey.Where(kv => !expected.Contains(kv.Key)))
        {
            var cause = ops.Select(o => RebuiltBecause().Match(o.Reason)).ToList();
            if (ops.Any(o => o.Action != MigrationAction.DropAndCreate) || cause.Any(c => !c.Success || !recreated.Contains(c.Groups[1].Value)))
            {
                problems.Add($"unexpected: {string.Join(", ", ops.Select(o => $"{o.Action} {o.Identity} ({o.Reason})"))}");
            }
            else
            {
                rebuilt++;
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + context + "\nops:\n" + Describe(m.Ops));
        return rebuilt;

        static bool IsRebuilt(MigrationOp op) => RebuiltBecause().IsMatch(op.Reason);
    }

    private static async Task ApplyAsync(TestDatabase db, string sql, string what, string context)
    {
        try
        {
            await Harness.ApplyAsync(db, sql);
        }
        catch (InvalidOperationException ex)
        {
            Assert.Fail($"The {what} failed: {ex.Message}\n{context}");
        }
    }

    /// <summary>
    /// What differs between two catalogs (definitions, owners, grants, comments, trigger states, presence). A definition
    /// that differs only in how PostgreSQL prints it after a re-creation (the old one, executed now, reads back as the
    /// new one) is the same object, as the compare judges it.
    /// </summary>
    private static async Task<List<string>> DifferencesAsync(TestDatabase db, IReadOnlyDictionary<string, PgObject> expected, IReadOnlyDictionary<string, PgObject> actual)
    {
        var problems = new List<string>();
        var aclDefaults = await ReadAclDefaultsAsync(db);
        foreach (var (key, was) in expected)
        {
            if (!actual.TryGetValue(key, out var now))
            {
                problems.Add($"{was.Kind} {was.Identity} is missing");
                continue;
            }

            if (Attributes(was, aclDefaults) != Attributes(now, aclDefaults))
            {
                problems.Add($"{was.Kind} {was.Identity}: {Attributes(was, aclDefaults)} → {Attributes(now, aclDefaults)}");
            }

            if (!string.Equals(was.Definition, now.Definition, StringComparison.Ordinal) && !await PrintedAlikeAsync(db, was, now))
            {
                problems.Add($"{was.Kind} {was.Identity}:\n{Diff.SqlBuilder.LineDiff(was.Definition, now.Definition)}");
            }
        }

        problems.AddRange(actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{actual[k].Kind} {actual[k].Identity} is new"));
        return problems;
    }

    /// <summary>True when executing <paramref name="was"/>'s definition now (in a rolled-back transaction) reads back as <paramref name="now"/>'s.</summary>
    private static async Task<bool> PrintedAlikeAsync(TestDatabase db, PgObject was, PgObject now)
    {
        if (was.Kind is not (PgObjectKind.View or PgObjectKind.Function or PgObjectKind.Procedure))
        {
            return false;
        }

        await using var conn = await db.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(TestContext.Current.CancellationToken);
        try
        {
            await using (var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { PgAutogen.Core.Databases.SqlCommands.Verbatim(was.Definition) } })
            {
                await batch.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            var filter = new CatalogFilter { Kinds = new[] { was.Kind }, Names = new[] { CatalogFilter.Literal(was.Name) } };
            var replayed = (await CatalogInspector.ReadAllAsync(conn, filter, TestContext.Current.CancellationToken)).Single(o => o.Key == was.Key);
            return string.Equals(replayed.Definition, now.Definition, StringComparison.Ordinal);
        }
        catch (PostgresException)
        {
            return false;
        }
        finally
        {
            await tx.RollbackAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>An object's owner, privileges (as granted: a NULL ACL is its owner's default, grantors aside), comment and trigger state.</summary>
    private static string Attributes(PgObject o, Diff.AclDefaults aclDefaults) =>
        $"owner {o.Owner}, privileges {Diff.AclSql.Text(Diff.AclSql.Effective(o, aclDefaults))}, comment {o.Comment ?? "none"}, state {o.TriggerState?.ToString() ?? "-"}";

    private static async Task<Diff.AclDefaults> ReadAclDefaultsAsync(TestDatabase db)
    {
        await using var conn = await db.OpenAsync();
        return await Diff.AclDefaults.ReadAsync(conn, TestContext.Current.CancellationToken);
    }

    private static Dictionary<string, PgObject> ByKey(IEnumerable<PgObject> objects) => objects.ToDictionary(o => o.Key, StringComparer.Ordinal);

    private static Dictionary<string, PgObject> Without(Dictionary<string, PgObject> objects, HashSet<string> keys) =>
        objects.Where(kv => !keys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static string Key(MigrationOp op) => ObjectKey.For(op.Kind, op.Identity);

    private static string Describe(IEnumerable<MigrationOp> ops) =>
        string.Join("\n", ops.Take(40).Select(o => $"  {o.Order}. {o.Action} {o.Kind} {o.Identity}: {o.Reason}"));

    /// <summary>PGAUTOGEN_CORPUS_SEED when set (to replay or explore), else a fixed seed per corpus.</summary>
    private static int Seed(string corpus)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("PGAUTOGEN_CORPUS_SEED"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seed))
        {
            return seed;
        }

        var hash = 2166136261u;
        foreach (var ch in corpus)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        return (int)(hash % 100_000);
    }

    [System.Text.RegularExpressions.GeneratedRegex("rebuilt because (.+) is re-created$")]
    private static partial System.Text.RegularExpressions.Regex RebuiltBecause();

    internal static string Counts(IReadOnlyList<PgObject> objects) =>
        $"{objects.Count(o => o.Kind == PgObjectKind.Function)} functions, {objects.Count(o => o.Kind == PgObjectKind.Procedure)} procedures, " +
        $"{objects.Count(o => o.Kind == PgObjectKind.Trigger)} triggers, {objects.Count(o => o.Kind == PgObjectKind.View)} views";
}

/// <summary>The exported declaration files of a set of objects, in a temporary folder, and edits to them.</summary>
internal sealed class ExportFolder : IDisposable
{
    public ExportFolder(IReadOnlyList<PgObject> objects, Diff.AclDefaults? aclDefaults = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "pgautogen-corpus-" + Guid.NewGuid().ToString("N"));
        var byHeader = objects.ToDictionary(o => $"-- {o.Kind.ToString().ToLowerInvariant()} {o.Identity}\n", o => o.Key, StringComparer.Ordinal);
        var files = DeclarationExporter.Plan(objects, Root, aclDefaults);
        Assert.Equal(objects.Count, files.Count);
        foreach (var (path, content) in files)
        {
            Write(path, content);
            FileByKey[byHeader[content[..(content.IndexOf('\n', StringComparison.Ordinal) + 1)]]] = path;
        }
    }

    public string Root { get; }

    /// <summary>The file of each exported object, by <see cref="PgObject.Key"/>.</summary>
    public Dictionary<string, string> FileByKey { get; } = new(StringComparer.Ordinal);

    public void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.EndsWith('\n') ? content : content + "\n", new UTF8Encoding(false));
    }

    public void Delete(string path) => File.Delete(path);

    /// <summary>A path for a new declaration file, where the exporter would put it.</summary>
    public string NewFile(string schema, string folder, string name)
    {
        var path = Path.Combine(Root, DeclarationExporter.SafeFileName(schema), folder, DeclarationExporter.SafeFileName(name) + ".sql");
        Assert.False(File.Exists(path), path);
        return path;
    }

    /// <summary>Parses the folder; no parse errors allowed.</summary>
    public IReadOnlyList<PgDeclaration> Parse()
    {
        var set = DeclarationParser.Parse(new[] { Root }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(!set.HasErrors, "Parsing the declarations failed:\n" + string.Join("\n", set.Errors.Take(20).Select(e => e.Message)));
        return set.Declarations;
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

/// <summary>One line per corpus result, to the test output and to a log beside the test servers' (for the README's report).</summary>
internal static class Report
{
    public static void Line(TestDatabase db, string corpus, string text)
    {
        var line = $"PostgreSQL {db.MajorVersion} {corpus}: {text}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "pgautogen-corpus-report.log"), DateTime.UtcNow.ToString("O") + " " + line + Environment.NewLine);
    }
}
