using System.Globalization;
using Npgsql;
using PgAutogen.Core.Databases;

namespace PgAutogen.Core.Shadow;

/// <summary>Where a compare canonicalizes instead of the target.</summary>
public sealed class ShadowOptions
{
    /// <summary>A throwaway server PgAutogen starts, of the target's major (-Shadow).</summary>
    public bool Throwaway { get; init; }

    /// <summary>A server where PgAutogen may create and drop a scratch database (-ShadowConnectionString); a superuser, or a role with CREATEDB and CREATEROLE.</summary>
    public string? ServerConnectionString { get; init; }

    /// <summary>Load the shadow by replaying these migration files (-Baseline) instead of dumping the target's schema.</summary>
    public string? BaselinePath { get; init; }

    /// <summary>Keep the shadow for the next compare of the same target while its schema's fingerprint holds (the default).</summary>
    public bool Reuse { get; init; } = true;

    public bool Enabled => Throwaway || ServerConnectionString is not null || BaselinePath is not null;

    internal string Describe() => ServerConnectionString is not null ? "scratch database" : "throwaway server";
}

/// <summary>
/// A shadow database: a throwaway server's database, or a scratch database on a server the user gave. Loaded with the
/// target's schema (roles by name first, then pg_dump --schema-only, restored with psql in one transaction), or with the
/// user's migrations. Dropped on dispose: the scratch database and the roles it created, or the whole server.
/// </summary>
internal sealed class ShadowDatabase : IAsyncDisposable
{
    private const string ScratchPrefix = "pgautogen_shadow_";
    private readonly LocalPostgresServer? _server;
    private readonly string _adminConnectionString;
    private readonly string? _scratch;
    private readonly List<string> _createdRoles = new();
    private int _disposed;

