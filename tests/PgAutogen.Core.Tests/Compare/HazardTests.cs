using PgAutogen.Core.Diff;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// Each hazard kind, produced by a minimal schema on a real server of every major, with its reason, and gated (or not) by
/// New-PgMigration's rule: a gated kind is refused unless allowed by name.
/// </summary>
[Trait("Category", "Database")]
public sealed class HazardTests(CoreDatabaseFixture fixture)
{
    private async Task<IReadOnlyList<MigrationOp>> CompareAsync(string live, string declared)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("CREATE SCHEMA app;\n" + live);
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { declared });
        Assert.False(set.HasErrors, string.Join("\n", set.Errors.Select(e => e.Message)));
        return (await Harness.CompareAsync(db, set.Declarations)).Ops;
    }

    private static (MigrationOp Op, MigrationHazard Hazard) Only(IReadOnlyList<MigrationOp> ops, HazardKind kind)
    {
        var found = ops.SelectMany(o => o.Hazards.Select(h => (Op: o, Hazard: h))).Where(x => x.Hazard.Kind == kind).ToList();
        Assert.True(found.Count == 1, $"expected one {kind}; the steps have: " + string.Join("; ", ops.Select(o => $"{o} [{string.Join(", ", o.Hazards)}]")));
        return found[0];
    }

    /// <summary>A gated hazard stops the gate unless allowed by name; one that does not gate never does.</summary>
    private static void AssertGate(IReadOnlyList<MigrationOp> ops, HazardKind kind, bool gated)
    {
        var others = ops.SelectMany(o => o.Hazards).Select(h => h.Kind).Where(k => k != kind).Distinct().ToList();
        if (gated)
        {
            var refused = Assert.Throws<PgAutogenException>(() => HazardGate.Check(ops, others));
            Assert.Equal(PgErrorId.MigrationHazardNotAllowed, refused.ErrorId);
            Assert.Contains($"  {kind}: step ", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"-AllowHazard {kind}", refused.Message, StringComparison.Ordinal);
        }

        HazardGate.Check(ops, others.Append(kind).ToList());
        if (!gated)
        {
            HazardGate.Check(ops, others);
        }
    }

    [Fact]
    public async Task Dropping_a_function_a_column_default_uses_is_DropsObjectInUse()
    {
        var ops = await CompareAsync("""
            CREATE FUNCTION app.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' || random()::text $$;
            CREATE TABLE app.items (code text DEFAULT app.next_code());
            CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """, "CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        var (op, hazard) = Only(ops, HazardKind.DropsObjectInUse);
        Assert.Equal((MigrationAction.Drop, "app.next_code()"), (op.Action, op.Identity));
        Assert.Equal("default value for column code of table app.items depends on it and PgAutogen does not manage it: PostgreSQL refuses the DROP, so the migration fails unless they change first", hazard.Reason);
        Assert.True(hazard.Gated);
        AssertGate(ops, HazardKind.DropsObjectInUse, gated: true);
    }

    /// <summary>
    /// A generated column's routine: from 15 its expression's dependency is normal and the DROP fails; before 15 it is
    /// automatic and the DROP silently takes the column, data and all. Either way a gated DropsObjectInUse says which.
    /// </summary>
    [Fact]
    public async Task Dropping_a_function_a_generated_column_uses_is_DropsObjectInUse_on_every_major()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync("""
            CREATE SCHEMA app;
            CREATE FUNCTION app.code(i int) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'o' || i $$;
            CREATE TABLE app.orders (id int, code text GENERATED ALWAYS AS (app.code(id)) STORED);
            CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """);
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { "CREATE FUNCTION app.keep() RETURNS int LANGUAGE sql AS 'SELECT 1';" }, cancellationToken: TestContext.Current.CancellationToken);
        var ops = (await Harness.CompareAsync(db, set.Declarations)).Ops;
        var (op, hazard) = Only(ops, HazardKind.DropsObjectInUse);
        Assert.Equal((MigrationAction.Drop, "app.code(integer)"), (op.Action, op.Identity));
        Assert.Equal(db.MajorVersion >= 15
                ? "default value for column code of table app.orders depends on it and PgAutogen does not manage it: PostgreSQL refuses the DROP, so the migration fails unless they change first"
                : "column code of table app.orders uses it in its generated expression: PostgreSQL (before 15) drops that column with it, and its data is lost",
            hazard.Reason);
        AssertGate(ops, HazardKind.DropsObjectInUse, gated: true);
    }

    [Fact]
    public async Task Dropping_a_routine_a_plpgsql_body_calls_by_name_is_DropsRoutineCalledByName()
    {
        var ops = await CompareAsync("""
            CREATE FUNCTION app.helper() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION app.caller() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN app.helper() + 1; END $$;
            """, "CREATE FUNCTION app.caller() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN app.helper() + 1; END $$;");
        var (op, hazard) = Only(ops, HazardKind.DropsRoutineCalledByName);
        Assert.Equal("app.helper()", op.Identity);
        Assert.StartsWith("app.caller() calls app.helper by name in its PL/pgSQL body", hazard.Reason, StringComparison.Ordinal);
        AssertGate(ops, HazardKind.DropsRoutineCalledByName, gated: true);
    }

    [Fact]
    public async Task Recreating_a_materialized_view_is_RecreatesMaterializedView_on_its_create_half()
    {
        var ops = await CompareAsync("""
            CREATE TABLE app.orders (id int, total numeric);
            CREATE MATERIALIZED VIEW app.totals AS SELECT count(*) AS n FROM app.orders;
            """, "CREATE MATERIALIZED VIEW app.totals AS SELECT count(*) AS n, sum(total) AS total FROM app.orders;");
        var (op, hazard) = Only(ops, HazardKind.RecreatesMaterializedView);
        Assert.Equal((MigrationAction.DropAndCreate, "app.totals"), (op.Action, op.Identity));
        Assert.NotEqual(MigrationPhase.Drop, op.Phase);
        Assert.Contains("its query runs during the migration", hazard.Reason, StringComparison.Ordinal);
        AssertGate(ops, HazardKind.RecreatesMaterializedView, gated: true);
    }

    [Fact]
    public async Task Recreating_a_view_is_RecreatesView_which_does_not_gate()
    {
        var ops = await CompareAsync("""
            CREATE TABLE app.orders (id int, total numeric);
            CREATE VIEW app.big AS SELECT id, total FROM app.orders;
            """, "CREATE VIEW app.big AS SELECT id FROM app.orders;");
        var (op, hazard) = Only(ops, HazardKind.RecreatesView);
        Assert.Equal("app.big", op.Identity);
        Assert.False(hazard.Gated);
        AssertGate(ops, HazardKind.RecreatesView, gated: false);
    }

    [Fact]
    public async Task A_trigger_change_is_LocksTable_with_the_tables_estimated_rows()
    {
        var ops = await CompareAsync("""
            CREATE TABLE app.orders (id int, status text);
            INSERT INTO app.orders SELECT g, 'new' FROM generate_series(1, 1500) g;
            ANALYZE app.orders;
            CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'stamped'; RETURN NEW; END $$;
            """, """
            CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.status := 'stamped'; RETURN NEW; END $$;
            CREATE TRIGGER stamp BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.stamp();
            """);
        var (op, hazard) = Only(ops, HazardKind.LocksTable);
        Assert.Equal("stamp ON app.orders", op.Identity);
        Assert.Equal("CREATE TRIGGER takes SHARE ROW EXCLUSIVE on app.orders (about 1,500 rows) until the migration commits: its writers wait", hazard.Reason);
        AssertGate(ops, HazardKind.LocksTable, gated: false);
    }

    [Fact]
    public async Task A_changed_security_definer_routine_is_ChangesSecurityDefiner()
    {
        var ops = await CompareAsync("""
            CREATE FUNCTION app.admin_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
            """, "CREATE FUNCTION app.admin_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT 2';");
        var (op, hazard) = Only(ops, HazardKind.ChangesSecurityDefiner);
        Assert.Equal((MigrationAction.Replace, "app.admin_count()"), (op.Action, op.Identity));
        Assert.Equal("changes a SECURITY DEFINER routine: it runs with the privileges of its owner (postgres), whoever calls it", hazard.Reason);
        AssertGate(ops, HazardKind.ChangesSecurityDefiner, gated: true);
    }

    /// <summary>Before 15 a generated column's dependency on the routine is the column's own, from 15 its default's: both are found, named as the column.</summary>
    [Theory]
    [InlineData("CREATE INDEX orders_code ON app.orders (app.code(id))", "index app.orders_code")]
    [InlineData("ALTER TABLE app.orders ADD COLUMN code text GENERATED ALWAYS AS (app.code(id)) STORED", "column code of table app.orders")]
    public async Task A_volatility_change_of_a_routine_an_index_or_a_generated_column_uses_is_ChangesVolatilityInUse(string user, string described)
    {
        var ops = await CompareAsync($"""
            CREATE TABLE app.orders (id int);
            CREATE FUNCTION app.code(i int) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'o' || i $$;
            {user};
            """, "CREATE FUNCTION app.code(i int) RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'o' || i $$;");
        var (op, hazard) = Only(ops, HazardKind.ChangesVolatilityInUse);
        Assert.Equal((MigrationAction.Replace, "app.code(integer)"), (op.Action, op.Identity));
        Assert.Equal($"it becomes STABLE (was IMMUTABLE) while {described} uses it: what was computed and stored under the old promise is not computed again (REINDEX the index, rewrite the column)",
            hazard.Reason);
        AssertGate(ops, HazardKind.ChangesVolatilityInUse, gated: true);
    }

    [Fact]
    public async Task A_change_without_hazards_has_none()
    {
        var ops = await CompareAsync("CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';", "CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 2';");
        Assert.Empty(Assert.Single(ops).Hazards);
        HazardGate.Check(ops, Array.Empty<HazardKind>());
    }
}
