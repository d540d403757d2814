using System.Text;

namespace PgAutogen.Bench;

/// <summary>What a generated routine does; the body and signature follow from it.</summary>
internal enum RoutineShape
{
    /// <summary>PL/pgSQL, STABLE, returns a scalar computed from a table.</summary>
    Scalar,

    /// <summary>PL/pgSQL, VOLATILE, updates a row (often SECURITY DEFINER with SET search_path).</summary>
    Mutator,

    /// <summary>PL/pgSQL RETURNS TABLE (RETURN QUERY).</summary>
    Table,

    /// <summary>PL/pgSQL RETURNS SETOF a table's row type (RETURN NEXT in a loop).</summary>
    SetOf,

    /// <summary>SQL, IMMUTABLE, dollar-quoted body: (numeric, numeric) → numeric; used by views and BEGIN ATOMIC bodies.</summary>
    SqlImmutable,

    /// <summary>SQL, STABLE, dollar-quoted body querying a table.</summary>
    SqlCount,

    /// <summary>SQL-standard body (BEGIN ATOMIC), sometimes calling an earlier SqlImmutable (a pg_depend edge).</summary>
    SqlAtomic,

    /// <summary>A PL/pgSQL procedure.</summary>
    Procedure,

    /// <summary>A PL/pgSQL trigger function.</summary>
    Trigger,
}

internal enum TriggerVariant
{
    /// <summary>BEFORE UPDATE, row: sets updated_at.</summary>
    Touch,

    /// <summary>BEFORE INSERT OR UPDATE, row: validates and normalizes.</summary>
    Validate,

    /// <summary>AFTER row: writes the row to the audit log.</summary>
    AuditRow,

    /// <summary>AFTER statement: writes the operation to the audit log.</summary>
    AuditStatement,

    /// <summary>AFTER INSERT statement with a transition table.</summary>
    Transition,

    /// <summary>INSTEAD OF on a view, row.</summary>
    InsteadOf,
}

internal sealed record Param(string Name, string Type, string? Default = null);

internal sealed record TableSpec(string Schema, string Name)
{
    public string Qualified => Schema + "." + Name;

    public string Sql => $"""
        CREATE TABLE {Qualified} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL,
            status text NOT NULL DEFAULT 'new',
            amount numeric(12,2) NOT NULL DEFAULT 0,
            qty integer NOT NULL DEFAULT 0,
            owner_id integer,
            payload jsonb,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz,
            deleted boolean NOT NULL DEFAULT false
        );
        """;
}

/// <summary>A function or procedure; <see cref="Sql"/> renders it from these fields, so a mutation is a changed field.</summary>
internal sealed record RoutineSpec
{
    public required int Index { get; init; }
    public required string Schema { get; init; }
    public required string Name { get; init; }
    public required RoutineShape Shape { get; init; }
    public TriggerVariant Variant { get; init; }
    public required IReadOnlyList<Param> Params { get; init; }
    public required string Returns { get; init; }
    public required TableSpec Table { get; init; }

    /// <summary>The SqlImmutable this one calls (SqlAtomic only), qualified.</summary>
    public string? Calls { get; init; }

    /// <summary>An overload: same name as another routine, one parameter more (status filter).</summary>
    public bool Overload { get; init; }

    public string? Volatility { get; init; }
    public bool Strict { get; init; }
    public bool SecurityDefiner { get; init; }
    public string? SearchPath { get; init; }
    public int? Cost { get; init; }
    public bool ParallelSafe { get; init; }

    /// <summary>Bumped by a body change.</summary>
    public int Revision { get; init; }

    /// <summary>Formatting of the file: keyword case and the dollar-quote tag.</summary>
    public bool Lowercase { get; init; }
    public string Tag { get; init; } = "$$";

    public bool IsProcedure => Shape == RoutineShape.Procedure;

    public string Qualified => Schema + "." + Name;

    /// <summary>The input argument types as written.</summary>
    public string Arguments => string.Join(", ", Params.Select(p => p.Type));

    public string Key => $"routine:{Schema}.{Name}({Arguments})";

