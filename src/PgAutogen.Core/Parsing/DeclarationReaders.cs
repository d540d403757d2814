using System.Text.Json;

namespace PgAutogen.Core.Parsing;

/// <summary>One statement being read: its exact text and where it starts.</summary>
internal sealed record StatementContext(string Sql, SourceLocation Location)
{
    public string File => Location.File;

    public int Line => Location.Line;

    public int Column => Location.Column;
}

/// <summary>The readers of the allowed statements (see <see cref="StatementKinds.Allowed"/>): parse-tree node → PgDeclaration.</summary>
internal static class DeclarationReaders
{
    /// <summary>CREATE [OR REPLACE] FUNCTION | PROCEDURE.</summary>
    public static PgDeclaration Routine(StatementNode node, StatementContext statement)
    {
        var isProcedure = node.Bool("is_procedure");
        var (schema, name) = QualifiedName(node.Element("funcname") ?? default);
        var arguments = new List<string>();
        if (node.Element("parameters") is { } parameters)
        {
            foreach (var item in parameters.EnumerateArray())
            {
                var parameter = item.GetProperty("FunctionParameter");
                var mode = String(parameter, "mode") ?? "FUNC_PARAM_DEFAULT";
                var identifying = mode switch
                {
                    "FUNC_PARAM_OUT" => isProcedure, // PostgreSQL 14+: a procedure's OUT parameters are part of its signature
                    "FUNC_PARAM_TABLE" => false,
                    _ => true,                        // IN, INOUT, VARIADIC, and no mode written
                };
                if (identifying)
                {
                    arguments.Add(TypeNames.Render(parameter.GetProperty("argType")));
                }
            }
        }

        var declaration = new PgDeclaration(isProcedure ? PgObjectKind.Procedure : PgObjectKind.Function, schema, name,
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            Arguments = string.Join(", ", arguments),
            OrReplace = node.Bool("replace"),
        };
        RefuseSystemSchema(declaration, schema, statement);
        if (Language(node) is { } language && RefusedLanguages.Contains(language))
        {
            throw DeclarationErrors.LanguageNotAllowed(statement, declaration, language);
        }

        return declaration;
    }

    /// <summary>
    /// Languages whose routines PostgreSQL loads or resolves while creating them, before any body check (fmgr_c_validator
    /// dlopen()s the library even with check_function_bodies off): refused before anything runs.
    /// </summary>
    internal static readonly HashSet<string> RefusedLanguages = new(StringComparer.Ordinal) { "c", "internal" };

    /// <summary>The LANGUAGE of a CREATE FUNCTION | PROCEDURE (lower case, as PostgreSQL folds it), or null when none is written.</summary>
    private static string? Language(StatementNode node)
    {
        if (node.Element("options") is not { ValueKind: JsonValueKind.Array } options)
        {
            return null;
        }

        foreach (var option in options.EnumerateArray())
        {
            if (option.TryGetProperty("DefElem", out var def) && String(def, "defname") == "language"
                && def.TryGetProperty("arg", out var arg) && arg.TryGetProperty("String", out var value))
            {
                return String(value, "sval")?.ToLowerInvariant();
            }
        }

        return null;
    }

    /// <summary>CREATE [OR REPLACE] [CONSTRAINT] TRIGGER.</summary>
    public static PgDeclaration Trigger(StatementNode node, StatementContext statement)
    {
        var (tableSchema, table) = Relation(node, "relation");
        var declaration = new PgDeclaration(PgObjectKind.Trigger, tableSchema, node.String("trigname") ?? "",
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            Table = table,
            TableSchema = tableSchema,
            OrReplace = node.Bool("replace"),
            IsConstraintTrigger = node.Bool("isconstraint"),
        };
        RefuseSystemSchema(declaration, tableSchema, statement);
        return declaration;
    }

    /// <summary>CREATE [OR REPLACE] [RECURSIVE] VIEW (with options and check option); not TEMPORARY.</summary>
    public static PgDeclaration View(StatementNode node, StatementContext statement)
    {
        var view = node.Element("view") ?? default;
        if (string.Equals(String(view, "relpersistence"), "t", StringComparison.Ordinal))
        {
            throw DeclarationErrors.NotAllowed(statement, "CREATE TEMPORARY VIEW",
                "A temporary view lives only as long as the session; PgAutogen manages persistent views only.");
        }

        var schema = String(view, "schemaname") ?? "";
        var declaration = new PgDeclaration(PgObjectKind.View, schema, String(view, "relname") ?? "",
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            OrReplace = node.Bool("replace"),
        };
        RefuseSystemSchema(declaration, schema, statement);
        return declaration;
    }

