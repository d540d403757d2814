using PgAutogen.Core;

namespace PgAutogen.Bench;

/// <summary>
/// The parse phase: what Get-PgDeclaration and the -Path of Compare-PgDeclaration do, through Core's public API
/// (DeclarationSources.Load: every *.sql under the folder, in ordinal path order, parsed with libpg_query).
/// </summary>
internal static class ParsePhase
{
    public static IReadOnlyList<PgDeclaration> Parse(string path)
    {
        var errors = new List<PgAutogenException>();
        var declarations = DeclarationSources.Load(new[] { path }, Array.Empty<string>(), errors.Add);
        return errors.Count == 0
            ? declarations
            : throw new InvalidOperationException($"The parser refused {errors.Count} generated declaration(s); the first: {errors[0].Message}");
    }

    /// <summary>The parser must read what the generator wrote: the same statements, kinds, identities as written and files.</summary>
    public static void CheckAgainst(IReadOnlyList<PgDeclaration> parsed, IReadOnlyList<PgDeclaration> generated)
    {
        if (parsed.Count != generated.Count)
        {
            throw new InvalidOperationException($"Benchmark check failed: the parser read {parsed.Count} declarations, {generated.Count} were written.");
        }

        var byFile = parsed.ToDictionary(d => d.File, StringComparer.Ordinal);
        foreach (var g in generated)
        {
            if (!byFile.TryGetValue(g.File, out var p)
                || p.Kind != g.Kind || p.Schema != g.Schema || p.Name != g.Name || p.Table != g.Table
                || (p.TableSchema ?? "") != (g.TableSchema ?? "") || p.Sql != g.Sql || p.Line != 1 || p.Column != 1)
            {
                throw new InvalidOperationException($"Benchmark check failed: the parser read {g.File} as {p?.Kind} {p?.Identity}, not {g.Kind} {g.Identity}.");
            }
        }
    }
}
