#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds PgAutogen, runs its tests, lays out the importable module in out/PgAutogen, and packages it for a gallery.
.DESCRIPTION
    A thin wrapper over the dotnet CLI for pwsh users; CI calls dotnet directly (see .ci/run). No module dependencies.
    Without pwsh, run it through the Shell: dotnet run --project src/PgAutogen.Shell -- -NoModule build.ps1 -Task Package
.PARAMETER Task
    Build (default): dotnet build, which lays out out/PgAutogen (and builds libpg_query for this machine when missing).
    Test: dotnet test (all tests; needs PostgreSQL binaries or PGAUTOGEN_TEST_CONNECTION).
    Package: builds in Release, builds libpg_query for every -Runtime and smoke-tests each on its own platform's loader
    (natively, under qemu-user-static, under wine64), lays the module out in <OutputDirectory>/PgAutogen with
    runtimes/<rid>/native/ and LICENSE, checks the manifest, and writes <OutputDirectory>/PgAutogen.<version>.nupkg, the
    package Publish-PSResource -NupkgPath and Install-PSResource (from a folder repository) take.
.PARAMETER Configuration
    Debug or Release (Build and Test default to Debug, Package to Release).
.PARAMETER Runtime
    Package: the platforms whose libpg_query the package ships (default: linux-x64, linux-arm64, win-x64; a list or one
    comma-separated string). Cross-building
    needs Debian's gcc-aarch64-linux-gnu and gcc-mingw-w64-x86-64; smoke-testing needs qemu-user-static and wine64.
.PARAMETER OutputDirectory
    Package: where the module folder and the .nupkg go (default: artifacts).
.PARAMETER NoBuild
    Package: package out/PgAutogen as it is, without building it first.
.EXAMPLE
    ./build.ps1
    Import-Module ./out/PgAutogen
.EXAMPLE
    ./build.ps1 -Task Package
    Register-PSResourceRepository -Name local -Uri ./artifacts -Trusted; Install-PSResource PgAutogen -Repository local
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration,
    [string[]] $Runtime = @('linux-x64', 'linux-arm64', 'win-x64'),
    [string] $OutputDirectory = (Join-Path $PSScriptRoot 'artifacts'),
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot
if (-not $Configuration) { $Configuration = if ($Task -eq 'Package') { 'Release' } else { 'Debug' } }
# -Runtime a,b from pwsh -File (or the Shell) arrives as one string.
$Runtime = @($Runtime | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
foreach ($rid in $Runtime) {
    if ($rid -notin 'linux-x64', 'linux-arm64', 'win-x64') { throw "Unknown -Runtime '$rid': one of linux-x64, linux-arm64, win-x64." }
}

function Invoke-Native {
    param([string] $Command, [string[]] $Arguments)
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Escape([string] $text) { [System.Security.SecurityElement]::Escape($text) }

switch ($Task) {
    'Build' { Invoke-Native dotnet @('build', '--configuration', $Configuration) }
    'Test' { Invoke-Native dotnet @('test', '--configuration', $Configuration) }
    'Package' {
        if (-not $IsLinux) {
            throw "The package's libpg_query libraries (linux-x64, linux-arm64, win-x64) are built with Debian's compilers: run build.ps1 -Task Package on Linux (or in WSL)."
        }
        if (-not $NoBuild) { Invoke-Native dotnet @('build', '--configuration', $Configuration) }
        $module = Join-Path $PSScriptRoot 'out/PgAutogen'
        if (-not (Test-Path (Join-Path $module 'PgAutogen.psd1'))) { throw "There is no built module in ${module}: run without -NoBuild." }

        Write-Host "Building and smoke-testing libpg_query for $($Runtime -join ', ')"
        $rids = foreach ($rid in $Runtime) { '--rid'; $rid }
        $libraries = & bash (Join-Path $PSScriptRoot 'scripts/build-libpg-query.sh') @rids --smoke
        if ($LASTEXITCODE -ne 0) { throw "scripts/build-libpg-query.sh failed (its message is above)." }

        $null = New-Item -ItemType Directory -Force $OutputDirectory
        $OutputDirectory = (Resolve-Path $OutputDirectory).ProviderPath
        $target = Join-Path $OutputDirectory 'PgAutogen'
        if (Test-Path $target) { Remove-Item -Recurse -Force $target }
        Copy-Item -Recurse $module $target
        Remove-Item -Recurse -Force (Join-Path $target 'runtimes') -ErrorAction SilentlyContinue
        foreach ($i in 0..($Runtime.Count - 1)) {
            $native = New-Item -ItemType Directory -Force (Join-Path $target "runtimes/$($Runtime[$i])/native")
            Copy-Item ([string]@($libraries)[$i]) $native.FullName
        }
        Copy-Item (Join-Path $PSScriptRoot 'LICENSE') $target

        $manifestPath = Join-Path $target 'PgAutogen.psd1'
        $null = Test-ModuleManifest $manifestPath
        $manifest = Import-PowerShellDataFile $manifestPath
        $psData = $manifest.PrivateData.PSData
        # The tags PowerShellGet/PSResourceGet write when they publish a module (what gallery searches read).
        $tags = @('PSModule', 'PSIncludes_Cmdlet', 'PSEdition_Core') + $psData.Tags +
            @($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
        $nuspec = Join-Path $OutputDirectory 'PgAutogen.nuspec'
        Set-Content -LiteralPath $nuspec -Encoding utf8NoBOM -Value @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/10/nuspec.xsd">
  <metadata>
    <id>PgAutogen</id>
    <version>$(Escape $manifest.ModuleVersion)</version>
    <authors>$(Escape $manifest.Author)</authors>
    <owners>$(Escape $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <license type="expression">MIT</license>
    <projectUrl>$(Escape $psData.ProjectUri)</projectUrl>
    <description>$(Escape $manifest.Description)</description>
    <releaseNotes>$(Escape $psData.ReleaseNotes)</releaseNotes>
    <copyright>$(Escape $manifest.Copyright)</copyright>
    <tags>$(Escape ($tags -join ' '))</tags>
  </metadata>
  <files>
    <file src="**" target="" />
  </files>
</package>
"@
        Get-ChildItem $OutputDirectory -Filter 'PgAutogen.*.nupkg' | Remove-Item -Force
        Invoke-Native dotnet @('pack', (Join-Path $PSScriptRoot 'build/Package.proj'), '--nologo', '--output', $OutputDirectory,
            "-p:NuspecFile=$nuspec", "-p:NuspecBasePath=$target")
        Remove-Item -LiteralPath $nuspec
        $package = Get-ChildItem $OutputDirectory -Filter 'PgAutogen.*.nupkg' | Select-Object -First 1
        Write-Host "Module: $target"
        Write-Host ("Package: {0} ({1:N1} MB; libpg_query for {2})" -f $package.FullName, ($package.Length / 1MB), ($Runtime -join ', '))
        Write-Host "Publish: Publish-PSResource -NupkgPath '$($package.FullName)' -Repository PSGallery -ApiKey <key>"
    }
}
