# Every example of the help (Get-Help <cmdlet> -Examples, the help the module ships) and every PowerShell block of the
# README runs in the Shell, as a user would paste it, in a checkout of a small "shop" project against its own database.
#
# The world the examples assume: ./db holds the declarations (functions/, orders/, procedures/, triggers.sql, views.sql),
# ./migrations the team's dbmate migrations (the tables, then the committed audit migration), and the database is at the
# first migration: the declarations are ahead of it (drift), as on the day a migration is written. $cs and $prod name that
# database, $staging one where the declarations are applied, $dev the server (for -ShadowConnectionString); PGHOST,
# PGPORT, PGUSER and PGDATABASE point at it for the examples that take the connection from the environment.
#
# What is rewritten, and nothing else: a string that is a connection string (Host=..., host=... dbname=..., postgresql://)
# becomes the example's database; /usr/lib/postgresql/<n>/bin becomes where that major's binaries are here; Get-Credential
# answers with the test server's user (the prompt a user would answer). A file an example writes without -Force is not in
# its checkout yet (New-PgMigration's -OutFile, Export-PgDeclaration's -Path), as on the first run.
#
# An example passes when every error a user would see came from a `throw` of its own (a CI check failing on drift, as
# documented) and it exits with 0 or 1 (drift); any error of a cmdlet, of binding or of the engine that it does not
# catch itself fails it, and so does an exit code of 2 or more (the check could not run). An example is skipped, with the reason, only
# when it needs what this machine lacks (a command such as az/aws, another major's binaries, a pg_dump for -Shadow).

