using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Parsing;

namespace PgAutogen.Core.Canonicalization;

/// <summary>What the shortcut needs of the session, read with the compare's settings: does it resolve names in pg_catalog first, is its role a superuser, and which role it is.</summary>
internal sealed record ShortcutSession(bool CatalogFirst, bool Superuser, string User);

/// <summary>
/// The parse-tree shortcut (<see cref="CanonicalizationOptions.ParseTreeShortcut"/>): a declaration whose parse tree is
/// the parse tree of the current object's catalog definition is that object, unchanged, and is not executed; its
/// desired state is what the catalog holds (the read back reads it like the others). Most declarations of a real change
/// are unchanged, and executing them is most of what a compare costs.
/// <para>
/// Trees are libpg_query's, without positions and OR REPLACE, with a routine's options in a canonical order, and with
/// the spellings PostgreSQL prints differently encoded alike (pg_catalog's SQL-standard type names and their short
/// names, a parameter's implicit IN, a string or NULL default cast to the parameter's own type: see
/// <see cref="DeclarationFacts"/>); a body
/// string (PL/pgSQL, <c>AS '...'</c>) compares verbatim, as PostgreSQL stores it. Equal trees mean the same statement,
/// so executing the declaration would execute the catalog's definition; what could still make it come out different is
/// the environment it is resolved in, and every doubt there executes it:
/// <list type="bullet">
/// <item>only functions, procedures, views and regular triggers that are enabled (CREATE OR REPLACE TRIGGER enables a
/// disabled one); no constraint trigger (dropped and created); nothing with a declared COMMENT;</item>
/// <item>only when the session resolves unqualified names in pg_catalog first (the catalog prints only pg_catalog's
/// objects unqualified), and the role is a superuser or owns the object (executing it would check privileges);</item>
/// <item>not when the tree mentions, in any name or literal outside a body string, the name of a routine or view that is
/// executed (a new overload could bind a call differently, a changed view could expand differently): those are
/// executed too, and so, in turn, what mentions them;</item>
/// <item>when the batch of the others fails in any way (an order problem, a routine or view that must be dropped and
/// created with its dependents, an invalid declaration), everything is executed as without the shortcut.</item>
/// </list>
/// Validation skips unchanged routines anyway; the downgrade check and re-creation only concern changed objects.
/// </para>
/// </summary>
internal static class ParseTreeShortcut
{
    /// <summary>
    /// The statements that must be executed: <paramref name="prepared"/> without the unchanged ones (the same list when
    /// none is), and the unchanged declarations with the current object each one is.
    /// </summary>
    public static (List<PreparedStatement> Execute, IReadOnlyDictionary<PgDeclaration, PgObject> Unchanged) Select(
        List<PreparedStatement> prepared, IReadOnlyList<PgObject> current, CurrentTrees trees, ShortcutSession session, IEngineEvents events,
        IReadOnlySet<string>? dropped = null)
    {
        var watch = Stopwatch.StartNew();
        if (!session.CatalogFirst)
        {
            events.Verbose("The parse-tree shortcut is off for this session: its search_path does not resolve names in pg_catalog first.");
            return (prepared, None);
        }

        var skip = Unchanged(prepared, current, session.Superuser, session.User, trees, dropped);
        if (skip.Count == 0)
        {
            return (prepared, None);
        }

        events.Verbose($"{skip.Count} declaration(s) have the parse tree of the current object's definition: unchanged, not executed ({ByKind(skip.Values)}; {watch.ElapsedMilliseconds} ms)");
        return (prepared.Where(p => !skip.ContainsKey(p.Declaration)).ToList(), skip);
    }

    private static readonly IReadOnlyDictionary<PgDeclaration, PgObject> None = new Dictionary<PgDeclaration, PgObject>();

    /// <summary>"12 routine(s), 3 trigger(s), 1 view(s)": which kinds the shortcut recognised, for -Verbose.</summary>
    private static string ByKind(IReadOnlyCollection<PgObject> unchanged)
    {
        var triggers = unchanged.Count(o => o.Kind == PgObjectKind.Trigger);
        var views = unchanged.Count(o => o.Kind == PgObjectKind.View);
        return $"{unchanged.Count - triggers - views} routine(s), {triggers} trigger(s), {views} view(s)";
    }

