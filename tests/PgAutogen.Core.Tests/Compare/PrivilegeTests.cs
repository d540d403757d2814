using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>
/// GRANT, REVOKE and ALTER ... OWNER TO as declared state, on a real server of every major: the compare diffs the privileges
/// and owner of the objects that declare them (as PostgreSQL stores them after the declared statements), the migration
/// grants, revokes and changes owner both ways, and objects that declare none keep theirs.
/// </summary>
[Trait("Category", "Database")]
// One at a time with the other tests that start throwaway shadows: the Ctrl+C test counts the server folders left.
[Collection("Shadow servers")]
public sealed class PrivilegeTests(CoreDatabaseFixture fixture)
{
    private const string Roles = """
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgautogen_acl_reader') THEN CREATE ROLE pgautogen_acl_reader NOLOGIN; END IF;
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgautogen_acl_writer') THEN CREATE ROLE pgautogen_acl_writer NOLOGIN; END IF;
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgautogen_acl_owner') THEN CREATE ROLE pgautogen_acl_owner NOLOGIN; END IF;
        END $$;
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int, total numeric);

        """;

    private const string Function = "CREATE OR REPLACE FUNCTION app.total(o_id integer) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total FROM app.orders WHERE id = o_id $$";

    private static IReadOnlyList<PgDeclaration> Declarations(string sql)
    {
        var set = DeclarationParser.Parse(Array.Empty<string>(), new[] { sql });
        Assert.False(set.HasErrors, string.Join("\n", set.Errors.Select(e => e.Message)));
        return set.Declarations;
    }