BeforeDiscovery {
    . $PSScriptRoot/TestSupport.ps1
    $examples = Get-DocumentedExample
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $examples = Get-DocumentedExample

    $script:TablesSql = @'
CREATE SCHEMA IF NOT EXISTS app;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS billing;
CREATE TABLE IF NOT EXISTS app.customers (id int PRIMARY KEY, name text NOT NULL, updated_at timestamptz);
CREATE TABLE IF NOT EXISTS app.orders (id int PRIMARY KEY, customer_id int REFERENCES app.customers, status text NOT NULL DEFAULT 'open',
  total numeric NOT NULL DEFAULT 0, updated_at timestamptz);
CREATE TABLE IF NOT EXISTS audit.log (tbl text, op text, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS billing.invoices (id int PRIMARY KEY, order_id int, amount numeric);
CREATE OR REPLACE FUNCTION app.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ begin new.updated_at := clock_timestamp(); return new; end $$;
CREATE OR REPLACE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
CREATE OR REPLACE FUNCTION app.old_helper() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE VIEW app.open_orders AS SELECT id, status FROM app.orders WHERE status <> 'closed';
'@
    $script:Declarations = @{
        'db/functions/touch_updated_at.sql' = 'CREATE OR REPLACE FUNCTION app.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ begin new.updated_at := now(); return new; end $$;'
        'db/functions/audit_status.sql'     = 'CREATE OR REPLACE FUNCTION app.audit_status() RETURNS trigger LANGUAGE plpgsql AS $$ begin insert into audit.log (tbl, op) values (tg_table_name, tg_op); return new; end $$;'
        'db/functions/get_customer.sql'     = 'CREATE OR REPLACE FUNCTION app.get_customer(p_id int) RETURNS app.customers LANGUAGE sql STABLE AS $$ SELECT * FROM app.customers WHERE id = p_id $$;'
        'db/orders/order_total.sql'         = 'CREATE OR REPLACE FUNCTION app.order_total(o app.orders) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT o.total $$;'
        'db/procedures/close_order.sql'     = 'CREATE OR REPLACE PROCEDURE app.close_order(p_id int) LANGUAGE sql AS $$ UPDATE app.orders SET status = ''closed'' WHERE id = p_id $$;'
        'db/triggers.sql'                   = @'
CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
CREATE TRIGGER orders_audit_status AFTER UPDATE OF status ON app.orders FOR EACH ROW EXECUTE FUNCTION app.audit_status();
'@
        'db/views.sql'                      = 'CREATE OR REPLACE VIEW app.open_orders AS SELECT id, status, total FROM app.orders WHERE status <> ''closed'';'
        'migrations/20240101000000_tables.sql' = "-- migrate:up`n$TablesSql`n-- migrate:down`nDROP SCHEMA app, audit, billing CASCADE;`n"
    }

    $server = Get-TestServerConnectionString
    Initialize-TestNpgsql
    $serverParts = [Npgsql.NpgsqlConnectionStringBuilder]::new($server)
    $script:Created = [System.Collections.Generic.List[object]]::new()
    function New-ShopDatabase([switch] $Declared) {
        $db = New-TestDatabase -Sql $TablesSql
        $script:Created.Add($db)
        if ($Declared) { Invoke-PgMigration -ConnectionString $db.ConnectionString -Path (Join-Path $template 'migrations/20240601120000_audit.sql') | Out-Null }
        $db
    }

    # The checkout every example starts from: the declarations, the tables migration and the committed audit migration
    # (written as the team wrote it: New-PgMigration from the database at the first migration).
    $script:Work = New-DeclarationFolder $Declarations
    $script:template = $Work
    New-Item -ItemType Directory -Path (Join-Path $Work 'out') | Out-Null
    New-Item -ItemType SymbolicLink -Path (Join-Path $Work 'out/PgAutogen') -Target (Split-Path $ModuleManifest) | Out-Null
    $first = New-ShopDatabase
    Push-Location $Work
    try {
        Compare-PgDeclaration -ConnectionString $first.ConnectionString -Path ./db -Schema app |
            New-PgMigration -OutFile ./migrations/20240601120000_audit.sql -Message 'Audit status changes' | Out-Null
    } finally { Pop-Location }
    $staging = New-ShopDatabase -Declared

    # Binaries of other majors, and a pg_dump for -Shadow (the major of the test server or newer).
    $major = [Math]::Floor([int](Invoke-TestSql $server 'SHOW server_version_num') / 10000)
    $binaryDirs = @(@($env:PGAUTOGEN_PG_BIN) + @(Get-Item /usr/lib/postgresql/*/bin -ErrorAction Ignore | ForEach-Object FullName) +
        @(if ($env:PGAUTOGEN_PG_CACHE) { Get-Item (Join-Path $env:PGAUTOGEN_PG_CACHE '*/bin') -ErrorAction Ignore | ForEach-Object FullName }) +
        @(Get-Item (Join-Path $RepoRoot '.pg/*/bin') -ErrorAction Ignore | ForEach-Object FullName)) | Where-Object { $_ } | Select-Object -Unique
    function Get-BinaryMajor([string] $dir, [string] $tool = 'postgres') {
        $exe = Join-Path $dir $tool
        if (-not (Test-Path $exe)) { return $null }
        $v = & $exe --version 2>$null
        if ($v -match '(\d+)(\.\d+)?') { [int]$Matches[1] }
    }
    $script:HasShadowClient = [bool]($binaryDirs | Where-Object { (Get-BinaryMajor $_ 'pg_dump') -ge $major } | Select-Object -First 1)

    # Plan every example: its database, its checkout, its rewritten code, or why it cannot run here.
    $script:Plan = foreach ($example in $examples) {
        $code = $example.Code
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$null, [ref]$null)
        $skip = $null
        foreach ($name in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true) | ForEach-Object { $_.GetCommandName() } | Where-Object { $_ } | Select-Object -Unique) {
            if (-not (Get-Command $name -ErrorAction Ignore)) { $skip = "it runs $name, which this machine does not have" }
        }
        if (-not $skip -and $code -match '-Shadow|-Baseline' -and -not $HasShadowClient) { $skip = "-Shadow needs a pg_dump of PostgreSQL $major or newer" }

        $db = if ($skip) { $null } else { New-ShopDatabase }
        $checkout = Join-Path $Work "../$(Split-Path $Work -Leaf)-$($example.Id)"
        $temp = Join-Path $Work "../$(Split-Path $Work -Leaf)-$($example.Id)-temp"
        # Rewrites, from the end of the text so the extents stay valid.
        $edits = [System.Collections.Generic.List[object]]::new()
        foreach ($s in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.StringConstantExpressionAst] -or $args[0] -is [System.Management.Automation.Language.ExpandableStringExpressionAst] }, $true)) {
            if ($s.Value -match '(?i)(^|[;\s])host=|^postgres(ql)?://' -and $db) {
                $edits.Add(@{ Start = $s.Extent.StartOffset; End = $s.Extent.EndOffset; Text = "'" + $db.ConnectionString.Replace("'", "''") + "'" })
            }
        }
        foreach ($m in [regex]::Matches($code, '/usr/lib/postgresql/(\d+)/bin')) {
            $dir = $binaryDirs | Where-Object { (Get-BinaryMajor $_) -eq [int]$m.Groups[1].Value } | Select-Object -First 1
            if ($dir) { $edits.Add(@{ Start = $m.Index; End = $m.Index + $m.Length; Text = $dir }) }
            elseif (-not $skip) { $skip = "no PostgreSQL $($m.Groups[1].Value) binaries on this machine" }
        }
        foreach ($e in $edits | Sort-Object { $_.Start } -Descending) { $code = $code.Substring(0, $e.Start) + $e.Text + $code.Substring($e.End) }

        # Outputs written without -Force are not there yet: New-PgMigration's file, Export-PgDeclaration's folder.
        $fresh = foreach ($c in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $parameters = @($c.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object ParameterName)
            if ($parameters -contains 'Force' -or $parameters -contains 'WhatIf') { continue }
            $target = switch ($c.GetCommandName()) { 'New-PgMigration' { 'OutFile' } 'Export-PgDeclaration' { 'Path' } default { $null } }
            if (-not $target) { continue }
            $elements = @($c.CommandElements)
            for ($k = 0; $k -lt $elements.Count - 1; $k++) {
                if ($elements[$k] -is [System.Management.Automation.Language.CommandParameterAst] -and $elements[$k].ParameterName -eq $target -and
                    $elements[$k + 1] -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                    @{ Path = $elements[$k + 1].Value; Folder = $target -eq 'Path' }
                }
            }
        }
        @{
            Id = $example.Id; Title = $example.Title; Source = $example.Source; Skip = $skip; Code = $code
            Database = $db; Checkout = $checkout; Temp = $temp; Fresh = @($fresh)
        }
    }

    # Each checkout, and the example as a script file beside it.
    foreach ($p in $Plan | Where-Object { -not $_.Skip }) {
        Copy-Item -Recurse -Path $Work -Destination $p.Checkout
        New-Item -ItemType Directory -Path $p.Temp | Out-Null
        foreach ($f in $p.Fresh) {
            $path = Join-Path $p.Checkout $f.Path
            if ($f.Folder -and (Test-Path -LiteralPath $path -PathType Container)) { Remove-Item -Recurse -LiteralPath $path }
            elseif (-not $f.Folder -and (Test-Path -LiteralPath $path -PathType Leaf)) { Remove-Item -LiteralPath $path }
        }
        $p.Script = Join-Path $p.Temp 'example.ps1'
        Set-Content -LiteralPath $p.Script -Value $p.Code -Encoding utf8NoBOM
    }

    # The setup's own connections (one pooled per database it loaded) are not the examples' to share.
    [Npgsql.NpgsqlConnection]::ClearAllPools()

    # One Shell process runs them all, one after the other, each in its checkout against its database.
    $driver = Join-Path $Work '../examples-driver.ps1'
    $planPath = Join-Path $Work '../examples-plan.json'
    $resultPath = Join-Path $Work '../examples-results.json'
    @{
        Server = $server; Staging = $staging.ConnectionString; Result = $resultPath
        Host = $serverParts.Host; Port = [string]$serverParts.Port; User = $serverParts.Username; Password = [string]$serverParts.Password
        Examples = @($Plan | Where-Object { -not $_.Skip } | ForEach-Object { @{ Id = $_.Id; Script = $_.Script; Checkout = $_.Checkout; Temp = $_.Temp; Database = $_.Database.Name; ConnectionString = $_.Database.ConnectionString } })
    } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $planPath -Encoding utf8NoBOM
    Set-Content -LiteralPath $driver -Encoding utf8NoBOM -Value @'
