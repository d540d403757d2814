BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $scripts = New-DeclarationFolder @{
        'args.ps1' = "param(`$Name)`n`"name=`$Name args=`$(`$args -join ',')`""
        'goes-on.ps1' = "'one'`nGet-PgDeclaration -Sql 'DROP TABLE x'`nCompare-PgDeclaration -Sql 'CREATE VIEW v AS SELECT 1' -ConnectionString 'Host=127.0.0.1;Port=1;Database=x;Username=u'`n'two'"
        'throws.ps1' = "'before'`nthrow 'boom'`n'after'"
        'exit.ps1' = "'bye'`nexit 7"
    }
}
AfterAll { Remove-Item -Recurse -Force $scripts -ErrorAction SilentlyContinue }

Describe 'The Shell (pwsh -File / -Command semantics)' {
    It 'runs the full pwsh cmdlet set (Utility, Management)' {
        $r = Invoke-Shell '-NoModule', '-NoProfile', '-Command', '1..3 | Sort-Object -Descending | ConvertTo-Json -Compress'
        $r.ExitCode | Should -Be 0
        $r.Output.Trim() | Should -Be '[3,2,1]'
    }

    It 'passes -File arguments as parameters and $args' {
        $r = Invoke-Shell '-NoProfile', '-File', (Join-Path $scripts 'args.ps1'), '-Name', 'x', 'y', 'z'
        $r.Output.Trim() | Should -Be 'name=x args=y,z'
        (Invoke-Shell (Join-Path $scripts 'args.ps1'), 'a').Output.Trim() | Should -Be 'name=a args='
    }

    It 'reports errors on stderr and goes on after a statement-terminating error, exit code 0' {
        $r = Invoke-Shell '-File', (Join-Path $scripts 'goes-on.ps1')
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match '(?s)one.*two'
        $r.Output | Should -Not -Match 'DROP TABLE|Could not connect'
        $r.Error | Should -Match 'DROP TABLE is not allowed'
        $r.Error | Should -Match 'Could not connect'
    }

    It 'ends with exit code 1 and the error on stderr at a script-terminating error' {
        $r = Invoke-Shell (Join-Path $scripts 'throws.ps1')
        $r.ExitCode | Should -Be 1
        $r.Output.Trim() | Should -Be 'before'
        $r.Error | Should -Match 'boom'
    }

    It 'exits with the script''s exit N' {
        (Invoke-Shell (Join-Path $scripts 'exit.ps1')).ExitCode | Should -Be 7
        (Invoke-Shell '-NoModule', '-Command', 'exit 3').ExitCode | Should -Be 3
    }

    It 'exits 1 from -Command when its last statement failed, 0 when it succeeded' {
        (Invoke-Shell '-NoModule', '-Command', 'Get-Item /no/such/path').ExitCode | Should -Be 1
        (Invoke-Shell '-NoModule', '-Command', 'Get-Item /no/such/path; "fine"').ExitCode | Should -Be 0
    }

    It 'reads the command from standard input with -Command -' {
        $r = Invoke-Shell '-NoModule', '-Command', '-' -InputText "'from stdin'; exit 4"
        $r.Output.Trim() | Should -Be 'from stdin'
        $r.ExitCode | Should -Be 4
    }

    It 'refuses an unknown switch and a missing script with exit code 64' {
        (Invoke-Shell '-Bogus', 'x').ExitCode | Should -Be 64
        (Invoke-Shell (Join-Path $scripts 'missing.ps1')).ExitCode | Should -Be 64
    }

    It 'refuses to prompt with -NonInteractive (a missing mandatory parameter fails instead of waiting)' {
        $r = Invoke-Shell '-NonInteractive', '-Command', 'Invoke-PgMigration'
        $r.ExitCode | Should -Be 1
        $r.Error | Should -Match 'NonInteractive|Path'
    }

    It 'has PgAutogen loaded, and not with -NoModule' {
        (Invoke-Shell '-Command', '(Get-Module PgAutogen).Name').Output.Trim() | Should -Be 'PgAutogen'
        (Invoke-Shell '-NoModule', '-Command', '@(Get-Module PgAutogen).Count').Output.Trim() | Should -Be '0'
    }
}