    public string Sql
    {
        get
        {
            var k = Lowercase ? (Func<string, string>)(s => s.ToLowerInvariant()) : s => s;
            var sb = new StringBuilder();
            sb.Append(k(IsProcedure ? "CREATE OR REPLACE PROCEDURE " : "CREATE OR REPLACE FUNCTION ")).Append(Qualified).Append('(');
            for (var i = 0; i < Params.Count; i++)
            {
                var p = Params[i];
                sb.Append(i == 0 ? "" : ", ").Append(p.Name).Append(' ').Append(p.Type);
                if (p.Default is not null)
                {
                    sb.Append(k(" DEFAULT ")).Append(p.Default);
                }
            }

            sb.Append(")\n");
            if (!IsProcedure)
            {
                sb.Append(k(" RETURNS ")).Append(Returns).Append('\n');
            }

            var language = Shape is RoutineShape.SqlImmutable or RoutineShape.SqlCount or RoutineShape.SqlAtomic ? "sql" : "plpgsql";
            sb.Append(k(" LANGUAGE ")).Append(language);
            if (Volatility is not null)
            {
                sb.Append(' ').Append(k(Volatility));
            }

            if (Strict)
            {
                sb.Append(k(" STRICT"));
            }

            if (ParallelSafe)
            {
                sb.Append(k(" PARALLEL SAFE"));
            }

            if (SecurityDefiner)
            {
                sb.Append(k(" SECURITY DEFINER"));
            }

            if (Cost is { } cost)
            {
                sb.Append(k(" COST ")).Append(cost);
            }

            sb.Append('\n');
            if (SearchPath is not null)
            {
                sb.Append(k(" SET search_path = ")).Append(SearchPath).Append('\n');
            }

            if (Shape == RoutineShape.SqlAtomic)
            {
                sb.Append(k("BEGIN ATOMIC")).Append('\n').Append(Body()).Append(k("END"));
            }
            else
            {
                sb.Append(k("AS ")).Append(Tag).Append('\n').Append(Body()).Append(Tag);
            }

            return sb.ToString();
        }
    }

    private string Body()
    {
        var t = Table.Qualified;
        var debug = Revision > 0 ? $"    RAISE DEBUG '{Name} revision {Revision}';\n" : "";
        var statusFilter = Overload ? " AND t.status = p_status" : "";
        return Shape switch
        {
            RoutineShape.Scalar => $"""
                DECLARE
                    v_total numeric;
                    v_count integer;
                BEGIN
                {debug}    SELECT coalesce(sum(t.amount), 0), count(*)
                      INTO v_total, v_count
                      FROM {t} t
                     WHERE t.owner_id = p_owner AND NOT t.deleted{statusFilter};
                    IF v_count = 0 THEN
                        RETURN 0;
                    END IF;
                    RETURN round(v_total * p_factor / v_count, 2);
                END;

                """,
            RoutineShape.Mutator => $"""
                DECLARE
                    v_rows integer;
                BEGIN
                {debug}    UPDATE {t}
                       SET status = p_status, updated_at = now()
                     WHERE id = p_id AND status IS DISTINCT FROM p_status;
                    GET DIAGNOSTICS v_rows = ROW_COUNT;
                    IF v_rows = 0 THEN
                        RAISE NOTICE '{Name}: % not changed', p_id;
                    END IF;
                    RETURN v_rows > 0;
                END;

                """,
            RoutineShape.Table => $"""
                BEGIN
                {debug}    RETURN QUERY
                    SELECT t.id, t.name, t.amount::numeric
                      FROM {t} t
                     WHERE t.amount >= p_min AND NOT t.deleted{statusFilter}
                     ORDER BY t.amount DESC
                     LIMIT p_limit;
                END;

                """,
            RoutineShape.SetOf => $"""
                DECLARE
                    r {t}%ROWTYPE;
                BEGIN
                {debug}    FOR r IN
                        SELECT * FROM {t}
                         WHERE created_at >= now() - make_interval(days => p_days)
                         ORDER BY created_at DESC
                    LOOP
                        RETURN NEXT r;
                    END LOOP;
                    RETURN;
                END;

                """,
            RoutineShape.SqlImmutable => $"""
                    SELECT round(p_amount * (1 + p_rate), {2 + Revision})

                """,
            RoutineShape.SqlCount => $"""
                    SELECT count(*) FROM {t} WHERE status = p_status AND NOT deleted{(Revision > 0 ? " AND amount > 0" : "")}

                """,
            RoutineShape.SqlAtomic => $"""
                    SELECT {(Calls is null ? "coalesce(sum(t.amount), 0)" : $"{Calls}(coalesce(sum(t.amount), 0), 0.1::numeric)")}
                      FROM {t} t
                     WHERE t.owner_id = p_owner AND t.created_at >= p_since{(Revision > 0 ? " AND NOT t.deleted" : "")};

                """,
            RoutineShape.Procedure => $"""
                BEGIN
                {debug}    UPDATE {t} SET deleted = true, updated_at = now()
                     WHERE NOT deleted AND created_at < now() - make_interval(days => p_days);
                    RAISE NOTICE 'archived rows of {t}';
                END;

                """,
            RoutineShape.Trigger => TriggerBody(debug),
            _ => throw new InvalidOperationException(Shape.ToString()),
        };
    }

