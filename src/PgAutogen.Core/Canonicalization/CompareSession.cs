using System.Data;
using System.Globalization;
using Npgsql;

namespace PgAutogen.Core.Canonicalization;

/// <summary>
/// The compare's session: one REPEATABLE READ transaction, never committed and rolled back in one place
/// (<see cref="RollbackAsync"/>), with the compare's settings (lock_timeout, statement_timeout, check_function_bodies
/// off, client_min_messages); what the session is (its current schema and role, whether it resolves names in pg_catalog
/// first, whether the role is a superuser); and the database's event triggers quieted where they can be.
/// </summary>
internal sealed class CompareSession : IAsyncDisposable
{
    /// <summary>The savepoint of a compare inside a caller's transaction (-Verify).</summary>
    private const string OuterSavepoint = "pgautogen_compare";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly bool _owned;
    private bool _rolledBack;

    private CompareSession(NpgsqlConnection connection, NpgsqlTransaction transaction, bool owned)
    {
        _connection = connection;
        _transaction = transaction;
        _owned = owned;
    }

    /// <summary>What the parse-tree shortcut needs of the session (set by <see cref="OpenAsync"/>).</summary>
    public ShortcutSession Shortcut { get; private set; } = new(CatalogFirst: false, Superuser: false, User: "");

    /// <summary>
    /// Begins the transaction; nothing else yet. With <paramref name="outer"/> (a caller's transaction, -Verify), the compare
    /// runs under a savepoint in it instead, rolled back to that savepoint as its own transaction would be.
    /// </summary>
    public static async Task<CompareSession> BeginAsync(NpgsqlConnection connection, NpgsqlTransaction? outer, CancellationToken cancellationToken)
    {
        if (outer is not null)
        {
            await outer.SaveAsync(OuterSavepoint, cancellationToken).ConfigureAwait(false);
            return new CompareSession(connection, outer, owned: false);
        }

        var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        return new CompareSession(connection, transaction, owned: true);
    }

    /// <summary>Applies the settings, reads what the session is and quiets the event triggers: the context of every phase.</summary>
    public async Task<CompareContext> OpenAsync(CanonicalizationOptions options, IEngineEvents events, CancellationToken cancellationToken)
    {
        await using var settings = new NpgsqlCommand(
            $"SET LOCAL lock_timeout = {Milliseconds(options.LockTimeout)}; " +
            $"SET LOCAL statement_timeout = {Milliseconds(options.StatementTimeout)}; " +
            "SET LOCAL check_function_bodies = off; SET LOCAL client_min_messages = warning; " +
            "SELECT current_schema(), current_user, " +
            "ARRAY(SELECT evtname || ' ' || evtenabled::text FROM pg_catalog.pg_event_trigger WHERE evtenabled <> 'D' ORDER BY evtname), " +
            "coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false), " +
            "coalesce((pg_catalog.current_schemas(true))[1] = 'pg_catalog', false)", _connection, _transaction);
        string currentSchema;
        string currentUser;
        string[] eventTriggers;
        await using (var reader = await settings.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            currentSchema = reader.IsDBNull(0) ? throw new PgAutogenException(PgErrorId.DeclarationInvalid,
                "The session has no current schema (no schema of search_path exists), so unqualified declarations have nowhere to go. Set search_path, or qualify the declarations.") : reader.GetString(0);
            currentUser = reader.GetString(1);
            eventTriggers = reader.GetFieldValue<string[]>(2);
            Shortcut = new ShortcutSession(CatalogFirst: reader.GetBoolean(4), Superuser: reader.GetBoolean(3), User: currentUser);
        }

        var context = new CompareContext(_connection, _transaction, currentSchema, currentUser, events, cancellationToken);
        if (eventTriggers.Length > 0)
        {
            await QuietEventTriggersAsync(context, eventTriggers).ConfigureAwait(false);
        }

        return context;
    }

