#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds PgAutogen, runs its tests, and lays out the importable module in out/PgAutogen.
.DESCRIPTION
    A thin wrapper over the dotnet CLI for pwsh users; CI calls dotnet directly (see .ci/run).
    No module dependencies.
.PARAMETER Task
    Build (default): dotnet build, which lays out out/PgAutogen.
    Test: dotnet test (all tests; needs PostgreSQL binaries or PGAUTOGEN_TEST_CONNECTION, and libpg_query).
    Package: build in Release and copy out/PgAutogen to artifacts/PgAutogen for publishing.
.PARAMETER Configuration
    Debug (default) or Release.
.EXAMPLE
    ./build.ps1
    Import-Module ./out/PgAutogen
.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build' { Invoke-Dotnet build --configuration $Configuration }
    'Test' { Invoke-Dotnet test --configuration $Configuration }
    'Package' {
        Invoke-Dotnet build --configuration Release
        $target = Join-Path $PSScriptRoot 'artifacts/PgAutogen'
        if (Test-Path $target) { Remove-Item -Recurse -Force $target }
        New-Item -ItemType Directory -Force (Split-Path $target) | Out-Null
        Copy-Item -Recurse (Join-Path $PSScriptRoot 'out/PgAutogen') $target
        Test-ModuleManifest (Join-Path $target 'PgAutogen.psd1') | Format-List Name, Version, Guid
        Write-Host "Module ready to publish: $target (Publish-PSResource -Path $target)"
    }
}
