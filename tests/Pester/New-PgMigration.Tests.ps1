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

    It 'refuses a migration with a gated hazard, naming it, until it is allowed by name (-AllowHazard)' {
        Invoke-TestSql $cs 'CREATE MATERIALIZED VIEW app.order_count AS SELECT count(*) AS n FROM app.orders'
        $mv = New-DeclarationFolder @{ 'mv.sql' = 'CREATE MATERIALIZED VIEW app.order_count AS SELECT count(*) AS n, sum(total) AS total FROM app.orders;' }
        $file = Join-Path $outDir 'mv/001_mv.sql'
        $err = $null
        try { New-PgMigration -Path $mv -Kind MaterializedView -ConnectionString $cs -OutFile $file -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MigrationHazardNotAllowed,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.Exception.Message | Should -Match 'RecreatesMaterializedView: step \d+, DropAndCreate materialized view app\.order_count'
        $err.Exception.Message | Should -Match '-AllowHazard RecreatesMaterializedView'
        Test-Path $file | Should -BeFalse

        # The table marks the step (! gates), with the hazard's kind after its reason.
        $ops = Compare-PgDeclaration -Path $mv -Kind MaterializedView -ConnectionString $cs
        $text = $ops | Out-String -Width 120
        $text | Should -Match '(?m)^!\s+\d+\s+DropAndCreate\s+Create'
        ((Get-TableColumn $text 'Reason') -replace '\s+', '') | Should -Match '\[hazard:RecreatesMaterializedView\]'

        $written = New-PgMigration -Path $mv -Kind MaterializedView -ConnectionString $cs -OutFile $file -AllowHazard RecreatesMaterializedView -Verbose 4>&1
        ($written | Where-Object { $_ -is [System.IO.FileInfo] }).FullName | Should -Be $file
        $written | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Hazard RecreatesMaterializedView (allowed): step *' } |
            Should -Not -BeNullOrEmpty
    }

    It 'writes a guard with -Guard that stops the upgrade when an object it replaces was changed by hand' {
        $fn = New-DeclarationFolder @{
            'f.sql' = 'CREATE FUNCTION app.order_total(p_id int) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total + 1 FROM app.orders WHERE id = p_id $$;'
            'touch.sql' = 'CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;'
        }
        $file = Join-Path $outDir 'guard/001_guard.sql'
        New-PgMigration -Path $fn -Kind Function -ConnectionString $cs -OutFile $file -Guard -Verify | Out-Null
        Get-Content -Raw $file | Should -Match '(?s)-- migrate:up.*DO \$pgautogen_guard\$.*-- migrate:down.*DO \$pgautogen_guard\$'
        Invoke-TestSql $cs 'CREATE OR REPLACE FUNCTION app.order_total(p_id integer) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total * 3 FROM app.orders WHERE id = p_id $$'
        { Invoke-PgMigration -Path $file -ConnectionString $cs -Confirm:$false -ErrorAction Stop } | Should -Throw '*PgAutogen -Guard*function app.order_total(integer) was changed*'
        Invoke-TestSql $cs 'CREATE OR REPLACE FUNCTION app.order_total(p_id integer) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total FROM app.orders WHERE id = p_id $$'
        Invoke-PgMigration -Path $file -ConnectionString $cs -Confirm:$false
        Invoke-PgMigration -Path $file -Down -ConnectionString $cs -Confirm:$false
    }

    It 'says so on the host, and writes nothing, when there is no difference' {
        $none = Join-Path $outDir 'none.sql'
        $said = New-PgMigration -Sql (Get-PgCatalogObject -ConnectionString $cs -Kind View).Definition -Kind View -ConnectionString $cs -OutFile $none 6>&1
        "$said" | Should -Match 'No differences'
        Test-Path $none | Should -BeFalse
    }
}
