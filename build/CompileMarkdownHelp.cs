// Compiles platyPS-style markdown help (docs/en-US/<Cmdlet>.md) into one MAML file
// (<Assembly>.dll-Help.xml), the format Get-Help reads for binary cmdlets. Loaded by
// build/Help.targets through RoslynCodeTaskFactory, so it targets the netstandard2.0 surface
// (no newer BCL APIs) and has no dependencies beyond MSBuild's.
//
// The markdown is the platyPS schema 2.0.0 layout: a front matter block, "# <Cmdlet>", then the
// sections SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS.
// Each SYNTAX line is checked against the PARAMETERS metadata (required, positional, switch, type,
// parameter set), every parameter needs a description and every cmdlet an example: a doc that breaks
// those rules fails the build with file:line. Output is deterministic (commands sorted by name,
// UTF-8 without BOM, LF) and the file is only rewritten when its content changes.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class CompileMarkdownHelp : Task
{
    /// <summary>The cmdlet markdown files (about_* topics are copied, not compiled).</summary>
    [Required]
    public ITaskItem[] Markdown { get; set; } = new ITaskItem[0];

    /// <summary>The MAML file to write.</summary>
    [Required]
    public string OutputFile { get; set; } = "";

    public override bool Execute()
    {
        var commands = new List<HelpCommand>();
        foreach (var item in Markdown.OrderBy(i => Path.GetFileName(i.ItemSpec), StringComparer.Ordinal))
        {
            var path = item.GetMetadata("FullPath");
            var parser = new HelpMarkdownParser(path, File.ReadAllText(path));
            var command = parser.Parse();
            foreach (var error in parser.Errors)
            {
                Log.LogError("help", "PGHELP", null, path, error.Line, 0, 0, 0, error.Message);
            }

            if (command != null && parser.Errors.Count == 0)
            {
                commands.Add(command);
            }
        }

        if (Log.HasLoggedErrors)
        {
            return false;
        }

        var xml = MamlWriter.Write(commands);
        var bytes = new UTF8Encoding(false).GetBytes(xml);
        if (File.Exists(OutputFile) && File.ReadAllBytes(OutputFile).SequenceEqual(bytes))
        {
            Log.LogMessage(MessageImportance.Low, "Help is up to date: " + OutputFile);
            return true;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile)));
        File.WriteAllBytes(OutputFile, bytes);
        Log.LogMessage(MessageImportance.Normal, "Compiled help for " + commands.Count + " cmdlet(s): " + OutputFile);
        return true;
    }
}

/// <summary>One block of markdown text: a paragraph, a list item, or a fenced code block.</summary>
internal sealed class HelpBlock
{
    public HelpBlock(string kind, string text, string info, int line)
    {
        Kind = kind;
        Text = text;
        Info = info;
        Line = line;
    }

    /// <summary>"para", "item" or "code".</summary>
    public string Kind { get; }

    public string Text { get; }

    /// <summary>For code: the fence's info string (powershell, output, yaml...).</summary>
    public string Info { get; }

    public int Line { get; }
}

internal sealed class HelpParameterSet
{
    public string Type = "";
    public List<string> Sets = new List<string>();
    public string Aliases = "";
    public List<string> AcceptedValues = new List<string>();
    public bool Required;
    public string Position = "named";
    public string DefaultValue = "None";
    public string PipelineInput = "False";
    public bool Globbing;
    public int Line;

    public bool AppliesTo(string set) => Sets.Contains("(All)") || Sets.Contains(set, StringComparer.OrdinalIgnoreCase);

    public bool IsSwitch => string.Equals(Type, "SwitchParameter", StringComparison.OrdinalIgnoreCase);
}

internal sealed class HelpParameter
{
    public string Name = "";
    public List<string> Description = new List<string>();
    public List<HelpParameterSet> Metadata = new List<HelpParameterSet>();
    public int Line;
}

