using System.Diagnostics;
using System.Text;
using Npgsql;
using PgAutogen.Core.Canonicalization;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;
using PgAutogen.Core.Rendering;

namespace PgAutogen.Core;

/// <summary>
/// -Verify: proves a migration before it is written. Inside one transaction that is always rolled back: read the
/// catalog; apply the upgrade (every statement, in order); check that each object the migration creates or replaces
/// now has exactly its desired definition and each one it drops is gone, and — when the declarations are at hand —
/// compare them again (expect no step); apply the downgrade; check that the catalog is the one read first
/// (definitions, owners, privileges, comments, trigger states). A failure names the step, where it is in the rendered
/// files (file:line) and what differed; the database is never changed.
/// </summary>
public static class MigrationVerifier
{
    /// <summary>
    /// Verifies; throws PgAutogenException (MigrationVerifyFailed) on the first failure. Returns a one-line summary. With
    /// <paramref name="guard"/>, each half runs its guard first, as the written migration does (-Guard).
    /// </summary>
    public static async Task<string> VerifyAsync(
        ConnectionOptions connection,
        IReadOnlyList<MigrationOp> ops,
        IReadOnlyList<PlannedFile> files,
        CompareRequest? compare,
        CanonicalizationOptions options,
        IEngineEvents events,
        CancellationToken cancellationToken,
        bool guard = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);
        var watch = Stopwatch.StartNew();
        await using var conn = await connection.OpenAsync(events, cancellationToken).ConfigureAwait(false);
        await using var transaction = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var settings = new NpgsqlCommand(
                $"SET LOCAL lock_timeout = {(long)options.LockTimeout.TotalMilliseconds}; SET LOCAL statement_timeout = {(long)options.StatementTimeout.TotalMilliseconds}; " +
                "SET LOCAL client_min_messages = warning", conn, transaction))
            {
                await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var before = await CatalogInspector.ReadAllAsync(conn, options.Filter, cancellationToken).ConfigureAwait(false);
            await ApplyAsync(conn, ops, files, up: true, guard, cancellationToken).ConfigureAwait(false);

            var upgraded = await CatalogInspector.ReadAllAsync(conn, options.Filter, cancellationToken).ConfigureAwait(false);
            CheckUpgrade(ops, files, upgraded);
            if (compare is not null)
            {
                var again = await CompareService.CompareAsync(conn, new CompareRequest
                {
                    Declarations = compare.Declarations,
                    PipedCurrent = compare.PipedCurrent,
                    Options = new CanonicalizationOptions
                    {
                        LockTimeout = options.LockTimeout,
                        StatementTimeout = options.StatementTimeout,
                        ParseTreeShortcut = options.ParseTreeShortcut,
                        Filter = options.Filter,
                        OuterTransaction = transaction,
                    },
                }, NullEngineEvents.Instance, cancellationToken).ConfigureAwait(false);
                if (again.Count > 0)
                {
                    throw Failed("after the upgrade, comparing the declarations again still gives " + again.Count + " step(s): "
                        + string.Join("; ", again.Take(5).Select(o => $"{o.Action} {ObjectKey.Words(o.Kind)} {o.Identity} ({o.Reason})")) + (again.Count > 5 ? "; ..." : ""));
                }
            }

            await ApplyAsync(conn, ops, files, up: false, guard, cancellationToken).ConfigureAwait(false);
            var restored = await CatalogInspector.ReadAllAsync(conn, options.Filter, cancellationToken).ConfigureAwait(false);
            CheckRestored(ops, files, before, restored, await Diff.AclDefaults.ReadAsync(conn, cancellationToken).ConfigureAwait(false));
            var summary = $"Verified: the upgrade ({ops.Count} step(s)) applies{(compare is null ? " and reaches each step's desired definition" : " and a compare after it gives no step")}, and the downgrade restores the catalog exactly ({before.Count} object(s)); rolled back, in {watch.ElapsedMilliseconds} ms";
            events.Verbose(summary);
            return summary;
        }
        finally
        {
            if (conn.State == System.Data.ConnectionState.Open)
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one half, statement by statement, as the rendered migration does (check_function_bodies off first).</summary>
    private static async Task ApplyAsync(NpgsqlConnection conn, IReadOnlyList<MigrationOp> ops, IReadOnlyList<PlannedFile> files, bool up, bool guard, CancellationToken cancellationToken)
    {
        await using (var off = new NpgsqlBatch(conn) { BatchCommands = { Databases.SqlCommands.Verbatim(MigrationText.CheckFunctionBodiesOff.TrimEnd(';')) } })
        {
            await off.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var step in MigrationText.Steps(ops, up, guard))
        {
            foreach (var statement in step.Statements)
            {
                try
                {
                    await using var batch = new NpgsqlBatch(conn) { BatchCommands = { Databases.SqlCommands.Verbatim(statement) } };
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Failed($"the {(up ? "upgrade" : "downgrade")} fails at the step {Where(files, step.Op, up)}: {ex.MessageText}"
                        + (string.IsNullOrEmpty(ex.Detail) ? "" : " (" + ex.Detail + ")") + "\n  statement: " + FirstLine(statement), ex);
                }
            }
        }
    }

    /// <summary>After the upgrade: each created or replaced object has its desired definition; each dropped one is gone.</summary>
    private static void CheckUpgrade(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PlannedFile> files, IReadOnlyList<PgObject> upgraded)
    {
        var now = upgraded.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var desiredKeys = ops.Where(o => o.Desired is not null).Select(o => o.Desired!.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var op in ops.OrderBy(o => o.Order))
        {
            if (op.Desired is { } desired)
            {
                if (!now.TryGetValue(desired.Key, out var actual))
                {
                    throw Failed($"after the upgrade, the {ObjectKey.Words(desired.Kind)} {desired.Identity} is missing, though the step {Where(files, op, up: true)} creates it");
                }

                if (actual.Definition != desired.Definition)
                {
                    throw Failed($"after the upgrade, the {ObjectKey.Words(desired.Kind)} {desired.Identity} is not what was declared (step {Where(files, op, up: true)}):\n"
                        + Difference(desired.Definition, actual.Definition));
                }
            }
            else if (op.Current is { } dropped && !desiredKeys.Contains(dropped.Key) && now.ContainsKey(dropped.Key))
            {
                throw Failed($"after the upgrade, the {ObjectKey.Words(dropped.Kind)} {dropped.Identity} is still there, though the step {Where(files, op, up: true)} drops it");
            }
        }
    }

    /// <summary>After the downgrade: exactly the catalog read before the upgrade (definitions, owners, privileges, comments, trigger states).</summary>
    private static void CheckRestored(IReadOnlyList<MigrationOp> ops, IReadOnlyList<PlannedFile> files, IReadOnlyList<PgObject> before, IReadOnlyList<PgObject> restored, Diff.AclDefaults aclDefaults)
    {
        var was = before.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var now = restored.ToDictionary(o => o.Key, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (key, old) in was.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var what = $"{ObjectKey.Words(old.Kind)} {old.Identity}";
            if (!now.TryGetValue(key, out var cur))
            {
                problems.Add($"the {what} is missing");
                continue;
            }

            if (cur.Definition != old.Definition)
            {
                problems.Add($"the {what} has another definition:\n" + Difference(old.Definition, cur.Definition));
            }

            Compare(problems, what, "owner", old.Owner, cur.Owner);
            // Privileges as granted: revoking what the upgrade granted leaves an explicit ACL equal to a NULL (default) one.
            Compare(problems, what, "privileges", Diff.AclSql.Text(Diff.AclSql.Effective(old, aclDefaults)), Diff.AclSql.Text(Diff.AclSql.Effective(cur, aclDefaults)));
            Compare(problems, what, "comment", old.Comment, cur.Comment);
            Compare(problems, what, "trigger state", old.TriggerState?.ToString(), cur.TriggerState?.ToString());
        }

        problems.AddRange(now.Keys.Where(k => !was.ContainsKey(k)).Order(StringComparer.Ordinal)
            .Select(k => $"the {ObjectKey.Words(now[k].Kind)} {now[k].Identity} is still there"));
        if (problems.Count > 0)
        {
            var steps = string.Join(", ", ops.Where(o => problems.Any(p => p.Contains(o.Identity, StringComparison.Ordinal)))
                .Select(o => Where(files, o, up: false)).Distinct().Take(3));
            throw Failed("the downgrade does not restore the catalog as it was" + (steps.Length > 0 ? $" (steps {steps})" : "") + ":\n  " + string.Join("\n  ", problems.Take(10)));
        }
    }

    private static void Compare(List<string> problems, string what, string property, string? was, string? now)
    {
        if (!string.Equals(was ?? "", now ?? "", StringComparison.Ordinal))
        {
            problems.Add($"the {what} has {property} '{now}' instead of '{was}'");
        }
    }

    /// <summary>The step's place in the rendered files: its comment line (file:line), or its description when no file shows it.</summary>
    internal static string Where(IReadOnlyList<PlannedFile> files, MigrationOp op, bool up)
    {
        var description = MigrationText.Describe(op, up);
        var ordered = up ? files : files.Reverse();
        foreach (var file in ordered)
        {
            var at = up ? file.Content.IndexOf(description, StringComparison.Ordinal) : file.Content.LastIndexOf(description, StringComparison.Ordinal);
            if (at >= 0)
            {
                var line = 1 + file.Content.AsSpan(0, at).Count('\n');
                return $"'{description}' at {file.Path}:{line}";
            }
        }

        return $"'{description}'";
    }

    private static string FirstLine(string sql)
    {
        var line = sql.Split('\n')[0].Trim();
        return line.Length > 120 ? line[..120] + "..." : line;
    }

    private static string Difference(string expected, string actual)
    {
        var sb = new StringBuilder();
        var a = expected.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var b = actual.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length) && sb.Length < 2000; i++)
        {
            var x = i < a.Length ? a[i] : null;
            var y = i < b.Length ? b[i] : null;
            if (x != y)
            {
                if (x is not null)
                {
                    sb.Append("    - ").Append(x).Append('\n');
                }

                if (y is not null)
                {
                    sb.Append("    + ").Append(y).Append('\n');
                }
            }
        }

        return sb.ToString().TrimEnd('\n');
    }

    private static PgAutogenException Failed(string what, Exception? inner = null) =>
        new(PgErrorId.MigrationVerifyFailed, "-Verify: " + what + "\nEverything was rolled back; no migration was written.", inner)
        {
            RecommendedAction = "Fix the declarations (or the database) so that the migration applies and reverts, then run again; or write it without -Verify and review it by hand.",
        };
}
