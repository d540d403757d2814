using System.Text;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Catalog;

/// <summary>What to read from the catalog: kinds, and schema / name patterns with PowerShell-style wildcards (* ? [a-z]), case-insensitive.</summary>
public sealed class CatalogFilter
{
    public static readonly IReadOnlyList<PgObjectKind> AllKinds = Enum.GetValues<PgObjectKind>();

    public IReadOnlyCollection<PgObjectKind> Kinds { get; init; } = AllKinds;

    public IReadOnlyList<string> Schemas { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Names { get; init; } = Array.Empty<string>();

    /// <summary>
    /// Only these catalog rows (pg_proc, pg_trigger or pg_class oids), or null for all. For the engine's own
    /// re-reads of known objects: an oid list is an index lookup, where a long list of name patterns is tested
    /// row by row (and PostgreSQL keeps only 32 compiled regular expressions: 250 names took 24 s).
    /// </summary>
    internal IReadOnlyCollection<uint>? Oids { get; init; }

    /// <summary>A filter from cmdlet parameters: null or empty means everything.</summary>
    public static CatalogFilter Create(IEnumerable<PgObjectKind>? kinds, IReadOnlyList<string>? schemas = null, IReadOnlyList<string>? names = null)
    {
        var kindList = kinds?.Distinct().ToArray();
        return new CatalogFilter
        {
            Kinds = kindList is { Length: > 0 } ? kindList : AllKinds,
            Schemas = schemas ?? Array.Empty<string>(),
            Names = names ?? Array.Empty<string>(),
        };
    }

    /// <summary>A pattern that matches exactly <paramref name="name"/> (its wildcard characters escaped; matching stays case-insensitive).</summary>
    internal static string Literal(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var ch in name)
        {
            if (ch is '*' or '?' or '[' or ']' or '`')
            {
                sb.Append('`');
            }

            sb.Append(ch);
        }

        return sb.ToString();
    }

    public bool Includes(PgObjectKind kind) => Kinds.Count == 0 || Kinds.Contains(kind);

    /// <summary>The schema patterns as anchored POSIX regular expressions for <c>~* ANY($1)</c>, or null for all.</summary>
    internal string[]? SchemaRegexes => ToRegexes(Schemas);

    internal string[]? NameRegexes => ToRegexes(Names);

    public bool MatchesSchema(string schema) => Matches(Schemas, schema);

    public bool MatchesName(string name) => Matches(Names, name);

    private static bool Matches(IReadOnlyList<string> patterns, string value)
    {
        if (patterns.Count == 0)
        {
            return true;
        }

        foreach (var pattern in patterns)
        {
            if (Regex.IsMatch(value, WildcardToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))
            {
                return true;
            }
        }

        return false;
    }

    private static string[]? ToRegexes(IReadOnlyList<string> patterns) =>
        patterns.Count == 0 ? null : patterns.Select(WildcardToRegex).ToArray();

    /// <summary>Converts a PowerShell wildcard (* ? [abc] [a-z], ` escapes) to an anchored regex valid in .NET and PostgreSQL.</summary>
    internal static string WildcardToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            switch (ch)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '`' when i + 1 < pattern.Length:
                    AppendLiteral(sb, pattern[++i]);
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close > i + 1)
                    {
                        sb.Append('[');
                        foreach (var c in pattern.AsSpan(i + 1, close - i - 1))
                        {
                            if (c is '\\' or '^' or '[')
                            {
                                sb.Append('\\');
                            }

                            sb.Append(c);
                        }

                        sb.Append(']');
                        i = close;
                    }
                    else
                    {
                        AppendLiteral(sb, ch);
                    }

                    break;
                default:
                    AppendLiteral(sb, ch);
                    break;
            }
        }

        return sb.Append('$').ToString();
    }

    private static void AppendLiteral(StringBuilder sb, char ch)
    {
        if (char.IsLetterOrDigit(ch) || ch == '_' || ch > 127)
        {
            sb.Append(ch);
        }
        else
        {
            sb.Append('\\').Append(ch);
        }
    }
}