    /// <summary>CREATE MATERIALIZED VIEW [IF NOT EXISTS] ... AS ... [WITH [NO] DATA]; CREATE TABLE AS is refused.</summary>
    public static PgDeclaration MaterializedView(StatementNode node, StatementContext statement)
    {
        if (node.String("objtype") != "OBJECT_MATVIEW")
        {
            throw DeclarationErrors.NotAllowed(statement, "CREATE TABLE AS",
                "Tables belong in your schema migrations; PgAutogen manages functions, procedures, triggers, views, materialized views, policies and event triggers.");
        }

        var into = node.Element("into") ?? default;
        var relation = into.ValueKind == JsonValueKind.Object && into.TryGetProperty("rel", out var rel) ? rel : default;
        var schema = String(relation, "schemaname") ?? "";
        var declaration = new PgDeclaration(PgObjectKind.MaterializedView, schema, String(relation, "relname") ?? "",
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            WithNoData = Bool(into, "skipData"),
        };
        RefuseSystemSchema(declaration, schema, statement);
        return declaration;
    }

    /// <summary>
    /// CREATE [UNIQUE] INDEX [name] ON relation ...: allowed as part of a materialized view's definition (the
    /// canonicalization checks that the relation is a declared materialized view). Not CONCURRENTLY.
    /// </summary>
    public static PgDeclaration Index(StatementNode node, StatementContext statement)
    {
        if (node.Bool("concurrent"))
        {
            throw DeclarationErrors.NotAllowed(statement, "CREATE INDEX CONCURRENTLY",
                "Declare the index without CONCURRENTLY: a declaration states what exists, and a migration runs in a transaction, where CONCURRENTLY is not possible.");
        }

        var relation = node.Element("relation") ?? default;
        var schema = String(relation, "schemaname") ?? "";
        var declaration = new PgDeclaration(PgObjectKind.MaterializedView, schema, String(relation, "relname") ?? "",
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            IsIndex = true,
            IndexName = node.String("idxname") ?? "",
        };
        RefuseSystemSchema(declaration, schema, statement);
        return declaration;
    }

    /// <summary>CREATE POLICY name ON table ...: identity schema + table + name.</summary>
    public static PgDeclaration Policy(StatementNode node, StatementContext statement)
    {
        var (tableSchema, table) = Relation(node, "table");
        var declaration = new PgDeclaration(PgObjectKind.Policy, tableSchema, node.String("policy_name") ?? "",
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            Table = table,
            TableSchema = tableSchema,
        };
        RefuseSystemSchema(declaration, tableSchema, statement);
        return declaration;
    }

    /// <summary>The schema (empty when unqualified) and name of the RangeVar in <paramref name="field"/>.</summary>
    private static (string Schema, string Name) Relation(StatementNode node, string field)
    {
        var relation = node.Element(field) ?? default;
        return (String(relation, "schemaname") ?? "", String(relation, "relname") ?? "");
    }

    /// <summary>CREATE EVENT TRIGGER name ON event ...: identity the name (event triggers belong to no schema).</summary>
    public static PgDeclaration EventTrigger(StatementNode node, StatementContext statement) =>
        new(PgObjectKind.EventTrigger, "", node.String("trigname") ?? "", statement.Sql, statement.File, statement.Line, statement.Column);

