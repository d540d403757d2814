using System.Globalization;
using System.Text.RegularExpressions;

namespace PgAutogen.Core.Tests.Randomized;

/// <summary>A mutation applied to a state: the new state, and, for an invalid desired state, the refusal it must meet.</summary>
internal sealed record MutationResult(RState State, ExpectedRefusal? Refusal = null, string? DuplicateId = null);

/// <summary>
/// One change from A towards B. <see cref="Apply"/> re-checks what it needs (an object it changes may be gone once a
/// case is shrunk) and returns null when it no longer applies. Its random choices were made when it was generated.
/// </summary>
internal sealed record RMutation(string What, Func<RState, MutationResult?> Apply)
{
    public bool Invalid { get; init; }

    public override string ToString() => What;
}

/// <summary>
/// Seeded mutations of a state: replaceable and non-replaceable changes of every kind, drops (with what depends on them,
/// or with those switched to another object, or leaving PL/pgSQL callers behind), additions, cosmetic rewrites, comments;
/// and invalid desired states that the compare must refuse.
/// </summary>
internal static partial class RandomMutator
{
    /// <summary>Up to <paramref name="count"/> valid mutations, each one leaving a declarable state; then, when asked, one invalid one.</summary>
    public static List<RMutation> Generate(RandomSchemaGenerator g, RState a, int count, bool invalid)
    {
        var mutations = new List<RMutation>();
        var state = a;
        for (var attempt = 0; mutations.Count < count && attempt < count * 20; attempt++)
        {
            var m = Valid(g, state);
            if (m?.Apply(state) is { Refusal: null, DuplicateId: null } result && RandomOracle.Problems(result.State).Count == 0
                && RandomOracle.Expect(a, result.State).Refusal is null)
            {
                mutations.Add(m);
                state = result.State;
            }
        }

        if (invalid)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                if (Invalid(g, state) is { } m && m.Apply(state) is { Refusal: not null })
                {
                    mutations.Add(m with { Invalid = true });
                    break;
                }
            }
        }

        return mutations;
    }

    /// <summary>Applies the mutations in order (those that no longer apply are left out): B, the refusal expected (if any), and the mutations applied.</summary>
    public static (RState B, ExpectedRefusal? Refusal, string? DuplicateId, List<RMutation> Applied) ApplyAll(RState a, IEnumerable<RMutation> mutations)
    {
        var state = a;
        ExpectedRefusal? refusal = null;
        string? duplicate = null;
        var applied = new List<RMutation>();
        foreach (var m in mutations)
        {
            if (m.Apply(state) is { } result)
            {
                state = result.State;
                refusal ??= result.Refusal;
                duplicate ??= result.DuplicateId;
                applied.Add(m);
            }
        }

        // The dropped object goes before the declarations run when something it depends on is re-created (seed 474: a
        // view losing a column takes the dropped view on it along): the dependent's declaration then names what does not
        // exist, also a refusal naming both.
        if (refusal?.Upstream is { Count: > 0 } upstream && !refusal.Ids.Contains(PgErrorId.DeclarationInvalid)
            && upstream.Any(id => !Equals(a.Find(id), state.Find(id))))
        {
            refusal = refusal with { Ids = refusal.Ids.Append(PgErrorId.DeclarationInvalid).ToList() };
        }

        // A refusal about an object the start state never had is another refusal.
        if (refusal?.UnlessInStart is { } unless && !a.Objects.Any(o => o.Key(a) == unless.Key))
        {
            refusal = unless.Instead;
        }

        return (state, refusal, duplicate, applied);
    }

    private static RMutation? Valid(RandomSchemaGenerator g, RState s)
    {
        var functions = s.Objects.OfType<RFunction>().ToList();
        var views = s.Objects.OfType<RView>().ToList();
        var triggers = s.Objects.OfType<RTrigger>().ToList();
        var policies = s.Objects.OfType<RPolicy>().ToList();
        var rng = g.Rng;
        switch (rng.Next(34))
        {
            case 0 or 1 when functions.Count > 0:
            {
                var f = g.Pick(functions);
                var k = f.K + 1 + rng.Next(5);
                var lang = g.Chance(0.3) && f.Role is not (FnRole.Trigger or FnRole.EventTrigger) ? g.AnyLang() : f.Lang;
                lang = f.IsProcedure && lang == Lang.Sql ? Lang.SqlStandard : lang;
                return Change($"body of {f.Id} (K {k}, {lang})", f.Id, (RFunction x) => x with { K = k, Lang = lang });
            }

            case 2 when functions.Any(f => f.Role is FnRole.Scalar or FnRole.Table or FnRole.OutParams or FnRole.RowType):
            {
                var f = g.Pick(functions.Where(f => f.Role is FnRole.Scalar or FnRole.Table or FnRole.OutParams or FnRole.RowType).ToList());
                var volatility = g.Pick(new[] { null, "STABLE", "IMMUTABLE" }.Where(v => v != f.Volatility).ToList());
                var strict = g.Chance(0.3) ? !f.Strict : f.Strict;
                return Change($"volatility of {f.Id} ({volatility ?? "default"}, strict {strict})", f.Id, (RFunction x) => x with { Volatility = volatility, Strict = strict });
            }

            case 3 when functions.Any(f => !f.IsProcedure && f.Params.Any(p => p.Default is not null)):
            {
                var f = g.Pick(functions.Where(f => !f.IsProcedure && f.Params.Any(p => p.Default is not null)).ToList());
                var i = g.Pick(Enumerable.Range(0, f.Params.Count).Where(i => f.Params[i].Default is not null).ToList());
                var value = g.DefaultFor(f.Params[i].Type);
                return value == f.Params[i].Default ? null : Change($"default of {f.Id}.{f.Params[i].Name} ({value})", f.Id, (RFunction x) => x with { Params = With(x.Params, i, p => p with { Default = value }) });
            }

            case 4 when functions.Any(f => LastWithoutDefault(f) >= 0):
            {
                var f = g.Pick(functions.Where(f => LastWithoutDefault(f) >= 0).ToList());
                var value = g.DefaultFor(f.Params[LastWithoutDefault(f)].Type);
                // Not when it makes the function callable without arguments while another overload of its name is
                // (seed 476: f() and f(p_x boolean DEFAULT false), "function f() is not unique" in the callers).
                return ChangeIn($"default added to {f.Id}", f.Id, (RState st, RFunction x) =>
                    LastWithoutDefault(x) is var i and >= 0 && x with { Params = With(x.Params, i, p => p with { Default = value }) } is var y
                    && !(CallableWithoutArguments(y) && st.Objects.OfType<RFunction>().Any(o => o.Id != y.Id && o.Qualified == y.Qualified && CallableWithoutArguments(o)))
                        ? y
                        : null);
            }

            case 5 when functions.Any(f => FirstDefault(f) >= 0):
            {
                var f = g.Pick(functions.Where(f => FirstDefault(f) >= 0).ToList());
                return Change($"default removed from {f.Id}", f.Id, (RFunction x) => FirstDefault(x) is var i and >= 0 ? x with { Params = With(x.Params, i, p => p with { Default = null }) } : null);
            }

            case 6 when functions.Any(f => f.Params.Count > 0):
            {
                var f = g.Pick(functions.Where(f => f.Params.Count > 0).ToList());
                var i = rng.Next(f.Params.Count);
                var name = "q_" + (char)('a' + rng.Next(26)) + rng.Next(10);
                return Change($"parameter {i} of {f.Id} renamed {name}", f.Id, (RFunction x) => i < x.Params.Count && x.Params.All(p => p.Name != name) ? x with { Params = With(x.Params, i, p => p with { Name = name }) } : null);
            }

            case 7 when functions.Any(f => f.Role == FnRole.Scalar):
            {
                var f = g.Pick(functions.Where(f => f.Role == FnRole.Scalar).ToList());
                var type = g.Pick(Exprs.ScalarTypes.Where(t => t != f.ReturnType).ToList());
                return Change($"return type of {f.Id} ({type})", f.Id, (RFunction x) => x.Role == FnRole.Scalar ? x with { ReturnType = type } : null);
            }

            case 8 when functions.Any(f => f.Role == FnRole.Table):
            {
                var f = g.Pick(functions.Where(f => f.Role == FnRole.Table).ToList());
                var op = rng.Next(3);
                return ChangeIn($"TABLE columns of {f.Id} ({(op == 0 ? "added" : op == 1 ? "removed" : "retyped")})", f.Id, (RState st, RFunction x) =>
                {
                    var used = UsedColumns(st, x.Id);
                    var cols = x.TableCols.ToList();
                    switch (op)
                    {
                        case 0 when RandomSchemaGenerator.ItemCols.FirstOrDefault(c => cols.All(d => d.Name != c.Name)) is { } add:
                            cols.Add(add);
                            break;
                        case 0:
                            cols.Add(new RCol("qty_" + x.Id, "s.qty", "integer", new[] { "qty" }));
                            break;
                        case 1 when cols.FindIndex(c => c.Name != "id" && !used.Contains(c.Name)) is var i and >= 0:
                            cols.RemoveAt(i);
                            break;
                        case 2 when cols.FindIndex(c => c.Name != "id" && !used.Contains(c.Name) && c.Type != "text") is var j and >= 0:
                            cols[j] = cols[j] with { Expr = $"CAST({cols[j].Expr} AS text)", Type = "text" };
                            break;
                        default:
                            return null;
                    }

                    return x with { TableCols = cols };
                });
            }

            case 9 when functions.Any(f => f.Role == FnRole.OutParams):
            {
                var f = g.Pick(functions.Where(f => f.Role == FnRole.OutParams).ToList());
                var retype = g.Chance(0.5);
                return Change($"OUT parameters of {f.Id} ({(retype ? "retyped" : "added")})", f.Id, (RFunction x) => x with
                {
                    Params = retype
                        ? x.Params.Select(p => p.Mode == "OUT" && p.Type == "integer" ? p with { Type = "numeric" } : p).ToList()
                        : x.Params.Append(new RParam("o_flag" + x.Params.Count, "boolean", Mode: "OUT")).ToList(),
                });
            }

            case 10 when functions.Any(f => f.Role is FnRole.Scalar or FnRole.Procedure):
            {
                var f = g.Pick(functions.Where(f => f.Role is FnRole.Scalar or FnRole.Procedure).ToList());
                var type = g.Pick(Exprs.ScalarTypes);
                var value = g.DefaultFor(type);
                return Change($"parameter added to {f.Id} ({type})", f.Id, (RFunction x) =>
                {
                    var withDefault = x.Params.Any(p => p.Default is not null);
                    var param = new RParam("p_z" + x.Params.Count, type, withDefault ? value : null);
                    // A procedure's INOUT parameter stays last.
                    var list = x.Params.Where(p => p.Mode == "IN").Append(param).Concat(x.Params.Where(p => p.Mode != "IN")).ToList();
                    return x.IsProcedure && withDefault && list.Last().Default is null ? null : x with { Params = list };
                });
            }

            case 11 when functions.Count > 0:
            {
                var f = g.Pick(functions);
                var schema = g.Pick(RandomSetup.Schemas.Where(x => x != f.Schema).ToList());
                return Change($"{f.Id} moved to schema {schema}", f.Id, (RFunction x) => x with { Schema = schema });
            }

            case 12 when functions.Any(f => f.Role == FnRole.Scalar && !s.Referencing(f.Id).Any()):
            {
                var f = g.Pick(functions.Where(f => f.Role == FnRole.Scalar && !s.Referencing(f.Id).Any()).ToList());
                var lang = f.Lang == Lang.Sql ? Lang.SqlStandard : f.Lang;
                return Change($"{f.Id} becomes a procedure", f.Id, (RFunction x) => x.Role == FnRole.Scalar
                    ? x with { Role = FnRole.Procedure, ReturnType = "", Lang = lang, Volatility = null, Strict = false }
                    : null);
            }

            case 13 when functions.Any(f => f.IsProcedure && f.Params.All(p => p.Mode == "IN")):
            {
                var f = g.Pick(functions.Where(f => f.IsProcedure && f.Params.All(p => p.Mode == "IN")).ToList());
                return Change($"{f.Id} becomes a function", f.Id, (RFunction x) => x.IsProcedure && x.Params.All(p => p.Mode == "IN")
                    ? x with { Role = FnRole.Scalar, ReturnType = "integer" }
                    : null);
            }

            case 14 when functions.Any(f => f.Role is FnRole.Scalar or FnRole.OutParams or FnRole.Trigger or FnRole.Procedure):
            {
                var f = g.Pick(functions.Where(f => f.Role is FnRole.Scalar or FnRole.OutParams or FnRole.Trigger or FnRole.Procedure).ToList());
                var callees = g.PickCallees(s, f.Id, 2);
                return ChangeIn($"callees of {f.Id} ({string.Join(", ", callees)})", f.Id, (RState st, RFunction x) =>
                    callees.All(st.Has) && !callees.Any(c => RandomSchemaGenerator.Reaches(st, c, x.Id)) ? x with { Callees = callees } : null);
            }

            case 15 when views.Count > 0:
            {
                var v = g.Pick(views);
                int? k = g.Chance(0.2) ? null : rng.Next(0, 8);
                return k == v.WhereK ? null : Change($"WHERE of {v.Id} ({k})", v.Id, (RView x) => x with { WhereK = k });
            }

            case 16 when views.Any(v => v.Cols.Any(Computed)):
            {
                var v = g.Pick(views.Where(v => v.Cols.Any(Computed)).ToList());
                var delta = rng.Next(1, 9);
                var callable = g.Callable(s);
                var callee = callable.Count > 0 ? g.Pick(callable).Id : null;
                return Change($"an expression of {v.Id}", v.Id, (RView x) =>
                {
                    var i = x.Cols.ToList().FindIndex(Computed);
                    if (i < 0)
                    {
                        return null;
                    }

                    var col = x.Cols[i];
                    var expr = PlusConstant().IsMatch(col.Expr)
                        ? PlusConstant().Replace(col.Expr, m => " + " + (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + delta).ToString(CultureInfo.InvariantCulture) + ")")
                        : callee is null ? null : $"CAST(⟦call:{callee}⟧ AS text)";
                    return expr is null || expr == col.Expr ? null : x with { Cols = With(x.Cols, i, c => c with { Expr = expr }) };
                });
            }

            case 17 when views.Count > 0:
            {
                var v = g.Pick(views);
                var pick = rng.Next(100);
                return ChangeIn($"column added to {v.Id}", v.Id, (RState st, RView x) =>
                {
                    var available = RandomSchemaGenerator.SourceColumns(st, x.Source).Where(c => x.Cols.All(d => d.Name != c.Name)).ToList();
                    var col = available.Count > 0
                        ? new RCol(available[pick % available.Count].Name, "s." + SqlIdentifier.Quote(available[pick % available.Count].Name), available[pick % available.Count].Type, new[] { available[pick % available.Count].Name })
                        : new RCol("added_" + pick, $"{pick}", "integer", Array.Empty<string>());
                    return x.Cols.Any(c => c.Name == col.Name) ? null : x with { Cols = x.Cols.Append(col).ToList() };
                });
            }

            case 18 or 19 or 20 or 21 when views.Count > 0:
            {
                var v = g.Pick(views);
                var op = rng.Next(4);
                var pick = rng.Next(100);
                return ChangeIn($"a column of {v.Id} {(op == 0 ? "dropped" : op == 1 ? "retyped" : op == 2 ? "renamed" : "moved")}", v.Id, (RState st, RView x) =>
                {
                    var used = UsedColumns(st, x.Id);
                    var free = Enumerable.Range(0, x.Cols.Count).Where(i => x.Cols[i].Name != "id" && !used.Contains(x.Cols[i].Name)).ToList();
                    if (free.Count == 0)
                    {
                        return null;
                    }

                    var i = free[pick % free.Count];
                    var cols = x.Cols.ToList();
                    switch (op)
                    {
                        case 0:
                            cols.RemoveAt(i);
                            break;
                        case 1:
                            cols[i] = cols[i].Type == "text"
                                ? cols[i] with { Expr = $"length({cols[i].Expr})", Type = "integer" }
                                : cols[i] with { Expr = $"CAST({cols[i].Expr} AS text)", Type = "text" };
                            break;
                        case 2:
                            cols[i] = cols[i] with { Name = cols[i].Name + "_r" };
                            if (cols.Count(c => c.Name == cols[i].Name) > 1)
                            {
                                return null;
                            }

                            break;
                        default:
                            var j = free.FirstOrDefault(f => f != i, -1);
                            if (j < 0)
                            {
                                return null;
                            }

                            (cols[i], cols[j]) = (cols[j], cols[i]);
                            break;
                    }

                    return x with { Cols = cols, Indexes = x.Indexes.Where(ix => ix.Columns.All(c => cols.Any(d => d.Name == c))).ToList() };
                });
            }

            case 22 when views.Count > 0:
            {
                var v = g.Pick(views);
                var withNoData = g.Chance(0.2);
                var index = g.Chance(0.5);
                return new RMutation($"{v.Id} becomes a {(v.Materialized ? "view" : "materialized view")}", st =>
                {
                    if (st.Find(v.Id) is not RView x || x.Materialized != v.Materialized)
                    {
                        return null;
                    }

                    // Its triggers go with it (a materialized view has none); a materialized view has no options.
                    var onIt = st.Objects.OfType<RTrigger>().Where(t => t.ViewId == x.Id).Select(t => t.Id).ToArray();
                    var swapped = x.Materialized
                        ? x with { Materialized = false, Indexes = Array.Empty<RIndex>(), WithNoData = false }
                        : x with
                        {
                            Materialized = true, SecurityBarrier = false, CheckOption = null, WithNoData = withNoData,
                            Indexes = index ? new[] { new RIndex(x.Name + "_id", new[] { "id" }, true) } : Array.Empty<RIndex>(),
                        };
                    return new MutationResult(st.Remove(onIt).Replace(swapped));
                });
            }

            case 23 when views.Any(v => v.Materialized):
            {
                var v = g.Pick(views.Where(v => v.Materialized).ToList());
                var pick = rng.Next(100);
                return Change($"indexes of {v.Id}", v.Id, (RView x) =>
                {
                    var indexes = x.Indexes.ToList();
                    if (indexes.Count > 0 && pick % 2 == 0)
                    {
                        indexes.RemoveAt(pick % indexes.Count);
                    }
                    else
                    {
                        var col = x.Cols[pick % x.Cols.Count].Name;
                        var name = x.Name + "_i" + pick;
                        if (indexes.Any(i => i.Name == name))
                        {
                            return null;
                        }

                        indexes.Add(new RIndex(name, new[] { col }, false));
                    }

                    return x with { Indexes = indexes };
                });
            }

            case 24 or 25 when triggers.Count > 0:
            {
                var t = g.Pick(triggers);
                var reshaped = g.Shape(t, s, keepKind: g.Chance(0.6));
                return ChangeIn($"shape of trigger {t.Id}", t.Id, (RState st, RTrigger x) => x.ViewId == t.ViewId && x.Table == t.Table && reshaped.Refs().All(st.Has)
                    ? reshaped with { FunctionId = x.FunctionId, Style = x.Style, Comment = x.Comment }
                    : null);
            }

            case 26 when triggers.Count > 0:
            {
                var t = g.Pick(triggers);
                var others = functions.Where(f => f.Role == FnRole.Trigger && f.Id != t.FunctionId).ToList();
                if (others.Count == 0 || g.Chance(0.3))
                {
                    var added = g.TriggerFunction(s);
                    return new RMutation($"trigger {t.Id} switched to new function {added.Id}", st =>
                        st.Find(t.Id) is RTrigger x && added.Refs().All(st.Has) ? new MutationResult(st.Add(added).Replace(x with { FunctionId = added.Id })) : null);
                }

                var other = g.Pick(others);
                return Change($"trigger {t.Id} switched to {other.Id}", t.Id, (RTrigger x) => x with { FunctionId = other.Id });
            }

            case 27 when policies.Count > 0:
            {
                var p = g.Pick(policies);
                var reshape = g.Chance(0.4);
                var shaped = g.ShapePolicy(p, s);
                var expr = g.PolicyExpr(s);
                var roles = RandomSetup.Roles[..2].Where(_ => g.Chance(0.5)).ToList();
                return Change($"policy {p.Id} {(reshape ? "reshaped" : "altered")}", p.Id, (RPolicy x) => reshape
                    ? shaped with { Style = x.Style, Comment = x.Comment }
                    : x with { Using = x.Using is not null || x.Command is "SELECT" or "DELETE" ? expr : null, Check = x.Using is null ? expr : x.Check, Roles = roles });
            }

            case 28 when s.Objects.OfType<REventTrigger>().Any():
            {
                var e = g.Pick(s.Objects.OfType<REventTrigger>().ToList());
                var shaped = g.ShapeEventTrigger(e);
                return Change($"event trigger {e.Id} reshaped", e.Id, (REventTrigger x) => shaped with { FunctionId = x.FunctionId, Style = x.Style, Comment = x.Comment });
            }

            case 29 when s.Objects.Count > 0:
            {
                var o = g.Pick(s.Objects);
                var remove = o.Comment is not null && g.Chance(0.3);
                var text = g.CommentText(o.Id);
                return Change(remove ? $"comment declaration of {o.Id} removed" : $"comment of {o.Id} declared", o.Id, (RObject x) => x with { Comment = remove ? null : text });
            }

            case 30 when s.Objects.Count > 0:
            {
                var o = g.Pick(s.Objects);
                var style = g.Style();
                return Change($"{o.Id} rewritten (style {style})", o.Id, (RObject x) => x with { Style = style });
            }

            case 31 when s.Objects.Count > 0:
                return Drop(g, s);
            default:
                return Add(g, s);
        }
    }

    /// <summary>Drops an object: with everything that names it, or switching what names it to another function, or leaving its by-name callers behind.</summary>
    private static RMutation? Drop(RandomSchemaGenerator g, RState s)
    {
        var o = g.Pick(s.Objects);
        var mode = g.Rng.Next(3);
        if (mode == 1 && o is RFunction { Role: FnRole.Scalar or FnRole.Trigger } f)
        {
            var replacement = f.Role == FnRole.Trigger
                ? g.PickOrDefault(s.Objects.OfType<RFunction>().Where(x => x.Role == FnRole.Trigger && x.Id != f.Id).ToList())
                : g.PickOrDefault(g.Callable(s).Where(x => x.Id != f.Id && !s.Referencing(f.Id).Any(r => RandomSchemaGenerator.Reaches(s, x.Id, r.Id))).ToList());
            if (replacement is not null)
            {
                return new RMutation($"{f.Id} dropped, what uses it switched to {replacement.Id}", st =>
                {
                    if (!st.Has(f.Id) || !st.Has(replacement.Id) || st.Referencing(f.Id).Any(r => RandomSchemaGenerator.Reaches(st, replacement.Id, r.Id)))
                    {
                        return null;
                    }

                    var next = st;
                    foreach (var r in st.Referencing(f.Id).ToList())
                    {
                        next = next.Replace(Redirect(r, f.Id, replacement.Id));
                    }

                    return new MutationResult(next.Remove(f.Id));
                });
            }
        }

        if (mode == 2 && o is RFunction callee && s.Referencing(callee.Id).Any()
            && s.Referencing(callee.Id).All(r => r is RFunction { Lang: not Lang.SqlStandard } c && c.RowOf != callee.Id))
        {
            return new RMutation($"{callee.Id} dropped, its by-name callers kept", st =>
                st.Has(callee.Id) && st.Referencing(callee.Id).All(r => r is RFunction { Lang: not Lang.SqlStandard } c && c.RowOf != callee.Id)
                    ? new MutationResult(st.Remove(callee.Id))
                    : null);
        }

        return new RMutation($"{o.Id} dropped with what names it", st =>
        {
            if (!st.Has(o.Id))
            {
                return null;
            }

            return new MutationResult(st.Remove(Closure(st, o.Id)));
        });
    }

    /// <summary>Every reference to <paramref name="from"/> in <paramref name="o"/> made to <paramref name="to"/>.</summary>
    private static RObject Redirect(RObject o, string from, string to)
    {
        string? Sub(string? template) => template?.Replace($"⟦call:{from}⟧", $"⟦call:{to}⟧", StringComparison.Ordinal).Replace($"⟦ref:{from}⟧", $"⟦ref:{to}⟧", StringComparison.Ordinal);
        return o switch
        {
            RFunction f => f with { Callees = f.Callees.Select(c => c == from ? to : c).Distinct().ToList() },
            RView v => v with { Cols = v.Cols.Select(c => c with { Expr = Sub(c.Expr)! }).ToList() },
            RTrigger t => t with { FunctionId = t.FunctionId == from ? to : t.FunctionId, When = Sub(t.When) },
            RPolicy p => p with { Using = Sub(p.Using), Check = Sub(p.Check) },
            REventTrigger e => e with { FunctionId = e.FunctionId == from ? to : e.FunctionId },
            _ => o,
        };
    }

    private static RMutation? Add(RandomSchemaGenerator g, RState s)
    {
        RObject? added = g.Rng.Next(10) switch
        {
            0 => g.ScalarFunction(s),
            1 => g.Overload(s),
            2 or 3 => g.View(s),
            4 => g.Trigger(s),
            5 => g.Policy(s),
            6 => s.Objects.OfType<RFunction>().Any(f => f.Role == FnRole.EventTrigger) ? g.EventTrigger(s) : g.EventTriggerFunction(),
            7 => g.RowTypeFunction(s),
            8 => g.Procedure(s),
            _ => g.TableFunction(s),
        };
        if (added is null)
        {
            return null;
        }

        if (g.Chance(0.2))
        {
            added = added with { Comment = g.CommentText(added.Id) };
        }

        var attrs = g.Attributes(added);
        return new RMutation($"{added.Kind} {added.Id} added", st =>
        {
            if (!added.Refs().All(st.Has) || st.Has(added.Id))
            {
                return null;
            }

            var next = st.Add(added);
            if (attrs is not null)
            {
                next = next.With(attrs: next.Attrs.Append(new KeyValuePair<string, RAttrs>(added.Id, attrs)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
            }

            return new MutationResult(next);
        });
    }

    // ------------------------------------------------------------------ invalid desired states

    private static RMutation? Invalid(RandomSchemaGenerator g, RState s)
    {
        var rng = g.Rng;
        switch (rng.Next(8))
        {
            case 0 or 1:
            {
                // Dropped while a kept declaration depends on it in pg_depend.
                var used = s.Objects.Where(o => o is RFunction or RView && s.Objects.Any(d => d.Depends().Contains(o.Id))).ToList();
                var x = g.PickOrDefault(used);
                if (x is null)
                {
                    return null;
                }

                return new RMutation($"{x.Id} dropped while a kept declaration depends on it", st =>
                {
                    // As the object is now (an earlier mutation may have changed it, or been left out by the shrinker).
                    var cur = st.Find(x.Id);
                    var dependent = cur is null ? null : st.Objects.FirstOrDefault(d => d.Depends().Contains(x.Id));
                    if (cur is null || dependent is null)
                    {
                        return null;
                    }

                    // An overload that goes while another of its name stays is dropped before the declarations run: the
                    // dependent's declaration then names a routine that does not exist (also a refusal naming both).
                    var displaced = cur is RFunction f && st.Objects.OfType<RFunction>().Any(o => o.Id != f.Id && o.Qualified == f.Qualified);
                    var names = new[] { cur.Identity(st), dependent.Identity(st) };
                    return new MutationResult(st.Remove(x.Id), new ExpectedRefusal(
                        $"a declared {Words(dependent.Kind)} kept while the {Words(cur.Kind)} it depends on is dropped",
                        displaced ? new[] { PgErrorId.DesiredStateImpossible, PgErrorId.DeclarationInvalid } : new[] { PgErrorId.DesiredStateImpossible }, names)
                    {
                        UnlessInStart = (cur.Key(st), new ExpectedRefusal("a declaration naming what does not exist", new[] { PgErrorId.DeclarationInvalid }, names)),
                        Upstream = Upstream(st, cur),
                    });
                });
            }

            case 2 when s.Unmanaged.Count > 0:
            {
                var u = s.Unmanaged[0];
                var drop = g.Chance(0.5);
                return new RMutation($"{u.FunctionId} {(drop ? "dropped" : "retyped")} while table {u.Name}'s default calls it", st =>
                {
                    if (st.Find(u.FunctionId) is not RFunction { Role: FnRole.Scalar } f)
                    {
                        return null;
                    }

                    // Dropped with the declarations that use it (only the unmanaged table is left using it), or retyped.
                    var next = drop ? st.Remove(Closure(st, f.Id)).With(unmanaged: st.Unmanaged) : st.Replace(f with { ReturnType = Exprs.ScalarTypes.First(t => t != f.ReturnType) });
                    return new MutationResult(next, new ExpectedRefusal(
                        drop ? "a dropped function an unmanaged table default calls" : "a re-created function an unmanaged table default calls",
                        drop ? new[] { PgErrorId.UnmanagedDependent, PgErrorId.DesiredStateImpossible } : new[] { PgErrorId.UnmanagedDependent }, new[] { f.Identity(st), u.Name }));
                });
            }

            case 3:
            {
                var id = g.NewId("v");
                var table = g.Pick(RandomSetup.Tables.Keys.ToList());
                return new RMutation($"view {id} reads a column its table lacks", st =>
                {
                    var v = new RView
                    {
                        Id = id, Schema = "app", Name = "v_" + id, Source = new RSource(Table: table),
                        Cols = new[] { new RCol("id", "s.id", "integer", new[] { "id" }), new RCol("nope", "s.no_such_column", "integer", new[] { "no_such_column" }) },
                    };
                    return new MutationResult(st.Add(v), new ExpectedRefusal("a declaration naming what does not exist", new[] { PgErrorId.DeclarationInvalid }, new[] { v.Identity(st) }));
                });
            }

            case 4 when s.Objects.OfType<RTrigger>().Any(t => t.ViewId is not null):
            {
                var t = g.Pick(s.Objects.OfType<RTrigger>().Where(t => t.ViewId is not null).ToList());
                return new RMutation($"{t.ViewId} becomes a materialized view, its trigger {t.Id} kept", st =>
                {
                    if (st.Find(t.Id) is not RTrigger x || st.Find(x.ViewId!) is not RView { Materialized: false } v || st.Objects.Any(o => o is RView w && w.Source.ViewId == v.Id && w.CheckOption is not null))
                    {
                        return null;
                    }

                    var next = st.Replace(v with { Materialized = true, SecurityBarrier = false, CheckOption = null });
                    return new MutationResult(next, new ExpectedRefusal("a trigger on a view that becomes a materialized view", new[] { PgErrorId.DeclarationInvalid }, new[] { x.Identity(next) }));
                });
            }

            case 5:
            {
                var pairs = s.Objects.OfType<RView>().SelectMany(w => w.Source.ViewId is { } src && s.Find(src) is RView v
                    ? w.Cols.SelectMany(c => c.Uses).Where(u => u != "id").Select(u => (View: v, Dependent: w, Column: u))
                    : Enumerable.Empty<(RView, RView, string)>()).ToList();
                if (pairs.Count == 0)
                {
                    return null;
                }

                var (view, dependent, column) = g.Pick(pairs);
                return new RMutation($"column {column} of {view.Id} dropped while {dependent.Id} reads it", st =>
                {
                    if (st.Find(view.Id) is not RView v || st.Find(dependent.Id) is not RView w || w.Source.ViewId != v.Id || v.Cols.All(c => c.Name != column))
                    {
                        return null;
                    }

                    var next = st.Replace(v with { Cols = v.Cols.Where(c => c.Name != column).ToList(), Indexes = v.Indexes.Where(i => !i.Columns.Contains(column)).ToList() });
                    return new MutationResult(next, new ExpectedRefusal("a view reading a column its source no longer has", new[] { PgErrorId.DeclarationInvalid }, new[] { w.Identity(next) }));
                });
            }

            case 6 when s.Objects.Count > 0:
            {
                var o = g.Pick(s.Objects);
                return new RMutation($"{o.Id} declared twice", st => st.Find(o.Id) is { } x
                    ? new MutationResult(st, new ExpectedRefusal("an object declared twice", new[] { PgErrorId.DeclarationDuplicate }, new[] { x.Identity(st) }), o.Id)
                    : null);
            }

            default:
            {
                var called = s.Objects.OfType<RFunction>().Where(f => f.Role == FnRole.Scalar && s.Objects.OfType<RView>().Any(v => v.Refs().Contains(f.Id))).ToList();
                var f = g.PickOrDefault(called);
                if (f is null)
                {
                    return null;
                }

                return new RMutation($"{f.Id} becomes a procedure while a view calls it", st =>
                {
                    if (st.Find(f.Id) is not RFunction { Role: FnRole.Scalar } x || st.Objects.OfType<RView>().FirstOrDefault(v => v.Refs().Contains(x.Id)) is not { } v)
                    {
                        return null;
                    }

                    var next = st.Replace(x with { Role = FnRole.Procedure, ReturnType = "", Lang = x.Lang == Lang.Sql ? Lang.SqlStandard : x.Lang, Volatility = null, Strict = false });
                    return new MutationResult(next, new ExpectedRefusal("a procedure called in an expression", new[] { PgErrorId.DeclarationInvalid, PgErrorId.UnmanagedDependent }, new[] { x.Identity(st) }));
                });
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>An object and everything that names it, directly or not.</summary>
    private static string[] Closure(RState st, string id)
    {
        var gone = new HashSet<string>(StringComparer.Ordinal) { id };
        bool grew;
        do
        {
            grew = false;
            foreach (var x in st.Objects.Where(x => !gone.Contains(x.Id) && x.Refs().Any(gone.Contains)))
            {
                grew |= gone.Add(x.Id);
            }
        }
        while (grew);
        return gone.ToArray();
    }

    private static RMutation Change<T>(string what, string id, Func<T, RObject?> change) where T : RObject => ChangeIn<T>(what, id, (_, x) => change(x));

    /// <summary>A change of one object, judged against the state it applies to.</summary>
    private static RMutation ChangeIn<T>(string what, string id, Func<RState, T, RObject?> change) where T : RObject =>
        new(what, st => st.Find(id) is T x && change(st, x) is { } y ? new MutationResult(st.Replace(y)) : null);

    private static IReadOnlyList<T> With<T>(IReadOnlyList<T> list, int i, Func<T, T> change) => list.Select((x, j) => j == i ? change(x) : x).ToList();

    private static int LastWithoutDefault(RFunction f)
    {
        var inputs = Enumerable.Range(0, f.Params.Count).Where(i => f.Params[i].Mode == "IN").ToList();
        var last = inputs.LastOrDefault(i => f.Params[i].Default is null, -1);
        return last >= 0 && inputs.Where(i => i > last).All(i => f.Params[i].Default is not null) && (!f.IsProcedure || f.Params.Skip(last + 1).All(p => p.Default is not null)) ? last : -1;
    }

    /// <summary>The ids of what an object depends on, directly or through others.</summary>
    private static IReadOnlyList<string> Upstream(RState st, RObject of)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = new Stack<string>(of.Depends());
        while (next.Count > 0)
        {
            var id = next.Pop();
            if (seen.Add(id) && st.Find(id) is { } o)
            {
                foreach (var d in o.Depends())
                {
                    next.Push(d);
                }
            }
        }

        return seen.ToList();
    }

    private static bool CallableWithoutArguments(RFunction f) => f.Params.All(p => p.Mode != "IN" || p.Default is not null);

    private static int FirstDefault(RFunction f) => Enumerable.Range(0, f.Params.Count).FirstOrDefault(i => f.Params[i].Default is not null && f.Params[i].Mode == "IN", -1);

    /// <summary>The columns of a view (or TABLE function) that others read: views on it, its own indexes.</summary>
    private static HashSet<string> UsedColumns(RState s, string id)
    {
        var used = new HashSet<string>(StringComparer.Ordinal) { "id" };
        foreach (var v in s.Objects.OfType<RView>())
        {
            if (v.Source.ViewId == id || v.Source.FunctionId == id)
            {
                used.UnionWith(v.Cols.SelectMany(c => c.Uses));
            }

            if (v.Id == id)
            {
                used.UnionWith(v.Indexes.SelectMany(i => i.Columns));
            }
        }

        return used;
    }

    private static string Words(PgObjectKind kind) => ObjectKey.Words(kind);

    /// <summary>A column the generator computed (a number added to a source column, or a function call), not one passed through from the source.</summary>
    private static bool Computed(RCol c) => PlusConstant().IsMatch(c.Expr) || c.Expr.StartsWith("CAST(⟦call:", StringComparison.Ordinal);

    [GeneratedRegex(@" \+ (\d+)\)$")]
    private static partial Regex PlusConstant();
}
