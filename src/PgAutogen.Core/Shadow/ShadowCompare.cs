using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Shadow;

/// <summary>
/// A compare that never runs DDL on the target: the target is only read (catalog queries and pg_dump, in READ ONLY
/// transactions); its schema is loaded into a shadow database of the same major (a throwaway server, or a scratch
/// database on a server the user gives), and the normal compare runs there, as the target's role with the target's
/// session settings. The ops it returns are the ops for the target. The shadow is kept for the next compare of the same
/// target while the target's schema fingerprint holds, and dropped at the end of the process, on error and on Ctrl+C.
/// </summary>
public static class ShadowCompare
{
    private static readonly ConcurrentDictionary<string, CachedShadow> Cache = new(StringComparer.Ordinal);
    private static int s_hooked;

    public static async Task<IReadOnlyList<MigrationOp>> CompareAsync(ConnectionOptions target, ShadowOptions shadow, CompareRequest request,
        IEngineEvents events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(shadow);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(events);
        HookProcessExit();
        try
        {
            // The roles declared GRANTs and OWNER TOs name exist in the shadow when they exist in the target.
            var declarations = request.Pending is { } pending ? await pending.ConfigureAwait(false) : request.Declarations;
            var declaredRoles = (declarations ?? Array.Empty<PgDeclaration>()).SelectMany(d => d.Roles).Distinct(StringComparer.Ordinal).ToList();
            var ops = await RunOnShadowAsync(target, shadow, options => CompareService.CompareAsync(options, request, events, cancellationToken), events, cancellationToken, declaredRoles)
                .ConfigureAwait(false);

            // The shadow has the target's schema, not its data: the rows a table lock holds up are the target's.
            var locked = Diff.Hazards.LockedTables(ops);
            if (locked.Count > 0)
            {
                await using var conn = await target.OpenAsync(events, cancellationToken).ConfigureAwait(false);
                ops = Diff.Hazards.WithTableRows(ops, await Diff.HazardFacts.ReadTableRowsAsync(conn, locked, cancellationToken).ConfigureAwait(false));
            }

            return ops;
        }
        catch (Exception ex) when (ex is not Canonicalization.DeclarationsInvalidException && request.Pending is not null)
        {
            // Declarations parsed meanwhile: their errors come first, as in a live compare.
            if (await request.Pending.ConfigureAwait(false) is null)
            {
                throw new Canonicalization.DeclarationsInvalidException();
            }

            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> against the target's shadow (loaded now, or the one kept from an earlier compare while
    /// the target's fingerprint holds), as the target's role with its session settings: -Verify's upgrade and downgrade
    /// run there too, so with a shadow the target sees no DDL at all.
    /// </summary>
    /// <param name="roles">Roles to create in the shadow too, where the target has them (those the declarations name).</param>
    public static async Task<T> RunOnShadowAsync<T>(ConnectionOptions target, ShadowOptions shadow, Func<ConnectionOptions, Task<T>> work,
        IEngineEvents events, CancellationToken cancellationToken, IReadOnlyCollection<string>? roles = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(shadow);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(events);
        HookProcessExit();
        var watch = Stopwatch.StartNew();
        events.Progress(new EngineProgress("Shadow compare", "Reading the target (read only)", -1));
        TargetFacts facts;
        await using (var conn = await target.OpenAsync(events, cancellationToken).ConfigureAwait(false))
        {
            facts = await TargetFacts.ReadAsync(conn, cancellationToken, roles).ConfigureAwait(false);
        }

        var key = string.Join("|", target.Describe().ToString(), facts.Database, facts.CurrentUser, shadow.Describe(),
            shadow.ServerConnectionString is null ? "" : PgConnectionFactory.Describe(PgConnectionFactory.Build(shadow.ServerConnectionString)).ToString(),
            shadow.BaselinePath ?? "");
        var entry = Cache.GetOrAdd(key, _ => new CachedShadow());
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.Shadow is not null && (!shadow.Reuse || entry.Fingerprint != facts.Fingerprint))
            {
                events.Verbose($"Shadow: the target's schema changed since {entry.Shadow.Where} was loaded; loading a new one.");
                await entry.Shadow.DisposeAsync().ConfigureAwait(false);
                entry.Shadow = null;
            }

            if (entry.Shadow is null)
            {
                entry.Shadow = await LoadAsync(target, shadow, facts, events, cancellationToken).ConfigureAwait(false);
                entry.Fingerprint = facts.Fingerprint;
                events.Verbose($"Shadow: loaded {entry.Shadow.Where} with the target's {(shadow.BaselinePath is null ? "schema" : "migrations")} in {watch.ElapsedMilliseconds} ms");
            }
            else
            {
                events.Verbose($"Shadow: reusing {entry.Shadow.Where} (the target's schema fingerprint is unchanged)");
                if (roles is { Count: > 0 })
                {
                    await entry.Shadow.CreateRolesAsync(facts, cancellationToken).ConfigureAwait(false); // only those it lacks
                }
            }

            var options = new ConnectionOptions { ConnectionString = SessionConnectionString(entry.Shadow, facts) };
            try
            {
                return await work(options).ConfigureAwait(false);
            }
            finally
            {
                if (!shadow.Reuse)
                {
                    await entry.Shadow.DisposeAsync().ConfigureAwait(false);
                    entry.Shadow = null;
                }
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Drops every shadow this process keeps (the end of the process, or a test).</summary>
    public static async Task DropAllAsync()
    {
        foreach (var entry in Cache.Values)
        {
            await entry.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (entry.Shadow is not null)
                {
                    await entry.Shadow.DisposeAsync().ConfigureAwait(false);
                    entry.Shadow = null;
                }
            }
            finally
            {
                entry.Gate.Release();
            }
        }
    }

    /// <summary>How many shadows this process keeps now.</summary>
    public static int Kept => Cache.Values.Count(e => e.Shadow is not null);

    private static async Task<ShadowDatabase> LoadAsync(ConnectionOptions target, ShadowOptions options, TargetFacts facts, IEngineEvents events, CancellationToken cancellationToken)
    {
        (string PgDump, string Psql, int Major)? client = null;
        if (options.BaselinePath is null)
        {
            client = PostgresInstallations.FindClient(facts.Major) ?? throw new PgAutogenException(PgErrorId.ShadowUnavailable,
                $"The target is PostgreSQL {facts.Major}: the shadow needs pg_dump and psql of PostgreSQL {facts.Major} or newer to copy its schema, and none were found " +
                "(looked in PGAUTOGEN_PG_BIN, PATH, /usr/lib/postgresql/N/bin, /usr/pgsql-N/bin, Homebrew's postgresql@N).")
            {
                RecommendedAction = $"Install PostgreSQL {facts.Major}'s client (apt-get install postgresql-client-{facts.Major}), or load the shadow with -Baseline <migrations folder>.",
            };
        }

        events.Progress(new EngineProgress("Shadow compare", $"Starting the shadow ({options.Describe()}, PostgreSQL {facts.Major})", -1));
        var shadow = await ShadowDatabase.CreateAsync(options, facts, events, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var tablespace in facts.Tablespaces)
            {
                events.Warning($"The target stores objects in the tablespace {tablespace}; the shadow has no tablespaces, so a materialized view declared " +
                    "with TABLESPACE reads differently there. Compare such objects live.");
            }

            if (facts.ForeignServers.Count > 0)
            {
                events.Verbose($"Shadow: the foreign server(s) {string.Join(", ", facts.ForeignServers)} are copied but never connected to.");
            }

            var missing = await shadow.MissingExtensionsAsync(facts, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
            {
                var needs = new List<string>();
                await using (var conn = await target.OpenAsync(NullEngineEvents.Instance, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var extension in missing)
                    {
                        var objects = await TargetFacts.ObjectsNeedingAsync(conn, extension.Split(' ')[0], cancellationToken).ConfigureAwait(false);
                        needs.Add(objects.Count == 0 ? extension : $"{extension} (needed by {string.Join(", ", objects)})");
                    }
                }

                throw new PgAutogenException(PgErrorId.ShadowSetupFailed,
                    $"The shadow ({shadow.Where}) cannot reproduce the target: it lacks the extension(s) {string.Join("; ", needs)}.")
                {
                    RecommendedAction = "Install the extension(s) on the machine of the shadow server (or give -ShadowConnectionString a server that has them), or compare live.",
                };
            }

            await shadow.CreateRolesAsync(facts, cancellationToken).ConfigureAwait(false);
            if (options.BaselinePath is { } baseline)
            {
                await BaselineReplay.ReplayAsync(shadow, baseline, events, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await DumpAndRestoreAsync(target, shadow, client!.Value, events, cancellationToken).ConfigureAwait(false);
            }

            return shadow;
        }
        catch
        {
            await shadow.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task DumpAndRestoreAsync(ConnectionOptions target, ShadowDatabase shadow, (string PgDump, string Psql, int Major) client,
        IEngineEvents events, CancellationToken cancellationToken)
    {
        var dump = Path.Combine(Path.GetTempPath(), "pgautogen-shadow-" + Guid.NewGuid().ToString("N") + ".sql");
        try
        {
            events.Progress(new EngineProgress("Shadow compare", "Copying the target's schema (pg_dump --schema-only)", -1));
            var builder = target.Build();
            var environment = new Dictionary<string, string> { ["PGAPPNAME"] = "PgAutogen shadow dump" };
            if (Environment.GetEnvironmentVariable("PGPASSFILE") is { Length: > 0 } passfile)
            {
                environment["PGPASSFILE"] = passfile;
            }

            if (await target.PasswordForToolsAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } password)
            {
                environment["PGPASSWORD"] = password; // in the child's environment only: never on a command line
            }

            foreach (var (variable, value) in new[] { ("PGSSLROOTCERT", builder.RootCertificate), ("PGSSLCERT", builder.SslCertificate), ("PGSSLKEY", builder.SslKey) })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    environment[variable] = value;
                }
            }

            var watch = Stopwatch.StartNew();
            await PostgresInstallations.RunAsync(client.PgDump,
                new[] { "--schema-only", "--no-subscriptions", "--no-tablespaces", "--no-security-labels", "--file", dump, "--dbname", ShadowDatabase.Conninfo(builder) },
                environment, PgErrorId.ShadowSetupFailed, "Copying the target's schema (pg_dump)", cancellationToken).ConfigureAwait(false);
            events.Verbose($"Shadow: pg_dump {client.Major} --schema-only of the target: {new FileInfo(dump).Length / 1024} KB in {watch.ElapsedMilliseconds} ms");
            events.Progress(new EngineProgress("Shadow compare", "Restoring the schema into the shadow", -1));
            watch.Restart();
            await shadow.RestoreAsync(client.Psql, dump, cancellationToken).ConfigureAwait(false);
            events.Verbose($"Shadow: restored into {shadow.Where} in {watch.ElapsedMilliseconds} ms");
        }
        finally
        {
            File.Delete(dump);
        }
    }

    /// <summary>The shadow as the compare sees it: as the target's role (SET ROLE; see CreateRolesAsync) with the target's session settings.</summary>
    private static string SessionConnectionString(ShadowDatabase shadow, TargetFacts facts)
    {
        var options = new List<string> { "-c role=" + Escape(facts.CurrentUser) };

        foreach (var (name, value) in facts.Settings)
        {
            options.Add($"-c {name}={Escape(value)}");
        }

        return new NpgsqlConnectionStringBuilder(shadow.ConnectionString) { Options = string.Join(" ", options) }.ConnectionString;

        // libpq's options: arguments separated by spaces, a space or backslash inside one escaped with a backslash.
        static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(" ", "\\ ", StringComparison.Ordinal);
    }

    private static void HookProcessExit()
    {
        if (Interlocked.Exchange(ref s_hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropAllAsync().GetAwaiter().GetResult();
        }
    }

    private sealed class CachedShadow
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ShadowDatabase? Shadow { get; set; }

        public string? Fingerprint { get; set; }
    }
}