    /// <summary>COMMENT ON FUNCTION | PROCEDURE | TRIGGER | VIEW | MATERIALIZED VIEW | POLICY | EVENT TRIGGER ... IS '...' | NULL: a comment on a managed object.</summary>
    public static PgDeclaration Comment(StatementNode node, StatementContext statement)
    {
        var objtype = node.String("objtype") ?? "";
        var target = node.Element("object") ?? default;
        PgDeclaration declaration;
        switch (objtype)
        {
            case "OBJECT_FUNCTION" or "OBJECT_PROCEDURE":
                var routine = target.GetProperty("ObjectWithArgs");
                if (Bool(routine, "args_unspecified"))
                {
                    throw DeclarationErrors.Invalid(statement.Location,
                        "COMMENT ON " + (objtype == "OBJECT_PROCEDURE" ? "PROCEDURE" : "FUNCTION") + " needs the argument types, e.g. COMMENT ON FUNCTION app.f(integer) IS '...', so it names exactly one routine.");
                }

                var (schema, name) = QualifiedName(routine.TryGetProperty("objname", out var objname) ? objname : default);
                var arguments = routine.TryGetProperty("objargs", out var objargs)
                    ? objargs.EnumerateArray().Select(a => TypeNames.Render(a.GetProperty("TypeName"))).ToList()
                    : new List<string>();
                declaration = new PgDeclaration(objtype == "OBJECT_PROCEDURE" ? PgObjectKind.Procedure : PgObjectKind.Function, schema, name,
                    statement.Sql, statement.File, statement.Line, statement.Column)
                {
                    Arguments = string.Join(", ", arguments),
                    IsComment = true,
                    Comment = node.String("comment"),
                };
                RefuseSystemSchema(declaration, schema, statement);
                return declaration;
            case "OBJECT_VIEW" or "OBJECT_MATVIEW":
                var (viewSchema, viewName) = QualifiedName(target.GetProperty("List").GetProperty("items"));
                declaration = new PgDeclaration(objtype == "OBJECT_VIEW" ? PgObjectKind.View : PgObjectKind.MaterializedView, viewSchema, viewName, statement.Sql, statement.File, statement.Line, statement.Column)
                {
                    IsComment = true,
                    Comment = node.String("comment"),
                };
                RefuseSystemSchema(declaration, viewSchema, statement);
                return declaration;
            case "OBJECT_EVENT_TRIGGER":
                return new PgDeclaration(PgObjectKind.EventTrigger, "", StringValue(target), statement.Sql, statement.File, statement.Line, statement.Column)
                {
                    IsComment = true,
                    Comment = node.String("comment"),
                };
            case "OBJECT_TRIGGER" or "OBJECT_POLICY":
                var parts = target.GetProperty("List").GetProperty("items").EnumerateArray().Select(StringValue).ToList();
                var tableSchema = parts.Count >= 3 ? parts[^3] : "";
                declaration = new PgDeclaration(objtype == "OBJECT_TRIGGER" ? PgObjectKind.Trigger : PgObjectKind.Policy, tableSchema, parts[^1], statement.Sql, statement.File, statement.Line, statement.Column)
                {
                    Table = parts.Count >= 2 ? parts[^2] : "",
                    TableSchema = tableSchema,
                    IsComment = true,
                    Comment = node.String("comment"),
                };
                RefuseSystemSchema(declaration, tableSchema, statement);
                return declaration;
            default:
                var what = objtype.StartsWith("OBJECT_", StringComparison.Ordinal) ? objtype["OBJECT_".Length..].Replace('_', ' ') : objtype;
                throw DeclarationErrors.NotAllowed(statement, "COMMENT ON " + what,
                    "Comments are declared only on the objects PgAutogen manages: functions, procedures, triggers, views, materialized views, policies and event triggers.");
        }
    }

