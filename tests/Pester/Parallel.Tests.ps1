# Many databases at once (tenants, shards): ForEach-Object -Parallel in one process, each runspace its own answer.
BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    # Database i holds app.version() returning i; the declarations say 3: only database 3 is in sync.
    $databases = foreach ($i in 1..8) {
        $d = New-TestDatabase -Sql "CREATE SCHEMA app; CREATE FUNCTION app.version() RETURNS integer LANGUAGE sql AS 'SELECT $i'; CREATE VIEW app.v$i AS SELECT $i AS n;"
        [pscustomobject]@{ Index = $i; Name = $d.Name; ConnectionString = $d.ConnectionString }
    }
    $declarations = New-DeclarationFolder @{ 'app.sql' = "CREATE FUNCTION app.version() RETURNS integer LANGUAGE sql AS 'SELECT 3';" }
}
AfterAll {
    $databases | ForEach-Object { Remove-TestDatabase $_ }
    Remove-Item -Recurse -Force $declarations -ErrorAction SilentlyContinue
}

Describe 'Eight databases in parallel runspaces' {
    It 'gives each database its own answer from Test-PgDeclaration and Compare-PgDeclaration' {
        $module = $ModuleManifest
        $path = $declarations
        $results = $databases | ForEach-Object -ThrottleLimit 8 -Parallel {
            Import-Module $using:module
            $db = $_
            $ops = @(Compare-PgDeclaration -Path $using:path -ConnectionString $db.ConnectionString -WarningAction SilentlyContinue)
            [pscustomobject]@{
                Index = $db.Index
                InSync = Test-PgDeclaration -Path $using:path -ConnectionString $db.ConnectionString -Kind Function -CIFormat None -WarningAction SilentlyContinue
                Ops = $ops
                Runspace = [runspace]::DefaultRunspace.InstanceId
            }
        }
        $results.Count | Should -Be 8
        @($results.Runspace | Select-Object -Unique).Count | Should -BeGreaterThan 1
        foreach ($r in $results) {
            $r.InSync | Should -Be ($r.Index -eq 3) -Because "database $($r.Index)"
            # Its own view is dropped (not declared); its own function body is what is replaced.
            ($r.Ops | Where-Object Action -eq Drop).Identity | Should -Be "app.v$($r.Index)"
            $replace = @($r.Ops | Where-Object Action -eq Replace)
            if ($r.Index -eq 3) { $replace | Should -BeNullOrEmpty }
            else { $replace[0].Current.Definition | Should -Match "SELECT $($r.Index)\b" }
        }
    }
}