    /// <summary>
    /// Executes the statements in one batch, in a savepoint. False (rolled back to the savepoint) when PostgreSQL refused
    /// any of them: then everything is executed as without the shortcut. A lock or statement timeout is the error.
    /// </summary>
    public static async Task<bool> TryBatchAsync(CompareContext context, List<PreparedStatement> statements)
    {
        var cancellationToken = context.CancellationToken;
        await using var batch = new NpgsqlBatch(context.Connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT " + Savepoints.Shortcut));
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(SqlCommands.Verbatim(statement.Sql));
            context.Events.Debug(statement.Sql);
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState is "55P03" or "57014" && !cancellationToken.IsCancellationRequested)
        {
            throw CanonicalizationErrors.ForBatch(ex, batch, statements, before: 1, cancellationToken);
        }
        catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested)
        {
            context.Events.Verbose($"Executing the changed declarations alone failed ({ex.MessageText}); executing every declaration.");
            await context.RollbackToAsync(Savepoints.Shortcut).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>A current object the shortcut may take a declaration for: its kinds, enabled, not a constraint trigger.</summary>
    internal static bool Candidate(PgObject obj) =>
        obj.Kind is PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.Trigger
        && !obj.IsConstraintTrigger && obj.TriggerState is null or TriggerState.Enabled;

    /// <summary>The declarations that need not be executed, each with the current object it is.</summary>
    /// <remarks><paramref name="dropped"/>: the keys of current objects dropped before the declarations run (never unchanged).</remarks>
    internal static Dictionary<PgDeclaration, PgObject> Unchanged(IReadOnlyList<PreparedStatement> prepared, IReadOnlyList<PgObject> current, bool superuser, string user, CurrentTrees? trees = null,
        IReadOnlySet<string>? dropped = null)
    {
        var declarations = prepared.Select(p => p.Declaration).Distinct().ToList();
        // Any schema: an unqualified COMMENT ON may name it too.
        var commented = declarations.Where(d => d.IsComment).Select(d => (ObjectKey.Family(d.Kind), d.Name, d.Table ?? "")).ToHashSet();
        var byName = new Dictionary<(ObjectFamily Family, string Schema, string Name, string Table), List<PgObject>>();
        foreach (var obj in current)
        {
            var key = (ObjectKey.Family(obj.Kind), obj.Schema, obj.Name, obj.Kind == PgObjectKind.Trigger ? obj.Table ?? "" : "");
            if (!byName.TryGetValue(key, out var list))
            {
                byName[key] = list = new List<PgObject>(1);
            }

            list.Add(obj);
        }

        // The candidates and the current objects they could be, by name; their trees are compared below.
        var pairs = new List<(PgDeclaration Declaration, PgObject Current)>();
        foreach (var declaration in declarations)
        {
            if (declaration.IsAttribute || declaration.IsConstraintTrigger || declaration.Schema.Length == 0
                || declaration.Kind is not (PgObjectKind.Function or PgObjectKind.Procedure or PgObjectKind.View or PgObjectKind.Trigger))
            {
                continue;
            }

            var key = (ObjectKey.Family(declaration.Kind), declaration.Schema, declaration.Name, declaration.Kind == PgObjectKind.Trigger ? declaration.Table ?? "" : "");
            if (commented.Contains((key.Item1, key.Name, key.Item4)) || !byName.TryGetValue(key, out var candidates))
            {
                continue;
            }

            foreach (var obj in candidates)
            {
                if (obj.Kind == declaration.Kind && Candidate(obj) && (superuser || string.Equals(obj.Owner, user, StringComparison.Ordinal))
                    && dropped?.Contains(obj.Key) != true)
                {
                    pairs.Add((declaration, obj));
                }
            }
        }

        // Parsing the catalog's definitions is the cost of the shortcut: what was not hashed beforehand, on every core.
        trees ??= new CurrentTrees();
        trees.Complete(pairs.Select(p => p.Current));
        var unchanged = new Dictionary<PgDeclaration, PgObject>();
        foreach (var (declaration, obj) in pairs)
        {
            if (DeclarationFacts.For(declaration).TreeHash is { } hash && string.Equals(hash, trees.Hash(obj), StringComparison.Ordinal))
            {
                unchanged.TryAdd(declaration, obj);
            }
        }

        // What executing the others could change: the names of the routines and views executed. An unchanged declaration
        // that mentions one is executed too, which may, in turn, concern others.
        var executedNames = new HashSet<ulong>();
        var queue = new Queue<ulong>();
        void Executed(PgDeclaration declaration)
        {
            if (declaration.IsAttribute || declaration.Kind == PgObjectKind.Trigger)
            {
                return; // a comment, privileges or an owner change no resolution; a trigger's name is never referenced
            }

            foreach (var key in DeclarationFacts.MentionKeys(declaration.Name))
            {
                if (executedNames.Add(key))
                {
                    queue.Enqueue(key);
                }
            }
        }

        var mentionedBy = new Dictionary<ulong, List<PgDeclaration>>();
        foreach (var declaration in unchanged.Keys)
        {
            foreach (var mention in DeclarationFacts.For(declaration).Mentions)
            {
                if (!mentionedBy.TryGetValue(mention, out var list))
                {
                    mentionedBy[mention] = list = new List<PgDeclaration>(1);
                }

                list.Add(declaration);
            }
        }

        foreach (var declaration in declarations.Where(d => !unchanged.ContainsKey(d)))
        {
            Executed(declaration);
        }

        while (queue.TryDequeue(out var key))
        {
            foreach (var declaration in mentionedBy.GetValueOrDefault(key) ?? Enumerable.Empty<PgDeclaration>())
            {
                if (unchanged.Remove(declaration))
                {
                    Executed(declaration);
                }
            }
        }

        return unchanged;
    }
}

/// <summary>
/// The tree hashes of current objects' catalog definitions (null for one that does not parse). Hashing starts as soon as
/// the current catalog is read (<see cref="Start"/>), while the declarations are still being parsed and the cores are
/// not all busy; it is stopped when they are parsed (<see cref="StopAsync"/>, or on disposal), and what the pairs still
/// need is hashed then (<see cref="Complete"/>): a compare of a few declarations against a large catalog never hashes all of it.
/// </summary>
/// <remarks>Keyed by reference: PgObject has no value equality.</remarks>
internal sealed class CurrentTrees : IDisposable
{
    private readonly ConcurrentDictionary<PgObject, string?> _hashes = new();
    private CancellationTokenSource? _stop;
    private Task _background = Task.CompletedTask;

