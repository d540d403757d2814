using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using System.Xml.Linq;
using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>
/// The help of every cmdlet: compiled from docs/en-US/*.md into out/PgAutogen/en-US/PgAutogen.dll-Help.xml
/// by the build (build/Help.targets), and read back through Get-Help in the hosted engine. Also pins each
/// cmdlet's exact parameter list, so adding, renaming or removing a parameter is a deliberate change
/// that comes with its help.
/// </summary>
/// <remarks>
/// Help examples: every example of every cmdlet in <see cref="PinnedParameters"/> must parse, and may
/// name only commands that exist (the engine's core cmdlets, PgAutogen's cmdlets, or the few full-pwsh
/// cmdlets and tools in <see cref="OtherKnownCommands"/>). Each cmdlet needs at least one example that
/// uses nothing but core cmdlets and PgAutogen's. An example runs here when it needs neither a database
/// nor files: it calls only core cmdlets and <c>Get-PgDeclaration -Sql</c> (when that cmdlet is
/// exported); the others need a server, a declaration folder or credentials and are only parsed.
/// </remarks>
public sealed class HelpTests
{
    private const string HelpUriBase = "https://github.com/pgautogen/pgautogen/blob/main/docs/en-US/";

    /// <summary>
    /// Every cmdlet's exact parameters, common parameters excluded (-WhatIf and -Confirm are listed: they
    /// pin SupportsShouldProcess). Cmdlets not exported yet (being written on other branches) are pinned
    /// from their sources and their help is already compiled; an exported cmdlet missing here fails.
    /// </summary>
    private static readonly Dictionary<string, string[]> PinnedParameters = new(StringComparer.Ordinal)
    {
        ["Compare-PgDeclaration"] =
        [
            "AccessToken", "ConnectionString", "Credential", "Declaration", "InputObject", "Kind", "LiteralPath", "LockTimeout", "Path", "Schema", "Sql",
            "StatementTimeout", "Shadow", "ShadowConnectionString", "Baseline", "ReferenceConnectionString",
        ],
        ["Export-PgDeclaration"] = ["Confirm", "AccessToken", "ConnectionString", "Credential", "Force", "Kind", "Path", "Schema", "WhatIf"],
        ["Get-PgCatalogObject"] = ["AccessToken", "ConnectionString", "Credential", "Kind", "Name", "Schema"],
        ["Get-PgDeclaration"] = ["LiteralPath", "Path", "Sql"],
        ["Invoke-PgMigration"] = ["Confirm", "AccessToken", "ConnectionString", "Credential", "Down", "Path", "WhatIf"],
        ["New-PgMigration"] =
        [
            "AccessToken", "Confirm", "ConnectionString", "Credential", "DbContext", "Declaration", "Force", "Format", "InputObject", "Kind",
            "LiteralPath", "LockTimeout", "Message", "Namespace", "OutFile", "Path", "Schema", "Sql", "StatementTimeout", "Shadow", "ShadowConnectionString", "Baseline", "ReferenceConnectionString", "Verify", "WhatIf",
            "Guard", "AllowHazard",
        ],
        ["Start-PgSandbox"] = ["BinDirectory"],
        ["Stop-PgSandbox"] = ["All", "Confirm", "Sandbox", "WhatIf"],
        ["Test-PgDeclaration"] =
        [
            "CIFormat", "AccessToken", "ConnectionString", "Credential", "Declaration", "Kind", "LiteralPath", "LockTimeout", "Path", "Schema", "Sql",
            "StatementTimeout", "Shadow", "ShadowConnectionString", "Baseline", "ReferenceConnectionString", "SummaryPath", "Verify",
        ],
    };

