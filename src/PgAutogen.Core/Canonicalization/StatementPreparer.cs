using System.Text;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// Turns declarations into the statements a compare executes (<see cref="PreparedStatement"/>): what replaces the
/// current object in place, what is created without running anything it declares, in an order by kind.
/// </summary>
internal sealed class StatementPreparer(IReadOnlyList<PgObject> current)
{
    /// <summary>The constraint triggers of the database (they cannot be replaced), by name and table.</summary>
    private readonly HashSet<(string Name, string? Table)> _constraintTriggers = current
        .Where(o => o.Kind == PgObjectKind.Trigger && o.IsConstraintTrigger)
        .Select(o => (o.Name, o.Table))
        .ToHashSet();

    /// <summary>
    /// Prepares the statements: functions, procedures and views get OR REPLACE; an existing regular trigger
    /// is replaced with CREATE OR REPLACE TRIGGER (SHARE ROW EXCLUSIVE, like CREATE TRIGGER); a constraint
    /// trigger (which cannot be replaced), a policy and an event trigger are dropped first (IF EXISTS). A
    /// materialized view is created WITH NO DATA (its query never runs here); one that <see cref="MaterializedViews"/>
    /// found unchanged is not executed (its statements stay in the list, marked <see cref="PreparedStatement.Skipped"/>,
    /// for a rebuild around a re-created dependency). An event trigger is created last and disabled at once, so that
    /// it never fires during the compare. Order: routines, views and materialized views, their indexes, policies,
    /// triggers, comments and owners, privileges (each object's reset to its owner's default first: see
    /// <see cref="AttributeDeclarations"/>), event triggers and their comments.
    /// </summary>
    public List<PreparedStatement> Prepare(IReadOnlyList<PgDeclaration> declarations, IReadOnlySet<PgDeclaration>? skipped = null)
    {
        var result = new List<PreparedStatement>(declarations.Count + 4);
        var reset = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaration in declarations.OrderBy(Rank))
        {
            switch (declaration.Kind)
            {
                case var _ when declaration.IsPrivilege:
                    // The object's privileges are declared from its owner's default: reset first, once per object.
                    if (reset.Add(AttributeDeclarations.ObjectOf(declaration)))
                    {
                        result.Add(new PreparedStatement(declaration, AttributeDeclarations.ResetSql(declaration), -1, 0));
                    }

                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0));
                    break;
                case var _ when declaration.IsAttribute:
                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0));
                    break;
                case PgObjectKind.MaterializedView when declaration.IsIndex:
                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0) { Skipped = skipped?.Contains(declaration) == true });
                    break;
                case PgObjectKind.MaterializedView:
                    var create = WithNoData(declaration);
                    create.Skipped = skipped?.Contains(declaration) == true;
                    result.Add(create);
                    break;
                case PgObjectKind.Policy:
                    result.Add(new PreparedStatement(declaration, DropIfExists("POLICY", declaration), -1, 0));
                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0));
                    break;
                case PgObjectKind.EventTrigger:
                    result.Add(new PreparedStatement(declaration, "DROP EVENT TRIGGER IF EXISTS " + SqlIdentifier.Quote(declaration.Name), -1, 0));
                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0));
                    result.Add(new PreparedStatement(declaration, "ALTER EVENT TRIGGER " + SqlIdentifier.Quote(declaration.Name) + " DISABLE", -1, 0));
                    break;
                case PgObjectKind.Trigger when declaration.IsConstraintTrigger || _constraintTriggers.Contains((declaration.Name, declaration.Table)):
                    result.Add(new PreparedStatement(declaration, DropIfExists("TRIGGER", declaration), -1, 0));
                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0));
                    break;
                case PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.Trigger when !declaration.OrReplace && FindCreate(declaration.Sql) is var createAt and >= 0:
                    const string orReplace = " OR REPLACE";
                    var at = createAt + "CREATE".Length;
                    result.Add(new PreparedStatement(declaration, declaration.Sql.Insert(at, orReplace), at, orReplace.Length));
                    break;
                default:
                    result.Add(new PreparedStatement(declaration, declaration.Sql, -1, 0));
                    break;
            }
        }

        return result;
    }

    private static int Rank(PgDeclaration declaration) => declaration switch
    {
        { Kind: PgObjectKind.EventTrigger, IsComment: true } => 8,
        { Kind: PgObjectKind.EventTrigger } => 7,
        { IsPrivilege: true } => 6,
        { IsComment: true } or { IsOwnerChange: true } => 5,
        { IsIndex: true } => 2,
        { Kind: PgObjectKind.Function or PgObjectKind.Procedure } => 0,
        { Kind: PgObjectKind.View or PgObjectKind.MaterializedView } => 1,
        { Kind: PgObjectKind.Policy } => 3,
        _ => 4,
    };

    /// <summary>
    /// The materialized view's statement as it runs here: WITH NO DATA, so that its query never runs during a compare
    /// (a declared WITH DATA becomes WITH NO DATA; none written gets it appended after the last token, before any
    /// trailing comment).
    /// </summary>
    internal static PreparedStatement WithNoData(PgDeclaration declaration)
    {
        if (declaration.WithNoData)
        {
            return new PreparedStatement(declaration, declaration.Sql, -1, 0);
        }

        var bytes = Encoding.UTF8.GetBytes(declaration.Sql);
        var tokens = SqlLexer.Tokens(bytes, 0, bytes.Length);
        if (tokens.Count >= 2 && TokenIs(bytes, tokens[^1], "DATA") && TokenIs(bytes, tokens[^2], "WITH"))
        {
            const string no = "NO ";
            var at = Encoding.UTF8.GetCharCount(bytes, 0, tokens[^1].Start);
            return new PreparedStatement(declaration, declaration.Sql.Insert(at, no), at, no.Length);
        }

        const string noData = " WITH NO DATA";
        var end = tokens.Count == 0 ? declaration.Sql.Length : Encoding.UTF8.GetCharCount(bytes, 0, tokens[^1].End);
        return new PreparedStatement(declaration, declaration.Sql.Insert(end, noData), end, noData.Length);

        static bool TokenIs(byte[] bytes, (int Start, int End) token, string word) =>
            token.End - token.Start == word.Length && Encoding.ASCII.GetString(bytes, token.Start, word.Length).Equals(word, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>DROP TRIGGER | POLICY IF EXISTS name ON table (the table as declared).</summary>
    private static string DropIfExists(string what, PgDeclaration declaration) =>
        $"DROP {what} IF EXISTS {SqlIdentifier.Quote(declaration.Name)} ON {TableOf(declaration)}";

    /// <summary>The table a trigger or policy declaration is on, as written: quoted, qualified when it was.</summary>
    internal static string TableOf(PgDeclaration declaration) => string.IsNullOrEmpty(declaration.TableSchema)
        ? SqlIdentifier.Quote(declaration.Table ?? "")
        : SqlIdentifier.Qualify(declaration.TableSchema, declaration.Table ?? "");

    /// <summary>The offset of the leading CREATE keyword, after whitespace and comments (the lexer's rules); -1 when absent.</summary>
    internal static int FindCreate(string sql)
    {
        var bytes = Encoding.UTF8.GetBytes(sql);
        var (start, end) = SqlLexer.FirstToken(bytes, 0, bytes.Length);
        return end - start == 6 && Ascii.EqualsIgnoreCase(bytes.AsSpan(start, 6), "CREATE"u8) ? Encoding.UTF8.GetCharCount(bytes, 0, start) : -1;
    }
}
