BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql 'CREATE SCHEMA app'
    $cs = $db.ConnectionString
    $dir = New-DeclarationFolder @{
        'migrations/001_a.sql' = "-- migrate:up`nCREATE VIEW app.a AS SELECT 1 AS one;`n`n-- migrate:down`nDROP VIEW app.a;`n"
        'migrations/002_b.sql' = "-- migrate:up`nCREATE VIEW app.b AS SELECT one FROM app.a;`n`n-- migrate:down`nDROP VIEW app.b;`n"
        'broken/003_c.sql' = "-- migrate:up`nCREATE VIEW app.c AS SELECT 1;`nCREATE VIEW app.c AS SELECT 2;`n`n-- migrate:down`nDROP VIEW app.c;`n"
    }
}
AfterAll {
    Remove-TestDatabase $db
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
}

Describe 'Invoke-PgMigration' {
    It 'changes nothing with -WhatIf' {
        Get-ChildItem (Join-Path $dir 'migrations/*.sql') | Invoke-PgMigration -ConnectionString $cs -WhatIf
        Get-PgCatalogObject -ConnectionString $cs | Should -BeNullOrEmpty
    }

    It 'runs each file piped from Get-ChildItem, in order, without prompting for -Path' {
        Get-ChildItem (Join-Path $dir 'migrations/*.sql') | Sort-Object Name | Invoke-PgMigration -ConnectionString $cs
        (Get-PgCatalogObject -ConnectionString $cs).Identity | Should -Be @('app.a', 'app.b')
    }

    It 'runs the down sections with -Down' {
        Get-ChildItem (Join-Path $dir 'migrations/*.sql') | Sort-Object Name -Descending | Invoke-PgMigration -ConnectionString $cs -Down
        Get-PgCatalogObject -ConnectionString $cs | Should -BeNullOrEmpty
    }

    It 'rolls a failing file back and names the file, line and column' {
        $err = $null
        try { Invoke-PgMigration (Join-Path $dir 'broken/003_c.sql') -ConnectionString $cs -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -BeLike "*003_c.sql:3:1*"
        $err.TargetObject | Should -Not -BeNullOrEmpty
        Get-PgCatalogObject -ConnectionString $cs | Should -BeNullOrEmpty
    }
}
