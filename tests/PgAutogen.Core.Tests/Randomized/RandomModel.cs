using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PgAutogen.Core.Catalog;

namespace PgAutogen.Core.Tests.Randomized;

// The generator's own model of a schema: what it declares, what each object references, and which references
// PostgreSQL records in pg_depend. Everything the tests expect is computed from this model, never from PgAutogen.
//
// SQL is kept as templates with tokens the renderer resolves against a state, so that a change to one object (a
// function moved to another schema, a parameter added) shows in every object that mentions it:
//   ⟦ref:ID⟧   the qualified name of object ID
//   ⟦call:ID⟧  a call of function ID with a typed literal for each of its input parameters
//   ⟦p:N⟧      the name of parameter N of the function being rendered

internal enum Lang
{
    /// <summary>LANGUAGE sql with a string body: validated when created, no pg_depend edges for what it calls.</summary>
    Sql,

    /// <summary>LANGUAGE sql with a SQL-standard body (RETURN expr or BEGIN ATOMIC ... END): parsed, pg_depend edges.</summary>
    SqlStandard,

    /// <summary>LANGUAGE plpgsql: calls by name, no pg_depend edges.</summary>
    Plpgsql,
}

internal enum FnRole
{
    Scalar,
    Table,
    OutParams,
    RowType,
    Trigger,
    EventTrigger,
    Procedure,
}

internal sealed record RParam(string Name, string Type, string? Default = null, string Mode = "IN")
{
    public bool IsInput => Mode is "IN" or "INOUT";
}

/// <summary>A column of a view (or of a TABLE function): its output name, its expression over the source alias <c>s</c>, its type, the source columns it reads.</summary>
internal sealed record RCol(string Name, string Expr, string Type, IReadOnlyList<string> Uses);

internal sealed record RIndex(string Name, IReadOnlyList<string> Columns, bool Unique);

/// <summary>What a view selects from: a table of the setup, another view, or a set-returning (TABLE) function.</summary>
internal sealed record RSource(string? Table = null, string? ViewId = null, string? FunctionId = null);

/// <summary>Attributes a declaration does not state (set after loading, like a DBA would): owner, grants, enabled state, a comment.</summary>
internal sealed record RAttrs
{
    public string? Owner { get; init; }
    public IReadOnlyList<string> Grants { get; init; } = Array.Empty<string>();
    public bool RevokePublic { get; init; }
    public char? TriggerState { get; init; }
    public string? SetupComment { get; init; }
}

/// <summary>A table of the setup whose column default calls a managed function: PgAutogen does not manage it.</summary>
internal sealed record RUnmanaged(string Name, string FunctionId);

internal abstract record RObject
{
    public required string Id { get; init; }

    /// <summary>The declared comment (COMMENT ON ... IS), or null when none is declared.</summary>
    public string? Comment { get; init; }

    /// <summary>How the declaration is written (keyword case, type spellings, optional words): never part of the definition.</summary>
    public int Style { get; init; }

    public abstract PgObjectKind Kind { get; }

    public abstract string Identity(RState state);

    public string Key(RState state) => ObjectKey.For(Kind, Identity(state));

    /// <summary>Every object this one names.</summary>
    public abstract IEnumerable<string> Refs();

    /// <summary>The objects this one depends on in pg_depend (a subset of <see cref="Refs"/>).</summary>
    public abstract IEnumerable<string> Depends();

    /// <summary>The declaration's statements (a materialized view's indexes follow it), without the comment.</summary>
    public abstract IReadOnlyList<string> Render(RState state, int style);

    /// <summary>The COMMENT ON target: FUNCTION s.f(integer), VIEW s.v, TRIGGER t ON s.x, ...</summary>
    public abstract string CommentTarget(RState state);

    /// <summary>What the definition is, apart from how it is written: equal for two states means no change.</summary>
    public string Canonical(RState state) => string.Join("\n", Render(state, 0));

    protected static IEnumerable<string> TokenIds(string? template) =>
        template is null ? Enumerable.Empty<string>() : RenderContext.Tokens().Matches(template).Select(m => m.Groups[2].Value);
}

internal sealed record RFunction : RObject
{
    public required string Schema { get; init; }
    public required string Name { get; init; }
    public required FnRole Role { get; init; }
    public required Lang Lang { get; init; }
    public IReadOnlyList<RParam> Params { get; init; } = Array.Empty<RParam>();

