using System.Collections.Frozen;

namespace PgAutogen.Core.Parsing;

/// <summary>Reads one allowed statement's parse-tree node into a declaration (or throws a PgAutogenException that refuses it).</summary>
internal delegate PgDeclaration DeclarationReader(StatementNode node, StatementContext statement);

/// <summary>A statement kind declaration files may contain: its syntax (for messages) and its reader.</summary>
internal sealed record AllowedStatement(string Syntax, DeclarationReader Read);

/// <summary>
/// The allowlist: the only statements a declaration file may contain, keyed by libpg_query's parse-tree node type.
/// Everything else is refused with <see cref="PgErrorId.DeclarationStatementNotAllowed"/> before anything runs.
/// Adding a kind (MATERIALIZED VIEW, POLICY, EVENT TRIGGER, COMMENT ON ...) is one line here plus its reader.
/// </summary>
internal static class StatementKinds
{
    public static readonly FrozenDictionary<string, AllowedStatement> Allowed = new Dictionary<string, AllowedStatement>(StringComparer.Ordinal)
    {
        ["CreateFunctionStmt"] = new("CREATE [OR REPLACE] FUNCTION | PROCEDURE", DeclarationReaders.Routine),
        ["CreateTrigStmt"] = new("CREATE [OR REPLACE] [CONSTRAINT] TRIGGER", DeclarationReaders.Trigger),
        ["ViewStmt"] = new("CREATE [OR REPLACE] [RECURSIVE] VIEW", DeclarationReaders.View),
        ["CreateTableAsStmt"] = new("CREATE MATERIALIZED VIEW", DeclarationReaders.MaterializedView),
        ["IndexStmt"] = new("CREATE [UNIQUE] INDEX ... ON <the materialized view declared before it in the file>", DeclarationReaders.Index),
        ["CreatePolicyStmt"] = new("CREATE POLICY", DeclarationReaders.Policy),
        ["CreateEventTrigStmt"] = new("CREATE EVENT TRIGGER", DeclarationReaders.EventTrigger),
        ["CommentStmt"] = new("COMMENT ON FUNCTION | PROCEDURE | TRIGGER | VIEW | MATERIALIZED VIEW | POLICY | EVENT TRIGGER ... IS ...", DeclarationReaders.Comment),
        ["GrantStmt"] = new("GRANT | REVOKE ... ON FUNCTION | PROCEDURE | ROUTINE | TABLE <a declared view> | ALL FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA ...", DeclarationReaders.Privilege),
        ["AlterOwnerStmt"] = new("ALTER FUNCTION | PROCEDURE | ROUTINE ... OWNER TO", DeclarationReaders.RoutineOwner),
        ["AlterTableStmt"] = new("ALTER VIEW | MATERIALIZED VIEW ... OWNER TO", DeclarationReaders.RelationOwner),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The allowed statements, for messages: "CREATE [OR REPLACE] FUNCTION | PROCEDURE, ...".</summary>
    public static string AllowedSyntax { get; } = string.Join("; ", Allowed.Values.Select(a => a.Syntax).Order(StringComparer.Ordinal));

    // What a refused statement is called in messages, like PostgreSQL's command tags. Node types whose tag depends
    // on a field (DROP <object>, ALTER <object>, GRANT/REVOKE, ...) are handled in Describe.
    private static readonly FrozenDictionary<string, string> Tags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["InsertStmt"] = "INSERT",
        ["UpdateStmt"] = "UPDATE",
        ["DeleteStmt"] = "DELETE",
        ["MergeStmt"] = "MERGE",
        ["SelectStmt"] = "SELECT",
        ["DoStmt"] = "DO",
        ["CallStmt"] = "CALL",
        ["CopyStmt"] = "COPY",
        ["TruncateStmt"] = "TRUNCATE TABLE",
        ["LockStmt"] = "LOCK TABLE",
        ["VariableShowStmt"] = "SHOW",
        ["ConstraintsSetStmt"] = "SET CONSTRAINTS",
        ["CheckPointStmt"] = "CHECKPOINT",
        ["ClusterStmt"] = "CLUSTER",
        ["ReindexStmt"] = "REINDEX",
        ["ExplainStmt"] = "EXPLAIN",
        ["LoadStmt"] = "LOAD",
        ["NotifyStmt"] = "NOTIFY",
        ["ListenStmt"] = "LISTEN",
        ["UnlistenStmt"] = "UNLISTEN",
        ["PrepareStmt"] = "PREPARE",
        ["ExecuteStmt"] = "EXECUTE",
        ["DeallocateStmt"] = "DEALLOCATE",
        ["DeclareCursorStmt"] = "DECLARE CURSOR",
        ["ClosePortalStmt"] = "CLOSE CURSOR",
        ["FetchStmt"] = "FETCH",
        ["DiscardStmt"] = "DISCARD",
        ["CreateStmt"] = "CREATE TABLE",
        ["CreateForeignTableStmt"] = "CREATE FOREIGN TABLE",
        ["IndexStmt"] = "CREATE INDEX",
        ["CreateSeqStmt"] = "CREATE SEQUENCE",
        ["AlterSeqStmt"] = "ALTER SEQUENCE",
        ["CreateSchemaStmt"] = "CREATE SCHEMA",
        ["CreateExtensionStmt"] = "CREATE EXTENSION",
        ["AlterExtensionStmt"] = "ALTER EXTENSION",
        ["AlterExtensionContentsStmt"] = "ALTER EXTENSION",
        ["CreateDomainStmt"] = "CREATE DOMAIN",
        ["AlterDomainStmt"] = "ALTER DOMAIN",
        ["CompositeTypeStmt"] = "CREATE TYPE",
        ["CreateEnumStmt"] = "CREATE TYPE",
        ["CreateRangeStmt"] = "CREATE TYPE",
        ["AlterEnumStmt"] = "ALTER TYPE",
        ["AlterTypeStmt"] = "ALTER TYPE",
        ["RuleStmt"] = "CREATE RULE",
        ["CreateEventTrigStmt"] = "CREATE EVENT TRIGGER",
        ["AlterEventTrigStmt"] = "ALTER EVENT TRIGGER",
        ["CreatePolicyStmt"] = "CREATE POLICY",
        ["AlterPolicyStmt"] = "ALTER POLICY",
        ["CreateRoleStmt"] = "CREATE ROLE",
        ["AlterRoleStmt"] = "ALTER ROLE",
        ["AlterRoleSetStmt"] = "ALTER ROLE",
        ["DropRoleStmt"] = "DROP ROLE",
        ["DropOwnedStmt"] = "DROP OWNED",
        ["ReassignOwnedStmt"] = "REASSIGN OWNED",
        ["CreatedbStmt"] = "CREATE DATABASE",
        ["AlterDatabaseStmt"] = "ALTER DATABASE",
        ["AlterDatabaseSetStmt"] = "ALTER DATABASE",
        ["AlterDatabaseRefreshCollStmt"] = "ALTER DATABASE",
        ["DropdbStmt"] = "DROP DATABASE",
        ["CreateTableSpaceStmt"] = "CREATE TABLESPACE",
        ["DropTableSpaceStmt"] = "DROP TABLESPACE",
        ["AlterTableSpaceOptionsStmt"] = "ALTER TABLESPACE",
        ["AlterTableMoveAllStmt"] = "ALTER TABLE",
        ["AlterSystemStmt"] = "ALTER SYSTEM",
        ["AlterDefaultPrivilegesStmt"] = "ALTER DEFAULT PRIVILEGES",
        ["AlterFunctionStmt"] = "ALTER FUNCTION",
        ["AlterOperatorStmt"] = "ALTER OPERATOR",
        ["AlterCollationStmt"] = "ALTER COLLATION",
        ["AlterStatsStmt"] = "ALTER STATISTICS",
        ["AlterTSDictionaryStmt"] = "ALTER TEXT SEARCH DICTIONARY",
        ["AlterTSConfigurationStmt"] = "ALTER TEXT SEARCH CONFIGURATION",
        ["CreatePLangStmt"] = "CREATE LANGUAGE",
        ["CreateConversionStmt"] = "CREATE CONVERSION",
        ["CreateCastStmt"] = "CREATE CAST",
        ["CreateTransformStmt"] = "CREATE TRANSFORM",
        ["CreateOpClassStmt"] = "CREATE OPERATOR CLASS",
        ["CreateOpFamilyStmt"] = "CREATE OPERATOR FAMILY",
        ["AlterOpFamilyStmt"] = "ALTER OPERATOR FAMILY",
        ["CreateAmStmt"] = "CREATE ACCESS METHOD",
        ["CreateStatsStmt"] = "CREATE STATISTICS",
        ["CreateFdwStmt"] = "CREATE FOREIGN DATA WRAPPER",
        ["AlterFdwStmt"] = "ALTER FOREIGN DATA WRAPPER",
        ["CreateForeignServerStmt"] = "CREATE SERVER",
        ["AlterForeignServerStmt"] = "ALTER SERVER",
        ["CreateUserMappingStmt"] = "CREATE USER MAPPING",
        ["AlterUserMappingStmt"] = "ALTER USER MAPPING",
        ["DropUserMappingStmt"] = "DROP USER MAPPING",
        ["ImportForeignSchemaStmt"] = "IMPORT FOREIGN SCHEMA",
        ["CreatePublicationStmt"] = "CREATE PUBLICATION",
        ["AlterPublicationStmt"] = "ALTER PUBLICATION",
        ["CreateSubscriptionStmt"] = "CREATE SUBSCRIPTION",
        ["AlterSubscriptionStmt"] = "ALTER SUBSCRIPTION",
        ["DropSubscriptionStmt"] = "DROP SUBSCRIPTION",
        ["RefreshMatViewStmt"] = "REFRESH MATERIALIZED VIEW",
        ["SecLabelStmt"] = "SECURITY LABEL",
        ["AlterObjectDependsStmt"] = "ALTER ... DEPENDS ON EXTENSION",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>A human-readable name of what a statement does, like PostgreSQL's command tag: "DROP TABLE", "COMMIT", "INSERT".</summary>
    public static string Describe(StatementNode node)
    {
        var nodeType = node.NodeType;
        if (Tags.TryGetValue(nodeType, out var tag))
        {
            return tag;
        }

        return nodeType switch
        {
            "TransactionStmt" => node.String("kind") switch
            {
                "TRANS_STMT_BEGIN" => "BEGIN",
                "TRANS_STMT_START" => "START TRANSACTION",
                "TRANS_STMT_COMMIT" => "COMMIT",
                "TRANS_STMT_ROLLBACK" => "ROLLBACK",
                "TRANS_STMT_SAVEPOINT" => "SAVEPOINT",
                "TRANS_STMT_RELEASE" => "RELEASE",
                "TRANS_STMT_ROLLBACK_TO" => "ROLLBACK TO SAVEPOINT",
                "TRANS_STMT_PREPARE" => "PREPARE TRANSACTION",
                "TRANS_STMT_COMMIT_PREPARED" => "COMMIT PREPARED",
                "TRANS_STMT_ROLLBACK_PREPARED" => "ROLLBACK PREPARED",
                _ => "a transaction command",
            },
            "DropStmt" => "DROP " + ObjectType(node, "removeType"),
            "AlterTableStmt" => "ALTER " + ObjectType(node, "objtype"),
            "RenameStmt" => "ALTER " + ObjectType(node, "renameType"),
            "AlterObjectSchemaStmt" => "ALTER " + ObjectType(node, "objectType"),
            "AlterOwnerStmt" => "ALTER " + ObjectType(node, "objectType"),
            "CommentStmt" => "COMMENT ON " + ObjectType(node, "objtype"),
            "DefineStmt" => "CREATE " + ObjectType(node, "kind"),
            "GrantStmt" => node.Bool("is_grant") ? "GRANT" : "REVOKE",
            "GrantRoleStmt" => node.Bool("is_grant") ? "GRANT ROLE" : "REVOKE ROLE",
            "VariableSetStmt" => node.String("kind") is "VAR_RESET" or "VAR_RESET_ALL" ? "RESET" : "SET",
            "VacuumStmt" => node.Bool("is_vacuumcmd") ? "VACUUM" : "ANALYZE",
            "CreateTableAsStmt" => node.String("objtype") == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS",
            "CreateFunctionStmt" => node.Bool("is_procedure") ? "CREATE PROCEDURE" : "CREATE FUNCTION",
            "CreateTrigStmt" => node.Bool("isconstraint") ? "CREATE CONSTRAINT TRIGGER" : "CREATE TRIGGER",
            "ViewStmt" => "CREATE VIEW",
            _ => Humanize(nodeType),
        };
    }

    /// <summary>An object type as statements name it: OBJECT_FOREIGN_TABLE → FOREIGN TABLE, with the exceptions PostgreSQL's grammar spells otherwise.</summary>
    private static string ObjectType(StatementNode node, string property)
    {
        var value = node.String(property);
        return value switch
        {
            null => "",
            "OBJECT_MATVIEW" => "MATERIALIZED VIEW",
            "OBJECT_FOREIGN_TABLE" => "FOREIGN TABLE",
            "OBJECT_FDW" => "FOREIGN DATA WRAPPER",
            "OBJECT_FOREIGN_SERVER" => "SERVER",
            "OBJECT_TSCONFIGURATION" => "TEXT SEARCH CONFIGURATION",
            "OBJECT_TSDICTIONARY" => "TEXT SEARCH DICTIONARY",
            "OBJECT_TSPARSER" => "TEXT SEARCH PARSER",
            "OBJECT_TSTEMPLATE" => "TEXT SEARCH TEMPLATE",
            "OBJECT_LARGEOBJECT" => "LARGE OBJECT",
            "OBJECT_OPCLASS" => "OPERATOR CLASS",
            "OBJECT_OPFAMILY" => "OPERATOR FAMILY",
            "OBJECT_ACCESS_METHOD" => "ACCESS METHOD",
            "OBJECT_TABCONSTRAINT" => "CONSTRAINT",
            "OBJECT_DOMCONSTRAINT" => "CONSTRAINT",
            "OBJECT_EVENT_TRIGGER" => "EVENT TRIGGER",
            "OBJECT_STATISTIC_EXT" => "STATISTICS",
            "OBJECT_USER_MAPPING" => "USER MAPPING",
            "OBJECT_AMOP" => "OPERATOR",
            "OBJECT_AMPROC" => "FUNCTION",
            "OBJECT_DEFACL" => "DEFAULT PRIVILEGES",
            _ when value.StartsWith("OBJECT_", StringComparison.Ordinal) => value["OBJECT_".Length..].Replace('_', ' '),
            _ => value,
        };
    }

    /// <summary>"CreateFooStmt" → "CREATE FOO": a fallback for node types added after this table was written.</summary>
    private static string Humanize(string nodeType)
    {
        var name = nodeType.EndsWith("Stmt", StringComparison.Ordinal) ? nodeType[..^4] : nodeType;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
            {
                sb.Append(' ');
            }

            sb.Append(char.ToUpperInvariant(name[i]));
        }

        return sb.ToString();
    }
}
