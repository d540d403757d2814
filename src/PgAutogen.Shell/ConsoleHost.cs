using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PgAutogen.Shell;

/// <summary>A console PSHost: writes to stdout/stderr, knows the window width for table formatting, reads answers from stdin.</summary>
internal sealed partial class ConsoleHost : PSHost
{
    private readonly ConsoleUI _ui;

    public ConsoleHost(bool nonInteractive = false) => _ui = new ConsoleUI(nonInteractive);

    /// <summary>The width tables are formatted to: the console's, or 120 when the output is redirected.</summary>
    public static int Width
    {
        get
        {
            try
            {
                return Console.IsOutputRedirected || Console.WindowWidth <= 0 ? 120 : Console.WindowWidth;
            }
            catch (IOException)
            {
                return 120;
            }
        }
    }

    public int? ExitCode { get; private set; }

    public override string Name => "PgAutogen.Shell";

    public override Version Version => typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;

    public override void EnterNestedPrompt() => throw new NotSupportedException("PgAutogen.Shell has no nested prompt.");

    public override void ExitNestedPrompt() => throw new NotSupportedException("PgAutogen.Shell has no nested prompt.");

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed partial class ConsoleUI : PSHostUserInterface
    {
        private static readonly bool Plain = Console.IsOutputRedirected;
        private readonly RawUI _raw = new();
        private readonly bool _nonInteractive;
        private readonly ProgressLine _progress = new();

        public ConsoleUI(bool nonInteractive) => _nonInteractive = nonInteractive;

        private void RefusePrompt()
        {
            if (_nonInteractive)
            {
                throw new PSInvalidOperationException("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.");
            }
        }

        /// <summary>Formatting decorates with ANSI escapes; a log file or a pipe gets plain text.</summary>
        private static string Clean(string value) => Plain ? Ansi().Replace(value, "") : value;

        [System.Text.RegularExpressions.GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
        private static partial System.Text.RegularExpressions.Regex Ansi();

        public override PSHostRawUserInterface RawUI => _raw;

        public override bool SupportsVirtualTerminal => false;

        public override string ReadLine()
        {
            RefusePrompt();
            return Console.ReadLine() ?? "";
        }

        public override SecureString ReadLineAsSecureString()
        {
            RefusePrompt();
            var secure = new SecureString();
            foreach (var ch in Console.ReadLine() ?? "")
            {
                secure.AppendChar(ch);
            }

            return secure;
        }

        public override void Write(string value)
        {
            _progress.Clear();
            Console.Out.Write(Clean(value));
        }

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            _progress.Clear();
            Console.Out.WriteLine(Clean(value));
        }

        public override void WriteErrorLine(string value) => Error(Clean(value));

        public override void WriteDebugLine(string message) => Error("DEBUG: " + message);

        /// <summary>Drawn on one line of stderr when it is a terminal (a log gets none, like pwsh's redirected output).</summary>
        public override void WriteProgress(long sourceId, ProgressRecord record) => _progress.Show(record);

        public override void WriteVerboseLine(string message) => Error("VERBOSE: " + message);

        public override void WriteWarningLine(string message) => Error("WARNING: " + message);

        private void Error(string line)
        {
            _progress.Clear();
            Console.Error.WriteLine(line);
        }

        public override void WriteInformation(InformationRecord record)
        {
            // Write-Host (tagged PSHOST) reaches the host through Write/WriteLine already; the rest stays in the stream, as in pwsh.
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            RefusePrompt();
            var result = new Dictionary<string, PSObject>(StringComparer.OrdinalIgnoreCase);
            foreach (var field in descriptions)
            {
                Console.Out.Write(field.Name + ": ");
                result[field.Name] = PSObject.AsPSObject(Console.ReadLine() ?? "");
            }

            return result;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            RefusePrompt();
            Console.Out.WriteLine(caption);
            Console.Out.WriteLine(message);
            for (var i = 0; i < choices.Count; i++)
            {
                Console.Out.WriteLine($"[{i}] {choices[i].Label.Replace("&", "", StringComparison.Ordinal)}");
            }

            return int.TryParse(Console.ReadLine(), out var choice) && choice >= 0 && choice < choices.Count ? choice : defaultChoice;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("Pass -Credential instead of being prompted.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("Pass -Credential instead of being prompted.");
    }

    private sealed class RawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

        public override Size BufferSize { get => new(Width, 9999); set { } }

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; }

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new(Width, 100);

        public override Size MaxWindowSize => new(Width, 100);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get => new(Width, 100); set { } }

        public override string WindowTitle { get; set; } = "PgAutogen";

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }

    /// <summary>One progress line on stderr (a terminal only), redrawn in place and cleared before other output.</summary>
    private sealed class ProgressLine
    {
        private static readonly bool Enabled = !Console.IsErrorRedirected;
        private readonly object _gate = new();
        private int _shown;

        public void Show(ProgressRecord record)
        {
            if (!Enabled)
            {
                return;
            }

            lock (_gate)
            {
                if (record.RecordType == ProgressRecordType.Completed)
                {
                    ClearLocked();
                    return;
                }

                var percent = record.PercentComplete >= 0 ? $" [{record.PercentComplete,3}%]" : "";
                var text = $"{record.Activity}: {record.StatusDescription}{percent}";
                var width = Math.Max(20, Width - 1);
                text = text.Length > width ? text[..width] : text;
                Console.Error.Write("\r" + text.PadRight(Math.Max(_shown, text.Length)));
                _shown = text.Length;
            }
        }

        public void Clear()
        {
            if (_shown == 0)
            {
                return;
            }

            lock (_gate)
            {
                ClearLocked();
            }
        }

        private void ClearLocked()
        {
            if (_shown > 0)
            {
                Console.Error.Write("\r" + new string(' ', _shown) + "\r");
                _shown = 0;
            }
        }
    }
}
