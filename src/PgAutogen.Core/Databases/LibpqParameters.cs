using System.Globalization;
using System.Text;
using Npgsql;

namespace PgAutogen.Core.Databases;

/// <summary>
/// libpq's connection parameters, read the way libpq reads them: a keyword/value string
/// (<c>host=db port=5432 dbname=app user=u password='a b'</c>) or a URI
/// (<c>postgresql://user:pass@host:5432/db?sslmode=require</c>), then the parameters of a service
/// (<c>service=</c> or <c>PGSERVICE</c>, from <c>PGSERVICEFILE</c> or ~/.pg_service.conf, then <c>PGSYSCONFDIR</c>/pg_service.conf)
/// for those still unset, then the <c>PG*</c> environment variables for those still unset; then mapped onto Npgsql's
/// connection string builder. A parameter Npgsql cannot honour is refused by name, never silently dropped.
/// No message here ever holds a value (a password may be anywhere in the text).
/// </summary>
internal static class LibpqParameters
{
    /// <summary>The libpq keywords PgAutogen maps (or refuses by name), and the environment variable of each.</summary>
    private static readonly Dictionary<string, string?> Keywords = new(StringComparer.Ordinal)
    {
        ["host"] = "PGHOST",
        ["hostaddr"] = "PGHOSTADDR",
        ["port"] = "PGPORT",
        ["dbname"] = "PGDATABASE",
        ["user"] = "PGUSER",
        ["password"] = "PGPASSWORD",
        ["passfile"] = "PGPASSFILE",
        ["require_auth"] = "PGREQUIREAUTH",
        ["channel_binding"] = "PGCHANNELBINDING",
        ["connect_timeout"] = "PGCONNECT_TIMEOUT",
        ["client_encoding"] = "PGCLIENTENCODING",
        ["options"] = "PGOPTIONS",
        ["application_name"] = "PGAPPNAME",
        ["fallback_application_name"] = null,
        ["keepalives"] = null,
        ["keepalives_idle"] = null,
        ["keepalives_interval"] = null,
        ["keepalives_count"] = null,
        ["tcp_user_timeout"] = null,
        ["replication"] = null,
        ["gssencmode"] = "PGGSSENCMODE",
        ["sslmode"] = "PGSSLMODE",
        ["requiressl"] = "PGREQUIRESSL",
        ["sslnegotiation"] = "PGSSLNEGOTIATION",
        ["sslcompression"] = "PGSSLCOMPRESSION",
        ["sslcert"] = "PGSSLCERT",
        ["sslkey"] = "PGSSLKEY",
        ["sslcertmode"] = "PGSSLCERTMODE",
        ["sslpassword"] = null,
        ["sslrootcert"] = "PGSSLROOTCERT",
        ["sslcrl"] = "PGSSLCRL",
        ["sslcrldir"] = "PGSSLCRLDIR",
        ["sslsni"] = "PGSSLSNI",
        ["requirepeer"] = "PGREQUIREPEER",
        ["ssl_min_protocol_version"] = "PGSSLMINPROTOCOLVERSION",
        ["ssl_max_protocol_version"] = "PGSSLMAXPROTOCOLVERSION",
        ["min_protocol_version"] = "PGMINPROTOCOLVERSION",
        ["max_protocol_version"] = "PGMAXPROTOCOLVERSION",
        ["krbsrvname"] = "PGKRBSRVNAME",
        ["gsslib"] = "PGGSSLIB",
        ["gssdelegation"] = "PGGSSDELEGATION",
        ["service"] = "PGSERVICE",
        ["target_session_attrs"] = "PGTARGETSESSIONATTRS",
        ["load_balance_hosts"] = "PGLOADBALANCEHOSTS",
    };

