using Npgsql;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// The declared privileges and owners (GRANT, REVOKE, ALTER ... OWNER TO): checked before anything executes, executed
/// after every object exists (owners first, then each object's privileges from its default), and resolved to the
/// objects they manage.
/// <para>
/// An object with a GRANT or REVOKE among its declarations has a managed ACL: its desired privileges are what PostgreSQL
/// stores after executing those statements on the object as created, that is from its owner's default privileges
/// (PUBLIC's EXECUTE on a routine included) — an existing object's ACL is reset to that default first, inside the
/// compare's transaction. Likewise an ALTER ... OWNER TO makes its owner managed. Objects without such declarations
/// keep their ACL and owner, never touched.
/// </para>
/// </summary>
internal sealed class AttributeDeclarations(CompareContext context)
{
    /// <summary>
    /// Before anything executes: every GRANT, REVOKE and OWNER TO names an object declared here (by kind, schema and
    /// name: the exact routine is matched by its catalog row after execution), and every role they name exists.
    /// </summary>
    public async Task CheckAsync(IReadOnlyList<PgDeclaration> declarations)
    {
        var attributes = declarations.Where(d => d.IsPrivilege || d.IsOwnerChange).ToList();
        if (attributes.Count == 0)
        {
            return;
        }

        var declared = declarations.Where(d => !d.IsAttribute && !d.IsIndex)
            .Select(d => (ObjectKey.Family(d.Kind), SchemaOf(d), d.Name))
            .ToHashSet();
        var schemas = declarations.Where(d => !d.IsAttribute && !d.IsIndex && d.Kind is PgObjectKind.Function or PgObjectKind.Procedure)
            .Select(SchemaOf).ToHashSet(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            var names = attribute.AllInSchema
                ? schemas.Contains(attribute.Schema)
                : declared.Contains((ObjectKey.Family(attribute.Kind), SchemaOf(attribute), attribute.Name));
            if (!names)
            {
                throw NotDeclared(attribute, attribute.AllInSchema
                    ? $"no routine of the schema {SqlIdentifier.Quote(attribute.Schema)} is declared here"
                    : $"no {(attribute.Kind is PgObjectKind.View or PgObjectKind.MaterializedView ? "view or materialized view" : "function or procedure")} {attribute.Identity} is declared here");
            }
        }

        var roles = attributes.SelectMany(a => a.Roles).Distinct(StringComparer.Ordinal).ToList();
        if (roles.Count == 0)
        {
            return;
        }

        var missing = new List<string>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT r.name FROM pg_catalog.unnest($1::pg_catalog.text[]) AS r(name) WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name) ORDER BY 1",
            context.Connection))
        {
            cmd.Parameters.Add(SqlCommands.TextArray(roles));
            await using var reader = await cmd.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
            {
                missing.Add(reader.GetString(0));
            }
        }

        if (missing.Count > 0)
        {
            var where = missing.Select(role => $"{SqlIdentifier.Quote(role)} (named at {string.Join(", ", attributes.Where(a => a.Roles.Contains(role)).Select(a => a.Location))})");
            var first = attributes.First(a => a.Roles.Contains(missing[0]));
            throw new PgAutogenException(PgErrorId.RoleNotFound,
                $"{first.Location}: the role{(missing.Count > 1 ? "s" : "")} {string.Join(", ", where)} {(missing.Count > 1 ? "do" : "does")} not exist in the database. Nothing was executed.")
            {
                Target = first,
                Location = new SourceLocation(first.File, first.Line, first.Column),
                RecommendedAction = "Create the role first (roles belong in your schema migrations or your provisioning), or correct its name in the declaration.",
            };
        }
    }

    /// <summary>
    /// The statement that resets the ACL of the object (or the routines of the schema) a privilege declaration names to
    /// its owner's default, before the declared GRANT and REVOKE statements run: every grantee's privileges revoked
    /// (CASCADE: also what they granted on), then the owner's default ones (acldefault) granted. Objects whose ACL is
    /// NULL — the default already — are left alone. The object is named as the declaration names it.
    /// </summary>
    public static string ResetSql(PgDeclaration privilege)
    {
        var (selection, kind, defaultKind) = privilege switch
        {
            { AllInSchema: true } => (
                "SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text AS target, p.proowner AS owner, p.proacl AS acl FROM pg_catalog.pg_proc p " +
                $"WHERE p.pronamespace = {SqlIdentifier.Literal(SqlIdentifier.Quote(privilege.Schema))}::pg_catalog.regnamespace AND p.prokind IN ({ProKinds(privilege)}) AND p.proacl IS NOT NULL",
                "ROUTINE", "f"),
            { Kind: PgObjectKind.View or PgObjectKind.MaterializedView } => (
                "SELECT c.oid::pg_catalog.regclass::pg_catalog.text AS target, c.relowner AS owner, c.relacl AS acl FROM pg_catalog.pg_class c " +
                $"WHERE c.oid = {SqlIdentifier.Literal(Name(privilege))}::pg_catalog.regclass AND c.relacl IS NOT NULL",
                "TABLE", "r"),
            _ => (
                "SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text AS target, p.proowner AS owner, p.proacl AS acl FROM pg_catalog.pg_proc p " +
                $"WHERE p.oid = {SqlIdentifier.Literal(Name(privilege) + "(" + privilege.Arguments + ")")}::pg_catalog.regprocedure AND p.proacl IS NOT NULL",
                "ROUTINE", "f"),
        };
        return $"""
            DO $pgautogen_acl$
            DECLARE
                o record;
                r record;
            BEGIN
                FOR o IN {selection} LOOP
                    FOR r IN SELECT DISTINCT a.grantee FROM pg_catalog.aclexplode(o.acl) AS a LOOP
                        EXECUTE pg_catalog.format('REVOKE ALL ON {kind} %s FROM %s CASCADE', o.target,
                            CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);
                    END LOOP;
                    FOR r IN SELECT a.grantee, a.privilege_type FROM pg_catalog.aclexplode(pg_catalog.acldefault('{defaultKind}', o.owner)) AS a LOOP
                        EXECUTE pg_catalog.format('GRANT %s ON {kind} %s TO %s', r.privilege_type, o.target,
                            CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);
                    END LOOP;
                END LOOP;
            END
            $pgautogen_acl$
            """;
    }

    /// <summary>What an object's privilege declarations share: the object they name as written (or the schema, for ALL ... IN SCHEMA).</summary>
    public static string ObjectOf(PgDeclaration privilege) => privilege.AllInSchema
        ? "schema:" + privilege.Schema + ":" + privilege.PrivilegeObjectType
        : ObjectKey.Name(ObjectKey.Family(privilege.Kind)) + ":" + Name(privilege) + "(" + privilege.Arguments + ")";

    /// <summary>
    /// After execution: the routines each GRANT or REVOKE ON ALL ... IN SCHEMA reached, as targets of that declaration (so
    /// that their privileges are managed and read back). Whether each of them is declared is checked with the others'
    /// targets (<see cref="DesiredStateReader"/>).
    /// </summary>
    public async Task<List<Target>> ExpandAllInSchemaAsync(IReadOnlyList<PgDeclaration> declarations)
    {
        var result = new List<Target>();
        foreach (var declaration in declarations.Where(d => d.AllInSchema))
        {
            await using var cmd = new NpgsqlCommand(
                $"SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.prokind IN ({ProKinds(declaration)})",
                context.Connection);
            cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = declaration.Schema });
            await using var reader = await cmd.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
            {
                result.Add(new Target(declaration, ObjectFamily.Routine, reader.GetFieldValue<uint>(0)));
            }
        }

        return result;
    }

    /// <summary>
    /// The error for a GRANT, REVOKE or OWNER TO that reaches an object not declared here: a routine that exists but is
    /// not declared (it would be dropped), anything a declaration does not create.
    /// </summary>
    public static PgAutogenException NotDeclared(PgDeclaration attribute, string what) =>
        new(PgErrorId.DeclarationTargetNotAllowed,
            $"{attribute.Location}: {Verb(attribute)} {attribute.Identity}: {what}. Privileges and owners are declared only for the functions, procedures, " +
            "views and materialized views declared with them (a table's belong in your schema migrations). Nothing was changed.")
        {
            Target = attribute,
            Location = new SourceLocation(attribute.File, attribute.Line, attribute.Column),
            RecommendedAction = $"Declare the object the statement at {attribute.Location} names, or remove the statement from the declarations.",
        };

    private static string Verb(PgDeclaration attribute) =>
        attribute.IsOwnerChange ? "ALTER ... OWNER TO on" : attribute.Sql.TrimStart().StartsWith("REVOKE", StringComparison.OrdinalIgnoreCase) ? "REVOKE on" : "GRANT on";

    /// <summary>The prokinds ALL FUNCTIONS (functions, aggregates, window functions), ALL PROCEDURES or ALL ROUTINES reach.</summary>
    private static string ProKinds(PgDeclaration declaration) => declaration.PrivilegeObjectType switch
    {
        "PROCEDURE" => "'p'",
        "ROUTINE" => "'f', 'p', 'a', 'w'",
        _ => "'f', 'a', 'w'",
    };

    /// <summary>The object's name as the declaration writes it: quoted, qualified when it is.</summary>
    private static string Name(PgDeclaration declaration) =>
        declaration.Schema.Length == 0 ? SqlIdentifier.Quote(declaration.Name) : SqlIdentifier.Qualify(declaration.Schema, declaration.Name);

    private string SchemaOf(PgDeclaration declaration) => declaration.Schema.Length == 0 ? context.CurrentSchema : declaration.Schema;
}