param([string] $PlanPath)
$plan = Get-Content -Raw -LiteralPath $PlanPath | ConvertFrom-Json
$env:PGHOST = $plan.Host; $env:PGPORT = $plan.Port; $env:PGUSER = $plan.User
if ($plan.Password) { $env:PGPASSWORD = $plan.Password }
$env:GITHUB_ACTIONS = $null; $env:TF_BUILD = $null
# The answer a user types at Get-Credential's prompt.
function Get-Credential { param([string] $UserName) [pscredential]::new($env:PGUSER, [System.Net.NetworkCredential]::new('', 'typed-at-the-prompt').SecurePassword) }
$results = foreach ($example in $plan.Examples) {
    Set-Location -LiteralPath $example.Checkout
    $env:PGDATABASE = $example.Database
    $env:RUNNER_TEMP = $example.Temp; $env:AGENT_TEMPDIRECTORY = $example.Temp; $env:GITHUB_STEP_SUMMARY = Join-Path $example.Temp 'summary.md'
    $cs = $example.ConnectionString; $prod = $cs; $staging = $plan.Staging; $dev = $plan.Server
    $global:LASTEXITCODE = 0
    $seen = [System.Collections.Generic.List[object]]::new()
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    # What the user sees: records on the error stream, and a terminating error that leaves the example (one the example
    # catches itself is handled, not seen).
    $output = try {
        & $example.Script *>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord] -and $_.PSObject.Properties['writeErrorStream']) { $seen.Add($_) }
            $_
        } | Out-String -Width 160
    } catch { $seen.Add($_); "(stopped: $_)" }
    [ordered]@{
        Id = $example.Id
        ExitCode = $global:LASTEXITCODE
        Seconds = [Math]::Round($watch.Elapsed.TotalSeconds, 1)
        Output = $output
        Errors = @($seen | ForEach-Object {
            [ordered]@{
                Id = $_.FullyQualifiedErrorId
                Message = [string]$_.Exception.Message
                Thrown = ($_.Exception -is [System.Management.Automation.RuntimeException]) -and $_.Exception.WasThrownFromThrowStatement
                At = if ($_.InvocationInfo) { $_.InvocationInfo.PositionMessage } else { '' }
            }
        })
    }
}
ConvertTo-Json -InputObject @($results) -Depth 4 | Set-Content -LiteralPath $plan.Result -Encoding utf8NoBOM
'@
    $script:Run = Invoke-Shell -ArgumentList '-NoProfile', '-File', $driver, $planPath -WorkingDirectory $Work
    $script:Results = @{}
    if (Test-Path $resultPath) {
        foreach ($r in (Get-Content -Raw $resultPath | ConvertFrom-Json)) { $Results[$r.Id] = $r }
    }
}