    /// <summary>Scalar: the return type. Procedure: empty.</summary>
    public string ReturnType { get; init; } = "";

    /// <summary>Table: the output columns (over app.items as s).</summary>
    public IReadOnlyList<RCol> TableCols { get; init; } = Array.Empty<RCol>();

    /// <summary>RowType: the view whose row type it returns (SETOF).</summary>
    public string? RowOf { get; init; }

    /// <summary>Functions called in the body (⟦call:ID⟧): by name for PL/pgSQL and string bodies, pg_depend edges for SQL-standard ones.</summary>
    public IReadOnlyList<string> Callees { get; init; } = Array.Empty<string>();

    /// <summary>A number in the body: changing it is a change of the body.</summary>
    public int K { get; init; }

    public string? Volatility { get; init; }
    public bool Strict { get; init; }
    public bool IsProcedure => Role == FnRole.Procedure;

    public override PgObjectKind Kind => IsProcedure ? PgObjectKind.Procedure : PgObjectKind.Function;

    /// <summary>The argument types of the identity: the inputs (IN, INOUT) of a function; every parameter of a procedure (PostgreSQL 14+).</summary>
    public string ArgTypes => string.Join(", ", Params.Where(p => IsProcedure || p.IsInput).Select(p => p.Type));

    public override string Identity(RState state) => Identities.Routine(Schema, Name, ArgTypes);

    public string Qualified => SqlIdentifier.Qualify(Schema, Name);

    public override IEnumerable<string> Refs() => Callees.Concat(RowOf is null ? Enumerable.Empty<string>() : new[] { RowOf }).Distinct();

    public override IEnumerable<string> Depends()
    {
        if (RowOf is not null)
        {
            yield return RowOf;
        }

        if (Lang == Lang.SqlStandard)
        {
            foreach (var callee in Callees.Where(c => c != RowOf))
            {
                yield return callee;
            }
        }
    }

    public override string CommentTarget(RState state) => (IsProcedure ? "PROCEDURE " : "FUNCTION ") + Identity(state);

    public override IReadOnlyList<string> Render(RState state, int style)
    {
        var w = new Words(style);
        var sb = new StringBuilder();
        sb.Append(w.K("CREATE ")).Append(w.OrReplace).Append(w.K(IsProcedure ? "PROCEDURE " : "FUNCTION ")).Append(Qualified).Append('(');
        sb.Append(string.Join(", ", Params.Select(p => w.Param(p))));
        sb.Append(')');
        var returns = Role switch
        {
            FnRole.Scalar => w.Type(ReturnType),
            FnRole.Table => w.K("TABLE(") + string.Join(", ", TableCols.Select(c => SqlIdentifier.Quote(c.Name) + " " + w.Type(c.Type))) + ")",
            FnRole.OutParams => style % 3 == 1 ? "record" : null,
            FnRole.RowType => w.K("SETOF ") + state.RefName(RowOf!),
            FnRole.Trigger => "trigger",
            FnRole.EventTrigger => "event_trigger",
            _ => null,
        };
        var options = new List<string>();
        if (returns is not null)
        {
            options.Add(w.K("RETURNS ") + returns);
        }

        options.Add(w.K("LANGUAGE ") + (Lang == Lang.Plpgsql ? "plpgsql" : "sql"));
        if (Volatility is not null)
        {
            options.Add(w.K(Volatility));
        }

        if (Strict)
        {
            options.Add(w.K("STRICT"));
        }

        // Option order is not part of the definition: RETURNS always first (the grammar wants it before the body anyway).
        if (style % 2 == 1 && options.Count > 2)
        {
            options = options.Take(1).Concat(options.Skip(1).Reverse()).ToList();
        }

        sb.Append('\n').Append(string.Join(" ", options)).Append('\n');
        var body = Body(state);
        if (Lang == Lang.SqlStandard)
        {
            sb.Append(body);
        }
        else
        {
            var tag = (style / 3 % 3) switch { 0 => "$$", 1 => "$fn$", _ => "$body$" };
            sb.Append(w.K("AS ")).Append(tag).Append(body).Append(tag);
        }

        return new[] { sb.ToString() };
    }

