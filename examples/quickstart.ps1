<#
.SYNOPSIS
    PgAutogen quickstart: the main job end to end, on a throwaway PostgreSQL unless you give a database.
.DESCRIPTION
    1. Starts a sandbox PostgreSQL (Start-PgSandbox) when no -ConnectionString is given (on a Debian/Ubuntu machine
       without PostgreSQL it installs the distribution's server first, with apt-get).
    2. Creates the tables (examples/quickstart/00_tables.sql stands for your usual schema migrations).
    3. Autogenerates the first migration from the declarations in examples/quickstart/v1 and applies it.
    4. Compares the declarations in examples/quickstart/v2 (only the declarations changed) and
       autogenerates the second migration.
    5. Prints both migrations, applies the second one, and checks that nothing is left to do.
    Runs with pwsh (Import-Module ./out/PgAutogen first) and with PgAutogen.Shell:
        dotnet run --project src/PgAutogen.Shell -- examples/quickstart.ps1
.PARAMETER ConnectionString
    A database to use instead of a sandbox. The quickstart creates and manages the schema 'app' in it.
.PARAMETER OutDirectory
    Where the migration files are written (default: a temporary folder).
#>
[CmdletBinding()]
param(
    [string] $ConnectionString,
    [string] $OutDirectory = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'pgautogen-quickstart')
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module PgAutogen)) {
    Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', 'out', 'PgAutogen', 'PgAutogen.psd1'))
}

$examples = [System.IO.Path]::Combine($PSScriptRoot, 'quickstart')
$null = [System.IO.Directory]::CreateDirectory($OutDirectory)
$sandbox = $null
if (-not $ConnectionString) {
    try {
        $sandbox = Start-PgSandbox
    }
    catch {
        # A fresh machine without PostgreSQL: on Debian/Ubuntu, install the distribution's server, then try again.
        $noBinaries = $_.FullyQualifiedErrorId -like 'ServerUnavailable*' -and "$_" -like '*No PostgreSQL server binaries*'
        if (-not ($noBinaries -and $IsLinux -and (Get-Command apt-get -ErrorAction Ignore))) { throw }
        $sudo = if ((& id -u) -eq '0') { @() } else { @('sudo') }
        "No PostgreSQL server binaries on this machine: installing the distribution's (apt-get install postgresql), about a minute..."
        & @sudo apt-get update -q *> $null
        & @sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql *> $null
        if ($LASTEXITCODE -ne 0) { throw "apt-get install postgresql failed (exit code $LASTEXITCODE): install PostgreSQL, or pass -ConnectionString." }
        $sandbox = Start-PgSandbox
    }
    $ConnectionString = $sandbox.ConnectionString
    "Started a throwaway PostgreSQL $($sandbox.Version) on port $($sandbox.Port)."
}

try {
    # The tables, from "your usual migrations".
    $null = Invoke-PgMigration -ConnectionString $ConnectionString -Path ([System.IO.Path]::Combine($examples, '00_tables.sql'))

    # First migration: everything declared in v1/ is new.
    "`n== Declarations v1 compared with the database =="
    $first = @(Compare-PgDeclaration -ConnectionString $ConnectionString -Schema app -Path ([System.IO.Path]::Combine($examples, 'v1')))
    $first
    $file1 = $first | New-PgMigration -OutFile ([System.IO.Path]::Combine($OutDirectory, '001_logic.sql')) -Message 'Business logic, first version' -Force
    "`n== $($file1.FullName) =="
    [System.IO.File]::ReadAllText($file1.FullName)
    $null = Invoke-PgMigration -ConnectionString $ConnectionString -Path $file1.FullName

    # Second migration: only the declarations changed (v2/).
    "`n== Declarations v2 compared with the database =="
    $second = @(Compare-PgDeclaration -ConnectionString $ConnectionString -Schema app -Path ([System.IO.Path]::Combine($examples, 'v2')))
    $second
    $file2 = $second | New-PgMigration -OutFile ([System.IO.Path]::Combine($OutDirectory, '002_audit.sql')) -Message 'Audit status changes' -Force
    "`n== $($file2.FullName) =="
    [System.IO.File]::ReadAllText($file2.FullName)

    # Apply it, check that nothing is left to do, then try the downgrade and the upgrade again.
    $null = Invoke-PgMigration -ConnectionString $ConnectionString -Path $file2.FullName
    $left = @(Compare-PgDeclaration -ConnectionString $ConnectionString -Schema app -Path ([System.IO.Path]::Combine($examples, 'v2')))
    if ($left.Count -ne 0) { throw "After the second migration, $($left.Count) difference(s) remain." }
    $null = Invoke-PgMigration -ConnectionString $ConnectionString -Path $file2.FullName -Down
    $null = Invoke-PgMigration -ConnectionString $ConnectionString -Path $file2.FullName
    "`nBoth migrations applied; the downgrade and upgrade of the second ran too; the database matches the declarations."
}
finally {
    if ($sandbox) { Stop-PgSandbox $sandbox }
}
