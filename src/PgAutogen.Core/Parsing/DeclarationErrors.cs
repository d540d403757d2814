namespace PgAutogen.Core.Parsing;

/// <summary>The errors of declaration parsing, each with its stable id, file:line:column, and what to do.</summary>
internal static class DeclarationErrors
{
    public static PgAutogenException NotAllowed(StatementContext statement, string found, string? why = null) =>
        new(PgErrorId.DeclarationStatementNotAllowed,
            $"{statement.Location}: {found} is not allowed in a declaration file{(why is null ? "" : " (" + why + ")")}. " +
            $"Declaration files may contain only {StatementKinds.AllowedSyntax}. Nothing was executed.")
        {
            Target = statement.File,
            Location = statement.Location,
            RecommendedAction = $"Remove the {found} statement at {statement.Location} from the declarations " +
                "(put it in your schema migrations instead): declaration files hold only the objects PgAutogen manages.",
        };

    public static PgAutogenException TargetNotAllowed(StatementContext statement, PgDeclaration declaration, string schema) =>
        new(PgErrorId.DeclarationTargetNotAllowed,
            $"{statement.Location}: {Describe(declaration)} is in the system schema {SqlIdentifier.Quote(schema)}; " +
            "PgAutogen never creates, replaces or drops objects in pg_catalog, information_schema, pg_toast or pg_temp.")
        {
            Target = declaration,
            Location = statement.Location,
            RecommendedAction = $"Declare {declaration.Name} in one of your own schemas, or remove it from the declarations.",
        };

    public static PgAutogenException Syntax(SourceLocation location, string parserMessage, int postgresMajor)
    {
        var hint = parserMessage.StartsWith("syntax error", StringComparison.Ordinal)
            ? $" (declarations are parsed with the PostgreSQL {postgresMajor} grammar of libpg_query; syntax added in later PostgreSQL versions is not understood)"
            : "";
        return new(PgErrorId.DeclarationSyntaxError, $"{location}: {parserMessage}{hint}.")
        {
            Target = location.File,
            Location = location,
            RecommendedAction = $"Fix the statement at {location}; nothing in the declarations was executed.",
        };
    }

    /// <summary>A routine in a language whose handler PostgreSQL loads and runs while creating it (c, internal).</summary>
    public static PgAutogenException LanguageNotAllowed(StatementContext statement, PgDeclaration declaration, string language) =>
        new(PgErrorId.DeclarationStatementNotAllowed,
            $"{statement.Location}: {Describe(declaration)} is LANGUAGE {language}, which PgAutogen never executes: creating it makes " +
            (language == "c"
                ? "PostgreSQL load its shared library (dlopen runs the library's initialization code on the server), even inside the compare's rolled-back transaction"
                : "PostgreSQL look up a built-in function of the server by name") +
            $". PgAutogen does not manage {language}-language routines (it leaves those in the database alone). Nothing was executed.")
        {
            Target = declaration,
            Location = statement.Location,
            RecommendedAction = $"Remove {declaration.Identity} from the declarations: create {language}-language functions with the extension or the schema " +
                "migration that ships them (CREATE EXTENSION, or your migration tool), where a person decides to load that code.",
        };

    public static PgAutogenException Duplicate(PgDeclaration first, PgDeclaration second) =>
        new(PgErrorId.DeclarationDuplicate,
            $"{second.Location}: {Describe(second)} is declared twice: first at {first.Location}, again at {second.Location}.")
        {
            Target = second,
            Location = new SourceLocation(second.File, second.Line, second.Column),
            RecommendedAction = $"Keep one declaration of {second.Identity}: remove the one at {first.Location} or the one at {second.Location}.",
        };

    public static PgAutogenException Invalid(SourceLocation location, string problem) =>
        new(PgErrorId.DeclarationInvalid, $"{location}: {problem}.")
        {
            Target = location.File,
            Location = location,
            RecommendedAction = $"Fix {location.File}; declaration files are UTF-8 text.",
        };

    public static PgAutogenException FileNotFound(string path, string? detail = null) =>
        new(PgErrorId.DeclarationFileNotFound, $"{path}: {detail ?? "no such file or folder"}.")
        {
            Target = path,
            RecommendedAction = "Check the path: give .sql files or folders that contain them (searched recursively).",
        };

    public static PgAutogenException Unreadable(string path, Exception ex) =>
        new(PgErrorId.DeclarationInvalid, $"{path}: the file could not be read: {ex.Message}", ex)
        {
            Target = path,
            RecommendedAction = "Check that the file exists and is readable.",
        };

    /// <summary>"function app.f(integer)", "trigger audit ON app.orders", "view app.v".</summary>
    public static string Describe(PgDeclaration declaration) =>
        ObjectKey.Words(declaration.Kind) + " " + declaration.Identity;
}
