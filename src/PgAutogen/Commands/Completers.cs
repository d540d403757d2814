using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net;
using PgAutogen.Core.Catalog;
using PgAutogen.Core.Databases;

namespace PgAutogen.Commands;

/// <summary>
/// The names of the connected database, for completion: read on first use (two light queries), cached per connection for
/// a while, and never waited for longer than a short budget — a slow or unreachable server completes nothing, silently,
/// and the next Tab uses what the background read brought meanwhile.
/// </summary>
internal static class CompletionCache
{
    /// <summary>How long one Tab waits for the names.</summary>
    internal static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long names read (or a failure) are reused.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    /// <summary>The most a background read may take.</summary>
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, (Task<CatalogNames?> Names, DateTime Started)> Entries = new(StringComparer.Ordinal);

    public static CatalogNames? Get(IDictionary fakeBoundParameters)
    {
        // Only what the command line states: an -AccessToken script block is never run by completion.
        if (fakeBoundParameters.Contains("AccessToken"))
        {
            return null;
        }

        var connectionString = fakeBoundParameters["ConnectionString"] switch
        {
            string s => s,
            PSObject { BaseObject: string s } => s,
            _ => null,
        };
        var credential = fakeBoundParameters["Credential"] switch
        {
            PSCredential c => c,
            PSObject { BaseObject: PSCredential c } => c,
            _ => null,
        };
        var key = (connectionString ?? "") + "\n" + credential?.UserName;
        var now = DateTime.UtcNow;
        var entry = Entries.AddOrUpdate(
            key,
            _ => (Start(connectionString, credential), now),
            (_, old) => now - old.Started > Lifetime ? (Start(connectionString, credential), now) : old);
        try
        {
            return entry.Names.Wait(Budget) ? entry.Names.Result : null;
        }
        catch (AggregateException)
        {
            return null;
        }
    }

    private static Task<CatalogNames?> Start(string? connectionString, PSCredential? credential)
    {
        NetworkCredential? network = credential is null || credential == PSCredential.Empty ? null : credential.GetNetworkCredential();
        return Task.Run(async () =>
        {
            try
            {
                using var options = new ConnectionOptions { ConnectionString = connectionString, Credential = network };
                using var limit = new CancellationTokenSource(ReadLimit);
                return await CatalogNamesReader.ReadAsync(options, limit.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // completion is silent on any failure: it completes nothing
            catch (Exception)
#pragma warning restore CA1031
            {
                return null;
            }
        });
    }

    /// <summary>The completion results for <paramref name="candidates"/> that start with <paramref name="wordToComplete"/>, quoted when needed.</summary>
    public static IEnumerable<CompletionResult> Results(IEnumerable<string> candidates, string wordToComplete, string toolTip)
    {
        var typed = wordToComplete.Trim('\'', '"');
        foreach (var name in candidates.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.OrdinalIgnoreCase))
        {
            if (!name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var text = name.Any(c => !(char.IsLetterOrDigit(c) || c is '_' or '.')) || WildcardPattern.ContainsWildcardCharacters(name)
                ? "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'"
                : name;
            yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, toolTip + " " + name);
        }
    }

    /// <summary>The values of a bound array parameter as strings (-Schema app, -Kind View).</summary>
    public static IReadOnlyList<string> Strings(object? value) => value switch
    {
        null => Array.Empty<string>(),
        PSObject ps => Strings(ps.BaseObject),
        string s => new[] { s },
        IEnumerable e => e.Cast<object?>().Select(o => o is PSObject p ? p.BaseObject?.ToString() : o?.ToString()).OfType<string>().ToArray(),
        _ => new[] { value.ToString() ?? "" },
    };
}

/// <summary>Completes -Schema with the schemas of the connected database.</summary>
public sealed class SchemaCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        var names = CompletionCache.Get(fakeBoundParameters);
        return names is null ? Array.Empty<CompletionResult>() : CompletionCache.Results(names.Schemas, wordToComplete ?? "", "schema");
    }
}

/// <summary>Completes -Name with the names of the managed objects of the connected database (within -Schema and -Kind when given).</summary>
public sealed class NameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        ArgumentNullException.ThrowIfNull(fakeBoundParameters);
        var names = CompletionCache.Get(fakeBoundParameters);
        if (names is null)
        {
            return Array.Empty<CompletionResult>();
        }

        var schemas = CompletionCache.Strings(fakeBoundParameters["Schema"])
            .Select(s => new WildcardPattern(s, WildcardOptions.IgnoreCase)).ToList();
        var kinds = CompletionCache.Strings(fakeBoundParameters["Kind"])
            .Select(k => Enum.TryParse<PgObjectKind>(k, ignoreCase: true, out var kind) ? kind : (PgObjectKind?)null).OfType<PgObjectKind>().ToHashSet();
        var matching = names.Objects
            .Where(o => schemas.Count == 0 || schemas.Any(p => p.IsMatch(o.Schema)))
            .Where(o => kinds.Count == 0 || kinds.Contains(o.Kind))
            .Select(o => o.Name);
        return CompletionCache.Results(matching, wordToComplete ?? "", "object");
    }
}
