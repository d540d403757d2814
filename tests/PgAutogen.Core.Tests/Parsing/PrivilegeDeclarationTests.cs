namespace PgAutogen.Core.Tests.Parsing;

/// <summary>GRANT, REVOKE and ALTER ... OWNER TO in declaration files: read offline, one object each.</summary>
public sealed class PrivilegeDeclarationTests
{
    [Theory]
    [InlineData("GRANT EXECUTE ON FUNCTION app.f(int, varchar(3)) TO app_user", PgObjectKind.Function, "app.f(integer, character varying)", "app_user")]
    [InlineData("REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC", PgObjectKind.Function, "app.f()", "")]
    [InlineData("GRANT ALL ON PROCEDURE p(int) TO a, \"B c\" WITH GRANT OPTION", PgObjectKind.Procedure, "p(integer)", "a,B c")]
    [InlineData("GRANT EXECUTE ON ROUTINE app.r(text) TO CURRENT_USER", PgObjectKind.Function, "app.r(text)", "")]
    [InlineData("GRANT SELECT ON TABLE app.v TO reader", PgObjectKind.View, "app.v", "reader")]
    [InlineData("REVOKE GRANT OPTION FOR SELECT ON v FROM reader CASCADE", PgObjectKind.View, "v", "reader")]
    [InlineData("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA app TO app_user", PgObjectKind.Function, "ALL FUNCTIONS IN SCHEMA app", "app_user")]
    [InlineData("GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA app TO app_user", PgObjectKind.Procedure, "ALL PROCEDURES IN SCHEMA app", "app_user")]
    [InlineData("GRANT EXECUTE ON ALL ROUTINES IN SCHEMA app TO app_user", PgObjectKind.Function, "ALL ROUTINES IN SCHEMA app", "app_user")]
    public void Grant_and_revoke_on_a_managed_object_are_privilege_declarations(string sql, PgObjectKind kind, string identity, string roles)
    {
        var declaration = Parse.One(sql);
        Assert.True(declaration.IsPrivilege);
        Assert.False(declaration.IsOwnerChange);
        Assert.False(declaration.IsComment);
        Assert.Equal(kind, declaration.Kind);
        Assert.Equal(identity, declaration.Identity);
        Assert.Equal(roles, string.Join(",", declaration.Roles));
        Assert.Equal(sql, declaration.Sql);
    }

    [Theory]
    [InlineData("ALTER FUNCTION app.f(int) OWNER TO app_owner", PgObjectKind.Function, "app.f(integer)", "app_owner")]
    [InlineData("ALTER PROCEDURE app.p() OWNER TO \"Owner\"", PgObjectKind.Procedure, "app.p()", "Owner")]
    [InlineData("ALTER ROUTINE app.r(text) OWNER TO CURRENT_ROLE", PgObjectKind.Function, "app.r(text)", "")]
    [InlineData("ALTER VIEW app.v OWNER TO app_owner", PgObjectKind.View, "app.v", "app_owner")]
    [InlineData("ALTER MATERIALIZED VIEW mv OWNER TO app_owner", PgObjectKind.MaterializedView, "mv", "app_owner")]
    public void Alter_owner_of_a_managed_object_is_an_owner_declaration(string sql, PgObjectKind kind, string identity, string roles)
    {
        var declaration = Parse.One(sql);
        Assert.True(declaration.IsOwnerChange);
        Assert.False(declaration.IsPrivilege);
        Assert.Equal(kind, declaration.Kind);
        Assert.Equal(identity, declaration.Identity);
        Assert.Equal(roles, string.Join(",", declaration.Roles));
    }

    [Fact]
    public void Several_grants_on_one_object_are_allowed_but_two_owners_are_a_duplicate()
    {
        var set = Parse.Sql("""
            GRANT EXECUTE ON FUNCTION app.f() TO a;
            GRANT EXECUTE ON FUNCTION app.f() TO b;
            REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC;
            ALTER FUNCTION app.f() OWNER TO a;
            ALTER FUNCTION app.f() OWNER TO b;
            """);
        Assert.Equal(4, set.Declarations.Count);
        var error = Assert.Single(set.Errors);
        Assert.Equal(PgErrorId.DeclarationDuplicate, error.ErrorId);
        Assert.Equal(5, error.Location!.Line);
    }

    [Theory]
    [InlineData("GRANT EXECUTE ON FUNCTION app.f TO a", "GRANT ON FUNCTION needs the argument types")]
    [InlineData("ALTER FUNCTION app.f OWNER TO a", "ALTER FUNCTION needs the argument types")]
    [InlineData("GRANT SELECT ON app.v, app.w TO a", "GRANT names 2 objects")]
    [InlineData("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA a, b TO a", "GRANT names 2 schemas")]
    public void A_privilege_or_owner_declaration_must_name_exactly_one_object(string sql, string message)
    {
        var error = Parse.OneError(sql);
        Assert.Equal(PgErrorId.DeclarationInvalid, error.ErrorId);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("-Sql[0]:1:1: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GRANT SELECT ON pg_catalog.pg_views TO a", "pg_catalog")]
    [InlineData("ALTER FUNCTION information_schema.f() OWNER TO a", "information_schema")]
    [InlineData("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_catalog TO a", "pg_catalog")]
    public void Privileges_and_owners_in_system_schemas_are_refused(string sql, string schema)
    {
        var error = Parse.OneError(sql);
        Assert.Equal(PgErrorId.DeclarationTargetNotAllowed, error.ErrorId);
        Assert.Contains("system schema " + schema, error.Message, StringComparison.Ordinal);
    }
}
