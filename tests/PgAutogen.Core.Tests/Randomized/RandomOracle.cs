namespace PgAutogen.Core.Tests.Randomized;

/// <summary>A desired state the compare must refuse, with the words its error must contain.</summary>
/// <param name="Class">The failure class, in words (used to group findings).</param>
/// <param name="Ids">The error ids a right refusal may carry.</param>
/// <param name="Names">Identities (or names) the message must mention.</param>
/// <param name="Known">When the engine is known not to refuse it yet: the issue that tracks it.</param>
internal sealed record ExpectedRefusal(string Class, IReadOnlyList<PgErrorId> Ids, IReadOnlyList<string> Names, string? Known = null)
{
    /// <summary>
    /// When the refusal is about an object the start state has (its key): the refusal to expect instead when it does not
    /// (an object added by an earlier mutation and dropped again never existed: naming it is naming what does not exist).
    /// </summary>
    public (string Key, ExpectedRefusal Instead)? UnlessInStart { get; init; }

    /// <summary>
    /// For an object dropped while a kept declaration depends on it: the ids of what it depends on. When any of them
    /// changes between the start state and B, it may be re-created before the declarations run, taking the dropped
    /// object along: the dependent's declaration naming what does not exist (DeclarationInvalid) is right as well.
    /// </summary>
    public IReadOnlyList<string>? Upstream { get; init; }

    public override string ToString() => $"refused ({Class}; {string.Join(" or ", Ids)}; naming {string.Join(" and ", Names)})";
}

/// <summary>One step the compare must give: the object, and the actions that are right for it.</summary>
internal sealed record ExpectedOp(string Key, string Identity, IReadOnlySet<MigrationAction> Allowed, string Why)
{
    public override string ToString() => $"{string.Join("|", Allowed.Order())} {Identity} ({Why})";
}

/// <summary>What the compare of a start state against desired declarations must give, from the generator's model alone.</summary>
internal sealed class Expectation
{
    public ExpectedRefusal? Refusal { get; init; }
    public IReadOnlyList<ExpectedOp> Ops { get; init; } = Array.Empty<ExpectedOp>();

    /// <summary>Warnings the compare must give: (caller identity, dropped identity).</summary>
    public IReadOnlyList<(string Caller, string Dropped)> Warnings { get; init; } = Array.Empty<(string, string)>();

    /// <summary>Keys of the objects the migration creates (Create) or re-creates (DropAndCreate), for sure or possibly.</summary>
    public IReadOnlySet<string> Recreated { get; init; } = new HashSet<string>();
}

