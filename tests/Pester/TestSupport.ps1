# Shared by the Pester tests (dot-sourced in BeforeAll): the run's PostgreSQL server, a fresh database per Describe,
# SQL through Npgsql (loaded from the module's deps/ into the default context: the tests' own copy, never the module's).


$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModuleManifest = if (Get-Module PgAutogen) { (Get-Module PgAutogen).Path -replace '\.psm1$', '.psd1' } else { Join-Path $script:RepoRoot 'out/PgAutogen/PgAutogen.psd1' }

function Initialize-TestNpgsql {
    if (-not ('Npgsql.NpgsqlConnection' -as [type])) {
        $deps = Join-Path (Split-Path $script:ModuleManifest) 'deps'
        [void][System.Reflection.Assembly]::LoadFrom((Join-Path $deps 'Npgsql.dll'))
    }
}

function Get-TestServerConnectionString {
    if (-not $env:PGAUTOGEN_PESTER_SERVER) { throw 'No test server: run the Pester tests through tests/Pester/Invoke-PesterTests.ps1.' }
    $env:PGAUTOGEN_PESTER_SERVER
}

function Invoke-TestSql {
    param([Parameter(Mandatory)][string] $ConnectionString, [Parameter(Mandatory)][string] $Sql)
    Initialize-TestNpgsql
    $conn = [Npgsql.NpgsqlConnection]::new($ConnectionString)
    try {
        $conn.Open()
        $cmd = $conn.CreateCommand()
        $cmd.CommandText = $Sql
        $reader = $cmd.ExecuteReader()
        try {
            while ($reader.Read()) {
                if ($reader.FieldCount -eq 1) { $reader.GetValue(0) }
                else { , @(for ($i = 0; $i -lt $reader.FieldCount; $i++) { $reader.GetValue($i) }) }
            }
        } finally { $reader.Dispose() }
    } finally { $conn.Dispose() }
}

$script:DatabaseCounter = 0
function New-TestDatabase {
    param([string] $Sql)
    Initialize-TestNpgsql
    $server = Get-TestServerConnectionString
    $name = 'pester_{0}_{1}_{2}' -f $PID, ([guid]::NewGuid().ToString('N').Substring(0, 8)), (++$script:DatabaseCounter)
    Invoke-TestSql $server "CREATE DATABASE $name TEMPLATE template0 ENCODING 'UTF8'" | Out-Null
    $builder = [Npgsql.NpgsqlConnectionStringBuilder]::new($server)
    $builder.Database = $name
    $db = [pscustomobject]@{ Name = $name; ConnectionString = $builder.ConnectionString }
    if ($Sql) { Invoke-TestSql $db.ConnectionString $Sql | Out-Null }
    $db
}

function Remove-TestDatabase {
    param($Database)
    if ($Database) {
        [Npgsql.NpgsqlConnection]::ClearAllPools()
        Invoke-TestSql (Get-TestServerConnectionString) "DROP DATABASE IF EXISTS $($Database.Name) WITH (FORCE)" | Out-Null
    }
}

# A schema with one of each common kind, used by several Describes.
$script:AppSchemaSql = @'
CREATE SCHEMA app;
CREATE TABLE app.orders (id int PRIMARY KEY, status text NOT NULL, total numeric NOT NULL DEFAULT 0);
CREATE FUNCTION app.order_total(p_id integer) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total FROM app.orders WHERE id = p_id $$;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE VIEW app.open_orders AS SELECT id, status FROM app.orders WHERE status <> 'closed';
'@

# Writes declaration files under a new temporary folder; returns the folder.
function New-DeclarationFolder {
    param([Parameter(Mandatory)][hashtable] $Files)
    $root = Join-Path ([System.IO.Path]::GetTempPath()) ('pgautogen-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    foreach ($name in $Files.Keys) {
        $path = Join-Path $root $name
        New-Item -ItemType Directory -Force -Path (Split-Path $path) | Out-Null
        [System.IO.File]::WriteAllText($path, $Files[$name])
    }
    $root
}

# The Shell, for tests of its command line: runs it as a child process and returns exit code, stdout and stderr.
function Invoke-Shell {
    param([Parameter(Mandatory)][string[]] $ArgumentList, [string] $InputText, [hashtable] $Environment = @{}, [string] $WorkingDirectory = $script:RepoRoot)
    $shell = $env:PGAUTOGEN_SHELL
    if (-not $shell) { throw 'PGAUTOGEN_SHELL is not set (the runner sets it to the Shell it runs in).' }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($shell)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.WorkingDirectory = $WorkingDirectory
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if ($InputText) { $p.StandardInput.Write($InputText) }
    $p.StandardInput.Close()
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result; Error = $err.Result }
}

# The text of one column of a formatted table, read down the table (wrapped cells joined), from the header's dashes.
function Get-TableColumn {
    param([Parameter(Mandatory)][string] $Text, [Parameter(Mandatory)][string] $Header)
    $lines = $Text -split "`r?`n"
    $headerIndex = [Array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match "(^|\s)$([regex]::Escape($Header))(\s|$)" })
    if ($headerIndex -lt 0) { throw "No column '$Header' in:`n$Text" }
    $dashes = $lines[$headerIndex + 1]
    $start = $lines[$headerIndex].IndexOf($Header)
    $end = $dashes.IndexOf(' ', $start)
    $pieces = foreach ($line in $lines[($headerIndex + 2)..($lines.Count - 1)]) {
        if ($line.Length -le $start) { continue }
        if ($end -lt 0 -or $end -gt $line.Length) { $line.Substring($start) } else { $line.Substring($start, $end - $start) }
    }
    $pieces -join ''
}

# The examples users read: each cmdlet's (Get-Help -Full, the help the module ships) and the README's PowerShell blocks.
function Get-DocumentedExample {
    foreach ($command in Get-Command -Module PgAutogen -CommandType Cmdlet | Sort-Object Name) {
        $i = 0
        foreach ($example in @((Get-Help $command.Name -Full).examples.example)) {
            $i++
            @{ Source = $command.Name; Title = ([string]$example.title).Trim('-', ' '); Code = [string]$example.code; Id = "$($command.Name)-$i" }
        }
    }
    $readme = Get-Content -Raw (Join-Path $script:RepoRoot 'README.md')
    $i = 0
    foreach ($block in [regex]::Matches($readme, '(?s)```powershell\n(.*?)```')) {
        $i++
        $first = ($block.Groups[1].Value -split "`n" | Where-Object { $_.Trim() -and -not $_.TrimStart().StartsWith('#') } | Select-Object -First 1).Trim()
        @{ Source = 'README'; Title = "block $i ($first)"; Code = $block.Groups[1].Value; Id = "README-$i" }
    }
}
