namespace PgAutogen.Core;

/// <summary>Progress of a long operation, for Write-Progress. <paramref name="NewPhase"/>: the first record of a phase, never throttled away.</summary>
public sealed record EngineProgress(string Activity, string Status, int PercentComplete, bool Completed = false, bool NewPhase = false);

/// <summary>
/// What the engine reports while it works. The cmdlets drain these onto the pipeline thread; Core never
/// sees a PowerShell type. Implementations must be thread-safe.
/// </summary>
public interface IEngineEvents
{
    void Verbose(string message);

    void Debug(string message);

    void Warning(string message);

    void Progress(EngineProgress progress);
}

/// <summary>Discards everything.</summary>
public sealed class NullEngineEvents : IEngineEvents
{
    public static readonly NullEngineEvents Instance = new();

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Progress(EngineProgress progress)
    {
    }
}