    private async Task<(TestSupport.TestDatabase Db, IReadOnlyList<PgDeclaration> Declarations, Migration Migration)> CompareAsync(string live, string declared)
    {
        var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Roles + live);
        var declarations = Declarations(declared);
        return (db, declarations, await Harness.CompareBothWaysAsync(db, declarations));
    }

    [Fact]
    public async Task A_declared_grant_is_granted_and_revoked_by_the_downgrade()
    {
        var (db, declarations, m) = await CompareAsync(Function + ";", Function + ";\nGRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader;");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal((MigrationAction.Grant, "app.total(integer)"), (op.Action, op.Identity));
        Assert.Equal("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;", op.UpSql);
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.total(integer) FROM pgautogen_acl_reader;", op.DownSql);
        Assert.Equal("the declared privileges differ: grants EXECUTE to pgautogen_acl_reader", op.Reason);
        Assert.Equal("-Sql[0]:1:1", op.Declaration);
        // Through a shadow the same: the role, which no object of the target references yet, is created there too.
        await Harness.AssertShadowAgreesAsync(db, declarations, m);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task A_grant_no_longer_declared_is_revoked()
    {
        var (db, declarations, m) = await CompareAsync(
            Function + "; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader, pgautogen_acl_writer;",
            Function + ";\nGRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_writer;");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.Revoke, op.Action);
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.total(integer) FROM pgautogen_acl_reader;", op.UpSql);
        Assert.Equal("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;", op.DownSql);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task A_grant_that_moves_to_another_role_is_a_revoke_then_a_grant()
    {
        var (db, declarations, m) = await CompareAsync(
            Function + "; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader;",
            Function + ";\nGRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_writer WITH GRANT OPTION;");
        await using var _ = db;
        Assert.Equal("Revoke app.total(integer), Grant app.total(integer)", Harness.Actions(m));
        Assert.Equal("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_writer WITH GRANT OPTION;", m.Ops[1].UpSql);
        Assert.True(m.Ops[0].Order < m.Ops[1].Order && m.Ops[1].DownOrder < m.Ops[0].DownOrder, "revoke, then grant; undone in reverse");
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task Revoking_publics_default_execute_is_a_revoke()
    {
        var (db, declarations, m) = await CompareAsync(Function + ";", Function + ";\nREVOKE EXECUTE ON FUNCTION app.total(integer) FROM PUBLIC;");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.Revoke, op.Action);
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.total(integer) FROM PUBLIC;", op.UpSql);
        Assert.Equal("GRANT EXECUTE ON FUNCTION app.total(integer) TO PUBLIC;", op.DownSql);
        Assert.Equal("the declared privileges differ: revokes EXECUTE from PUBLIC", op.Reason);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task A_declared_owner_is_changed_both_ways()
    {
        var (db, declarations, m) = await CompareAsync(
            Function + "; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader;",
            Function + ";\nALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.ChangeOwner, op.Action);
        Assert.Equal("ALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;", op.UpSql);
        Assert.Equal("ALTER FUNCTION app.total(integer) OWNER TO postgres;", op.DownSql);
        Assert.StartsWith("the declared owner is pgautogen_acl_owner, not postgres", op.Reason, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task An_owner_change_with_declared_privileges_is_one_step_that_both_directions_undo()
    {
        // The new owner already holds a privilege: ALTER OWNER merges the old owner's into it, so the inverse is not a
        // mirror image. One step per direction keeps both exact.
        var (db, declarations, m) = await CompareAsync(
            Function + "; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_owner, pgautogen_acl_reader;",
            Function + ";\nALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;\nREVOKE ALL ON FUNCTION app.total(integer) FROM PUBLIC;");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.ChangeOwner, op.Action);
        Assert.Contains("REVOKE EXECUTE ON FUNCTION app.total(integer) FROM PUBLIC;", op.UpSql, StringComparison.Ordinal);
        Assert.Contains("REVOKE EXECUTE ON FUNCTION app.total(integer) FROM pgautogen_acl_reader;", op.UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task Declared_privileges_equal_to_the_live_ones_give_no_step_whatever_their_order_and_grantor()
    {
        var (db, _, m) = await CompareAsync(
            Function + "; REVOKE ALL ON FUNCTION app.total(int) FROM PUBLIC; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_writer, pgautogen_acl_reader;" +
            "CREATE VIEW app.v AS SELECT id FROM app.orders; GRANT SELECT, INSERT ON app.v TO pgautogen_acl_reader;",
            Function + ";\nGRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader;\nGRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_writer;\n" +
            "REVOKE EXECUTE ON FUNCTION app.total(int) FROM PUBLIC;\n" +
            "CREATE VIEW app.v AS SELECT id FROM app.orders;\nGRANT INSERT ON TABLE app.v TO pgautogen_acl_reader;\nGRANT SELECT ON app.v TO pgautogen_acl_reader;");
        await using var _ = db;
        Assert.Empty(m.Ops);
    }

    [Fact]
    public async Task An_object_without_privilege_declarations_keeps_its_privileges_and_owner()
    {
        var (db, _, m) = await CompareAsync(
            Function + "; REVOKE ALL ON FUNCTION app.total(int) FROM PUBLIC; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader;" +
            "ALTER FUNCTION app.total(int) OWNER TO pgautogen_acl_owner;",
            Function.Replace("STABLE", "IMMUTABLE", StringComparison.Ordinal) + ";");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.Replace, op.Action);
        Assert.DoesNotContain("GRANT", op.UpSql, StringComparison.Ordinal);
        Assert.DoesNotContain("OWNER", op.UpSql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_managed_acl_and_owner_survive_a_drop_and_create()
    {
        // The return type changes: PostgreSQL cannot replace it in place, so it is dropped and created, with the
        // declared privileges and owner (not the live ones); the downgrade gives back the live ones.
        var (db, declarations, m) = await CompareAsync(
            Function + "; GRANT EXECUTE ON FUNCTION app.total(int) TO pgautogen_acl_reader;" +
            "CREATE VIEW app.v AS SELECT id FROM app.orders; GRANT SELECT ON app.v TO pgautogen_acl_reader;",
            Function.Replace("RETURNS numeric", "RETURNS text", StringComparison.Ordinal).Replace("SELECT total", "SELECT total::text", StringComparison.Ordinal) + ";\n" +
            "REVOKE ALL ON FUNCTION app.total(integer) FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_writer;\n" +
            "ALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;\n" +
            "CREATE VIEW app.v AS SELECT total FROM app.orders;\nGRANT SELECT ON app.v TO pgautogen_acl_writer;");
        await using var _ = db;
        Assert.All(m.Ops, o => Assert.Equal(MigrationAction.DropAndCreate, o.Action));
        var function = m.Ops.Single(o => o.Identity == "app.total(integer)" && o.Phase == MigrationPhase.Create);
        var view = m.Ops.Single(o => o.Identity == "app.v" && o.Phase == MigrationPhase.Create);
        Assert.Contains("ALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;", function.UpSql, StringComparison.Ordinal);
        Assert.Contains("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_writer;", function.UpSql, StringComparison.Ordinal);
        Assert.DoesNotContain("pgautogen_acl_reader", function.UpSql, StringComparison.Ordinal);
        // The drop half's inverse creates it again as it is live.
        Assert.Contains("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;",
            m.Ops.Single(o => o.Identity == "app.total(integer)" && o.Phase == MigrationPhase.Drop).DownSql, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT ON TABLE app.v TO pgautogen_acl_writer;", view.UpSql, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT ON TABLE app.v TO pgautogen_acl_reader;",
            m.Ops.Single(o => o.Identity == "app.v" && o.Phase == MigrationPhase.Drop).DownSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task A_new_object_is_created_with_its_declared_privileges_and_owner()
    {
        var (db, declarations, m) = await CompareAsync("",
            Function + ";\nREVOKE EXECUTE ON FUNCTION app.total(integer) FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;\n" +
            "ALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;\n" +
            "CREATE MATERIALIZED VIEW app.mv AS SELECT id FROM app.orders;\nGRANT SELECT ON app.mv TO pgautogen_acl_reader;\nALTER MATERIALIZED VIEW app.mv OWNER TO pgautogen_acl_owner;");
        await using var _ = db;
        Assert.Equal("Create app.total(integer), Create app.mv", Harness.Actions(m));
        Assert.Contains("ALTER FUNCTION app.total(integer) OWNER TO pgautogen_acl_owner;", m.Ops[0].UpSql, StringComparison.Ordinal);
        Assert.Contains("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;", m.Ops[0].UpSql, StringComparison.Ordinal);
        Assert.Contains("ALTER MATERIALIZED VIEW app.mv OWNER TO pgautogen_acl_owner;", m.Ops[1].UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task A_new_object_gets_exactly_its_declared_privileges_whatever_default_privileges_give_it()
    {
        // ALTER DEFAULT PRIVILEGES gives every new function of app EXECUTE for the writer, in the compare and at deploy.
        // Declared privileges start from the built-in default (acldefault), so the created function revokes the writer's.
        var (db, declarations, m) = await CompareAsync(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT EXECUTE ON FUNCTIONS TO pgautogen_acl_writer;",
            Function + ";\nGRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;");
        await using var _ = db;
        var op = Assert.Single(m.Ops);
        Assert.Equal(MigrationAction.Create, op.Action);
        Assert.Contains("REVOKE ALL ON FUNCTION app.total(integer) FROM pgautogen_acl_writer;", op.UpSql, StringComparison.Ordinal);
        Assert.Contains("GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;", op.UpSql, StringComparison.Ordinal);
        Assert.DoesNotContain("pgautogen_acl_writer", op.Desired!.Acl, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task Privileges_default_privileges_gave_an_existing_object_are_revoked_unless_declared()
    {
        var (db, declarations, m) = await CompareAsync(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT EXECUTE ON FUNCTIONS TO pgautogen_acl_writer;\n" + Function + ";",
            Function + ";\nGRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader;");
        await using var _ = db;
        Assert.Equal("Revoke app.total(integer), Grant app.total(integer)", Harness.Actions(m));
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.total(integer) FROM pgautogen_acl_writer;", m.Ops[0].UpSql);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task Grant_on_all_functions_in_a_schema_whose_routines_are_all_declared_manages_each_of_them()
    {
        var (db, declarations, m) = await CompareAsync(Function + ";",
            Function + ";\nCREATE FUNCTION app.half(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT x / 2';\n" +
            "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app FROM PUBLIC;\nGRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA app TO pgautogen_acl_reader;");
        await using var _ = db;
        Assert.Equal("Create app.half(numeric), Revoke app.total(integer), Grant app.total(integer)", Harness.Actions(m));
        Assert.Contains("GRANT EXECUTE ON FUNCTION app.half(numeric) TO pgautogen_acl_reader;", m.Ops[0].UpSql, StringComparison.Ordinal);
        await Harness.RoundTripAsync(db, declarations, m);
    }

    [Fact]
    public async Task Grant_on_all_functions_in_a_schema_that_holds_an_undeclared_routine_is_refused()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Roles + Function + "; CREATE FUNCTION app.other() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db,
            Declarations(Function + ";\nGRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA app TO pgautogen_acl_reader;")));
        Assert.Equal(PgErrorId.DeclarationTargetNotAllowed, ex.ErrorId);
        Assert.StartsWith("-Sql[0]:2:1: GRANT on ALL FUNCTIONS IN SCHEMA app: it also reaches", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GRANT SELECT ON app.orders TO pgautogen_acl_reader", "-Sql[0]:2:1: GRANT on app.orders: no view or materialized view app.orders is declared here")]
    [InlineData("ALTER FUNCTION app.other() OWNER TO pgautogen_acl_owner", "-Sql[0]:2:1: ALTER ... OWNER TO on app.other(): no function or procedure app.other() is declared here")]
    public async Task Privileges_or_an_owner_of_anything_not_declared_here_are_refused_before_anything_runs(string statement, string message)
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Roles + Function + "; CREATE FUNCTION app.other() RETURNS int LANGUAGE sql AS 'SELECT 1';");
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, Declarations(Function + ";\n" + statement + ";")));
        Assert.Equal(PgErrorId.DeclarationTargetNotAllowed, ex.ErrorId);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_role_that_does_not_exist_is_named_with_its_declaration_before_anything_runs()
    {
        await using var db = await fixture.CreateDatabaseAsync();
        await db.ExecuteAsync(Roles);
        // The view would fail when executed (no such table): the role is checked first.
        var ex = await Assert.ThrowsAsync<PgAutogenException>(() => Harness.CompareAsync(db, Declarations(
            "CREATE VIEW app.broken AS SELECT * FROM app.missing;\n" + Function + ";\n" +
            "GRANT EXECUTE ON FUNCTION app.total(integer) TO pgautogen_acl_reader, \"No Such Role\";\nALTER FUNCTION app.total(integer) OWNER TO nobody_here;")));
        Assert.Equal(PgErrorId.RoleNotFound, ex.ErrorId);
        Assert.Equal("-Sql[0]:3:1: the roles \"No Such Role\" (named at -Sql[0]:3:1), nobody_here (named at -Sql[0]:4:1) do not exist in the database. Nothing was executed.", ex.Message);
    }
}