/// <summary>
/// The generator's own judgement: which declarations are valid, and which steps a compare of one state against another
/// must give. It knows PostgreSQL's rules for CREATE OR REPLACE (a function keeps its return type, parameter names, kind
/// and defaults; a view keeps its columns' names, types and order and may only gain columns at the end; materialized
/// views, event triggers and constraint triggers are never replaced in place; ALTER POLICY cannot change the command or
/// PERMISSIVE, nor remove a clause) and which references pg_depend records (and so what a re-creation rebuilds).
/// </summary>
internal static class RandomOracle
{
    /// <summary>Why the state cannot be declared (structural problems), or empty. By-name calls of missing functions are allowed (warnings).</summary>
    public static List<string> Problems(RState s)
    {
        var problems = new List<string>();
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in s.Objects)
        {
            if (!keys.TryAdd(o.Key(s), o.Id))
            {
                problems.Add($"{o.Id} and {keys[o.Key(s)]} are the same object {o.Identity(s)}");
            }

            foreach (var r in o.Refs())
            {
                if (!s.Has(r) && !(o is RFunction { Lang: not Lang.SqlStandard } f && f.Callees.Contains(r)))
                {
                    problems.Add($"{o.Id} references {r}, which is not declared");
                }
            }

            if (o.Refs().Any(r => RandomSchemaGenerator.Reaches(s, r, o.Id)))
            {
                problems.Add($"{o.Id} reaches itself through what it references");
            }

            switch (o)
            {
                case RFunction f:
                    var inputs = f.Params.Where(p => p.IsInput).ToList();
                    if (inputs.SkipWhile(p => p.Default is null).Any(p => p.Default is null))
                    {
                        problems.Add($"{f.Id} has a parameter without a default after one with a default");
                    }

                    foreach (var c in f.Callees.Where(s.Has))
                    {
                        if (s.Get(c) is not RFunction { Role: FnRole.Scalar })
                        {
                            problems.Add($"{f.Id} calls {c}, which is not a scalar function");
                        }
                    }

                    if (f.RowOf is not null && s.Find(f.RowOf) is not (RView or null))
                    {
                        problems.Add($"{f.Id} returns the row type of {f.RowOf}, not a view");
                    }

                    break;
                case RView v:
                    var available = RandomSchemaGenerator.SourceColumns(s, v.Source).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
                    if (v.Source.FunctionId is { } tf && s.Find(tf) is { } src && src is not RFunction { Role: FnRole.Table })
                    {
                        problems.Add($"{v.Id} selects from {tf}, not a TABLE function");
                    }

                    foreach (var used in v.Cols.SelectMany(c => c.Uses).Append("id").Where(u => !available.Contains(u)))
                    {
                        problems.Add($"{v.Id} reads column {used}, which its source lacks");
                    }

                    foreach (var call in v.Cols.SelectMany(c => RenderContext.Tokens().Matches(c.Expr)).Where(m => m.Groups[1].Value == "call"))
                    {
                        if (s.Find(call.Groups[2].Value) is { } callee && callee is not RFunction { Role: FnRole.Scalar })
                        {
                            problems.Add($"{v.Id} calls {callee.Id}, which is not a scalar function");
                        }
                    }

                    if (v.Cols.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != v.Cols.Count)
                    {
                        problems.Add($"{v.Id} has two columns of one name");
                    }

                    if (v.Materialized && !v.WithNoData && ReadsUnpopulated(s, v))
                    {
                        problems.Add($"{v.Id} is filled when created, but reads a materialized view created WITH NO DATA");
                    }

                    if (v.Indexes.SelectMany(i => i.Columns).Any(c => v.Cols.All(x => x.Name != c)))
                    {
                        problems.Add($"{v.Id} has an index on a column it lacks");
                    }

                    break;
                case RTrigger t:
                    if (t.ViewId is not null && s.Find(t.ViewId) is RView { Materialized: true })
                    {
                        problems.Add($"{t.Id} is a trigger on the materialized view {t.ViewId}");
                    }

                    if (s.Find(t.FunctionId) is { } tfn && tfn is not RFunction { Role: FnRole.Trigger })
                    {
                        problems.Add($"{t.Id} executes {t.FunctionId}, not a trigger function");
                    }

                    break;
                case REventTrigger e:
                    if (s.Find(e.FunctionId) is { } efn && efn is not RFunction { Role: FnRole.EventTrigger })
                    {
                        problems.Add($"{e.Id} executes {e.FunctionId}, not an event trigger function");
                    }

                    break;
                case RPolicy p:
                    foreach (var call in RenderContext.Tokens().Matches((p.Using ?? "") + (p.Check ?? "")).Where(m => m.Groups[1].Value == "call"))
                    {
                        if (s.Find(call.Groups[2].Value) is { } callee && callee is not RFunction { Role: FnRole.Scalar })
                        {
                            problems.Add($"{p.Id} calls {callee.Id}, which is not a scalar function");
                        }
                    }

                    break;
            }
        }