    /// <summary>The body: the text between the dollar quotes, or the SQL-standard body. Never varies with the style (a string body is kept verbatim).</summary>
    public string Body(RState state)
    {
        var ctx = new RenderContext(state, this);
        switch (Role)
        {
            case FnRole.Trigger:
                var trigCalls = string.Concat(Callees.Select(c => $"  PERFORM {ctx.Resolve($"⟦call:{c}⟧")};\n"));
                return $"\nBEGIN\n  PERFORM {K};\n{trigCalls}  IF TG_OP = 'DELETE' THEN\n    RETURN OLD;\n  END IF;\n  RETURN NEW;\nEND\n";
            case FnRole.EventTrigger:
                return $"\nBEGIN\n  PERFORM {K};\nEND\n";
            case FnRole.Scalar:
                var expr = ctx.Resolve(Exprs.Scalar(ReturnType, Params, Callees, K));
                return Lang switch
                {
                    Lang.Sql => $"\n  SELECT {expr}\n",
                    Lang.Plpgsql => $"\nBEGIN\n  RETURN {expr};\nEND\n",
                    _ => K % 2 == 0 ? $"RETURN {expr}" : $"BEGIN ATOMIC\n  SELECT {expr};\nEND",
                };
            case FnRole.Table:
                var select = "SELECT " + string.Join(", ", TableCols.Select(c => c.Expr)) + $" FROM app.items s WHERE s.qty > {ctx.Resolve("⟦p:0⟧")} + {K}";
                return Lang switch
                {
                    Lang.Sql => $"\n  {select}\n",
                    Lang.Plpgsql => $"\nBEGIN\n  RETURN QUERY {select};\nEND\n",
                    _ => $"BEGIN ATOMIC\n  {select};\nEND",
                };
            case FnRole.OutParams:
                var outs = Params.Where(p => p.Mode is "OUT" or "INOUT").ToList();
                var values = outs.Select(p => ctx.Resolve(Exprs.Scalar(p.Type, Params, Callees, K))).ToList();
                return Lang switch
                {
                    Lang.Sql => $"\n  SELECT {string.Join(", ", values)}\n",
                    Lang.Plpgsql => "\nBEGIN\n" + string.Concat(outs.Select((p, i) => $"  {SqlIdentifier.Quote(p.Name)} := {values[i]};\n")) + "END\n",
                    _ => $"BEGIN ATOMIC\n  SELECT {string.Join(", ", values)};\nEND",
                };
            case FnRole.RowType:
                var rows = $"SELECT * FROM {state.RefName(RowOf!)} WHERE id > {K}";
                return Lang switch
                {
                    Lang.Sql => $"\n  {rows}\n",
                    Lang.Plpgsql => $"\nBEGIN\n  RETURN QUERY {rows};\nEND\n",
                    _ => $"BEGIN ATOMIC\n  {rows};\nEND",
                };
            default:
                // A procedure: an INOUT text parameter receives a value; otherwise the expression is evaluated.
                var inout = Params.FirstOrDefault(p => p.Mode == "INOUT");
                var value = ctx.Resolve(Exprs.Scalar("integer", Params, Callees, K));
                return (Lang, inout) switch
                {
                    (Lang.Plpgsql, null) => $"\nBEGIN\n  PERFORM {value};\nEND\n",
                    (Lang.Plpgsql, _) => $"\nBEGIN\n  {SqlIdentifier.Quote(inout.Name)} := CAST({value} AS text);\nEND\n",
                    (_, null) => $"BEGIN ATOMIC\n  SELECT {value};\nEND",
                    _ => $"BEGIN ATOMIC\n  SELECT CAST({value} AS text);\nEND",
                };
        }
    }
}

internal sealed record RView : RObject
{
    public required string Schema { get; init; }
    public required string Name { get; init; }
    public bool Materialized { get; init; }
    public required RSource Source { get; init; }
    public required IReadOnlyList<RCol> Cols { get; init; }
    public int? WhereK { get; init; }
    public bool SecurityBarrier { get; init; }
    public string? CheckOption { get; init; }
    public bool WithNoData { get; init; }
    public IReadOnlyList<RIndex> Indexes { get; init; } = Array.Empty<RIndex>();

    public override PgObjectKind Kind => Materialized ? PgObjectKind.MaterializedView : PgObjectKind.View;

    public override string Identity(RState state) => Identities.Relation(Schema, Name);

    public string Qualified => SqlIdentifier.Qualify(Schema, Name);

    public override IEnumerable<string> Refs() =>
        new[] { Source.ViewId, Source.FunctionId }.OfType<string>().Concat(Cols.SelectMany(c => TokenIds(c.Expr))).Distinct();