internal sealed class HelpExample
{
    public string Title = "";
    public string Code = "";
    public List<string> Remarks = new List<string>();
}

internal sealed class HelpType
{
    public string Name = "";
    public List<string> Description = new List<string>();
}

internal sealed class HelpSyntaxItem
{
    public string SetName = "";
    public List<string> Parameters = new List<string>();
}

internal sealed class HelpLink
{
    public string Text = "";
    public string Uri = "";
}

internal sealed class HelpCommand
{
    public string Name = "";
    public string Verb = "";
    public string Noun = "";
    public List<string> Synopsis = new List<string>();
    public List<string> Description = new List<string>();
    public List<HelpSyntaxItem> Syntax = new List<HelpSyntaxItem>();
    public List<HelpParameter> Parameters = new List<HelpParameter>();
    public List<HelpExample> Examples = new List<HelpExample>();
    public List<HelpType> Inputs = new List<HelpType>();
    public List<HelpType> Outputs = new List<HelpType>();
    public List<string> Notes = new List<string>();
    public List<HelpLink> Links = new List<HelpLink>();
}

internal sealed class HelpMarkdownParser
{
    private static readonly string[] RequiredSections = { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "RELATED LINKS" };
    private static readonly string[] KnownSections = RequiredSections.Concat(new[] { "NOTES" }).ToArray();
    private static readonly string[] PipelineValues = { "False", "True (ByValue)", "True (ByPropertyName)", "True (ByValue, ByPropertyName)" };

    // One element of a syntax line: [[-N] <T>], [-N] <T>, [-N <T>], -N <T>, [-N], -N.
    private static readonly Regex SyntaxElement = new Regex(
        @"\[\[-(?<p>\w+)\] <(?<t>[^>]+)>\]|\[-(?<rp>\w+)\] <(?<t>[^>]+)>|\[-(?<o>\w+) <(?<t>[^>]+)>\]|-(?<r>\w+) <(?<t>[^>]+)>|\[-(?<os>\w+)\]|-(?<rs>\w+)|\[<CommonParameters>\]",
        RegexOptions.CultureInvariant);

    private readonly string _file;
    private readonly string[] _lines;

    public HelpMarkdownParser(string file, string text)
    {
        _file = file;
        _lines = text.Replace("\r\n", "\n").Split('\n');
    }

    public List<(int Line, string Message)> Errors { get; } = new List<(int, string)>();

    public HelpCommand Parse()
    {
        var command = new HelpCommand();
        var start = SkipFrontMatter();
        var sections = new Dictionary<string, (int Start, int End, int Line)>(StringComparer.Ordinal);
        string current = null;
        var currentStart = 0;
        for (var i = start; i <= _lines.Length; i++)
        {
            var line = i < _lines.Length ? _lines[i] : "## ";
            if (line.StartsWith("# ", StringComparison.Ordinal) && command.Name.Length == 0)
            {
                command.Name = line.Substring(2).Trim();
                continue;
            }

            if (!line.StartsWith("## ", StringComparison.Ordinal) || InFence(i))
            {
                continue;
            }

            if (current != null)
            {
                if (sections.ContainsKey(current))
                {
                    Error(currentStart, "Duplicate section ## " + current + ".");
                }

                sections[current] = (currentStart + 1, i, currentStart + 1);
            }

            current = i < _lines.Length ? line.Substring(3).Trim().ToUpperInvariant() : null;
            currentStart = i;
            if (current != null && !KnownSections.Contains(current))
            {
                Error(i, "Unknown section '## " + current + "'; expected one of: " + string.Join(", ", KnownSections) + ".");
            }
        }

        var nameParts = command.Name.Split(new[] { '-' }, 2);
        if (nameParts.Length != 2 || nameParts[0].Length == 0 || nameParts[1].Length == 0)
        {
            Error(start, "The document needs a '# Verb-Noun' title.");
            return null;
        }

        command.Verb = nameParts[0];
        command.Noun = nameParts[1];
        if (!string.Equals(Path.GetFileNameWithoutExtension(_file), command.Name, StringComparison.Ordinal))
        {
            Error(start, "The title '" + command.Name + "' does not match the file name.");
        }

        foreach (var name in RequiredSections.Where(s => !sections.ContainsKey(s)))
        {
            Error(start, "Missing section '## " + name + "'.");
        }

        if (Errors.Count > 0)
        {
            return null;
        }

        command.Synopsis = Paragraphs(sections["SYNOPSIS"], "SYNOPSIS", required: true);
        command.Description = Paragraphs(sections["DESCRIPTION"], "DESCRIPTION", required: true);
        if (sections.TryGetValue("NOTES", out var notes))
        {
            command.Notes = Paragraphs(notes, "NOTES", required: false);
        }

        command.Parameters = ParseParameters(sections["PARAMETERS"]);
        command.Syntax = ParseSyntax(sections["SYNTAX"], command);
        command.Examples = ParseExamples(sections["EXAMPLES"]);
        command.Inputs = ParseTypes(sections["INPUTS"], "INPUTS");
        command.Outputs = ParseTypes(sections["OUTPUTS"], "OUTPUTS");
        command.Links = ParseLinks(sections["RELATED LINKS"]);
        return command;
    }

