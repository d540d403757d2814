<#
.SYNOPSIS
Runs PgAutogen's Pester tests (tests/Pester/*.Tests.ps1) in the Shell, against one PostgreSQL server.

.DESCRIPTION
  dotnet run --project src/PgAutogen.Shell -- tests/Pester/Invoke-PesterTests.ps1 [-Path <file or filter>] [-ResultPath <json>]
`dotnet test` runs them too (tests/PgAutogen.Pester.Tests: one test case per Pester test). The server is
PGAUTOGEN_TEST_CONNECTION (a superuser connection string) or a sandbox this script starts (Start-PgSandbox) and stops.
Pester is found at -PesterPath, PGAUTOGEN_PESTER, an installed Pester 6, or NuGet's package folder (dotnet restore
fetches it). Exit code: the number of failed tests (capped at 255), 0 when every test passed.
#>
param(
    [string[]] $Path = @($PSScriptRoot),
    [string] $ResultPath,
    [string] $PesterPath = $env:PGAUTOGEN_PESTER,
    [string[]] $FullNameFilter,
    [switch] $ListOnly,
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Normal'
)
$ErrorActionPreference = 'Stop'

if (-not (Get-Module PgAutogen)) {
    Import-Module (Join-Path $PSScriptRoot '../../out/PgAutogen/PgAutogen.psd1')
}

if (-not $PesterPath) {
    $installed = Get-Module Pester -ListAvailable | Where-Object { $_.Version.Major -ge 6 } | Sort-Object Version -Descending | Select-Object -First 1
    if ($installed) { $PesterPath = $installed.Path }
    else {
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $PesterPath = Get-ChildItem (Join-Path $packages 'pester') -Directory -ErrorAction SilentlyContinue |
            Where-Object { $_.Name -like '6.*' } | Sort-Object { [version]($_.Name -replace '-.*$', '') } -Descending |
            ForEach-Object { Join-Path $_.FullName 'tools/Pester.psd1' } | Select-Object -First 1
    }
}
if (-not $PesterPath -or -not (Test-Path $PesterPath)) {
    throw "Pester 6 was not found: run 'dotnet restore' (tests/PgAutogen.Pester.Tests references the Pester package), or set PGAUTOGEN_PESTER to Pester.psd1."
}
Import-Module $PesterPath -MinimumVersion 6.0.0

$env:PGAUTOGEN_SHELL = [PgAutogen.Shell.ShellRunner].Assembly.Location
$sandbox = $null
try {
    if (-not $ListOnly) {
        if ($env:PGAUTOGEN_TEST_CONNECTION) {
            $env:PGAUTOGEN_PESTER_SERVER = $env:PGAUTOGEN_TEST_CONNECTION
        } else {
            $sandbox = Start-PgSandbox
            $env:PGAUTOGEN_PESTER_SERVER = $sandbox.ConnectionString
        }
    }

    $config = New-PesterConfiguration
    $config.Run.Path = $Path
    $config.Run.PassThru = $true
    $config.Run.SkipRun = [bool]$ListOnly
    $config.Output.Verbosity = if ($ListOnly) { 'None' } else { $Output }
    if ($FullNameFilter) { $config.Filter.FullName = $FullNameFilter }
    $run = Invoke-Pester -Configuration $config

    # Names from the blocks' and tests' templates (data-driven ones are expanded only when they run), numbered when the
    # same template runs several times: the same in a listing and in a run, so the two can be matched.
    $seen = @{}
    $tests = foreach ($test in $run.Tests) {
        $name = (Split-Path $test.ScriptBlock.File -Leaf) + ': ' + ($test.Path -join ' > ')
        $seen[$name] = 1 + [int]$seen[$name]
        if ($seen[$name] -gt 1) { $name += " #$($seen[$name])" }
        $message = if ($test.ErrorRecord) { ($test.ErrorRecord | ForEach-Object { $_.ToString() + "`n" + $_.ScriptStackTrace }) -join "`n" } else { '' }
        if ($test.Result -eq 'Skipped' -and $test.ErrorRecord) { $message = ($test.ErrorRecord | ForEach-Object { $_.ToString() }) -join "`n" }
        [ordered]@{
            Name = $name
            Result = [string]$test.Result
            Message = $message
            Duration = $test.Duration.TotalMilliseconds
        }
    }
    # Container failures (a BeforeAll that threw) are failures too.
    $containers = foreach ($container in $run.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.ErrorRecord }) {
        [ordered]@{ Name = "$($container.Item): container"; Result = 'Failed'; Message = ($container.ErrorRecord | ForEach-Object { $_.ToString() }) -join "`n"; Duration = 0 }
    }
    if ($ResultPath) {
        ConvertTo-Json -InputObject @(@($tests) + @($containers)) -Depth 3 | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM
    }
    if (-not $ListOnly) {
        "Pester: $($run.PassedCount) passed, $($run.FailedCount) failed, $($run.SkippedCount) skipped, $($run.NotRunCount) not run"
    }
    $failed = $run.FailedCount + @($containers).Count
} finally {
    if ($sandbox) { Stop-PgSandbox $sandbox -Confirm:$false }
}
exit ([Math]::Min($failed, 255))
