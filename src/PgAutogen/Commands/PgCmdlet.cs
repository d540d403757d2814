using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using PgAutogen.Core;

namespace PgAutogen.Commands;

/// <summary>
/// The base of every PgAutogen cmdlet: cancellation (cancelled in StopProcessing), error records with
/// stable ids, throttled progress, and a queue that drains the engine's events and output onto the
/// pipeline thread (Write* is never called from another thread).
/// </summary>
public abstract class PgCmdlet : PSCmdlet, IDisposable
{
    internal const string HelpUriBase = "https://github.com/pgautogen/pgautogen/blob/main/docs/en-US/";

    private readonly CancellationTokenSource _cancellation = new();
    private readonly Stopwatch _progressClock = Stopwatch.StartNew();
    private long _lastProgressMs = -1000;
    private bool _disposed;

    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing() => _cancellation.Cancel();

    private BlockingCollection<Action>? _pipelineQueue;
    private int _pipelineThread = Environment.CurrentManagedThreadId;

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            DisposeResources();
            _cancellation.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>What a derived cmdlet holds beyond the cancellation source (connection pools, ...).</summary>
    protected virtual void DisposeResources()
    {
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the pipeline thread and gives its result to the caller's thread: directly when the
    /// caller is the pipeline thread, else through the queue <see cref="RunEngine{T}"/> drains (a script block of the
    /// user's, such as -AccessToken's, must run in its own runspace's thread).
    /// </summary>
    internal Task<T> InvokeOnPipelineThread<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var queue = _pipelineQueue;
        if (queue is null || Environment.CurrentManagedThreadId == _pipelineThread)
        {
            return Task.FromResult(work());
        }

        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            queue.Add(() =>
            {
                try
                {
                    result.TrySetResult(work());
                }
                catch (Exception ex)
                {
                    result.TrySetException(ex);
                }
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            result.TrySetException(new InvalidOperationException("The command is ending; the script block cannot run now.", ex));
        }

        return result.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs engine work on the thread pool while this (the pipeline) thread writes what it reports.
    /// The work gets an event sink and an emit callback for streamed output.
    /// </summary>
    internal T RunEngine<T>(Func<IEngineEvents, Action<object>, CancellationToken, Task<T>> work)
    {
        using var queue = new BlockingCollection<Action>();
        _pipelineQueue = queue;
        _pipelineThread = Environment.CurrentManagedThreadId;
        try
        {
            return Drain(queue, work);
        }
        finally
        {
            _pipelineQueue = null;
        }
    }

    private T Drain<T>(BlockingCollection<Action> queue, Func<IEngineEvents, Action<object>, CancellationToken, Task<T>> work)
    {
        var sink = new QueueEvents(queue, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellation.Token);
        var task = Task.Run(async () =>
        {
            try
            {
                return await work(sink, item => queue.Add(() => WriteObject(item)), linked.Token).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });

        try
        {
            foreach (var action in queue.GetConsumingEnumerable())
            {
                action();
            }
        }
        catch
        {
            // Downstream stopped (Select-Object -First) or a Write* failed: stop the engine, then let the exception go on.
            linked.Cancel();
            try
            {
                task.Wait();
            }
            catch (AggregateException)
            {
            }

            throw;
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    internal void RunEngine(Func<IEngineEvents, Action<object>, CancellationToken, Task> work) =>
        RunEngine<bool>(async (events, emit, token) =>
        {
            await work(events, emit, token).ConfigureAwait(false);
            return true;
        });

    /// <summary>Builds an ErrorRecord from an engine error: stable id, category, target, recommended action; the exception stays inside.</summary>
    internal static ErrorRecord ToErrorRecord(PgAutogenException ex, object? target = null)
    {
        var record = new ErrorRecord(ex, ex.ErrorId.ToString(), Category(ex.ErrorId), ex.Target ?? target);
        if (ex.RecommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = ex.RecommendedAction };
        }

        return record;
    }

    internal static ErrorCategory Category(PgErrorId id) => id switch
    {
        PgErrorId.ConnectionFailed => ErrorCategory.ConnectionError,
        PgErrorId.AuthenticationFailed => ErrorCategory.AuthenticationError,
        PgErrorId.DatabaseNotFound => ErrorCategory.ObjectNotFound,
        PgErrorId.ConnectionStringInvalid => ErrorCategory.InvalidArgument,
        PgErrorId.DeclarationSyntaxError => ErrorCategory.ParserError,
        PgErrorId.DeclarationStatementNotAllowed or PgErrorId.DeclarationInvalid or PgErrorId.DeclarationDuplicate
            or PgErrorId.DeclarationTargetNotAllowed => ErrorCategory.InvalidData,
        PgErrorId.DeclarationFileNotFound => ErrorCategory.ObjectNotFound,
        PgErrorId.LibPgQueryMissing => ErrorCategory.NotInstalled,
        PgErrorId.LockTimeout => ErrorCategory.ResourceBusy,
        PgErrorId.StatementTimeout => ErrorCategory.OperationTimeout,
        PgErrorId.OutputFileExists => ErrorCategory.ResourceExists,
        PgErrorId.UnmanagedDependent => ErrorCategory.InvalidOperation,
        PgErrorId.ServerUnavailable => ErrorCategory.ResourceUnavailable,
        PgErrorId.Cancelled => ErrorCategory.OperationStopped,
        PgErrorId.MigrationFolderInvalid or PgErrorId.MigrationUnsafeForFormat => ErrorCategory.InvalidData,
        PgErrorId.MigrationOptionInvalid => ErrorCategory.InvalidArgument,
        PgErrorId.MigrationVerifyFailed => ErrorCategory.InvalidResult,
        PgErrorId.ShadowUnavailable => ErrorCategory.NotInstalled,
        PgErrorId.ShadowSetupFailed => ErrorCategory.InvalidResult,
        PgErrorId.DesiredStateImpossible => ErrorCategory.InvalidData,
        PgErrorId.ConnectionLost => ErrorCategory.ConnectionError,
        PgErrorId.LockBudgetExceeded => ErrorCategory.LimitsExceeded,
        PgErrorId.EventTriggerWouldFire => ErrorCategory.SecurityError,
        PgErrorId.MigrationHazardNotAllowed => ErrorCategory.PermissionDenied,
        PgErrorId.RoleNotFound => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.NotSpecified,
    };

    private void WriteThrottledProgress(EngineProgress progress)
    {
        var now = _progressClock.ElapsedMilliseconds;
        // Throttled to five a second, except the first record of each phase and the last.
        if (!progress.Completed && !progress.NewPhase && now - _lastProgressMs < 200)
        {
            return;
        }

        _lastProgressMs = now;
        var record = new ProgressRecord(1, progress.Activity, string.IsNullOrEmpty(progress.Status) ? progress.Activity : progress.Status)
        {
            PercentComplete = Math.Clamp(progress.PercentComplete, -1, 100),
            RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        WriteProgress(record);
    }

    private sealed class QueueEvents : IEngineEvents
    {
        private readonly BlockingCollection<Action> _queue;

        private readonly PgCmdlet _owner;

        public QueueEvents(BlockingCollection<Action> queue, PgCmdlet owner)
        {
            _queue = queue;
            _owner = owner;
        }

        public void Verbose(string message) => Post(c => c.WriteVerbose(message));

        public void Debug(string message) => Post(c => c.WriteDebug(message));

        public void Warning(string message) => Post(c => c.WriteWarning(message));

        public void Progress(EngineProgress progress) => Post(c => c.WriteThrottledProgress(progress));

        private bool _disposedOrCompleted()
        {
            try
            {
                return _queue.IsAddingCompleted;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }

        private void Post(Action<PgCmdlet> action)
        {
            if (!_disposedOrCompleted())
            {
                try
                {
                    _queue.Add(() => action(_owner));
                }
                catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
                {
                    // Completed meanwhile: the message is late and can be dropped.
                }
            }
        }
    }
}