    public override IEnumerable<string> Depends() => Refs();

    public override string CommentTarget(RState state) => (Materialized ? "MATERIALIZED VIEW " : "VIEW ") + Identity(state);

    public override IReadOnlyList<string> Render(RState state, int style)
    {
        var w = new Words(style);
        var ctx = new RenderContext(state, null);
        var sb = new StringBuilder();
        sb.Append(w.K("CREATE ")).Append(Materialized ? w.K("MATERIALIZED VIEW ") : w.OrReplace + w.K("VIEW ")).Append(Qualified);
        if (SecurityBarrier)
        {
            sb.Append(w.K(" WITH (security_barrier") + (style % 2 == 1 ? " = true" : "") + ")");
        }

        sb.Append(w.K(" AS\n  SELECT "));
        sb.Append(string.Join(",\n    ", Cols.Select(c => w.Literals(ctx.Resolve(c.Expr)) + w.K(" AS ") + SqlIdentifier.Quote(c.Name))));
        sb.Append(w.K("\n  FROM "));
        sb.Append(Source switch
        {
            { Table: { } table } => table,
            { ViewId: { } view } => state.RefName(view),
            { FunctionId: { } fn } => ctx.Resolve($"⟦call:{fn}⟧"),
            _ => throw new InvalidOperationException("A view without a source."),
        });
        sb.Append(" s");
        if (WhereK is { } k)
        {
            sb.Append(w.K("\n  WHERE ")).Append("s.id > ").Append(k.ToString(CultureInfo.InvariantCulture));
        }

        if (CheckOption is not null)
        {
            sb.Append(w.K($"\n  WITH {CheckOption} CHECK OPTION"));
        }

        if (Materialized)
        {
            sb.Append(WithNoData ? w.K("\n  WITH NO DATA") : style % 2 == 1 ? w.K("\n  WITH DATA") : "");
        }

        var statements = new List<string> { sb.ToString() };
        foreach (var index in Indexes)
        {
            statements.Add(w.K(index.Unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + SqlIdentifier.Quote(index.Name) + w.K(" ON ") + Qualified
                + (style % 2 == 1 ? w.K(" USING btree") : "") + " (" + string.Join(", ", index.Columns.Select(SqlIdentifier.Quote)) + ")");
        }

        return statements;
    }
}

internal sealed record RTrigger : RObject
{
    public required string Name { get; init; }

    /// <summary>A table of the setup (schema-qualified), or null for a trigger on view <see cref="ViewId"/>.</summary>
    public string? Table { get; init; }

    public string? ViewId { get; init; }
    public required string Timing { get; init; }
    public required IReadOnlyList<string> Events { get; init; }
    public IReadOnlyList<string> UpdateOf { get; init; } = Array.Empty<string>();
    public bool Row { get; init; }
    public string? When { get; init; }
    public string? OldTable { get; init; }
    public string? NewTable { get; init; }
    public bool Constraint { get; init; }
    public bool Deferred { get; init; }
    public required string FunctionId { get; init; }
    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();

    public override PgObjectKind Kind => PgObjectKind.Trigger;

    public (string Schema, string Name) On(RState state)
    {
        if (Table is not null)
        {
            var dot = Table.IndexOf('.', StringComparison.Ordinal);
            return (Table[..dot], Table[(dot + 1)..]);
        }

        var view = (RView)state.FindAny(ViewId!)!;
        return (view.Schema, view.Name);
    }

    public override string Identity(RState state)
    {
        var (schema, table) = On(state);
        return Identities.Trigger(schema, table, Name);
    }

    public override IEnumerable<string> Refs() => new[] { FunctionId }.Concat(ViewId is null ? Array.Empty<string>() : new[] { ViewId }).Concat(TokenIds(When)).Distinct();

    public override IEnumerable<string> Depends() => Refs();

    public override string CommentTarget(RState state) => "TRIGGER " + Identity(state);