    private int SkipFrontMatter()
    {
        if (_lines.Length == 0 || _lines[0].Trim() != "---")
        {
            return 0;
        }

        for (var i = 1; i < _lines.Length; i++)
        {
            if (_lines[i].Trim() == "---")
            {
                return i + 1;
            }
        }

        Error(0, "The front matter (---) is not closed.");
        return _lines.Length;
    }

    private bool InFence(int index)
    {
        var open = false;
        for (var i = 0; i < index && i < _lines.Length; i++)
        {
            if (_lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                open = !open;
            }
        }

        return open;
    }

    private void Error(int index, string message) => Errors.Add((index + 1, message));

    /// <summary>Splits a range into ### subsections: (heading text, heading line index, body range).</summary>
    private List<(string Heading, int Line, (int Start, int End, int Line) Body)> Subsections((int Start, int End, int Line) range, out (int Start, int End, int Line) preamble)
    {
        var result = new List<(string, int, (int, int, int))>();
        var fence = false;
        var heads = new List<int>();
        for (var i = range.Start; i < range.End; i++)
        {
            if (_lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fence = !fence;
            }
            else if (!fence && _lines[i].StartsWith("### ", StringComparison.Ordinal))
            {
                heads.Add(i);
            }
        }

        preamble = (range.Start, heads.Count > 0 ? heads[0] : range.End, range.Start);
        for (var h = 0; h < heads.Count; h++)
        {
            var end = h + 1 < heads.Count ? heads[h + 1] : range.End;
            result.Add((_lines[heads[h]].Substring(4).Trim(), heads[h], (heads[h] + 1, end, heads[h] + 1)));
        }

        return result;
    }

