using System.Reflection;
using PgAutogen.Core.Diff;

namespace PgAutogen.Core.Tests.Compare;

/// <summary>Privileges as sets, their differences as GRANT and REVOKE statements, and what Export-PgDeclaration writes of them: no database.</summary>
public sealed class AclSqlTests
{
    private static PgObject Fn(string? acl, string owner = "alice") =>
        new(PgObjectKind.Function, "app", "f", "app.f(integer)", "CREATE FUNCTION ...") { Arguments = "integer", Owner = owner, Acl = acl };

    private static PgObject View(string? acl, string owner = "alice") =>
        new(PgObjectKind.View, "app", "v", "app.v", "CREATE VIEW ...") { Owner = owner, Acl = acl };

    [Theory]
    [InlineData(null, "=X;alice=X")]
    [InlineData("{=X/alice,alice=X/alice}", "=X;alice=X")]
    [InlineData("{alice=X/alice,=X/alice}", "=X;alice=X")]
    [InlineData("{alice=X/alice,reader=X*/alice,reader=X/bob}", "alice=X;reader=X*")]
    [InlineData("{alice=X/alice,\"Read Only\"=X/alice}", "\"Read Only\"=X;alice=X")]
    public void Privileges_are_sets_by_grantee_grantors_aside_and_null_is_the_owners_default(string? acl, string expected) =>
        Assert.Equal(expected, AclSql.Text(AclSql.Effective(Fn(acl), AclDefaults.Assumed)));

    [Fact]
    public void A_relation_owners_default_is_the_servers()
    {
        var seventeen = new AclDefaults("X", "X", "arwdDxtm", "");
        Assert.Equal("alice=rawdDxtm", AclSql.Text(AclSql.Effective(View(null), seventeen)));
        Assert.True(AclSql.SamePrivileges(View(null), View("{alice=arwdDxtm/alice}"), seventeen));
        Assert.False(AclSql.SamePrivileges(View(null), View("{alice=arwdDxt/alice}"), seventeen));
    }

    [Fact]
    public void The_difference_is_revokes_and_grants_each_the_others_inverse()
    {
        var from = Fn("{=X/alice,alice=X/alice,reader=X*/alice}");
        var to = Fn("{alice=X/alice,reader=X/alice,writer=X*/alice}");
        var (revoke, revoked, grant, granted) = AclSql.Changes(from, to, AclDefaults.Assumed);
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.f(integer) FROM PUBLIC;\nREVOKE GRANT OPTION FOR EXECUTE ON FUNCTION app.f(integer) FROM reader;", revoke);
        Assert.Equal("EXECUTE from PUBLIC; the grant option for EXECUTE from reader", revoked);
        Assert.Equal("GRANT EXECUTE ON FUNCTION app.f(integer) TO writer WITH GRANT OPTION;", grant);
        Assert.Equal("EXECUTE with the grant option to writer", granted);
        var back = AclSql.Changes(to, from, AclDefaults.Assumed);
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.f(integer) FROM writer;", back.RevokeSql);
        Assert.Equal("GRANT EXECUTE ON FUNCTION app.f(integer) TO PUBLIC;\nGRANT EXECUTE ON FUNCTION app.f(integer) TO reader WITH GRANT OPTION;", back.GrantSql);
    }

    [Fact]
    public void A_new_owner_takes_the_old_owners_privileges_as_alter_owner_does()
    {
        var (revoke, _, grant, _) = AclSql.Changes(Fn(null, "alice"), Fn("{bob=X/bob}", "bob"), AclDefaults.Assumed);
        Assert.Equal("REVOKE EXECUTE ON FUNCTION app.f(integer) FROM PUBLIC;", revoke);
        Assert.Equal("", grant);
    }

    [Theory]
    [InlineData(null, "ALTER FUNCTION app.f(integer) OWNER TO alice;")]
    [InlineData("{=X/alice,alice=X/alice}", "ALTER FUNCTION app.f(integer) OWNER TO alice;")]
    [InlineData("{alice=X/alice,app_user=X/alice}", "ALTER FUNCTION app.f(integer) OWNER TO alice;\nREVOKE EXECUTE ON FUNCTION app.f(integer) FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION app.f(integer) TO app_user;")]
    public void Export_writes_the_owner_and_the_privileges_from_the_owners_default(string? acl, string expected) =>
        Assert.Equal(expected, AclSql.Declare(Fn(acl), AclDefaults.Assumed));

    [Fact]
    public void Export_writes_a_views_privileges_on_table_and_nothing_for_a_trigger()
    {
        Assert.Equal("ALTER VIEW app.v OWNER TO alice;\nGRANT SELECT ON TABLE app.v TO reader;", AclSql.Declare(View("{alice=arwdDxt/alice,reader=r/alice}"), AclDefaults.Assumed));
        Assert.Equal("", AclSql.Declare(new PgObject(PgObjectKind.Trigger, "app", "t", "t ON app.x", "CREATE TRIGGER ...") { Table = "x", Owner = "alice" }, AclDefaults.Assumed));
    }

    [Fact]
    public void The_migration_op_copy_constructor_copies_every_property()
    {
        var source = new MigrationOp(MigrationAction.Revoke, PgObjectKind.View, "app.v", "up", "down")
        {
            Phase = MigrationPhase.Create,
            Current = View(null),
            Desired = View("{alice=r/alice}"),
            Order = 3,
            DownOrder = 4,
            Reason = "why",
            Declaration = "db/v.sql:1:1",
            Diff = "- a\n+ b",
            Hazards = new[] { new MigrationHazard(HazardKind.RecreatesView, "because") },
        };
        var copy = new MigrationOp(source);
        foreach (var property in typeof(MigrationOp).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(source);
            Assert.False(value is null or "" or 0 || value is System.Collections.ICollection { Count: 0 }, $"MigrationOp.{property.Name} has no value in the test: give it one");
            Assert.Equal(value, property.GetValue(copy));
        }
    }
}