    /// <summary>Hashes the candidates among <paramref name="current"/> in the background until stopped (or <paramref name="cancellationToken"/>).</summary>
    public static CurrentTrees Start(IReadOnlyList<PgObject> current, CancellationToken cancellationToken)
    {
        var trees = new CurrentTrees { _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) };
        var stop = trees._stop.Token;
        trees._background = Task.Run(() =>
        {
            try
            {
                Parallel.ForEach(current.Where(ParseTreeShortcut.Candidate), new ParallelOptions { CancellationToken = stop },
                    o => trees._hashes.TryAdd(o, HashOf(o)));
            }
            catch (OperationCanceledException)
            {
                // Stopped: the rest is hashed when needed.
            }
        }, CancellationToken.None);
        return trees;
    }

    /// <summary>Stops the background hashing and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _background.ConfigureAwait(false);
    }

    /// <summary>Hashes, on every core, those of <paramref name="objects"/> not hashed yet.</summary>
    public void Complete(IEnumerable<PgObject> objects)
    {
        var missing = objects.Where(o => !_hashes.ContainsKey(o)).Distinct().ToList();
        Parallel.ForEach(missing, o => _hashes.TryAdd(o, HashOf(o)));
    }

    public string? Hash(PgObject obj) => _hashes.TryGetValue(obj, out var hash) ? hash : HashOf(obj);

    /// <summary>The tree hash of a current object's definition (a trigger's with its WHEN clause's columns).</summary>
    private static string? HashOf(PgObject obj) => DeclarationFacts.TreeHashOf(obj.Definition, obj.EngineFacts as WhenColumns);

    public void Dispose()
    {
        _stop?.Cancel();
        _stop?.Dispose();
    }
}