    /// <summary>The blocks of a range: paragraphs (soft-wrapped lines joined), list items, fenced code.</summary>
    private List<HelpBlock> Blocks((int Start, int End, int Line) range)
    {
        var blocks = new List<HelpBlock>();
        var i = range.Start;
        while (i < range.End)
        {
            var line = _lines[i];
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                i++;
                continue;
            }

            if (trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                var info = trimmed.Substring(3).Trim().ToLowerInvariant();
                var indent = line.Length - line.TrimStart().Length;
                var code = new List<string>();
                var startLine = i;
                i++;
                while (i < range.End && !_lines[i].Trim().StartsWith("```", StringComparison.Ordinal))
                {
                    var l = _lines[i];
                    var strip = Math.Min(indent, l.Length - l.TrimStart().Length);
                    code.Add(l.Substring(strip).TrimEnd());
                    i++;
                }

                if (i >= range.End)
                {
                    Error(startLine, "A code fence is not closed.");
                }

                i++;
                blocks.Add(new HelpBlock("code", string.Join("\n", code).Trim('\n'), info, startLine));
                continue;
            }

            var isItem = Regex.IsMatch(trimmed, @"^([-*]|\d+\.) ");
            var text = new StringBuilder(trimmed);
            var first = i;
            i++;
            while (i < range.End)
            {
                var next = _lines[i];
                var nt = next.Trim();
                if (nt.Length == 0 || nt.StartsWith("```", StringComparison.Ordinal) || nt.StartsWith("#", StringComparison.Ordinal)
                    || Regex.IsMatch(nt, @"^([-*]|\d+\.) "))
                {
                    break;
                }

                text.Append(' ').Append(nt);
                i++;
            }

            blocks.Add(new HelpBlock(isItem ? "item" : "para", Inline(text.ToString()), "", first));
        }