AfterAll {
    foreach ($db in @($Created)) { if ($db) { Remove-TestDatabase $db } }
    foreach ($p in @($Plan)) { if ($p) { Remove-Item -Recurse -Force -LiteralPath $p.Checkout, $p.Temp -ErrorAction Ignore } }
    if ($Work) {
        Remove-Item -Force (Join-Path $Work '../examples-*') -ErrorAction Ignore
        Remove-Item -Recurse -Force -LiteralPath $Work -ErrorAction Ignore
    }
}

Describe 'Every example of the help and the README runs in the Shell' {
    It 'finds an example for every cmdlet and the README''s PowerShell blocks' -TestCases @(@{ All = $examples }) {
        $sources = @($All | ForEach-Object { $_.Source } | Select-Object -Unique)
        foreach ($command in Get-Command -Module PgAutogen -CommandType Cmdlet) { $sources | Should -Contain $command.Name }
        $sources | Should -Contain 'README'
    }

    Context '<Source>' -ForEach @($examples | Group-Object { $_.Source } | ForEach-Object { @{ Source = $_.Name; Examples = @($_.Group) } }) {
        It '<Title>' -ForEach $Examples {
            $planned = $Plan | Where-Object Id -eq $Id
            if ($planned.Skip) { Set-ItResult -Skipped -Because $planned.Skip; return }
            $result = $Results[$Id]
            $result | Should -Not -BeNullOrEmpty -Because "the Shell ran the examples (exit $($Run.ExitCode)):`n$($Run.Output)`n$($Run.Error)"
            $unexpected = @($result.Errors | Where-Object { -not $_.Thrown })
            $report = ($unexpected | ForEach-Object { "$($_.Id): $($_.Message)`n$($_.At)" }) -join "`n"
            $unexpected.Count | Should -Be 0 -Because "the example raised errors of its own cmdlets or of the engine:`n$report`n--- output:`n$($result.Output)`n--- code:`n$($planned.Code)"
            # 0, or 1 where a CI check fails on drift as documented; 2 and up say the check itself could not run.
            $result.ExitCode | Should -BeLessOrEqual 1 -Because "the example's exit code says it failed:`n$($result.Output)"
        }
    }
}