    /// <summary>
    /// GRANT | REVOKE [GRANT OPTION FOR] privileges ON FUNCTION | PROCEDURE | ROUTINE name(argument types) | [TABLE] view |
    /// ALL FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA s TO | FROM roles: the declared privileges of one managed object (or
    /// of every routine of a schema, which must all be declared). One object per statement, no column privileges, no
    /// GRANTED BY (the migration grants as the object's owner).
    /// </summary>
    public static PgDeclaration Privilege(StatementNode node, StatementContext statement)
    {
        var verb = node.Bool("is_grant") ? "GRANT" : "REVOKE";
        var objtype = node.String("objtype") ?? "";
        var objects = node.Element("objects") is { ValueKind: JsonValueKind.Array } list ? list.EnumerateArray().ToList() : new List<JsonElement>();
        var allInSchema = node.String("targtype") == "ACL_TARGET_ALL_IN_SCHEMA";
        var objectType = objtype switch
        {
            "OBJECT_FUNCTION" => "FUNCTION",
            "OBJECT_PROCEDURE" => "PROCEDURE",
            "OBJECT_ROUTINE" => "ROUTINE",
            "OBJECT_TABLE" when !allInSchema => "TABLE",
            _ => null,
        };
        if (objectType is null)
        {
            var what = objtype.StartsWith("OBJECT_", StringComparison.Ordinal) ? objtype["OBJECT_".Length..].Replace('_', ' ') : objtype;
            throw DeclarationErrors.NotAllowed(statement, $"{verb} ON {(allInSchema ? "ALL " + what + "S IN SCHEMA" : what)}",
                allInSchema
                    ? "ALL TABLES IN SCHEMA reaches tables too, which belong in your schema migrations; grant on each declared view instead"
                    : "privileges are declared only on the objects PgAutogen manages: functions, procedures, views and materialized views");
        }

        if (objects.Count != 1)
        {
            throw DeclarationErrors.Invalid(statement.Location,
                $"{verb} names {objects.Count} {(allInSchema ? "schemas" : "objects")}; declare the privileges of one {(allInSchema ? "schema" : "object")} per statement, beside its declaration " +
                $"(e.g. {verb} EXECUTE ON FUNCTION app.f(integer) {(verb == "GRANT" ? "TO" : "FROM")} app_user;)");
        }

        if (node.Element("grantor") is { ValueKind: JsonValueKind.Object })
        {
            throw DeclarationErrors.NotAllowed(statement, verb + " ... GRANTED BY",
                "a migration grants as the object's owner; declare the privileges without GRANTED BY");
        }

        if (node.Element("privileges") is { ValueKind: JsonValueKind.Array } privileges
            && privileges.EnumerateArray().Any(p => p.TryGetProperty("AccessPriv", out var priv) && priv.TryGetProperty("cols", out _)))
        {
            throw DeclarationErrors.NotAllowed(statement, verb + " on columns",
                "column privileges are not managed; grant on the whole view, or keep column privileges in your schema migrations");
        }

        var roles = Roles(node.Element("grantees") is { ValueKind: JsonValueKind.Array } grantees ? grantees.EnumerateArray() : Enumerable.Empty<JsonElement>());
        var kind = objectType switch
        {
            "PROCEDURE" => PgObjectKind.Procedure,
            "TABLE" => PgObjectKind.View,
            _ => PgObjectKind.Function,
        };
        var target = objects[0];
        PgDeclaration declaration;
        if (allInSchema)
        {
            var schema = StringValue(target);
            declaration = new PgDeclaration(kind, schema, "", statement.Sql, statement.File, statement.Line, statement.Column)
            {
                IsPrivilege = true,
                AllInSchema = true,
                PrivilegeObjectType = objectType,
                Roles = roles,
            };
            RefuseSystemSchema(declaration, schema, statement);
            return declaration;
        }

        if (objectType == "TABLE")
        {
            var relation = target.GetProperty("RangeVar");
            var schema = String(relation, "schemaname") ?? "";
            declaration = new PgDeclaration(kind, schema, String(relation, "relname") ?? "", statement.Sql, statement.File, statement.Line, statement.Column)
            {
                IsPrivilege = true,
                PrivilegeObjectType = objectType,
                Roles = roles,
            };
            RefuseSystemSchema(declaration, schema, statement);
            return declaration;
        }

        var (routineSchema, routineName, arguments) = RoutineTarget(target, kind, verb + " ON " + objectType, statement);
        declaration = new PgDeclaration(kind, routineSchema, routineName, statement.Sql, statement.File, statement.Line, statement.Column)
        {
            Arguments = arguments,
            IsPrivilege = true,
            PrivilegeObjectType = objectType,
            Roles = roles,
        };
        RefuseSystemSchema(declaration, routineSchema, statement);
        return declaration;
    }

    /// <summary>ALTER FUNCTION | PROCEDURE | ROUTINE name(argument types) OWNER TO role: the routine's declared owner. Any other ALTER ... OWNER TO is refused.</summary>
    public static PgDeclaration RoutineOwner(StatementNode node, StatementContext statement)
    {
        var objectType = node.String("objectType");
        if (objectType is not ("OBJECT_FUNCTION" or "OBJECT_PROCEDURE" or "OBJECT_ROUTINE"))
        {
            throw DeclarationErrors.NotAllowed(statement, StatementKinds.Describe(node),
                "owners are declared only for the objects PgAutogen manages: ALTER FUNCTION | PROCEDURE | ROUTINE | VIEW | MATERIALIZED VIEW ... OWNER TO");
        }

        var kind = objectType == "OBJECT_PROCEDURE" ? PgObjectKind.Procedure : PgObjectKind.Function;
        var words = objectType == "OBJECT_PROCEDURE" ? "ALTER PROCEDURE" : objectType == "OBJECT_ROUTINE" ? "ALTER ROUTINE" : "ALTER FUNCTION";
        var (schema, name, arguments) = RoutineTarget(node.Element("object") ?? default, kind, words, statement);
        var declaration = new PgDeclaration(kind, schema, name, statement.Sql, statement.File, statement.Line, statement.Column)
        {
            Arguments = arguments,
            IsOwnerChange = true,
            Roles = Roles(node.Element("newowner") is { } owner ? new[] { owner } : Array.Empty<JsonElement>()),
        };
        RefuseSystemSchema(declaration, schema, statement);
        return declaration;
    }