        return blocks;
    }

    /// <summary>Markdown inline markup made readable as plain text: links keep their text (and absolute URL), bold marks go.</summary>
    internal static string Inline(string text)
    {
        text = Regex.Replace(text, @"\[([^\]]+)\]\((https?://[^)]+)\)", "$1 ($2)");
        text = Regex.Replace(text, @"\[([^\]]+)\]\(([^)]+)\)", "$1");
        text = Regex.Replace(text, @"\*\*([^*]+)\*\*", "$1");
        return text;
    }

    /// <summary>Blocks as MAML paragraphs: code keeps its lines, list items keep their marker.</summary>
    private static List<string> AsParagraphs(IEnumerable<HelpBlock> blocks) => blocks.Select(b => b.Text).ToList();

    private List<string> Paragraphs((int Start, int End, int Line) range, string section, bool required)
    {
        var paragraphs = AsParagraphs(Blocks(range));
        if (required && paragraphs.Count == 0)
        {
            Error(range.Line - 1, "The section ## " + section + " is empty.");
        }

        return paragraphs;
    }

    private List<HelpParameter> ParseParameters((int Start, int End, int Line) range)
    {
        var result = new List<HelpParameter>();
        foreach (var (heading, line, body) in Subsections(range, out _))
        {
            if (heading == "CommonParameters")
            {
                continue;
            }

            if (!heading.StartsWith("-", StringComparison.Ordinal))
            {
                Error(line, "A parameter heading must be '### -Name' (or '### CommonParameters').");
                continue;
            }

            var parameter = new HelpParameter { Name = heading.Substring(1), Line = line };
            var blocks = Blocks(body);
            parameter.Description = AsParagraphs(blocks.Where(b => !(b.Kind == "code" && b.Info == "yaml")));
            if (parameter.Description.Count == 0)
            {
                Error(line, "The parameter -" + parameter.Name + " has no description.");
            }

            foreach (var yaml in blocks.Where(b => b.Kind == "code" && b.Info == "yaml"))
            {
                parameter.Metadata.Add(ParseMetadata(parameter.Name, yaml));
            }

            if (parameter.Metadata.Count == 0)
            {
                Error(line, "The parameter -" + parameter.Name + " has no ```yaml metadata block.");
            }

            if (result.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
            {
                Error(line, "The parameter -" + parameter.Name + " is documented twice.");
            }

            result.Add(parameter);
        }

        return result;
    }

    private HelpParameterSet ParseMetadata(string parameter, HelpBlock yaml)
    {
        var meta = new HelpParameterSet { Line = yaml.Line };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lineNo = yaml.Line;
        foreach (var raw in yaml.Text.Split('\n'))
        {
            lineNo++;
            if (raw.Trim().Length == 0)
            {
                continue;
            }

            var colon = raw.IndexOf(':');
            if (colon <= 0)
            {
                Error(lineNo, "-" + parameter + ": expected 'Key: value', got '" + raw.Trim() + "'.");
                continue;
            }

            var key = raw.Substring(0, colon).Trim();
            var value = raw.Substring(colon + 1).Trim();
            seen.Add(key);
            switch (key)
            {
                case "Type":
                    meta.Type = value;
                    break;
                case "Parameter Sets":
                    meta.Sets = List(value);
                    break;
                case "Aliases":
                    meta.Aliases = string.Join(", ", List(value));
                    break;
                case "Accepted values":
                    meta.AcceptedValues = List(value);
                    break;
                case "Required":
                    meta.Required = Bool(parameter, key, value, lineNo);
                    break;
                case "Position":
                    if (string.Equals(value, "Named", StringComparison.OrdinalIgnoreCase))
                    {
                        meta.Position = "named";
                    }
                    else if (int.TryParse(value, out var position) && position >= 0)
                    {
                        meta.Position = position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        Error(lineNo, "-" + parameter + ": Position must be Named or a number, not '" + value + "'.");
                    }

                    break;
                case "Default value":
                    meta.DefaultValue = value.Length == 0 ? "None" : value;
                    break;
                case "Accept pipeline input":
                    meta.PipelineInput = PipelineValues.FirstOrDefault(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));
                    if (meta.PipelineInput == null)
                    {
                        Error(lineNo, "-" + parameter + ": 'Accept pipeline input' must be one of: " + string.Join(" | ", PipelineValues) + ".");
                        meta.PipelineInput = "False";
                    }

                    break;
                case "Accept wildcard characters":
                    meta.Globbing = Bool(parameter, key, value, lineNo);
                    break;
                default:
                    Error(lineNo, "-" + parameter + ": unknown key '" + key + "'.");
                    break;
            }
        }

        foreach (var key in new[] { "Type", "Parameter Sets", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters" })
        {
            if (!seen.Contains(key))
            {
                Error(yaml.Line, "-" + parameter + ": the yaml block lacks '" + key + ":'.");
            }
        }

        return meta;
    }

    private static List<string> List(string value) =>
        value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();

    private bool Bool(string parameter, string key, string value, int line)
    {
        if (string.Equals(value, "True", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!string.Equals(value, "False", StringComparison.OrdinalIgnoreCase))
        {
            Error(line, "-" + parameter + ": " + key + " must be True or False, not '" + value + "'.");
        }

        return false;
    }

    /// <summary>One syntax item per ### set, its parameters in the order of the syntax line, checked against the metadata.</summary>
    private List<HelpSyntaxItem> ParseSyntax((int Start, int End, int Line) range, HelpCommand command)
    {
        var result = new List<HelpSyntaxItem>();
        var subsections = Subsections(range, out _);
        if (subsections.Count == 0)
        {
            Error(range.Line - 1, "## SYNTAX needs one '### <ParameterSet>' per parameter set ('### __AllParameterSets' when there is one).");
        }

        foreach (var (heading, line, body) in subsections)
        {
            var setName = Regex.Replace(heading, @"\s*\(Default\)\s*$", "", RegexOptions.IgnoreCase);
            var code = Blocks(body).Where(b => b.Kind == "code").ToList();
            if (code.Count != 1)
            {
                Error(line, "### " + heading + " needs exactly one code block with the syntax line.");
                continue;
            }

            var syntaxLine = code[0].Line + 1;
            var syntax = Regex.Replace(code[0].Text, @"\s+", " ").Trim();
            if (!syntax.StartsWith(command.Name + " ", StringComparison.Ordinal) && syntax != command.Name)
            {
                Error(syntaxLine, "The syntax line must start with '" + command.Name + "'.");
                continue;
            }

            var item = new HelpSyntaxItem { SetName = setName };
            var rest = syntax.Substring(command.Name.Length).Trim();
            var position = 0;
            while (position < rest.Length)
            {
                var match = SyntaxElement.Match(rest, position);
                if (!match.Success || match.Index != position)
                {
                    Error(syntaxLine, "Cannot read the syntax line at '" + rest.Substring(position) + "'.");
                    break;
                }

                position = match.Index + match.Length;
                while (position < rest.Length && rest[position] == ' ')
                {
                    position++;
                }

                if (match.Value == "[<CommonParameters>]")
                {
                    continue;
                }

                var (name, required, positional, isSwitch) = Describe(match);
                var parameter = command.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                var meta = parameter?.Metadata.FirstOrDefault(m => m.AppliesTo(setName));
                if (parameter == null || meta == null)
                {
                    Error(syntaxLine, "The syntax of set '" + setName + "' names -" + name + ", which ## PARAMETERS does not document for that set.");
                    continue;
                }

                item.Parameters.Add(parameter.Name);
                var where = "-" + parameter.Name + " in set '" + setName + "': ";
                if (meta.Required != required)
                {
                    Error(syntaxLine, where + "the syntax line says " + (required ? "required" : "optional") + ", the metadata says Required: " + meta.Required + ".");
                }

                if ((meta.Position != "named") != positional)
                {
                    Error(syntaxLine, where + "the syntax line says " + (positional ? "positional" : "named") + ", the metadata says Position: " + meta.Position + ".");
                }

                if (meta.IsSwitch != isSwitch)
                {
                    Error(syntaxLine, where + "a switch is written [-" + parameter.Name + "] with no <type>, and only a SwitchParameter is.");
                }
                else if (!isSwitch && !string.Equals(match.Groups["t"].Value, meta.Type, StringComparison.OrdinalIgnoreCase))
                {
                    Error(syntaxLine, where + "the syntax line says <" + match.Groups["t"].Value + ">, the metadata says Type: " + meta.Type + ".");
                }
            }

            foreach (var missing in command.Parameters.Where(p => p.Metadata.Any(m => m.AppliesTo(setName)) && !item.Parameters.Contains(p.Name)))
            {
                Error(line, "-" + missing.Name + " belongs to set '" + setName + "' (## PARAMETERS) but is not in its syntax line.");
            }

            result.Add(item);
        }

        foreach (var parameter in command.Parameters)
        {
            foreach (var set in parameter.Metadata.SelectMany(m => m.Sets).Where(s => s != "(All)"))
            {
                if (!result.Any(r => string.Equals(r.SetName, set, StringComparison.OrdinalIgnoreCase)))
                {
                    Error(parameter.Line, "-" + parameter.Name + " names the parameter set '" + set + "', which ## SYNTAX does not have.");
                }
            }
        }

        return result;
    }

    private static (string Name, bool Required, bool Positional, bool Switch) Describe(Match m)
    {
        if (m.Groups["p"].Success)
        {
            return (m.Groups["p"].Value, false, true, false);
        }

        if (m.Groups["rp"].Success)
        {
            return (m.Groups["rp"].Value, true, true, false);
        }

        if (m.Groups["o"].Success)
        {
            return (m.Groups["o"].Value, false, false, false);
        }

        if (m.Groups["r"].Success)
        {
            return (m.Groups["r"].Value, true, false, false);
        }

        if (m.Groups["os"].Success)
        {
            return (m.Groups["os"].Value, false, false, true);
        }

        return (m.Groups["rs"].Value, true, false, true);
    }

    private List<HelpExample> ParseExamples((int Start, int End, int Line) range)
    {
        var result = new List<HelpExample>();
        foreach (var (heading, line, body) in Subsections(range, out _))
        {
            var blocks = Blocks(body);
            var codeIndex = blocks.FindIndex(b => b.Kind == "code");
            if (codeIndex < 0 || blocks[codeIndex].Info != "powershell")
            {
                Error(line, "The example '" + heading + "' needs a ```powershell code block (before any other code block).");
                continue;
            }

            var remarks = blocks.Where((b, i) => i != codeIndex).ToList();
            if (remarks.Count == 0)
            {
                Error(line, "The example '" + heading + "' needs a sentence that says what it does.");
            }

            result.Add(new HelpExample
            {
                Title = "-------------------------- " + heading + " --------------------------",
                Code = blocks[codeIndex].Text,
                Remarks = AsParagraphs(remarks),
            });
        }

        if (result.Count == 0)
        {
            Error(range.Line - 1, "## EXAMPLES needs at least one '### Example N: ...'.");
        }

        return result;
    }

    private List<HelpType> ParseTypes((int Start, int End, int Line) range, string section)
    {
        var result = new List<HelpType>();
        foreach (var (heading, line, body) in Subsections(range, out _))
        {
            var type = new HelpType { Name = heading, Description = AsParagraphs(Blocks(body)) };
            if (type.Description.Count == 0)
            {
                Error(line, "## " + section + " / ### " + heading + " needs a sentence.");
            }

            result.Add(type);
        }

        if (result.Count == 0)
        {
            Error(range.Line - 1, "## " + section + " needs a '### <Type>' (### None when there is none).");
        }

        return result;
    }

    private List<HelpLink> ParseLinks((int Start, int End, int Line) range)
    {
        var result = new List<HelpLink>();
        for (var i = range.Start; i < range.End; i++)
        {
            var line = _lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var match = Regex.Match(line, @"^\[([^\]]+)\]\(([^)]*)\)$");
            if (!match.Success)
            {
                Error(i, "A related link must be one '[text](target)' per line.");
                continue;
            }

            var target = match.Groups[2].Value;
            var absolute = target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("http://", StringComparison.Ordinal);
            var text = match.Groups[1].Value;
            result.Add(new HelpLink { Text = text == "Online Version" ? "Online Version:" : text, Uri = absolute ? target : "" });
        }

        return result;
    }
}

internal static class MamlWriter
{
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MSHelp = "http://msdn.microsoft.com/mshelp";

    public static string Write(IReadOnlyList<HelpCommand> commands)
    {
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
            Encoding = new UTF8Encoding(false),
            OmitXmlDeclaration = true,
        };
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        sb.Append("<!-- Generated from docs/en-US/*.md by build/CompileMarkdownHelp.cs; edit the markdown, not this file. -->\n");
        using (var writer = XmlWriter.Create(sb, settings))
        {
            writer.WriteStartElement("helpItems", "http://msh");
            writer.WriteAttributeString("schema", "maml");
            foreach (var command in commands.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                WriteCommand(writer, command);
            }

            writer.WriteEndElement();
        }

        return sb.ToString().Replace("\r\n", "\n") + "\n";
    }

    private static void WriteCommand(XmlWriter w, HelpCommand c)
    {
        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, Maml);
        w.WriteAttributeString("xmlns", "command", null, Command);
        w.WriteAttributeString("xmlns", "dev", null, Dev);
        w.WriteAttributeString("xmlns", "MSHelp", null, MSHelp);

        w.WriteStartElement("command", "details", Command);
        w.WriteElementString("command", "name", Command, c.Name);
        w.WriteElementString("command", "verb", Command, c.Verb);
        w.WriteElementString("command", "noun", Command, c.Noun);
        Description(w, c.Synopsis);
        w.WriteEndElement();

        Description(w, c.Description);

        w.WriteStartElement("command", "syntax", Command);
        foreach (var item in c.Syntax)
        {
            w.WriteStartElement("command", "syntaxItem", Command);
            w.WriteElementString("maml", "name", Maml, c.Name);
            foreach (var name in item.Parameters)
            {
                var parameter = c.Parameters.First(p => p.Name == name);
                Parameter(w, parameter, parameter.Metadata.First(m => m.AppliesTo(item.SetName)), inSyntax: true);
            }

            w.WriteEndElement();
        }

        w.WriteEndElement();

        w.WriteStartElement("command", "parameters", Command);
        foreach (var parameter in c.Parameters)
        {
            Parameter(w, parameter, parameter.Metadata[0], inSyntax: false);
        }

        w.WriteEndElement();

        Types(w, "inputTypes", "inputType", c.Inputs);
        Types(w, "returnValues", "returnValue", c.Outputs);

        w.WriteStartElement("maml", "alertSet", Maml);
        w.WriteStartElement("maml", "alert", Maml);
        foreach (var para in c.Notes)
        {
            w.WriteElementString("maml", "para", Maml, para);
        }

        w.WriteEndElement();
        w.WriteEndElement();

        w.WriteStartElement("command", "examples", Command);
        foreach (var example in c.Examples)
        {
            w.WriteStartElement("command", "example", Command);
            w.WriteElementString("maml", "title", Maml, example.Title);
            w.WriteElementString("dev", "code", Dev, example.Code);
            w.WriteStartElement("dev", "remarks", Dev);
            foreach (var para in example.Remarks)
            {
                w.WriteElementString("maml", "para", Maml, para);
            }

            // An empty last paragraph: Get-Help then leaves a blank line before the next example.
            w.WriteElementString("maml", "para", Maml, "");
            w.WriteEndElement();
            w.WriteEndElement();
        }

        w.WriteEndElement();

        w.WriteStartElement("command", "relatedLinks", Command);
        foreach (var link in c.Links)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, link.Text);
            w.WriteElementString("maml", "uri", Maml, link.Uri);
            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void Description(XmlWriter w, IEnumerable<string> paragraphs)
    {
        w.WriteStartElement("maml", "description", Maml);
        foreach (var para in paragraphs)
        {
            w.WriteElementString("maml", "para", Maml, para);
        }

        w.WriteEndElement();
    }

    private static void Parameter(XmlWriter w, HelpParameter p, HelpParameterSet m, bool inSyntax)
    {
        w.WriteStartElement("command", "parameter", Command);
        w.WriteAttributeString("required", m.Required ? "true" : "false");
        w.WriteAttributeString("variableLength", "true");
        w.WriteAttributeString("globbing", m.Globbing ? "true" : "false");
        w.WriteAttributeString("pipelineInput", m.PipelineInput);
        w.WriteAttributeString("position", m.Position);
        w.WriteAttributeString("aliases", m.Aliases.Length == 0 ? "none" : m.Aliases);
        w.WriteElementString("maml", "name", Maml, p.Name);
        Description(w, p.Description);
        if (m.AcceptedValues.Count > 0)
        {
            w.WriteStartElement("command", "parameterValueGroup", Command);
            foreach (var value in m.AcceptedValues)
            {
                w.WriteStartElement("command", "parameterValue", Command);
                w.WriteAttributeString("required", "false");
                w.WriteAttributeString("command", "variableLength", Command, "false");
                w.WriteString(value);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        if (!(inSyntax && m.IsSwitch))
        {
            w.WriteStartElement("command", "parameterValue", Command);
            w.WriteAttributeString("required", m.IsSwitch ? "false" : "true");
            w.WriteAttributeString("variableLength", "false");
            w.WriteString(m.Type);
            w.WriteEndElement();
        }

        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, m.Type);
        w.WriteElementString("maml", "uri", Maml, "");
        w.WriteEndElement();
        w.WriteElementString("dev", "defaultValue", Dev, m.DefaultValue);
        w.WriteEndElement();
    }

    private static void Types(XmlWriter w, string container, string element, IEnumerable<HelpType> types)
    {
        w.WriteStartElement("command", container, Command);
        foreach (var type in types)
        {
            w.WriteStartElement("command", element, Command);
            w.WriteStartElement("dev", "type", Dev);
            w.WriteElementString("maml", "name", Maml, type.Name);
            w.WriteEndElement();
            Description(w, type.Description);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }
}