    private ShadowDatabase(LocalPostgresServer? server, string adminConnectionString, string database, string? scratch)
    {
        _server = server;
        _adminConnectionString = adminConnectionString;
        Database = database;
        _scratch = scratch;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, ApplicationName = "PgAutogen shadow" }.ConnectionString;
    }

    public string Database { get; }

    /// <summary>To the shadow database as its administrator (the compare adds the target's role and settings).</summary>
    public string ConnectionString { get; }

    public string Where => _server is not null ? $"a throwaway PostgreSQL {_server.Version} on port {_server.Port}" : $"the scratch database {Database}";

    public static async Task<ShadowDatabase> CreateAsync(ShadowOptions options, TargetFacts target, IEngineEvents events, CancellationToken cancellationToken)
    {
        if (options.ServerConnectionString is { } serverConnectionString)
        {
            return await CreateScratchAsync(serverConnectionString, target, events, cancellationToken).ConfigureAwait(false);
        }

        var bin = PostgresInstallations.FindServer(target.Major) ?? throw new PgAutogenException(PgErrorId.ShadowUnavailable,
            $"The target is PostgreSQL {target.Major}, and no PostgreSQL {target.Major} server binaries were found for the shadow " +
            $"(looked in PGAUTOGEN_PG_BIN, /usr/lib/postgresql/{target.Major}/bin, /usr/pgsql-{target.Major}/bin, Homebrew's postgresql@{target.Major}, " +
            "the cache of scripts/fetch-postgres.sh).")
        {
            RecommendedAction = $"Install PostgreSQL {target.Major}'s server (apt-get install postgresql-{target.Major}), set PGAUTOGEN_PG_BIN to its bin folder, " +
                "or give a server of that major with -ShadowConnectionString.",
        };
        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { BinDirectory = bin, Log = events.Verbose }, cancellationToken).ConfigureAwait(false);
        server.Log = null;
        var shadow = new ShadowDatabase(server, server.ConnectionString(), "shadow", null);
        try
        {
            await shadow.AdminAsync("CREATE DATABASE shadow TEMPLATE template0 ENCODING 'UTF8'", cancellationToken).ConfigureAwait(false);
            return shadow;
        }
        catch
        {
            await shadow.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<ShadowDatabase> CreateScratchAsync(string serverConnectionString, TargetFacts target, IEngineEvents events, CancellationToken cancellationToken)
    {
        var admin = PgConnectionFactory.Build(serverConnectionString);
        admin.ApplicationName = "PgAutogen shadow";
        await using (var conn = await PgConnectionFactory.OpenAsync(admin, cancellationToken).ConfigureAwait(false))
        {
            var major = conn.PostgreSqlVersion.Major;
            if (major != target.Major)
            {
                throw new PgAutogenException(PgErrorId.ShadowUnavailable,
                    $"The shadow server ({PgConnectionFactory.Describe(admin)}) is PostgreSQL {major}, the target PostgreSQL {target.Major}: a shadow must be of the " +
                    "target's major, or definitions would print (and replace) differently.")
                {
                    RecommendedAction = $"Give -ShadowConnectionString a PostgreSQL {target.Major} server, or use -Shadow (a throwaway server PgAutogen starts).",
                };
            }

            await SweepAsync(conn, events, cancellationToken).ConfigureAwait(false);
        }

        var name = ScratchPrefix + MachineTag() + "_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..8];
        var shadow = new ShadowDatabase(null, admin.ConnectionString, name, name);
        await shadow.AdminAsync($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'", cancellationToken).ConfigureAwait(false);
        events.Verbose($"Shadow: created the scratch database {name} on {PgConnectionFactory.Describe(admin)}");
        return shadow;
    }

    /// <summary>
    /// Creates the roles the target's objects reference that the shadow server lacks (names only, NOLOGIN), and the
    /// target's memberships among them. The role the compare runs as on the target is created a superuser (the shadow
    /// must be able to create what the declarations say even when the target's role may only read): objects it creates
    /// are owned by that name, as on the target, and the migration role is the same.
    /// </summary>
    public async Task CreateRolesAsync(TargetFacts target, CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(_adminConnectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT rolname FROM pg_roles", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing.Add(reader.GetString(0));
            }
        }

        bool adminIsSuperuser;
        await using (var cmd = new NpgsqlCommand("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", conn))
        {
            adminIsSuperuser = (bool)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        foreach (var role in target.Roles.Where(r => !existing.Contains(r)))
        {
            var superuser = adminIsSuperuser && string.Equals(role, target.CurrentUser, StringComparison.Ordinal) ? " SUPERUSER" : "";
            await using var create = new NpgsqlCommand($"CREATE ROLE {SqlIdentifier.Quote(role)} NOLOGIN{superuser}", conn);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _createdRoles.Add(role);
        }

        foreach (var (member, role, admin) in target.Memberships.Where(m => _createdRoles.Contains(m.Member)))
        {
            if (!target.Roles.Contains(role) && !existing.Contains(role))
            {
                continue;
            }

            await using var grant = new NpgsqlCommand($"GRANT {SqlIdentifier.Quote(role)} TO {SqlIdentifier.Quote(member)}{(admin ? " WITH ADMIN OPTION" : "")}", conn);
            await grant.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The target's extensions the shadow server cannot create (not available, or not in the version installed).</summary>
    public async Task<IReadOnlyList<string>> MissingExtensionsAsync(TargetFacts target, CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        var available = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT name || '=' || version FROM pg_available_extension_versions", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                available.Add(reader.GetString(0));
            }
        }

        return target.Extensions.Where(e => !available.Contains(e.Name + "=" + e.Version)).Select(e => $"{e.Name} {e.Version}").ToList();
    }

    /// <summary>Restores a schema-only dump (psql, one transaction, stop at the first error).</summary>
    public async Task RestoreAsync(string psql, string dumpFile, CancellationToken cancellationToken)
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        await PostgresInstallations.RunAsync(psql,
            new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", dumpFile, "--dbname", Conninfo(b) },
            new Dictionary<string, string> { ["PGAPPNAME"] = "PgAutogen shadow restore" }, PgErrorId.ShadowSetupFailed,
            "Restoring the target's schema into the shadow", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A libpq conninfo string (no password: the shadow's superuser needs none on loopback; a given server's comes by PGPASSWORD).</summary>
    internal static string Conninfo(NpgsqlConnectionStringBuilder b) =>
        string.Join(" ", new[]
        {
            ("host", b.Host), ("port", b.Port.ToString(CultureInfo.InvariantCulture)), ("dbname", b.Database), ("user", b.Username),
            ("sslmode", b.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            }),
        }.Where(p => !string.IsNullOrEmpty(p.Item2)).Select(p => p.Item1 + "='" + p.Item2!.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'"));

    private async Task AdminAsync(string sql, CancellationToken cancellationToken)
    {
        await using var conn = new NpgsqlConnection(_adminConnectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the scratch databases of this machine's PgAutogen processes that no longer run (a compare that was killed).</summary>
    private static async Task SweepAsync(NpgsqlConnection conn, IEngineEvents events, CancellationToken cancellationToken)
    {
        var leftovers = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE $1", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = ScratchPrefix + MachineTag() + "\\_%" });
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leftovers.Add(reader.GetString(0));
            }
        }

        foreach (var name in leftovers)
        {
            var parts = name[(ScratchPrefix.Length + MachineTag().Length + 1)..].Split('_');
            if (int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) && !Alive(pid))
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", conn);
                await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                events.Verbose($"Shadow: dropped {name}, left behind by process {pid}");
            }
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A short, stable tag of this machine, so scratch databases of another machine's processes are never swept by pid.</summary>
    private static string MachineTag() =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Environment.MachineName)))[..8].ToLowerInvariant();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await using var conn = new NpgsqlConnection(_adminConnectionString);
            await conn.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_scratch} WITH (FORCE)", conn))
            {
                await drop.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var role in _createdRoles)
            {
                await using var dropRole = new NpgsqlCommand($"DROP ROLE IF EXISTS {SqlIdentifier.Quote(role)}", conn);
                await dropRole.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // The server went away: the next shadow on it sweeps the database (its process is gone by then).
        }
    }
}