    private string TriggerBody(string debug) => Variant switch
    {
        TriggerVariant.Touch => $"""
            BEGIN
            {debug}    NEW.updated_at := now();
                RETURN NEW;
            END;

            """,
        TriggerVariant.Validate => $"""
            BEGIN
            {debug}    IF NEW.amount < 0 THEN
                    RAISE EXCEPTION 'amount must not be negative in %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
                        USING ERRCODE = 'check_violation';
                END IF;
                NEW.name := btrim(NEW.name);
                NEW.status := lower(NEW.status);
                RETURN NEW;
            END;

            """,
        TriggerVariant.AuditRow => $"""
            BEGIN
            {debug}    INSERT INTO ops.audit_log (table_name, operation, row_data)
                VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP, to_jsonb(coalesce(NEW, OLD)));
                RETURN NULL;
            END;

            """,
        TriggerVariant.AuditStatement => $"""
            BEGIN
            {debug}    INSERT INTO ops.audit_log (table_name, operation)
                VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP || ' ' || TG_LEVEL);
                RETURN NULL;
            END;

            """,
        TriggerVariant.Transition => $"""
            BEGIN
            {debug}    INSERT INTO ops.audit_log (table_name, operation, row_data)
                SELECT TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP, to_jsonb(n) FROM new_rows n;
                RETURN NULL;
            END;

            """,
        TriggerVariant.InsteadOf => $"""
            BEGIN
            {debug}    INSERT INTO ops.audit_log (table_name, operation, row_data)
                VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP, to_jsonb(coalesce(NEW, OLD)));
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END;

            """,
        _ => throw new InvalidOperationException(Variant.ToString()),
    };
}

/// <summary>A trigger on a table (or, INSTEAD OF, on a view).</summary>
internal sealed record TriggerSpec
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required string TableSchema { get; init; }
    public required string Table { get; init; }
    public required TriggerVariant Variant { get; init; }
    public required string Timing { get; init; }
    public required string Events { get; init; }
    public required bool Row { get; init; }
    public string? When { get; init; }
    public string? Referencing { get; init; }
    public required RoutineSpec Function { get; init; }

    /// <summary><c>EXECUTE PROCEDURE</c> (the spelling before PostgreSQL 11, still accepted) instead of <c>EXECUTE FUNCTION</c>.</summary>
    public bool ExecuteProcedure { get; init; }

    /// <summary>A statement trigger written without <c>FOR EACH STATEMENT</c> (the default).</summary>
    public bool DefaultLevel { get; init; }

    public string Key => $"trigger:{Name} ON {TableSchema}.{Table}";

    public string Sql
    {
        get
        {
            var sb = new StringBuilder("CREATE OR REPLACE TRIGGER ").Append(Name).Append('\n')
                .Append("    ").Append(Timing).Append(' ').Append(Events).Append(" ON ").Append(TableSchema).Append('.').Append(Table).Append('\n');
            if (Referencing is not null)
            {
                sb.Append("    REFERENCING ").Append(Referencing).Append('\n');
            }

            if (Row || !DefaultLevel)
            {
                sb.Append("    FOR EACH ").Append(Row ? "ROW" : "STATEMENT").Append('\n');
            }

            if (When is not null)
            {
                sb.Append("    WHEN (").Append(When).Append(")\n");
            }

            return sb.Append(ExecuteProcedure ? "    EXECUTE PROCEDURE " : "    EXECUTE FUNCTION ").Append(Function.Qualified).Append("()").ToString();
        }
    }
}

/// <summary>A view on a table, on tables, on an earlier view, or calling a function.</summary>
internal sealed record ViewSpec
{
    public required int Index { get; init; }
    public required string Schema { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required string Query { get; init; }
    public string? Options { get; init; }
    public string? CheckOption { get; init; }

    /// <summary>The routine it calls (qualified, for the drop exclusions), if any.</summary>
    public string? Calls { get; init; }

    public string Qualified => Schema + "." + Name;

    public string Key => $"view:{Qualified}";

    public string Sql =>
        $"CREATE OR REPLACE VIEW {Qualified}{(Options is null ? "" : $" WITH ({Options})")} AS\n{Query}{(CheckOption is null ? "" : $"\n  WITH {CheckOption} CHECK OPTION")}";
}
