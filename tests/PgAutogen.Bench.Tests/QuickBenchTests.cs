namespace PgAutogen.Bench.Tests;

/// <summary>The benchmark still works: --quick (N = 500, one run) end to end, with no assertion on time.</summary>
public sealed class QuickBenchTests(PgAutogen.Core.Tests.CoreDatabaseFixture fixture)
{
    [Fact]
    public async Task Quick_run_measures_every_phase_and_the_floor()
    {
        var server = fixture.RequireServer();
        var options = BenchOptions.Parse(new[] { "--quick", "--connection", server.ConnectionString });
        var log = new StringWriter();
        var runner = new BenchRunner(options, log);

        var results = await runner.RunAsync(TestContext.Current.CancellationToken);

        var r = Assert.Single(results);
        Assert.Equal(500, r.Scale);
        Assert.Equal(1, r.Runs);
        // The compare found exactly the mutation (the runner checks every run; this pins the numbers).
        Assert.Equal(r.ExpectedSteps, r.Steps);
        Assert.Equal(60, r.Steps);
        Assert.Equal(800, r.Declarations);
        Assert.True(r.InspectMs > 0 && r.CanonicalizeMs > 0 && r.CoreEndToEndMs > 0 && r.VerifyMs > 0, log.ToString());
        Assert.True(r.Floor.TotalMs > 0 && r.Floor.RowsBefore == 800, log.ToString());
        Assert.NotNull(r.ModuleEndToEndMs);
        Assert.NotNull(r.ModulePeakWorkingSet);
        Assert.NotNull(runner.ImportProbe);

        var report = Report.Markdown(results, runner, options);
        Assert.Contains("| 500 | 800 | 60 |", report, StringComparison.Ordinal);
        Assert.Contains("Phases", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_generator_is_deterministic()
    {
        var a = SchemaGenerator.Generate(300, seed: 7);
        var b = SchemaGenerator.Generate(300, seed: 7);
        var c = SchemaGenerator.Generate(300, seed: 8);

        Assert.Equal(a.SetupSql, b.SetupSql);
        Assert.Equal(a.Original.Select(o => o.RelativePath + o.Sql), b.Original.Select(o => o.RelativePath + o.Sql));
        Assert.Equal(a.Mutated.Select(o => o.RelativePath + o.Sql), b.Mutated.Select(o => o.RelativePath + o.Sql));
        Assert.NotEqual(a.Original.Select(o => o.Sql), c.Original.Select(o => o.Sql));
    }

    [Fact]
    public void The_generated_schema_has_the_shape_the_issue_asks_for()
    {
        var s = SchemaGenerator.Generate(1000, seed: 7);
        var routines = s.Original.Where(o => o.Kind is PgObjectKind.Function or PgObjectKind.Procedure).ToList();

        Assert.Equal(1000, routines.Count);
        Assert.Equal(100, s.Tables);
        Assert.Equal(500, s.Original.Count(o => o.Kind == PgObjectKind.Trigger));
        Assert.Equal(100, s.Original.Count(o => o.Kind == PgObjectKind.View));
        Assert.Equal(3, routines.Select(r => r.Schema).Distinct().Count());
        Assert.Contains(routines, r => r.Sql.Contains("LANGUAGE plpgsql", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("LANGUAGE sql", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("BEGIN ATOMIC", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("SECURITY DEFINER", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("SET search_path", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("DEFAULT", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("RETURNS TABLE", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Sql.Contains("RETURNS SETOF", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(routines, r => r.Kind == PgObjectKind.Procedure);
        Assert.True(routines.GroupBy(r => (r.Schema, r.Name)).Any(g => g.Count() > 1), "no overloads");
        var triggers = s.Original.Where(o => o.Kind == PgObjectKind.Trigger).Select(o => o.Sql).ToList();
        foreach (var part in new[] { "BEFORE", "AFTER", "INSTEAD OF", "FOR EACH ROW", "FOR EACH STATEMENT", "WHEN (", "REFERENCING", "UPDATE OF" })
        {
            Assert.Contains(triggers, t => t.Contains(part, StringComparison.Ordinal));
        }

        var views = s.Original.Where(o => o.Kind == PgObjectKind.View).ToList();
        Assert.Contains(views, v => views.Any(w => w != v && v.Sql.Contains(" FROM " + w.Schema + "." + w.Name, StringComparison.Ordinal)));
        Assert.Equal(new MutationSummary(50, 20, 20, 10, 10, 10), s.Mutation);
    }
}