    /// <summary>Commands examples may use that the hosted engine lacks: full-pwsh cmdlets and external tools.</summary>
    private static readonly HashSet<string> OtherKnownCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        "Get-ChildItem", "Get-Credential", "Sort-Object", "Format-List", "dbmate", "flyway", "dotnet",
    };

    private static string HelpFile => Path.Combine(Paths.ModuleDirectory, "en-US", "PgAutogen.dll-Help.xml");

    [Fact]
    public void Every_exported_cmdlet_is_pinned_and_has_exactly_its_pinned_parameters()
    {
        var exported = ExportedParameters();
        Assert.NotEmpty(exported);
        var problems = new List<string>();
        foreach (var (cmdlet, parameters) in exported)
        {
            if (!PinnedParameters.TryGetValue(cmdlet, out var pinned))
            {
                problems.Add($"{cmdlet} is exported but not pinned in {nameof(PinnedParameters)} (and needs docs/en-US/{cmdlet}.md): [{string.Join(", ", parameters)}]");
            }
            else if (!pinned.Order(StringComparer.Ordinal).SequenceEqual(parameters))
            {
                problems.Add($"{cmdlet}: pinned [{string.Join(", ", pinned.Order(StringComparer.Ordinal))}], actual [{string.Join(", ", parameters)}]");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Help_is_compiled_into_the_module_for_every_pinned_cmdlet_with_exactly_its_parameters()
    {
        var bytes = File.ReadAllBytes(HelpFile);
        Assert.False(bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "The help file must be UTF-8 without BOM.");
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.True(File.Exists(Path.Combine(Paths.ModuleDirectory, "en-US", "about_PgAutogen.help.txt")), "about_PgAutogen.help.txt is not laid out in en-US/.");

        var commands = Maml.Commands(XDocument.Load(HelpFile)).ToDictionary(c => Maml.Text(c, "details", "name"));
        Assert.Equal(PinnedParameters.Keys.Order(StringComparer.Ordinal), commands.Keys.Order(StringComparer.Ordinal));

        var problems = new List<string>();
        foreach (var (name, command) in commands)
        {
            var verbNoun = Maml.Text(command, "details", "verb") + "-" + Maml.Text(command, "details", "noun");
            Check(verbNoun == name, $"{name}: verb and noun make '{verbNoun}'");
            Check(Maml.Paras(command.Element(Maml.Command + "details")!).Any(), $"{name}: no synopsis");
            Check(Maml.Paras(command).Any(), $"{name}: no description");
            Check(command.Descendants(Maml.Command + "syntaxItem").Any(), $"{name}: no syntax");

            var parameters = command.Element(Maml.Command + "parameters")!.Elements(Maml.Command + "parameter").ToList();
            var names = parameters.Select(p => p.Element(Maml.MamlNs + "name")!.Value).Order(StringComparer.Ordinal);
            Check(names.SequenceEqual(PinnedParameters[name].Order(StringComparer.Ordinal)),
                $"{name}: the help documents [{string.Join(", ", names)}], the pinned list is [{string.Join(", ", PinnedParameters[name].Order(StringComparer.Ordinal))}]");
            foreach (var parameter in parameters.Concat(command.Descendants(Maml.Command + "syntaxItem").Elements(Maml.Command + "parameter")))
            {
                var pname = parameter.Element(Maml.MamlNs + "name")!.Value;
                Check(Maml.Paras(parameter).Any(p => p.Trim().Length > 0), $"{name} -{pname}: no description");
                foreach (var attribute in new[] { "required", "position", "pipelineInput", "globbing", "aliases" })
                {
                    Check(parameter.Attribute(attribute) is not null, $"{name} -{pname}: no '{attribute}' attribute");
                }

                Check(parameter.Element(Maml.Dev + "type")?.Element(Maml.MamlNs + "name")?.Value.Length > 0, $"{name} -{pname}: no dev:type");
            }

            var examples = command.Descendants(Maml.Command + "example").ToList();
            Check(examples.Count > 0, $"{name}: no example");
            foreach (var example in examples)
            {
                Check(example.Element(Maml.Dev + "code")?.Value.Trim().Length > 0, $"{name}: an example without code");
                Check(Maml.Paras(example.Element(Maml.Dev + "remarks")!).Any(p => p.Trim().Length > 0), $"{name}: an example without remarks");
            }

            Check(command.Descendants(Maml.Command + "inputType").Any(), $"{name}: no INPUTS");
            Check(command.Descendants(Maml.Command + "returnValue").Any(), $"{name}: no OUTPUTS");
            var online = command.Descendants(Maml.MamlNs + "navigationLink")
                .FirstOrDefault(l => l.Element(Maml.MamlNs + "linkText")?.Value == "Online Version:")?.Element(Maml.MamlNs + "uri")?.Value;
            Check(online == HelpUriBase + name + ".md", $"{name}: the online version link is '{online}'");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));

        void Check(bool condition, string problem)
        {
            if (!condition)
            {
                problems.Add(problem);
            }
        }
    }

    [Fact]
    public void Get_Help_shows_authored_help_for_every_exported_cmdlet()
    {
        var result = PowerShellHost.Run("""
            $common = [System.Management.Automation.Cmdlet]::CommonParameters
            foreach ($c in Get-Command -Module PgAutogen -CommandType Cmdlet) {
                $h = Get-Help $c.Name -Full
                $documented = @($h.parameters.parameter)
                $missing = foreach ($name in $c.Parameters.Keys) {
                    if ($common -contains $name) { continue }
                    $p = $documented | Where-Object { $_.name -eq $name }
                    if (-not $p -or (@($p.description | ForEach-Object Text) -join '').Trim().Length -eq 0) { $name }
                }
                [pscustomobject]@{
                    Name = $c.Name
                    Category = [string]$h.Category
                    Synopsis = [string]$h.Synopsis
                    Description = (@($h.description | ForEach-Object Text) -join "`n").Trim()
                    Examples = @($h.examples.example).Count
                    ExamplesWithoutCode = @($h.examples.example | Where-Object { -not ([string]$_.code).Trim() }).Count
                    MissingParameterHelp = @($missing) -join ', '
                }
            }
            """);
        Assert.False(result.HadErrors, result.ToString());
        Assert.NotEmpty(result.Output);
        var problems = new List<string>();
        foreach (var help in result.Output)
        {
            var name = (string)help.Properties["Name"].Value;
            var synopsis = (string)help.Properties["Synopsis"].Value;
            if ((string)help.Properties["Category"].Value != "Cmdlet")
            {
                problems.Add($"{name}: Get-Help found no cmdlet help");
            }

            // Auto-generated help has the syntax line as its synopsis and no description.
            if (synopsis.Trim().Length == 0 || synopsis.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{name}: the synopsis is auto-generated: '{synopsis}'");
            }

            if (((string)help.Properties["Description"].Value).Length == 0)
            {
                problems.Add($"{name}: no description");
            }

            if ((int)help.Properties["Examples"].Value == 0 || (int)help.Properties["ExamplesWithoutCode"].Value > 0)
            {
                problems.Add($"{name}: no example, or an example without code");
            }

            if ((string)help.Properties["MissingParameterHelp"].Value is { Length: > 0 } missing)
            {
                problems.Add($"{name}: parameters without a description in Get-Help: {missing}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// What Get-Help says about each parameter (sets, required, position, pipeline input, wildcards, aliases,
    /// type, accepted enum values) is what the cmdlet does: the help cannot drift from the code.
    /// </summary>
    [Fact]
    public void Help_metadata_agrees_with_the_cmdlet_metadata()
    {
        var result = PowerShellHost.Run("""
            $common = [System.Management.Automation.Cmdlet]::CommonParameters
            function Pipeline($byValue, $byName) {
                if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' }
                elseif ($byValue) { 'True (ByValue)' }
                elseif ($byName) { 'True (ByPropertyName)' }
                else { 'False' }
            }
            foreach ($c in Get-Command -Module PgAutogen -CommandType Cmdlet) {
                $i = 0
                foreach ($set in $c.ParameterSets) {
                    $i++
                    foreach ($p in $set.Parameters) {
                        if ($common -contains $p.Name) { continue }
                        $position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
                        "set|$($c.Name)|code$i|$($p.Name)|$($p.IsMandatory)|$position"
                    }
                }
                foreach ($p in $c.Parameters.Values) {
                    if ($common -contains $p.Name) { continue }
                    $byValue = @($p.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
                    $byName = @($p.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0
                    $wildcards = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
                    $type = $p.ParameterType
                    $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
                    $values = if ($element.IsEnum) { [Enum]::GetNames($element) -join ',' } else { '' }
                    "param|$($c.Name)|code|$($p.Name)|$($type.Name)|$(Pipeline $byValue $byName)|$wildcards|$(@($p.Aliases) -join ',')|$values"
                }

                $h = Get-Help $c.Name -Full
                $i = 0
                foreach ($item in @($h.syntax.syntaxItem)) {
                    $i++
                    foreach ($p in @($item.parameter)) { "set|$($c.Name)|help$i|$($p.name)|$($p.required)|$($p.position)" }
                }
                foreach ($p in @($h.parameters.parameter)) {
                    $aliases = if ($p.aliases -eq 'none') { '' } else { ($p.aliases -split ',\s*') -join ',' }
                    "param|$($c.Name)|help|$($p.name)|$($p.type.name)|$($p.pipelineInput)|$($p.globbing)|$aliases|$(@($p.parameterValueGroup.parameterValue) -join ',')"
                }
            }
            """);
        Assert.False(result.HadErrors, result.ToString());
        var rows = result.Output.Select(o => o.ToString().Split('|')).ToList();
        Assert.NotEmpty(rows);
        var problems = new List<string>();
        foreach (var cmdlet in rows.Select(r => r[1]).Distinct())
        {
            // Parameter sets: compare as sets of "name:required:position" sets.
            string Sets(string source) => string.Join("\n", rows
                .Where(r => r[0] == "set" && r[1] == cmdlet && r[2].StartsWith(source, StringComparison.Ordinal))
                .GroupBy(r => r[2])
                .Select(g => string.Join(" ", g.Select(r => $"{r[3]}:{r[4].ToLowerInvariant()}:{r[5].ToLowerInvariant()}").Order(StringComparer.OrdinalIgnoreCase)))
                .Order(StringComparer.OrdinalIgnoreCase));
            var codeSets = Sets("code");
            var helpSets = Sets("help");
            if (!string.Equals(codeSets, helpSets, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{cmdlet}: the parameter sets (name:required:position) differ.\n  cmdlet:\n    {codeSets.Replace("\n", "\n    ", StringComparison.Ordinal)}\n  help:\n    {helpSets.Replace("\n", "\n    ", StringComparison.Ordinal)}");
            }

            var help = rows.Where(r => r[0] == "param" && r[1] == cmdlet && r[2] == "help").ToDictionary(r => r[3], StringComparer.OrdinalIgnoreCase);
            foreach (var code in rows.Where(r => r[0] == "param" && r[1] == cmdlet && r[2] == "code"))
            {
                if (!help.TryGetValue(code[3], out var doc))
                {
                    problems.Add($"{cmdlet} -{code[3]}: not in the help");
                    continue;
                }

                string[] what = ["type", "pipeline input", "wildcards", "aliases", "accepted values"];
                for (var i = 0; i < what.Length; i++)
                {
                    var (c, d) = (code[4 + i], doc[4 + i]);
                    var same = what[i] is "aliases" or "accepted values"
                        ? c.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.OrdinalIgnoreCase)
                            .SequenceEqual(d.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase)
                        : string.Equals(c, d, StringComparison.OrdinalIgnoreCase);
                    if (!same)
                    {
                        problems.Add($"{cmdlet} -{code[3]}: {what[i]} is '{c}' in the cmdlet, '{d}' in the help");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_online_help_link_is_the_cmdlets_HelpUri()
    {
        var result = PowerShellHost.Run("""
            foreach ($c in Get-Command -Module PgAutogen -CommandType Cmdlet) {
                $online = (Get-Help $c.Name).relatedLinks.navigationLink | Where-Object linkText -eq 'Online Version:' | ForEach-Object uri
                "$($c.Name)|$($c.HelpUri)|$online"
            }
            """);
        Assert.False(result.HadErrors, result.ToString());
        Assert.NotEmpty(result.Output);
        var problems = result.Output.Select(o => o.ToString().Split('|'))
            .Where(row => row[1] != HelpUriBase + row[0] + ".md" || row[2] != row[1])
            .Select(row => $"{row[0]}: HelpUri '{row[1]}', online help link '{row[2]}' (both should be {HelpUriBase}{row[0]}.md)")
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_example_parses_and_names_only_commands_that_exist()
    {
        var core = CoreCommands();
        var problems = new List<string>();
        foreach (var (cmdlet, examples) in ExamplesByCmdlet())
        {
            var coreOnly = 0;
            foreach (var (title, code) in examples)
            {
                var (commands, errors) = Parse(code);
                foreach (var error in errors)
                {
                    problems.Add($"{cmdlet} {title}: parse error at {error.Extent.StartLineNumber}:{error.Extent.StartColumnNumber}: {error.Message}");
                }

                var unknown = commands.Select(c => c.Name).Where(n => !core.Contains(n) && !PinnedParameters.ContainsKey(n) && !OtherKnownCommands.Contains(n)).ToList();
                if (unknown.Count > 0)
                {
                    problems.Add($"{cmdlet} {title}: unknown command(s) {string.Join(", ", unknown)}");
                }

                if (commands.All(c => core.Contains(c.Name) || PinnedParameters.ContainsKey(c.Name)))
                {
                    coreOnly++;
                }
            }

            if (coreOnly == 0)
            {
                problems.Add($"{cmdlet}: no example uses only core cmdlets (Where-Object, ForEach-Object...) and PgAutogen's, so none runs on the bare engine");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The examples that need no database and no files run, CI-style ($ErrorActionPreference = 'Stop'), without errors.</summary>
    [Fact]
    public void Examples_that_need_no_database_run_without_errors()
    {
        var core = CoreCommands();
        var exported = ExportedParameters().Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ran = new List<string>();
        var problems = new List<string>();
        foreach (var (cmdlet, examples) in ExamplesByCmdlet())
        {
            foreach (var (title, code) in examples)
            {
                var (commands, errors) = Parse(code);
                if (errors.Length > 0 || !IsOffline(commands, core, exported.Contains("Get-PgDeclaration")))
                {
                    continue;
                }

                ran.Add($"{cmdlet} {title}");
                var result = PowerShellHost.Run(code, ciStyle: true);
                if (result.Terminating is not null || result.Errors.Count > 0)
                {
                    problems.Add($"{cmdlet} {title}:\n{result}");
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"Ran {ran.Count} example(s): {string.Join("; ", ran)}");
        if (exported.Contains("Get-PgDeclaration"))
        {
            Assert.True(ran.Count > 0, "Get-PgDeclaration is exported, but no example ran: its -Sql examples should.");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [InlineData("Get-PgDeclaration -Sql 'CREATE VIEW v AS SELECT 1' | ForEach-Object Identity", true)]
    [InlineData("try { Get-PgDeclaration -Sql 'DROP TABLE t' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }", true)]
    [InlineData("@(1, 2, 3) | Where-Object { $_ -gt 1 } | ForEach-Object { $_ * 2 }", true)]
    [InlineData("Get-PgDeclaration ./db", false)]
    [InlineData("Get-PgDeclaration -Path ./db -Sql 'CREATE VIEW v AS SELECT 1'", false)]
    [InlineData("Get-PgDeclaration -Sql 'CREATE VIEW v AS SELECT 1' -LP ./db", false)]
    [InlineData("Get-ChildItem ./db | Get-PgDeclaration", false)]
    [InlineData("Get-PgCatalogObject -Kind View | Where-Object Name -like 'v*'", false)]
    [InlineData("$s = Start-PgSandbox; Stop-PgSandbox $s", false)]
    [InlineData("$x = 1", false)]
    public void Only_examples_that_need_no_database_and_no_files_are_run(string code, bool offline)
    {
        var (commands, errors) = Parse(code);
        Assert.Empty(errors);
        Assert.Equal(offline, IsOffline(commands, CoreCommands(), getPgDeclarationExported: true));
    }

    [Fact]
    public void About_PgAutogen_is_found_by_Get_Help()
    {
        var result = PowerShellHost.Run("""
            $about = Get-Help about_PgAutogen
            $about.Name
            $about.Category
            $about.Synopsis
            [string]$about
            """);
        Assert.False(result.HadErrors, result.ToString());
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("about_PgAutogen", lines[0]);
        Assert.Equal("HelpFile", lines[1]);
        Assert.Contains("PostgreSQL", lines[2], StringComparison.Ordinal);
        foreach (var topic in new[] { "THE METHOD", "SAFETY RULES", "PGHOST", "PGSSLMODE", "SHARE ROW EXCLUSIVE", "PgAutogen.MigrationOp", "$ErrorActionPreference" })
        {
            Assert.Contains(topic, lines[3], StringComparison.Ordinal);
        }

        foreach (var cmdlet in PinnedParameters.Keys)
        {
            Assert.Contains(cmdlet, lines[3], StringComparison.Ordinal);
        }
    }

    /// <summary>Exported cmdlet → its parameters (common ones excluded), sorted ordinally.</summary>
    private static Dictionary<string, List<string>> ExportedParameters()
    {
        var result = PowerShellHost.Run("""
            $common = [System.Management.Automation.Cmdlet]::CommonParameters
            foreach ($c in Get-Command -Module PgAutogen -CommandType Cmdlet) {
                "$($c.Name)|" + (@($c.Parameters.Keys | Where-Object { $common -notcontains $_ }) -join ',')
            }
            """);
        Assert.False(result.HadErrors, result.ToString());
        return result.Output.Select(o => o.ToString().Split('|')).ToDictionary(
            r => r[0],
            r => r[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList(),
            StringComparer.Ordinal);
    }

    /// <summary>The engine's own commands (Microsoft.PowerShell.Core and its built-in functions), whatever PSModulePath holds.</summary>
    private static HashSet<string> CoreCommands()
    {
        var result = PowerShellHost.Run("""
            Get-Command -Module Microsoft.PowerShell.Core | ForEach-Object Name
            Get-Command -CommandType Function, Alias | Where-Object { -not $_.ModuleName } | ForEach-Object Name
            """, importModule: false);
        Assert.False(result.HadErrors, result.ToString());
        var names = result.Output.Select(o => o.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Where-Object", names);
        Assert.Contains("ForEach-Object", names);
        return names;
    }

    /// <summary>Every example of every cmdlet in the compiled help, exported or not yet: cmdlet → (title, code).</summary>
    private static Dictionary<string, List<(string Title, string Code)>> ExamplesByCmdlet() =>
        Maml.Commands(XDocument.Load(HelpFile)).ToDictionary(
            c => Maml.Text(c, "details", "name"),
            c => c.Descendants(Maml.Command + "example")
                .Select(e => (e.Element(Maml.MamlNs + "title")!.Value.Trim('-', ' '), e.Element(Maml.Dev + "code")!.Value))
                .ToList());

    /// <summary>
    /// The rule for running an example here: it calls at least one command, and only the engine's core
    /// commands or Get-PgDeclaration with -Sql alone (so no database, no files, no full-pwsh cmdlet).
    /// </summary>
    private static bool IsOffline(IReadOnlyList<ExampleCommand> commands, HashSet<string> core, bool getPgDeclarationExported) =>
        commands.Count > 0 && commands.All(c =>
            core.Contains(c.Name)
            || (getPgDeclarationExported && string.Equals(c.Name, "Get-PgDeclaration", StringComparison.OrdinalIgnoreCase) && c.UsesSqlOnly));

    private static (List<ExampleCommand> Commands, ParseError[] Errors) Parse(string code)
    {
        var ast = Parser.ParseInput(code, out _, out var errors);
        var commands = ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true)
            .Cast<CommandAst>()
            .Where(c => c.GetCommandName() is not null)
            .Select(c => new ExampleCommand(c))
            .ToList();
        return (commands, errors);
    }

    private sealed class ExampleCommand(CommandAst ast)
    {
        public string Name { get; } = ast.GetCommandName();

        /// <summary>
        /// -Sql and nothing that reads a path: no -Path, -LiteralPath or their aliases (-PSPath, -FullName, -LP),
        /// and no positional argument (it would bind to -Path). Conservative: a value after a switch counts as positional.
        /// </summary>
        public bool UsesSqlOnly
        {
            get
            {
                var elements = ast.CommandElements.Skip(1).ToList();
                var parameters = elements.OfType<CommandParameterAst>().Select(p => p.ParameterName).ToList();
                var positional = elements.Where((e, i) => e is not CommandParameterAst && !(i > 0 && elements[i - 1] is CommandParameterAst { Argument: null }));
                return parameters.Contains("Sql", StringComparer.OrdinalIgnoreCase)
                    && !parameters.Any(n => n.StartsWith('P') || n.StartsWith('p') || n.StartsWith('L') || n.StartsWith('l') || n.StartsWith('F') || n.StartsWith('f'))
                    && !positional.Any();
            }
        }
    }

    private static class Maml
    {
        public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        public static readonly XNamespace MamlNs = "http://schemas.microsoft.com/maml/2004/10";
        public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        private static readonly XNamespace Msh = "http://msh";

        public static IEnumerable<XElement> Commands(XDocument doc)
        {
            Assert.Equal(Msh + "helpItems", doc.Root!.Name);
            Assert.Equal("maml", doc.Root.Attribute("schema")?.Value);
            return doc.Root.Elements(Command + "command");
        }

        public static string Text(XElement command, string container, string element) =>
            command.Element(Command + container)?.Element(Command + element)?.Value ?? "";

        /// <summary>The paragraphs of an element's own maml:description (or of a remarks element).</summary>
        public static IEnumerable<string> Paras(XElement element)
        {
            var holder = element.Name == Dev + "remarks" ? element : element.Element(MamlNs + "description");
            return holder?.Elements(MamlNs + "para").Select(p => p.Value) ?? [];
        }
    }
}
