using System.Globalization;
using System.Text;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>
/// One generated case: schema A and the mutations that make B. Deterministic for its seed; shrinking makes smaller
/// cases by leaving objects of A (with what names them) and mutations out.
/// </summary>
internal sealed class RandomCase
{
    public required int Seed { get; init; }
    public required RState A { get; init; }
    public required IReadOnlyList<RMutation> Mutations { get; init; }

    /// <summary>A note on how the case was reduced (empty for a generated one).</summary>
    public string Shrunk { get; init; } = "";

    public static RandomCase Generate(int seed)
    {
        var a = RandomSchemaGenerator.Generate(seed, out var g);
        var invalid = g.Chance(0.25);
        var mutations = RandomMutator.Generate(g, a, g.Rng.Next(1, 10), invalid);
        return new RandomCase { Seed = seed, A = a, Mutations = mutations };
    }

    public (RState B, ExpectedRefusal? Refusal, string? DuplicateId, List<RMutation> Applied) Derive() => RandomMutator.ApplyAll(A, Mutations);

    /// <summary>The same case without <paramref name="ids"/> in A (nor what names them, directly or not).</summary>
    public RandomCase Without(IReadOnlyCollection<string> ids)
    {
        var gone = new HashSet<string>(ids, StringComparer.Ordinal);
        bool grew;
        do
        {
            grew = false;
            foreach (var o in A.Objects.Where(o => !gone.Contains(o.Id) && o.Refs().Any(gone.Contains)))
            {
                grew |= gone.Add(o.Id);
            }
        }
        while (grew);
        return new RandomCase { Seed = Seed, A = A.Remove(gone.ToArray()), Mutations = Mutations, Shrunk = Shrunk };
    }

    public RandomCase WithMutations(IReadOnlyList<RMutation> mutations) => new() { Seed = Seed, A = A, Mutations = mutations, Shrunk = Shrunk };

    /// <summary>The declarations of a state, one -Sql string per object (a materialized view with its indexes; a declared comment after its object).</summary>
    public static List<string> DeclarationTexts(RState s, string? duplicateId = null)
    {
        var texts = new List<string>();
        foreach (var o in s.Objects)
        {
            var text = string.Join(";\n", o.Render(s, o.Style)) + ";\n";
            if (o.Comment is not null)
            {
                text += $"COMMENT ON {o.CommentTarget(s)} IS {SqlIdentifier.Literal(o.Comment)};\n";
            }

            texts.Add(text);
            if (o.Id == duplicateId)
            {
                texts.Add(string.Join(";\n", o.Render(s, o.Style + 1)) + ";\n");
            }
        }

        return texts;
    }

    /// <summary>The declarations in a seeded random order (the compare must not care), parsed.</summary>
    public static (IReadOnlyList<PgDeclaration> Declarations, IReadOnlyList<PgAutogenException> Errors) Parse(RState s, int seed, string? duplicateId = null)
    {
        var texts = DeclarationTexts(s, duplicateId);
        var rng = new Random(seed);
        for (var i = texts.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (texts[i], texts[j]) = (texts[j], texts[i]);
        }

        var set = DeclarationParser.Parse(Array.Empty<string>(), texts, cancellationToken: TestContext.Current.CancellationToken);
        return (set.Declarations, set.Errors);
    }

    /// <summary>
    /// The script that loads a state into a database that has the setup: the declarations in an order that creates them
    /// (bodies checked), then what a DBA sets by hand (owners, grants, enabled states, comments), then the tables whose
    /// defaults call managed functions.
    /// </summary>
    public static string LoadScript(RState s)
    {
        var sb = new StringBuilder("SET check_function_bodies = on;\n");
        foreach (var o in s.CreationOrder())
        {
            foreach (var statement in o.Render(s, o.Style))
            {
                sb.Append(statement).Append(";\n");
            }

            if (o.Comment is not null)
            {
                sb.Append($"COMMENT ON {o.CommentTarget(s)} IS {SqlIdentifier.Literal(o.Comment)};\n");
            }
        }

        foreach (var o in s.CreationOrder())
        {
            if (s.Attrs.GetValueOrDefault(o.Id) is { } attrs)
            {
                sb.Append(AttributesSql(s, o, attrs));
            }
        }

        foreach (var u in s.Unmanaged.Where(u => s.Has(u.FunctionId)))
        {
            sb.Append($"CREATE TABLE app.{SqlIdentifier.Quote(u.Name)} (v text DEFAULT CAST({new RenderContext(s, null).Resolve($"⟦call:{u.FunctionId}⟧")} AS text));\n");
        }

        return sb.ToString();
    }

    private static string AttributesSql(RState s, RObject o, RAttrs attrs)
    {
        var sb = new StringBuilder();
        var target = o.CommentTarget(s);
        if (attrs.Owner is not null && o is RFunction or RView)
        {
            sb.Append($"ALTER {target} OWNER TO {attrs.Owner};\n");
        }

        var grantTarget = o is RView v ? "TABLE " + v.Qualified : target;
        if (attrs.RevokePublic && o is RFunction)
        {
            // The owner role still calls it (a view it owns may).
            sb.Append($"REVOKE EXECUTE ON {grantTarget} FROM PUBLIC;\nGRANT EXECUTE ON {grantTarget} TO {RandomSetup.Owner};\n");
        }

        foreach (var grant in attrs.Grants)
        {
            var to = grant.IndexOf(" TO ", StringComparison.Ordinal);
            sb.Append($"GRANT {grant[..to]} ON {grantTarget} TO {grant[(to + 4)..]};\n");
        }

        if (attrs.TriggerState is { } state)
        {
            var verb = state switch { 'D' => "DISABLE", 'R' => "ENABLE REPLICA", _ => "ENABLE ALWAYS" };
            switch (o)
            {
                case RTrigger { Table: { } table } t:
                    sb.Append($"ALTER TABLE {table} {verb} TRIGGER {SqlIdentifier.Quote(t.Name)};\n");
                    break;
                case REventTrigger e:
                    sb.Append($"ALTER EVENT TRIGGER {SqlIdentifier.Quote(e.Name)} {verb};\n");
                    break;
            }
        }

        if (attrs.SetupComment is not null && o.Comment is null)
        {
            sb.Append($"COMMENT ON {target} IS {SqlIdentifier.Literal(attrs.SetupComment)};\n");
        }

        return sb.ToString();
    }

    /// <summary>The case as a bug report: the SQL of A (setup included) and of B, the mutations.</summary>
    public string Describe()
    {
        var (b, refusal, duplicate, applied) = Derive();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"seed {Seed}{(Shrunk.Length > 0 ? " (shrunk: " + Shrunk + ")" : "")}; {A.Objects.Count} object(s) in A, {b.Objects.Count} in B\n");
        sb.Append("mutations:\n").Append(string.Concat(applied.Select(m => "  - " + m.What + (m.Invalid ? " (invalid desired state)" : "") + "\n")));
        if (refusal is not null)
        {
            sb.Append("expected: ").Append(refusal).Append('\n');
        }

        sb.Append("---- roles (once per server)\n").Append(RandomSetup.RolesSql).Append('\n');
        sb.Append("---- setup of both databases\n").Append(RandomSetup.Sql).Append('\n');
        sb.Append("---- A (loaded into the database)\n").Append(LoadScript(A));
        sb.Append("---- B (the declarations compared with it; what a database loaded from B would also have set by hand follows them)\n");
        sb.Append(string.Concat(DeclarationTexts(b, duplicate)));
        return sb.ToString();
    }
}
