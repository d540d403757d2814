namespace PgAutogen.Core;

/// <summary>
/// The phases of a compare as progress, with their counts: parse N files (K of N), read the current catalog, execute M
/// declarations, read the catalog back, diff and order. It passes every event on, and reads where the engine is from the
/// verbose lines it already writes at the end of each phase (no change to the engine's code paths).
/// </summary>
public sealed class CompareProgress : IEngineEvents
{
    public const string Activity = "Comparing declarations with the database";

    private readonly object _gate = new();
    private IEngineEvents _target;
    private int _files = -1;
    private int _parsed;
    private int _declarations = -1;

    /// <param name="target">Where events go; can be set later (<see cref="Target"/>), before which progress is dropped and the rest kept.</param>
    public CompareProgress(IEngineEvents? target = null) => _target = target ?? NullEngineEvents.Instance;

    private EngineProgress? _early;

    /// <summary>Where the events go (the cmdlet's queue, once the engine runs); the last progress reported before is passed on then.</summary>
    public IEngineEvents Target
    {
        get => _target;
        set
        {
            EngineProgress? early;
            lock (_gate)
            {
                _target = value ?? NullEngineEvents.Instance;
                early = _early;
                _early = null;
            }

            if (early is not null)
            {
                _target.Progress(early);
            }
        }
    }

    /// <summary>A line of parsing (counted as a parsed file or string when it says so), not passed on: parsing is reported as progress.</summary>
    public void Parsing(string message)
    {
        if (message.StartsWith("Parsed ", StringComparison.Ordinal) && _files > 0)
        {
            int parsed;
            lock (_gate)
            {
                parsed = ++_parsed;
            }

            Send(new EngineProgress(Activity, $"Parsed {parsed} of {_files} declaration source(s)", Math.Min(20, parsed * 20 / _files)));
        }
    }

    private void Send(EngineProgress progress)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_target, NullEngineEvents.Instance))
            {
                _early = progress;
                return;
            }
        }

        _target.Progress(progress);
    }

    /// <summary>How many declaration files will be parsed (known before parsing starts).</summary>
    public void Files(int count)
    {
        _files = count;
        if (count > 0)
        {
            Phase($"Parsing {count} declaration source(s)", 0);
        }
    }

    /// <summary>The declarations were parsed: <paramref name="count"/> of them will be executed.</summary>
    public void Declarations(int count) => _declarations = count;

    public void Verbose(string message)
    {
        _target.Verbose(message);
        if (message.StartsWith("Read the current catalog:", StringComparison.Ordinal))
        {
            var count = _declarations >= 0 ? _declarations.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the";
            Phase($"{message[..message.IndexOf(" in ", StringComparison.Ordinal)]}; executing {count} declaration(s) in the rolled-back transaction", 35);
        }
        else if (message.StartsWith("Executed ", StringComparison.Ordinal))
        {
            Phase($"{message[..message.LastIndexOf(" in ", StringComparison.Ordinal)]}; reading the catalog back", 70);
        }
        else if (message.StartsWith("Read the desired catalog:", StringComparison.Ordinal))
        {
            Phase($"{message[..message.IndexOf(" in ", StringComparison.Ordinal)]}; validating the routine bodies", 85);
        }
    }

    public void Debug(string message) => _target.Debug(message);

    public void Warning(string message) => _target.Warning(message);

    public void Progress(EngineProgress progress) => _target.Progress(progress);

    private void Phase(string status, int percent) => Send(new EngineProgress(Activity, status, percent, NewPhase: true));
}
