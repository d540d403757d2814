using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PgAutogen.Shell;

/// <summary>A console PSHost: writes to stdout/stderr, knows the window width for table formatting, reads answers from stdin.</summary>
internal sealed partial class ConsoleHost : PSHost
{
    private readonly ConsoleUI _ui = new();

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

        /// <summary>Formatting decorates with ANSI escapes; a log file or a pipe gets plain text.</summary>
        private static string Clean(string value) => Plain ? Ansi().Replace(value, "") : value;

        [System.Text.RegularExpressions.GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
        private static partial System.Text.RegularExpressions.Regex Ansi();

        public override PSHostRawUserInterface RawUI => _raw;

        public override bool SupportsVirtualTerminal => false;

        public override string ReadLine() => Console.ReadLine() ?? "";

        public override SecureString ReadLineAsSecureString()
        {
            var secure = new SecureString();
            foreach (var ch in Console.ReadLine() ?? "")
            {
                secure.AppendChar(ch);
            }

            return secure;
        }

        public override void Write(string value) => Console.Out.Write(Clean(value));

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Out.Write(Clean(value));

        public override void WriteLine(string value) => Console.Out.WriteLine(Clean(value));

        public override void WriteErrorLine(string value) => Console.Error.WriteLine(Clean(value));

        public override void WriteDebugLine(string message) => Console.Error.WriteLine("DEBUG: " + message);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            // Like pwsh in a non-interactive session: progress is not drawn.
        }

        public override void WriteVerboseLine(string message) => Console.Error.WriteLine("VERBOSE: " + message);

        public override void WriteWarningLine(string message) => Console.Error.WriteLine("WARNING: " + message);

        public override void WriteInformation(InformationRecord record)
        {
            if (record.Tags.Contains("PSHOST"))
            {
                Console.Out.WriteLine(record.MessageData);
            }
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
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
        private static int Width
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
}