    public override IReadOnlyList<string> Render(RState state, int style)
    {
        var w = new Words(style);
        var (schema, table) = On(state);
        var sb = new StringBuilder();
        sb.Append(w.K("CREATE ")).Append(Constraint ? w.K("CONSTRAINT ") : w.OrReplace).Append(w.K("TRIGGER ")).Append(SqlIdentifier.Quote(Name)).Append(' ');
        sb.Append(w.K(Timing)).Append(' ');
        sb.Append(string.Join(w.K(" OR "), Events.Select(e => e == "UPDATE" && UpdateOf.Count > 0
            ? w.K("UPDATE OF ") + string.Join(", ", UpdateOf.Select(SqlIdentifier.Quote))
            : w.K(e))));
        sb.Append(w.K(" ON ")).Append(SqlIdentifier.Qualify(schema, table));
        if (Deferred)
        {
            sb.Append(w.K(" DEFERRABLE INITIALLY DEFERRED"));
        }

        if (OldTable is not null || NewTable is not null)
        {
            sb.Append(w.K(" REFERENCING"));
            if (OldTable is not null)
            {
                sb.Append(w.K(" OLD TABLE AS ")).Append(OldTable);
            }

            if (NewTable is not null)
            {
                sb.Append(w.K(" NEW TABLE AS ")).Append(NewTable);
            }
        }

        // A constraint trigger's grammar wants FOR EACH ROW spelled out.
        sb.Append(Row ? w.K(style % 2 == 1 && !Constraint ? "\n  FOR ROW" : "\n  FOR EACH ROW") : w.K(style % 2 == 1 ? "\n  FOR EACH STATEMENT" : ""));
        if (When is not null)
        {
            sb.Append(w.K("\n  WHEN (")).Append(new RenderContext(state, null).Resolve(When)).Append(')');
        }

        sb.Append(w.K(style % 3 == 2 ? "\n  EXECUTE PROCEDURE " : "\n  EXECUTE FUNCTION ")).Append(state.RefName(FunctionId))
            .Append('(').Append(string.Join(", ", Args.Select(SqlIdentifier.Literal))).Append(')');
        return new[] { sb.ToString() };
    }
}

internal sealed record RPolicy : RObject
{
    public required string Name { get; init; }
    public required string Table { get; init; }
    public required string Command { get; init; }
    public bool Permissive { get; init; } = true;
    public IReadOnlyList<string> Roles { get; init; } = Array.Empty<string>();
    public string? Using { get; init; }
    public string? Check { get; init; }

    public override PgObjectKind Kind => PgObjectKind.Policy;

    public override string Identity(RState state)
    {
        var dot = Table.IndexOf('.', StringComparison.Ordinal);
        return Identities.Trigger(Table[..dot], Table[(dot + 1)..], Name);
    }

    public override IEnumerable<string> Refs() => TokenIds(Using).Concat(TokenIds(Check)).Distinct();

    public override IEnumerable<string> Depends() => Refs();

    public override string CommentTarget(RState state) => "POLICY " + Identity(state);

    public override IReadOnlyList<string> Render(RState state, int style)
    {
        var w = new Words(style);
        var ctx = new RenderContext(state, null);
        var sb = new StringBuilder();
        sb.Append(w.K("CREATE POLICY ")).Append(SqlIdentifier.Quote(Name)).Append(w.K(" ON ")).Append(Table);
        if (!Permissive || style % 2 == 1)
        {
            sb.Append(w.K(Permissive ? " AS PERMISSIVE" : " AS RESTRICTIVE"));
        }

        if (Command != "ALL" || style % 3 == 1)
        {
            sb.Append(w.K(" FOR " + Command));
        }

        if (Roles.Count > 0)
        {
            sb.Append(w.K(" TO ")).Append(string.Join(", ", Roles));
        }
        else if (style % 2 == 1)
        {
            sb.Append(w.K(" TO PUBLIC"));
        }

        if (Using is not null)
        {
            sb.Append(w.K("\n  USING (")).Append(w.Literals(ctx.Resolve(Using))).Append(')');
        }

        if (Check is not null)
        {
            sb.Append(w.K("\n  WITH CHECK (")).Append(w.Literals(ctx.Resolve(Check))).Append(')');
        }

        return new[] { sb.ToString() };
    }
}

internal sealed record REventTrigger : RObject
{
    public required string Name { get; init; }
    public required string Event { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();
    public required string FunctionId { get; init; }

    public override PgObjectKind Kind => PgObjectKind.EventTrigger;

    public override string Identity(RState state) => SqlIdentifier.Quote(Name);

    public override IEnumerable<string> Refs() => new[] { FunctionId };

    public override IEnumerable<string> Depends() => Refs();

    public override string CommentTarget(RState state) => "EVENT TRIGGER " + Identity(state);

    public override IReadOnlyList<string> Render(RState state, int style)
    {
        var w = new Words(style);
        var sb = new StringBuilder();
        sb.Append(w.K("CREATE EVENT TRIGGER ")).Append(SqlIdentifier.Quote(Name)).Append(w.K(" ON ")).Append(Event);
        if (Tags.Count > 0)
        {
            sb.Append(w.K("\n  WHEN TAG IN (")).Append(string.Join(", ", (style % 2 == 1 ? Tags.Reverse() : Tags).Select(SqlIdentifier.Literal))).Append(')');
        }

        sb.Append(w.K(style % 3 == 2 ? "\n  EXECUTE PROCEDURE " : "\n  EXECUTE FUNCTION ")).Append(state.RefName(FunctionId)).Append("()");
        return new[] { sb.ToString() };
    }
}

/// <summary>One state (A or B): the objects in creation order, the attributes set after loading, the unmanaged dependents.</summary>
internal sealed class RState
{
    private readonly Dictionary<string, RObject> _byId;

