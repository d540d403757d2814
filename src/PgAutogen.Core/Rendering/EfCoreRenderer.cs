using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Rendering;

/// <summary>
/// Entity Framework Core: a migration class <c>&lt;yyyyMMddHHmmss&gt;_&lt;Name&gt;.cs</c> in the project's Migrations folder,
/// in -Namespace, for the -DbContext type, whose Up and Down call <c>migrationBuilder.Sql(@"...")</c> once per
/// statement (EF runs a migration's commands in one transaction; Npgsql splits a command at semicolons, so a BEGIN
/// ATOMIC body goes through <c>DO $$ BEGIN EXECUTE ... END $$</c>). <c>dotnet ef database update</c> applies it;
/// <c>dotnet ef database update &lt;previous&gt;</c> runs Down. No model snapshot is touched: the migration changes no
/// table, so the model does not change.
/// </summary>
public sealed partial class EfCoreRenderer : IMigrationRenderer
{
    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue", "decimal", "default",
        "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto",
        "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out",
        "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc",
        "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    public MigrationFormat Format => MigrationFormat.EfCore;

    public IReadOnlyList<PlannedFile> Render(MigrationRenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = MigrationFolder.Folder(request.OutPath, Format, "20260101120000_Audit.cs");
        var ns = CheckName(request.Namespace, "-Namespace", "MyApp.Migrations");
        var context = CheckName(request.DbContext, "-DbContext", "MyApp.AppDbContext");
        var files = MigrationFolder.Files(folder);
        var versions = MigrationFolder.Versions(folder, MigrationFile(), Format);
        var stamp = MigrationFolder.NextTimestamp(versions, request.Now);
        var baseName = ClassName(request.Message);
        var name = baseName;
        for (var n = 2; files.Any(f => MigrationFile().Match(f) is { Success: true } m && m.Groups["name"].Value == name); n++)
        {
            name = baseName + n.ToString(CultureInfo.InvariantCulture);
        }

        var id = stamp + "_" + name;
        string Statement(string s, MigrationOp op) => MigrationText.WrapInnerSemicolons(s, op, "EF Core");
        var sb = new StringBuilder();
        sb.Append(MigrationText.Header(request.Message, request.Ops, "// "));
        sb.Append("// Apply: dotnet ef database update; undo: dotnet ef database update <the migration before this one>.\n");
        sb.Append("using Microsoft.EntityFrameworkCore.Infrastructure;\nusing Microsoft.EntityFrameworkCore.Migrations;\n\n#nullable disable\n\n");
        sb.Append($"namespace {ns}\n{{\n");
        sb.Append($"    [DbContext(typeof({context}))]\n    [Migration(\"{id}\")]\n    public partial class {name} : Migration\n    {{\n");
        AppendMethod(sb, "Up", MigrationText.Steps(request.Ops, up: true, request.Guard), Statement);
        sb.Append('\n');
        AppendMethod(sb, "Down", MigrationText.Steps(request.Ops, up: false, request.Guard), Statement);
        sb.Append("    }\n}\n");
        return new[] { new PlannedFile(Path.Combine(folder, id + ".cs"), sb.ToString()) };
    }

    private static void AppendMethod(StringBuilder sb, string method, IReadOnlyList<MigrationText.Step> steps, Func<string, MigrationOp, string> statement)
    {
        sb.Append($"        protected override void {method}(MigrationBuilder migrationBuilder)\n        {{\n");
        sb.Append("            migrationBuilder.Sql(@\"").Append(MigrationText.CheckFunctionBodiesOff.TrimEnd(';')).Append("\");\n");
        foreach (var step in steps)
        {
            sb.Append('\n');
            foreach (var comment in step.Comments)
            {
                sb.Append("            // ").Append(comment).Append('\n');
            }

            foreach (var s in step.Statements)
            {
                sb.Append("            migrationBuilder.Sql(@\"").Append(statement(s, step.Op).Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\");\n");
            }
        }

        sb.Append("        }\n");
    }

    /// <summary>PascalCase of the slug (<c>add audit</c> → <c>AddAudit</c>); a leading digit gets <c>M</c> before it.</summary>
    internal static string ClassName(string? message)
    {
        var slug = MigrationText.Slug(message, "PgAutogen");
        var sb = new StringBuilder();
        foreach (var part in slug.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            sb.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }

        var name = sb.ToString();
        return char.IsAsciiDigit(name[0]) ? "M" + name : name;
    }

    private static string CheckName(string? value, string parameter, string example)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new PgAutogenException(PgErrorId.MigrationOptionInvalid,
                $"-Format EfCore needs {parameter} (e.g. {example}): EF Core finds a migration by its namespace's assembly and its [DbContext] type. Nothing was written.")
            {
                RecommendedAction = $"Add {parameter} {example}.",
            };
        }

        foreach (var part in value.Split('.'))
        {
            if (!Identifier().IsMatch(part) || CSharpKeywords.Contains(part))
            {
                throw new PgAutogenException(PgErrorId.MigrationOptionInvalid,
                    $"{parameter} '{value}' is not a C# name: '{part}' is not an identifier (letters, digits and _, not starting with a digit, not a keyword). Nothing was written.")
                {
                    Target = value,
                    RecommendedAction = $"Give a dotted C# name, e.g. {parameter} {example}.",
                };
            }
        }

        return value;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^(?<v>[0-9]{14})_(?<name>[A-Za-z_][A-Za-z0-9_]*)\.cs$", RegexOptions.CultureInvariant)]
    private static partial Regex MigrationFile();
}
