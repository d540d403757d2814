BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql $AppSchemaSql
    $cs = $db.ConnectionString
    $dir = New-DeclarationFolder @{ 'v.sql' = 'CREATE VIEW app.closed_orders AS SELECT id FROM app.orders WHERE status = ''closed'';' }
    $outDir = New-DeclarationFolder @{}
    $out = Join-Path $outDir 'migrations/001_closed.sql'
}
AfterAll {
    Remove-TestDatabase $db
    Remove-Item -Recurse -Force $dir, $outDir -ErrorAction SilentlyContinue
}

Describe 'New-PgMigration' {
    It 'writes nothing and outputs nothing with -WhatIf' {
        $result = Compare-PgDeclaration -Sql 'CREATE VIEW app.closed_orders AS SELECT 1 AS id' -Kind View -ConnectionString $cs -WarningAction SilentlyContinue |
            New-PgMigration -OutFile $out -WhatIf
        $result | Should -BeNullOrEmpty
        Test-Path $out | Should -BeFalse
    }

    It 'writes the migration from piped steps and outputs the file' {
        $file = Get-PgCatalogObject -ConnectionString $cs -Kind View | Compare-PgDeclaration -Path $dir -ConnectionString $cs | New-PgMigration -OutFile $out -Message closed
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.FullName | Should -Be $out
        Get-Content -Raw $out | Should -Match '(?s)-- migrate:up.*CREATE OR REPLACE VIEW app\.closed_orders.*-- migrate:down.*DROP VIEW app\.closed_orders'
    }

    It 'refuses to overwrite without -Force (OutputFileExists, ResourceExists)' {
        $err = $null
        try { New-PgMigration -Path $dir -ConnectionString $cs -OutFile $out -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'OutputFileExists,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        New-PgMigration -Path $dir -ConnectionString $cs -OutFile $out -Force | Should -BeOfType ([System.IO.FileInfo])
    }

    It 'says so on the host, and writes nothing, when there is no difference' {
        $none = Join-Path $outDir 'none.sql'
        $said = New-PgMigration -Sql (Get-PgCatalogObject -ConnectionString $cs -Kind View).Definition -Kind View -ConnectionString $cs -OutFile $none 6>&1
        "$said" | Should -Match 'No differences'
        Test-Path $none | Should -BeFalse
    }
}