    public RState(IReadOnlyList<RObject> objects, IReadOnlyDictionary<string, RAttrs> attrs, IReadOnlyList<RUnmanaged> unmanaged, IReadOnlyDictionary<string, RObject>? gone = null)
    {
        Objects = objects;
        Attrs = attrs;
        Unmanaged = unmanaged;
        Gone = gone ?? new Dictionary<string, RObject>(StringComparer.Ordinal);
        _byId = objects.ToDictionary(o => o.Id, StringComparer.Ordinal);
    }

    /// <summary>Objects removed on the way to this state: what is left naming one still names it as it was.</summary>
    public IReadOnlyDictionary<string, RObject> Gone { get; }

    public IReadOnlyList<RObject> Objects { get; }
    public IReadOnlyDictionary<string, RAttrs> Attrs { get; }
    public IReadOnlyList<RUnmanaged> Unmanaged { get; }

    public bool Has(string id) => _byId.ContainsKey(id);

    public RObject Get(string id) => _byId.TryGetValue(id, out var o) ? o : throw new KeyNotFoundException("No object " + id + " in this state.");

    public RObject? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The object, or the one removed on the way here (to render what still names it).</summary>
    public RObject? FindAny(string id) => Find(id) ?? Gone.GetValueOrDefault(id);

    public string RefName(string id) => FindAny(id) switch
    {
        RView v => v.Qualified,
        RFunction f => f.Qualified,
        _ => throw new KeyNotFoundException("Nothing named " + id + " was ever in this state."),
    };

    public RState With(IReadOnlyList<RObject>? objects = null, IReadOnlyDictionary<string, RAttrs>? attrs = null, IReadOnlyList<RUnmanaged>? unmanaged = null) =>
        new(objects ?? Objects, attrs ?? Attrs, unmanaged ?? Unmanaged, Gone);

    public RState Replace(RObject obj) => With(Objects.Select(o => o.Id == obj.Id ? obj : o).ToList());

    public RState Add(RObject obj) => With(Objects.Append(obj).ToList());

    public RState Remove(params string[] ids)
    {
        var gone = Gone.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var o in Objects.Where(o => ids.Contains(o.Id)))
        {
            gone[o.Id] = o;
        }

        return new RState(Objects.Where(o => !ids.Contains(o.Id)).ToList(), Attrs.Where(a => !ids.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
            Unmanaged.Where(u => !ids.Contains(u.FunctionId)).ToList(), gone);
    }

    /// <summary>The objects in an order that creates them (what each references first), ties in list order.</summary>
    public IReadOnlyList<RObject> CreationOrder()
    {
        var result = new List<RObject>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        void Visit(RObject o)
        {
            if (done.Contains(o.Id) || !visiting.Add(o.Id))
            {
                return;
            }

            foreach (var r in o.Refs())
            {
                if (Find(r) is { } dep)
                {
                    Visit(dep);
                }
            }

            done.Add(o.Id);
            result.Add(o);
        }

        // Event triggers last: once created they fire on the rest of the script.
        foreach (var o in Objects.OrderBy(o => o is REventTrigger ? 1 : 0))
        {
            Visit(o);
        }

        return result;
    }