        return problems;
    }

    /// <summary>True when a view's query reads (through views) a materialized view created WITH NO DATA: it cannot be filled.</summary>
    public static bool ReadsUnpopulated(RState s, RView v)
    {
        for (var source = v.Source.ViewId is { } id ? s.Find(id) as RView : null; source is not null; source = source.Source.ViewId is { } next ? s.Find(next) as RView : null)
        {
            if (source is { Materialized: true, WithNoData: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The effective comment of an object in a database loaded from <paramref name="s"/>: declared, else set by hand.</summary>
    public static string? CommentIn(RState s, RObject o) => o.Comment ?? s.Attrs.GetValueOrDefault(o.Id)?.SetupComment;

    /// <summary>What comparing a database loaded from <paramref name="from"/> with the declarations of <paramref name="to"/> must give.</summary>
    public static Expectation Expect(RState from, RState to)
    {
        var a = from.Objects.ToDictionary(o => o.Key(from), StringComparer.Ordinal);
        var b = to.Objects.ToDictionary(o => o.Key(to), StringComparer.Ordinal);
        var ops = new Dictionary<string, (HashSet<MigrationAction> Allowed, string Why)>(StringComparer.Ordinal);
        foreach (var (key, o) in a.Where(kv => !b.ContainsKey(kv.Key)))
        {
            ops[key] = (new HashSet<MigrationAction> { MigrationAction.Drop }, "not declared");
        }

        foreach (var (key, o) in b.Where(kv => !a.ContainsKey(kv.Key)))
        {
            ops[key] = (new HashSet<MigrationAction> { MigrationAction.Create }, "declared, new");
        }

        var must = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, x) in a.Where(kv => b.ContainsKey(kv.Key)))
        {
            var y = b[key];
            if (!string.Equals(x.Canonical(from), y.Canonical(to), StringComparison.Ordinal))
            {
                var (action, why) = Rule(from, x, to, y);
                ops[key] = (new HashSet<MigrationAction> { action }, why);
                if (action == MigrationAction.DropAndCreate)
                {
                    must.Add(key);
                }
            }
            else if (y.Comment is not null && !string.Equals(y.Comment, CommentIn(from, x), StringComparison.Ordinal))
            {
                ops[key] = (new HashSet<MigrationAction> { MigrationAction.Replace }, "the declared comment differs");
            }
        }

        // What a re-creation rebuilds: the kept objects that depend on a re-created one (pg_depend). An edge on both
        // sides is certain; an edge on one side only depends on the order PostgreSQL is asked to run things in.
        var depsA = Edges(from, a);
        var depsB = Edges(to, b);

        // A routine that goes while another of its schema and name stays or comes is dropped before anything is created
        // (calls of the name would otherwise resolve against both): the kept objects that depend on it are rebuilt.
        var routineNames = b.Values.OfType<RFunction>().Select(f => f.Qualified).ToHashSet(StringComparer.Ordinal);
        var displaced = a.Where(kv => !b.ContainsKey(kv.Key) && kv.Value is RFunction f && routineNames.Contains(f.Qualified)).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in a.Keys.Where(b.ContainsKey).Where(k => !must.Contains(k)))
        {
            if (depsA[key].FirstOrDefault(displaced.Contains) is { } gone)
            {
                must.Add(key);
                ops[key] = (new HashSet<MigrationAction> { MigrationAction.DropAndCreate }, $"rebuilt because {Identity(gone)} goes while another overload of its name stays or comes");
            }
        }
        var may = new HashSet<string>(StringComparer.Ordinal);
        bool changed;
        do
        {
            changed = false;
            foreach (var key in a.Keys.Where(b.ContainsKey))
            {
                if (must.Contains(key))
                {
                    continue;
                }

                var inA = depsA.GetValueOrDefault(key) ?? new HashSet<string>();
                var inB = depsB.GetValueOrDefault(key) ?? new HashSet<string>();
                var certain = inA.Intersect(inB).FirstOrDefault(must.Contains);
                var possible = inA.Union(inB).FirstOrDefault(d => must.Contains(d) || may.Contains(d));
                if (certain is not null)
                {
                    must.Add(key);
                    may.Remove(key);
                    ops[key] = (new HashSet<MigrationAction> { MigrationAction.DropAndCreate }, $"rebuilt because {Identity(certain)} is re-created");
                    changed = true;
                }
                else if (possible is not null && may.Add(key))
                {
                    var allowed = ops.TryGetValue(key, out var existing) ? existing.Allowed : new HashSet<MigrationAction> { RandomCaseRunner.MigrationActionNone };
                    allowed.Add(MigrationAction.DropAndCreate);
                    ops[key] = (allowed, (existing.Why is null ? "" : existing.Why + "; ") + $"maybe rebuilt because {Identity(possible)} is re-created");
                    changed = true;
                }
            }
        }
        while (changed);

        string Identity(string key) => key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..];

        // A re-created or dropped function that an unmanaged table default calls: refused.
        foreach (var u in from.Unmanaged.Where(u => from.Has(u.FunctionId)))
        {
            var f = from.Get(u.FunctionId);
            var key = f.Key(from);
            if (!b.ContainsKey(key))
            {
                return new Expectation { Refusal = new ExpectedRefusal("a dropped function an unmanaged table default calls", new[] { PgErrorId.UnmanagedDependent }, new[] { f.Identity(from), u.Name }) };
            }

            if (must.Contains(key) || may.Contains(key))
            {
                return new Expectation { Refusal = new ExpectedRefusal("a re-created function an unmanaged table default calls", new[] { PgErrorId.UnmanagedDependent }, new[] { f.Identity(from), u.Name }) };
            }
        }

        // By-name calls (PL/pgSQL, string bodies) of a function this migration drops: a warning.
        var warnings = new List<(string, string)>();
        foreach (var caller in to.Objects.OfType<RFunction>().Where(f => f.Lang != Lang.SqlStandard))
        {
            foreach (var callee in caller.Callees.Where(c => !to.Has(c) && from.Has(c)))
            {
                var gone = from.Get(callee);
                if (!b.ContainsKey(gone.Key(from)))
                {
                    warnings.Add((caller.Identity(to), gone.Identity(from)));
                }
            }
        }

        return new Expectation
        {
            Ops = ops.Select(kv => new ExpectedOp(kv.Key, Identity(kv.Key), kv.Value.Allowed, kv.Value.Why)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList(),
            Warnings = warnings,
            Recreated = ops.Where(kv => kv.Value.Allowed.Contains(MigrationAction.Create) || kv.Value.Allowed.Contains(MigrationAction.DropAndCreate))
                .Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>Each object's pg_depend edges, as keys of that state.</summary>
    private static Dictionary<string, HashSet<string>> Edges(RState s, Dictionary<string, RObject> byKey) =>
        byKey.ToDictionary(kv => kv.Key, kv => kv.Value.Depends().Where(s.Has).Select(d => s.Get(d).Key(s)).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The action PostgreSQL's rules give a changed object, both ways (a change the downgrade cannot replace in place is re-created too).</summary>
    private static (MigrationAction, string) Rule(RState sa, RObject x, RState sb, RObject y)
    {
        const MigrationAction R = MigrationAction.Replace;
        const MigrationAction D = MigrationAction.DropAndCreate;
        if (x.Kind != y.Kind)
        {
            return (D, $"{x.Kind} becomes {y.Kind}");
        }

        switch (x, y)
        {
            case (RFunction f, RFunction g):
                if (ReturnOf(sa, f) != ReturnOf(sb, g))
                {
                    return (D, "return type");
                }

                var fin = f.Params.ToList();
                var gin = g.Params.ToList();
                for (var i = 0; i < Math.Min(fin.Count, gin.Count); i++)
                {
                    if (fin[i].Name != gin[i].Name)
                    {
                        return (D, "parameter name");
                    }

                    if ((fin[i].Default is null) != (gin[i].Default is null))
                    {
                        return (D, "parameter default added or removed");
                    }
                }

                return (R, "definition");
            case (RView v, RView w):
                if (v.Materialized)
                {
                    return (D, "materialized view");
                }

                var vc = v.Cols.Select(c => (c.Name, c.Type)).ToList();
                var wc = w.Cols.Select(c => (c.Name, c.Type)).ToList();
                return vc.SequenceEqual(wc) ? (R, "query") : (D, "columns");
            case (RTrigger t, RTrigger u):
                return t.Constraint || u.Constraint ? (D, "constraint trigger") : (R, "trigger");
            case (RPolicy p, RPolicy q):
                var alterable = p.Command == q.Command && p.Permissive == q.Permissive && (p.Using is null || q.Using is not null) && (p.Check is null || q.Check is not null);
                return alterable ? (R, "policy clauses") : (D, "policy command, kind or a clause removed");
            default:
                return (D, "event trigger");
        }
    }

    /// <summary>A function's result type as PostgreSQL compares it: the type, the OUT columns, the TABLE columns, or the row type.</summary>
    private static string ReturnOf(RState s, RFunction f) => f.Role switch
    {
        FnRole.Table => "TABLE " + string.Join(",", f.TableCols.Select(c => c.Name + " " + c.Type)),
        FnRole.OutParams => "OUT " + string.Join(",", f.Params.Where(p => p.Mode != "IN").Select(p => p.Name + " " + p.Type)),
        FnRole.RowType => "SETOF " + s.RefName(f.RowOf!),
        FnRole.Procedure => "procedure " + string.Join(",", f.Params.Where(p => p.Mode != "IN").Select(p => p.Name + " " + p.Type)),
        _ => f.ReturnType + f.Role,
    };
}