    /// <summary>The parameters taken as they are, and the Npgsql setting of each.</summary>
    private static readonly (string Keyword, Action<NpgsqlConnectionStringBuilder, string> Apply)[] Verbatim =
    {
        ("dbname", (b, v) => b.Database = v),
        ("user", (b, v) => b.Username = v),
        ("password", (b, v) => b.Password = v),
        ("passfile", (b, v) => b.Passfile = v),
        ("sslcert", (b, v) => b.SslCertificate = v),
        ("sslkey", (b, v) => b.SslKey = v),
        ("sslpassword", (b, v) => b.SslPassword = v),
        ("krbsrvname", (b, v) => b.KerberosServiceName = v),
    };

    /// <summary>Environment variables that set session defaults rather than connection parameters (libpq sends them as options).</summary>
    private static readonly (string Variable, string Setting)[] SessionVariables =
    {
        ("PGDATESTYLE", "DateStyle"),
        ("PGGEQO", "geqo"),
    };

    /// <summary>True for <c>postgresql://</c> and <c>postgres://</c> URIs.</summary>
    public static bool IsUri(string text) =>
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads a libpq keyword/value string. False when the text is not one (it has a semicolon, or a keyword libpq does
    /// not know, such as Npgsql's <c>Host=</c>): it is then Npgsql's syntax. Throws on a malformed libpq string.
    /// </summary>
    public static bool TryParseKeywordValue(string text, out Dictionary<string, string> values)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (text.Contains(';', StringComparison.Ordinal) || !text.Contains('=', StringComparison.Ordinal))
        {
            return false;
        }

        var i = 0;
        while (true)
        {
            SkipSpace(text, ref i);
            if (i >= text.Length)
            {
                return values.Count > 0;
            }

            var start = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var keyword = text[start..i];
            if (!Keywords.ContainsKey(keyword))
            {
                return false; // not libpq's syntax (or a keyword it does not know): Npgsql's parser decides
            }

            SkipSpace(text, ref i);
            if (i >= text.Length || text[i] != '=')
            {
                throw Invalid($"the connection string has no '=' after the keyword '{keyword}'.");
            }

            i++;
            SkipSpace(text, ref i);
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '\'')
            {
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length)
                    {
                        value.Append(text[i++]);
                    }
                    else if (c == '\'')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!closed)
                {
                    throw Invalid($"the quoted value of '{keyword}' in the connection string is not closed (a value in quotes ends with a ' of its own; write \\' for a quote inside).");
                }
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length)
                    {
                        c = text[i++];
                    }

                    value.Append(c);
                }
            }

            values[keyword] = value.ToString();
        }
    }

    /// <summary>Reads a <c>postgresql://</c> URI (RFC 3986 with libpq's rules: several hosts, IPv6 in brackets, percent-encoding, libpq keywords as query parameters).</summary>
    public static Dictionary<string, string> ParseUri(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        string? query = null;
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        if (slash >= 0 && rest.Length > slash + 1)
        {
            values["dbname"] = Decode(rest[(slash + 1)..], "the database name");
        }

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon >= 0 ? userInfo[..colon] : userInfo;
            if (user.Length > 0)
            {
                values["user"] = Decode(user, "the user name");
            }

            if (colon >= 0)
            {
                values["password"] = Decode(userInfo[(colon + 1)..], "the password");
            }
        }

        if (authority.Length > 0)
        {
            var hosts = new List<string>();
            var ports = new List<string>();
            foreach (var hostSpec in authority.Split(','))
            {
                string host, port = "";
                if (hostSpec.StartsWith('['))
                {
                    var close = hostSpec.IndexOf(']', StringComparison.Ordinal);
                    if (close < 0)
                    {
                        throw Invalid("an IPv6 address in the connection URI has no closing ']'.");
                    }

                    host = hostSpec[1..close];
                    var after = hostSpec[(close + 1)..];
                    if (after.Length > 0)
                    {
                        if (after[0] != ':')
                        {
                            throw Invalid("unexpected text after an IPv6 address in the connection URI (expected ':port').");
                        }

                        port = after[1..];
                    }
                }
                else
                {
                    var colon = hostSpec.LastIndexOf(':');
                    host = colon >= 0 ? hostSpec[..colon] : hostSpec;
                    port = colon >= 0 ? hostSpec[(colon + 1)..] : "";
                }

                hosts.Add(Decode(host, "a host name"));
                ports.Add(port);
            }

            if (hosts.Any(h => h.Length > 0))
            {
                values["host"] = string.Join(",", hosts);
            }

            if (ports.Any(p => p.Length > 0))
            {
                values["port"] = string.Join(",", ports);
            }
        }

        if (query is not null)
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    throw Invalid($"the query parameter '{Decode(pair, "a query parameter")}' of the connection URI has no value.");
                }

                var keyword = Decode(pair[..eq], "a query parameter");
                var value = Decode(pair[(eq + 1)..], "a query parameter value");
                if (keyword == "ssl" && value == "true")
                {
                    keyword = "sslmode"; // JDBC's spelling, which libpq accepts too
                    value = "require";
                }

                if (!Keywords.ContainsKey(keyword))
                {
                    throw Invalid($"the connection URI has the query parameter '{keyword}', which is not a libpq connection parameter.");
                }

                values[keyword] = value;
            }
        }

        return values;
    }

    /// <summary>
    /// Completes <paramref name="values"/> as libpq does: a service's parameters (from <c>service</c>, else PGSERVICE)
    /// where unset, then the PG* environment variables where still unset.
    /// </summary>
    /// <returns>Where each completed parameter came from (" (from PGSSLMODE)", " (from the service 'prod')"), for messages.</returns>
    public static Dictionary<string, string> Complete(Dictionary<string, string> values, Func<string, string?> environment)
    {
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        var service = values.TryGetValue("service", out var named) ? named : environment("PGSERVICE");
        if (!string.IsNullOrEmpty(service))
        {
            foreach (var (keyword, value) in ReadService(service, environment))
            {
                if (values.TryAdd(keyword, value))
                {
                    origins[keyword] = $" (from the service '{service}')";
                }
            }
        }

        foreach (var (keyword, variable) in Keywords)
        {
            if (variable is not null && keyword != "service" && !values.ContainsKey(keyword) && environment(variable) is { Length: > 0 } value)
            {
                values[keyword] = value;
                origins[keyword] = $" (from {variable})";
            }
        }

        return origins;
    }

    /// <summary>Maps libpq parameters onto Npgsql's builder; a parameter Npgsql cannot honour is an error that names it.</summary>
    public static NpgsqlConnectionStringBuilder ToNpgsql(IReadOnlyDictionary<string, string> values, Func<string, string?> environment, IReadOnlyDictionary<string, string>? origins = null)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        string? Get(string keyword) => values.TryGetValue(keyword, out var v) && v.Length > 0 ? v : null;
        string From(string keyword) => origins is not null && origins.TryGetValue(keyword, out var origin) ? origin : "";

        var hosts = (Get("hostaddr") ?? Get("host"))?.Split(',') ?? new[] { "localhost" };
        var ports = Get("port")?.Split(',') ?? Array.Empty<string>();
        if (ports.Length > 1 && ports.Length != hosts.Length)
        {
            throw Invalid($"there are {hosts.Length} host(s) but {ports.Length} ports; give one port for all hosts or one per host.");
        }

        foreach (var port in ports.Where(p => p.Length > 0))
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
            {
                throw Invalid($"the port '{port}'{From("port")} is not a number from 1 to 65535.");
            }
        }

        if (ports.Length == 1)
        {
            builder.Host = string.Join(",", hosts);
            builder.Port = int.Parse(ports[0], CultureInfo.InvariantCulture);
        }
        else
        {
            builder.Host = string.Join(",", hosts.Select((h, i) => i < ports.Length && ports[i].Length > 0 ? HostWithPort(h, ports[i]) : h));
        }





        foreach (var (keyword, apply) in Verbatim)
        {
            // password and sslpassword may be empty on purpose; the others mean nothing empty.
            if (values.TryGetValue(keyword, out var value) && (value.Length > 0 || keyword.EndsWith("password", StringComparison.Ordinal)))
            {
                apply(builder, value);
            }
        }

        if (Get("connect_timeout") is { } timeout)
        {
            builder.Timeout = int.TryParse(timeout, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
                ? Math.Min(seconds, 1024)
                : throw Invalid($"connect_timeout '{timeout}'{From("connect_timeout")} is not a whole number of seconds.");
        }

        if (Get("client_encoding") is { } encoding && !encoding.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            builder.ClientEncoding = encoding;
        }

        var options = new List<string>();
        if (Get("options") is { } serverOptions)
        {
            options.Add(serverOptions);
        }

        foreach (var (variable, setting) in SessionVariables)
        {
            if (environment(variable) is { Length: > 0 } value)
            {
                options.Add($"-c {setting}={value.Replace(" ", "\\ ", StringComparison.Ordinal)}");
            }
        }

        if (options.Count > 0)
        {
            builder.Options = string.Join(" ", options);
        }

        if (environment("PGTZ") is { Length: > 0 } timezone)
        {
            builder.Timezone = timezone;
        }

        builder.ApplicationName = Get("application_name") ?? Get("fallback_application_name") ?? PgConnectionFactory.ApplicationName;

        if (Get("keepalives") is { } keepalives)
        {
            builder.TcpKeepAlive = keepalives != "0";
        }

        if (Get("keepalives_idle") is { } idle)
        {
            builder.TcpKeepAliveTime = Seconds("keepalives_idle", idle);
        }

        if (Get("keepalives_interval") is { } interval)
        {
            builder.TcpKeepAliveInterval = Seconds("keepalives_interval", interval);
        }

        var sslMode = Get("sslmode") ?? (Get("requiressl") == "1" ? "require" : null);
        if (sslMode is not null)
        {
            builder.SslMode = sslMode switch
            {
                "disable" => SslMode.Disable,
                "allow" => SslMode.Allow,
                "prefer" => SslMode.Prefer,
                "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => throw Invalid($"sslmode '{sslMode}'{From("sslmode")} is not one of disable, allow, prefer, require, verify-ca, verify-full."),
            };
        }

        if (Get("sslnegotiation") is { } negotiation)
        {
            builder.SslNegotiation = negotiation switch
            {
                "postgres" => SslNegotiation.Postgres,
                "direct" => SslNegotiation.Direct,
                _ => throw Invalid($"sslnegotiation '{negotiation}'{From("sslnegotiation")} is not postgres or direct."),
            };
        }




        if (Get("sslrootcert") is { } root && root != "system")
        {
            builder.RootCertificate = root; // "system" is Npgsql's default: the operating system's trusted roots
        }

        if (Get("channel_binding") is { } binding)
        {
            builder.ChannelBinding = binding switch
            {
                "disable" => ChannelBinding.Disable,
                "prefer" => ChannelBinding.Prefer,
                "require" => ChannelBinding.Require,
                _ => throw Invalid($"channel_binding '{binding}'{From("channel_binding")} is not disable, prefer or require."),
            };
        }


        if (Get("target_session_attrs") is { } attrs)
        {
            builder.TargetSessionAttributes = attrs is "any" or "read-write" or "read-only" or "primary" or "standby" or "prefer-standby"
                ? attrs
                : throw Invalid($"target_session_attrs '{attrs}'{From("target_session_attrs")} is not any, read-write, read-only, primary, standby or prefer-standby.");
        }

        if (Get("load_balance_hosts") is { } balance)
        {
            builder.LoadBalanceHosts = balance switch
            {
                "disable" => false,
                "random" => true,
                _ => throw Invalid($"load_balance_hosts '{balance}'{From("load_balance_hosts")} is not disable or random."),
            };
        }

        // Accepted only at the value that asks for what Npgsql does anyway; anything else cannot be honoured.
        Unsupported(values, "sslcompression", "0");
        Unsupported(values, "sslsni", "1");
        Unsupported(values, "sslcertmode", "allow");
        Unsupported(values, "gssencmode", "disable", "prefer");
        Unsupported(values, "gsslib", "gssapi");
        Unsupported(values, "gssdelegation", "0");
        Unsupported(values, "min_protocol_version", "3.0");
        Unsupported(values, "max_protocol_version", "3.0");
        Unsupported(values, "replication", "0", "false", "off", "no");
        foreach (var keyword in new[] { "require_auth", "keepalives_count", "tcp_user_timeout", "sslcrl", "sslcrldir", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version" })
        {
            Unsupported(values, keyword);
        }

        return builder;
    }

    /// <summary>The parameters of a service in pg_service.conf: PGSERVICEFILE or ~/.pg_service.conf first, then PGSYSCONFDIR's pg_service.conf.</summary>
    private static Dictionary<string, string> ReadService(string service, Func<string, string?> environment)
    {
        var files = new List<string>();
        if (environment("PGSERVICEFILE") is { Length: > 0 } userFile)
        {
            files.Add(userFile);
        }
        else
        {
            var home = OperatingSystem.IsWindows()
                ? Path.Combine(environment("APPDATA") ?? "", "postgresql", ".pg_service.conf")
                : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pg_service.conf");
            files.Add(home);
        }

        var sysconf = environment("PGSYSCONFDIR") ?? (OperatingSystem.IsWindows() ? null : "/etc/postgresql-common");
        if (!string.IsNullOrEmpty(sysconf))
        {
            files.Add(Path.Combine(sysconf, "pg_service.conf"));
        }

        foreach (var file in files.Where(File.Exists))
        {
            if (ReadServiceFile(file, service) is { } found)
            {
                return found;
            }
        }

        throw Invalid($"the service '{service}' (service= or PGSERVICE) is not defined in {string.Join(" or ", files)}. " +
            "Define it there as a [" + service + "] section, or unset PGSERVICE.");
    }

    private static Dictionary<string, string>? ReadServiceFile(string file, string service)
    {
        Dictionary<string, string>? found = null;
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(file))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (found is not null)
                {
                    return found; // the next section begins
                }

                if (line.EndsWith(']') && line[1..^1] == service)
                {
                    found = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                continue;
            }

            if (found is null)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var keyword = eq < 0 ? line : line[..eq].Trim();
            if (eq < 0 || !Keywords.ContainsKey(keyword) || keyword == "service")
            {
                throw Invalid($"{file}:{lineNumber}: '{keyword}' in the service '{service}' is not a libpq connection parameter (expected keyword=value).");
            }

            found[keyword] = line[(eq + 1)..].Trim();
        }

        return found;
    }

    private static void Unsupported(IReadOnlyDictionary<string, string> values, string keyword, params string[] harmless)
    {
        if (values.TryGetValue(keyword, out var value) && value.Length > 0 && !harmless.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            var variable = Keywords[keyword] is { } v ? $" (or the environment variable {v})" : "";
            throw Invalid($"the libpq parameter '{keyword}'{variable} is set, but PgAutogen connects through Npgsql, which cannot honour it" +
                (harmless.Length > 0 ? $" (only {string.Join(" or ", harmless)})" : "") + ". Remove it, or unset the variable.");
        }
    }

    private static int Seconds(string keyword, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? seconds
            : throw Invalid($"{keyword} '{value}' is not a whole number of seconds.");

    private static string HostWithPort(string host, string port) => (host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host) + ":" + port;

    private static string Decode(string text, string what)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            throw Invalid($"{what} in the connection URI is not valid percent-encoding.");
        }
    }

    private static void SkipSpace(string text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }
    }

    private static PgAutogenException Invalid(string what) =>
        new(PgErrorId.ConnectionStringInvalid, "The connection parameters are not valid: " + what)
        {
            RecommendedAction = "Fix the connection string (libpq 'host=... dbname=...', a postgresql:// URI, or Npgsql's 'Host=...;Database=...'), the service file or the PG* variables.",
        };
}