    /// <summary>ALTER VIEW | MATERIALIZED VIEW name OWNER TO role (that one command): the view's declared owner. Any other ALTER TABLE | VIEW | ... is refused.</summary>
    public static PgDeclaration RelationOwner(StatementNode node, StatementContext statement)
    {
        var objtype = node.String("objtype");
        var commands = node.Element("cmds") is { ValueKind: JsonValueKind.Array } cmds ? cmds.EnumerateArray().ToList() : new List<JsonElement>();
        if (objtype is not ("OBJECT_VIEW" or "OBJECT_MATVIEW") || commands.Count != 1
            || !commands[0].TryGetProperty("AlterTableCmd", out var command) || String(command, "subtype") != "AT_ChangeOwner")
        {
            throw DeclarationErrors.NotAllowed(statement, StatementKinds.Describe(node),
                objtype is "OBJECT_TABLE" && commands.Count == 1 && commands[0].TryGetProperty("AlterTableCmd", out var c) && String(c, "subtype") == "AT_ChangeOwner"
                    ? "declare a view's owner with ALTER VIEW (or ALTER MATERIALIZED VIEW) ... OWNER TO; tables belong in your schema migrations"
                    : null);
        }

        var (schema, name) = Relation(node, "relation");
        var declaration = new PgDeclaration(objtype == "OBJECT_VIEW" ? PgObjectKind.View : PgObjectKind.MaterializedView, schema, name,
            statement.Sql, statement.File, statement.Line, statement.Column)
        {
            IsOwnerChange = true,
            Roles = Roles(command.TryGetProperty("newowner", out var owner) ? new[] { owner } : Array.Empty<JsonElement>()),
        };
        RefuseSystemSchema(declaration, schema, statement);
        return declaration;
    }

    /// <summary>A routine named with its argument types (ObjectWithArgs): schema (empty when unqualified), name, the types as format_type writes them.</summary>
    private static (string Schema, string Name, string Arguments) RoutineTarget(JsonElement target, PgObjectKind kind, string words, StatementContext statement)
    {
        var routine = target.ValueKind == JsonValueKind.Object && target.TryGetProperty("ObjectWithArgs", out var inner) ? inner : target;
        if (Bool(routine, "args_unspecified"))
        {
            throw DeclarationErrors.Invalid(statement.Location,
                $"{words} needs the argument types, e.g. {words} app.f(integer), so it names exactly one {ObjectKey.Words(kind)}");
        }

        var (schema, name) = QualifiedName(routine.TryGetProperty("objname", out var objname) ? objname : default);
        var arguments = routine.TryGetProperty("objargs", out var objargs)
            ? objargs.EnumerateArray().Select(a => TypeNames.Render(a.GetProperty("TypeName"))).ToList()
            : new List<string>();
        return (schema, name, string.Join(", ", arguments));
    }

    /// <summary>The roles RoleSpec nodes name by name (not PUBLIC, CURRENT_ROLE, CURRENT_USER, SESSION_USER).</summary>
    private static List<string> Roles(IEnumerable<JsonElement> specs) =>
        specs.Select(s => s.TryGetProperty("RoleSpec", out var spec) ? spec : s)
            .Where(spec => String(spec, "roletype") == "ROLESPEC_CSTRING")
            .Select(spec => String(spec, "rolename") ?? "")
            .ToList();

    /// <summary>True for the schemas PgAutogen never manages: pg_catalog, information_schema, pg_toast*, pg_temp* (every pg_ schema is reserved).</summary>
    public static bool IsSystemSchema(string schema) =>
        schema.StartsWith("pg_", StringComparison.Ordinal) || string.Equals(schema, "information_schema", StringComparison.Ordinal);

    /// <summary>The value of a <c>{"String": {"sval": ...}}</c> node.</summary>
    public static string StringValue(JsonElement node) =>
        node.TryGetProperty("String", out var s) && s.TryGetProperty("sval", out var v) ? v.GetString() ?? "" : "";

    /// <summary>[schema.]name from a list of String nodes (a catalog part, if any, is dropped).</summary>
    public static (string Schema, string Name) QualifiedName(JsonElement names)
    {
        var parts = names.ValueKind == JsonValueKind.Array ? names.EnumerateArray().Select(StringValue).ToList() : new List<string>();
        return parts.Count switch
        {
            0 => ("", ""),
            1 => ("", parts[0]),
            _ => (parts[^2], parts[^1]),
        };
    }

    public static string? String(JsonElement node, string property) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool Bool(JsonElement node, string property) =>
        node.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.True;

    private static void RefuseSystemSchema(PgDeclaration declaration, string schema, StatementContext statement)
    {
        if (IsSystemSchema(schema))
        {
            throw DeclarationErrors.TargetNotAllowed(statement, declaration, schema);
        }
    }
}