    /// <summary>Rolls the transaction back (once; it is never committed). With the connection broken (cancellation), the server rolls back on its own.</summary>
    public async Task RollbackAsync()
    {
        if (_rolledBack || _connection.State != ConnectionState.Open)
        {
            return;
        }

        _rolledBack = true;
        try
        {
            await (_owned ? _transaction.RollbackAsync(CancellationToken.None) : _transaction.RollbackAsync(OuterSavepoint, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            await _connection.CloseAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _owned ? _transaction.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>
    /// The database has enabled event triggers (<paramref name="enabled"/>: "name state"), and the compare's DDL (rolled
    /// back, but executed) would fire them: one that refuses DDL would fail the compare, one that logs would log what
    /// never happened (rolled back with it, unless it reaches outside the transaction). In replica mode
    /// (session_replication_role, for this transaction only) PostgreSQL fires only those set ENABLE REPLICA or ENABLE
    /// ALWAYS; setting it needs a superuser (or, from PostgreSQL 15, GRANT SET). So: replica mode when there are
    /// triggers it quiets and none it would wake (ENABLE REPLICA ones fire only in replica mode); a warning that names
    /// every trigger that still fires.
    /// </summary>
    private async Task QuietEventTriggersAsync(CompareContext context, string[] enabled)
    {
        var triggers = enabled.Select(e => (Name: e[..^2], State: e[^1])).ToList();
        var quieted = false;
        var reason = "";
        if (triggers.Any(t => t.State == 'R'))
        {
            reason = "replica mode would fire those enabled for replicas";
        }
        else if (triggers.Any(t => t.State == 'O'))
        {
            await context.SaveAsync(Savepoints.Config).ConfigureAwait(false);
            try
            {
                await context.ExecuteAsync("SET LOCAL session_replication_role = replica").ConfigureAwait(false);
                await context.ReleaseAsync(Savepoints.Config).ConfigureAwait(false);
                quieted = true;
                context.Events.Verbose("The database has event triggers: the compare runs with session_replication_role = replica, so those enabled in origin mode do not fire on its DDL.");
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                await context.RollbackToAsync(Savepoints.Config).ConfigureAwait(false);
                await context.ReleaseAsync(Savepoints.Config).ConfigureAwait(false);
                reason = "this role may not set session_replication_role";
            }
        }

        // ENABLE ALWAYS fires in any mode; origin ones unless quieted; replica ones only in replica mode (never set with them).
        _firing = triggers.Where(t => t.State == 'A' || (t.State == 'O' && !quieted) || (t.State == 'R' && quieted)).ToList();
        _firingReason = reason;
    }

    private List<(string Name, char State)> _firing = new();
    private string _firingReason = "";

    /// <summary>
    /// The event triggers that would still fire on the compare's DDL (ENABLE ALWAYS ones; origin ones replica mode could
    /// not quiet), now that the current state is read: disabled inside the transaction (rolled back with it) where the
    /// role may (their owner, a superuser). One the role may not disable whose function the declarations re-declare
    /// would run the declared body on the compare's own DDL: the compare is refused before anything executes, naming it.
    /// Others that still fire get a warning.
    /// </summary>
    public async Task QuietFiringEventTriggersAsync(CompareContext context, IReadOnlyList<PgDeclaration> declarations)
    {
        if (_firing.Count == 0)
        {
            return;
        }

        var stillFiring = new List<(string Name, char State)>();
        foreach (var trigger in _firing)
        {
            await context.SaveAsync(Savepoints.Config).ConfigureAwait(false);
            try
            {
                await context.ExecuteAsync("ALTER EVENT TRIGGER " + SqlIdentifier.Quote(trigger.Name) + " DISABLE").ConfigureAwait(false);
                await context.ReleaseAsync(Savepoints.Config).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == "42501")
            {
                await context.RollbackToAsync(Savepoints.Config).ConfigureAwait(false);
                await context.ReleaseAsync(Savepoints.Config).ConfigureAwait(false);
                stillFiring.Add(trigger);
            }
        }

        var disabled = _firing.Except(stillFiring).ToList();
        if (disabled.Count > 0)
        {
            context.Events.Verbose($"Event trigger(s) {string.Join(", ", disabled.Select(t => SqlIdentifier.Quote(t.Name)))} disabled inside the compare's " +
                "transaction (rolled back with it), so that they do not fire on its DDL.");
        }

        if (stillFiring.Count == 0)
        {
            return;
        }

        // Which of them would run a declared body: their function is among the declared routines.
        var functions = new Dictionary<string, (string Schema, string Name)>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("""
            SELECT e.evtname, n.nspname, p.proname FROM pg_catalog.pg_event_trigger e
            JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            """, context.Connection))
        await using (var reader = await cmd.ExecuteReaderAsync(context.CancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(context.CancellationToken).ConfigureAwait(false))
            {
                functions[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
            }
        }

        foreach (var trigger in stillFiring)
        {
            if (!functions.TryGetValue(trigger.Name, out var function))
            {
                continue;
            }

            var redeclared = declarations.FirstOrDefault(d => d.Kind == PgObjectKind.Function && !d.IsAttribute && string.IsNullOrEmpty(d.Arguments)
                && string.Equals(d.Name, function.Name, StringComparison.Ordinal)
                && string.Equals(d.Schema.Length == 0 ? context.CurrentSchema : d.Schema, function.Schema, StringComparison.Ordinal));
            if (redeclared is not null)
            {
                throw new PgAutogenException(PgErrorId.EventTriggerWouldFire,
                    $"{redeclared.Location}: the event trigger {SqlIdentifier.Quote(trigger.Name)} ({(trigger.State == 'A' ? "ENABLE ALWAYS" : "enabled")}) runs " +
                    $"{SqlIdentifier.Qualify(function.Schema, function.Name)}(), which this declaration replaces: executing the declarations would fire the declared body " +
                    "on the compare's own DDL, and what it does outside the database (a sequence, a file, COPY TO PROGRAM, dblink) is not rolled back. " +
                    $"This role ({context.CurrentUser}) may not disable the trigger{(_firingReason.Length > 0 ? $" ({_firingReason})" : "")}. Nothing was executed.")
                {
                    Target = redeclared,
                    Location = new SourceLocation(redeclared.File, redeclared.Line, redeclared.Column),
                    RecommendedAction = "Compare as the event trigger's owner or a superuser (the trigger is then disabled inside the compare), or on a shadow (-Shadow).",
                };
            }
        }

        var names = string.Join(", ", stillFiring.Select(t => SqlIdentifier.Quote(t.Name) + (t.State switch { 'A' => " (ENABLE ALWAYS)", 'R' => " (ENABLE REPLICA)", _ => "" })));
        context.Events.Warning($"Event trigger(s) {names} fire on the compare's DDL{(_firingReason.Length > 0 ? $" ({_firingReason}; this role may not disable them)" : " (this role may not disable them)")}. " +
            "The compare is rolled back, and with it whatever they did in this database; anything they do outside it (dblink, files, a sequence) is not. " +
            "To keep them from firing, compare as their owner or a superuser, or on a shadow (-Shadow).");
    }

    private static string Milliseconds(TimeSpan value) =>
        ((long)Math.Max(0, value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}
