using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using PgAutogen.TestSupport;

namespace PgAutogen.Module.Tests;

/// <summary>What ships in out/PgAutogen, checked statically and in the hosted engine.</summary>
public sealed class ModuleLayoutTests
{
    private static readonly string[] ExpectedCmdlets =
    {
        "Compare-PgDeclaration", "Export-PgDeclaration", "Get-PgCatalogObject", "Get-PgDeclaration", "Invoke-PgMigration",
        "New-PgMigration", "Start-PgSandbox", "Stop-PgSandbox", "Test-PgDeclaration",
    };

    [Fact]
    public void The_module_imports_from_out_and_exports_exactly_its_cmdlets()
    {
        var result = PowerShellHost.Run("""
            (Get-Module PgAutogen).Path
            (Get-Module PgAutogen).Version.ToString()
            Get-Command -Module PgAutogen | ForEach-Object Name
            """);
        Assert.False(result.HadErrors, result.ToString());
        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.StartsWith(Paths.ModuleDirectory, lines[0], StringComparison.Ordinal);
        Assert.Equal(ReadVersionPrefix(), lines[1]);
        Assert.Equal(ExpectedCmdlets.Order(), lines.Skip(2).Order());
    }

    [Fact]
    public void Test_ModuleManifest_passes_and_the_manifest_is_gallery_ready()
    {
        var result = PowerShellHost.Run($"""
            $m = Test-ModuleManifest -Path '{Paths.ModuleManifest}' -ErrorAction Stop
            $m.PowerShellVersion.ToString()
            $m.CompatiblePSEditions -join ','
            $m.Guid.ToString()
            $m.Author
            $m.Description.Length -gt 40
            $m.PrivateData.PSData.ProjectUri
            ($m.PrivateData.PSData.Tags -contains 'PostgreSQL')
            """, importModule: false);
        Assert.False(result.HadErrors, result.ToString());
        var v = result.Output.Select(o => o.ToString()).ToList();
        Assert.Equal("7.4", v[0]);
        Assert.Equal("Core", v[1]);
        Assert.NotEqual(Guid.Empty, Guid.Parse(v[2]));
        Assert.False(string.IsNullOrWhiteSpace(v[3]));
        Assert.Equal("True", v[4]);
        Assert.StartsWith("https://", v[5], StringComparison.Ordinal);
        Assert.Equal("True", v[6]);

        var manifest = File.ReadAllText(Paths.ModuleManifest);
        Assert.DoesNotContain("*", System.Text.RegularExpressions.Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value, StringComparison.Ordinal);
        foreach (var cmdlet in ExpectedCmdlets)
        {
            Assert.Contains($"'{cmdlet}'", manifest, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_layout_keeps_dependencies_in_deps_and_ships_no_framework_or_powershell_assemblies()
    {
        var root = Paths.ModuleDirectory;
        Assert.Equal(new[] { "PgAutogen.Model.dll", "PgAutogen.dll" }, Directory.GetFiles(root, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var deps = Directory.GetFiles(Path.Combine(root, "deps"), "*.dll").Select(Path.GetFileName).ToList();
        Assert.Contains("PgAutogen.Core.dll", deps);
        Assert.Contains("Npgsql.dll", deps);
        Assert.DoesNotContain(deps, d => d!.StartsWith("System.Management.Automation", StringComparison.Ordinal));
        Assert.DoesNotContain(deps, d => d!.StartsWith("Docker.DotNet", StringComparison.Ordinal) || d!.StartsWith("Testcontainers", StringComparison.Ordinal));
        var framework = Net8Framework();
        Assert.DoesNotContain(deps, d => framework.ContainsKey(Path.GetFileNameWithoutExtension(d!)));
    }

    [Fact]
    public void Nothing_shipped_references_a_framework_assembly_newer_than_net8_provides()
    {
        var framework = Net8Framework();
        var shipped = Directory.GetFiles(Paths.ModuleDirectory, "*.dll", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => f);
        var problems = new List<string>();
        foreach (var (name, path) in shipped)
        {
            foreach (var (refName, refVersion) in References(path))
            {
                if (shipped.ContainsKey(refName) || refName is "System.Management.Automation" or "Microsoft.PowerShell.Commands.Utility")
                {
                    continue;
                }

                if (!framework.TryGetValue(refName, out var available))
                {
                    problems.Add($"{name} references {refName} {refVersion}, which is neither shipped nor part of .NET 8");
                }
                else if (refVersion > available)
                {
                    problems.Add($"{name} references {refName} {refVersion}, but .NET 8 provides {available} (PowerShell 7.4 would fail to load it)");
                }
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void The_cmdlet_assembly_does_not_reference_Npgsql_and_Npgsql_stays_on_9()
    {
        var cmdletRefs = References(Path.Combine(Paths.ModuleDirectory, "PgAutogen.dll")).Select(r => r.Name).ToList();
        Assert.DoesNotContain("Npgsql", cmdletRefs);
        Assert.Contains("PgAutogen.Core", cmdletRefs);
        var npgsql = System.Reflection.AssemblyName.GetAssemblyName(Path.Combine(Paths.ModuleDirectory, "deps", "Npgsql.dll"));
        Assert.Equal(9, npgsql.Version!.Major);
    }

    internal static List<(string Name, Version Version)> References(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h)).Select(r => (md.GetString(r.Name), r.Version)).ToList();
    }

    /// <summary>The assemblies .NET 8 provides, with their versions, from the Microsoft.NETCore.App 8.0 reference pack.</summary>
    private static Dictionary<string, Version> Net8Framework()
    {
        var roots = new List<string>();
        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        roots.Add(Path.Combine(nugetRoot, "microsoft.netcore.app.ref"));
        var dotnetRoot = Path.GetDirectoryName(Environment.ProcessPath) ?? "";
        roots.Add(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref"));
        var dir = roots.Where(Directory.Exists)
            .SelectMany(Directory.GetDirectories)
            .Where(d => Path.GetFileName(d).StartsWith("8.0.", StringComparison.Ordinal))
            .Select(d => Path.Combine(d, "ref", "net8.0"))
            .FirstOrDefault(Directory.Exists);
        Assert.True(dir is not null, "The .NET 8 reference pack (microsoft.netcore.app.ref 8.0.x) was not found; building the net8.0 module restores it.");
        return Directory.GetFiles(dir!, "*.dll").ToDictionary(
            f => Path.GetFileNameWithoutExtension(f),
            f => System.Reflection.AssemblyName.GetAssemblyName(f).Version!);
    }

    private static string ReadVersionPrefix()
    {
        var props = File.ReadAllText(Path.Combine(Paths.RepoRoot, "Directory.Build.props"));
        return System.Text.RegularExpressions.Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;
    }
}