    /// <summary>The ids of the objects that reference <paramref name="id"/>, directly.</summary>
    public IEnumerable<RObject> Referencing(string id) => Objects.Where(o => o.Refs().Contains(id));
}

/// <summary>Resolves the tokens of a template against a state.</summary>
internal sealed partial class RenderContext(RState state, RFunction? function)
{
    [GeneratedRegex("⟦(ref|call|p):([^⟧]+)⟧")]
    public static partial Regex Tokens();

    public string Resolve(string template) => Tokens().Replace(template, m => m.Groups[1].Value switch
    {
        "ref" => state.RefName(m.Groups[2].Value),
        "p" => SqlIdentifier.Quote(function!.Params[int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)].Name),
        _ => Call(m.Groups[2].Value),
    });

    private string Call(string id)
    {
        if (state.FindAny(id) is not RFunction callee)
        {
            throw new KeyNotFoundException("No function " + id + " was ever in this state.");
        }

        return callee.Qualified + "(" + string.Join(", ", callee.Params.Where(p => p.IsInput).Select(p => Exprs.Literal(p.Type))) + ")";
    }
}

/// <summary>Typed expressions that are valid, cannot fail at run time, and call what they are given.</summary>
internal static class Exprs
{
    public static readonly string[] ScalarTypes = { "integer", "text", "numeric", "boolean" };

    public static string Literal(string type) => type switch
    {
        "integer" => "1::integer",
        "text" => "'a'::text",
        "numeric" => "1.5::numeric",
        "boolean" => "true::boolean",
        "date" => "'2024-06-01'::date",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>An expression of <paramref name="type"/> built from the inputs of that type, a length of each call, and <paramref name="k"/>.</summary>
    public static string Scalar(string type, IReadOnlyList<RParam> parameters, IReadOnlyList<string> callees, int k)
    {
        var input = parameters.Select((p, i) => (p, i)).FirstOrDefault(x => x.p.Mode == "IN" && x.p.Type == type);
        var baseTerm = input.p is null ? Literal(type) : $"⟦p:{input.i}⟧";
        var calls = callees.Select(c => $"length(CAST(⟦call:{c}⟧ AS text))").ToList();
        return type switch
        {
            "integer" => "(" + string.Join(" + ", new[] { baseTerm }.Concat(calls).Append(k.ToString(CultureInfo.InvariantCulture))) + ")",
            "numeric" => "(" + string.Join(" + ", new[] { baseTerm }.Concat(calls).Append(k.ToString(CultureInfo.InvariantCulture) + ".5")) + ")",
            "text" => "(" + string.Join(" || ", new[] { baseTerm }.Concat(calls.Select(c => $"CAST({c} AS text)")).Append($"'k{k}'")) + ")",
            _ => "(" + string.Join(" AND ", new[] { baseTerm }.Concat(calls.Select(c => $"{c} >= 0")).Append($"{k} >= 0")) + ")",
        };
    }
}

/// <summary>The cosmetic side of a style: keyword case, type spellings, optional words.</summary>
internal readonly struct Words(int style)
{
    private static readonly Dictionary<string, string[]> Spellings = new(StringComparer.Ordinal)
    {
        ["integer"] = new[] { "integer", "int", "int4" },
        ["boolean"] = new[] { "boolean", "bool" },
        ["numeric"] = new[] { "numeric", "decimal" },
        ["text"] = new[] { "text" },
    };

    private bool Lower => style % 5 == 3;

    public string K(string keywords) => Lower ? keywords.ToLowerInvariant() : keywords;

    public string OrReplace => style % 4 == 1 ? K("OR REPLACE ") : "";

    public string Type(string type) => Spellings.TryGetValue(type, out var s) ? K(s[style % s.Length]).ToLowerInvariant() : type;

    public string Param(RParam p)
    {
        var mode = p.Mode == "IN" ? (style % 3 == 1 ? K("IN ") : "") : K(p.Mode + " ");
        var def = p.Default is null ? "" : style % 2 == 1 ? " = " + p.Default : K(" DEFAULT ") + p.Default;
        return mode + SqlIdentifier.Quote(p.Name) + " " + Type(p.Type) + def;
    }

    /// <summary>Casts of literals in parsed SQL spelled another way (PostgreSQL stores the same constant).</summary>
    public string Literals(string template) => style % 3 == 2
        ? template.Replace("::integer", "::int4", StringComparison.Ordinal).Replace("::boolean", "::bool", StringComparison.Ordinal)
        : template;
}
