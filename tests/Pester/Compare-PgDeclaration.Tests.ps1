BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql $AppSchemaSql
    $cs = $db.ConnectionString
    # order_total changes (Replace), open_orders loses a column (DropAndCreate: two steps), touch and its trigger are not
    # declared (Drop), app.discount is new (Create).
    $dir = New-DeclarationFolder @{
        'app/order_total.sql' = 'CREATE FUNCTION app.order_total(p_id int) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT total * 2 FROM app.orders WHERE id = p_id $$;'
        'app/open_orders.sql' = "CREATE VIEW app.open_orders AS SELECT id FROM app.orders WHERE status <> 'closed';"
        'app/discount.sql' = 'CREATE FUNCTION app.discount(p numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT p * 0.9 $$;'
    }
    $ops = @(Compare-PgDeclaration -Path $dir -ConnectionString $cs -WarningAction SilentlyContinue)
}
AfterAll {
    Remove-TestDatabase $db
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
}

Describe 'Compare-PgDeclaration' {
    It 'emits MigrationOp steps in the order they run' {
        $ops | ForEach-Object { $_ | Should -BeOfType ([PgAutogen.MigrationOp]) }
        $ops.Order | Should -Be (1..$ops.Count)
        ($ops | Where-Object Action -eq Create).Identity | Should -Be 'app.discount(numeric)'
        ($ops | Where-Object Action -eq Replace).Identity | Should -Be 'app.order_total(integer)'
        ($ops | Where-Object Action -eq Drop).Identity | Sort-Object | Should -Be @('app.touch()', 'orders_touch ON app.orders')
    }

    It 'says which half of a DropAndCreate each of its two steps is (Phase Drop, then Create)' {
        $halves = @($ops | Where-Object Identity -eq 'app.open_orders')
        $halves.Action | Should -Be @('DropAndCreate', 'DropAndCreate')
        $halves.Phase | Should -Be @('Drop', 'Create')
        $halves[0].Order | Should -BeLessThan $halves[1].Order
        ($ops | Where-Object Identity -ne 'app.open_orders').Phase | Where-Object { $null -ne $_ } | Should -BeNullOrEmpty
        "$($halves[0])" | Should -Be 'DropAndCreate (drop) app.open_orders'
    }

    It 'counts one step per object when the Drop halves are left out' {
        @($ops | Where-Object Phase -ne 'Drop').Count | Should -Be 5
        @($ops | Group-Object Kind, Identity).Count | Should -Be 5
    }

    It 'shows the whole Reason and the Phase in the table at <_> columns' -ForEach 80, 120 {
        $width = $_
        $text = $ops | Out-String -Width $width
        $text | Should -Match 'Order\s+Action\s+Phase\s+Kind\s+Identity\s+Reason'
        # Wrapped, never cut: the Reason column, read down the table, holds every reason whole.
        $column = (Get-TableColumn $text 'Reason') -replace '\s+', ''
        foreach ($op in $ops) { $column | Should -Match ([regex]::Escape(($op.Reason -replace '\s+', ''))) }
        $text | Should -Match 'DropAndCreate\s+Drop\s'
        $text | Should -Match 'DropAndCreate\s+Create\s'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt $width }) | Should -BeNullOrEmpty
    }

    It 'writes Action, Kind and Phase by name in JSON' {
        $json = $ops | ConvertTo-Json -Depth 1 | ConvertFrom-Json
        $json.Action | Should -Contain 'DropAndCreate'
        $json.Kind | Should -Contain 'View'
        $json.Phase | Where-Object { $_ } | Should -Be @('Drop', 'Create')
    }

    It 'writes readable CSV (Export-Csv)' {
        $file = Join-Path $dir 'ops.csv'
        $ops | Select-Object Order, Action, Phase, Kind, Identity, Reason | Export-Csv -LiteralPath $file
        $rows = Import-Csv -LiteralPath $file
        $rows.Action | Should -Contain 'DropAndCreate'
        $rows.Phase | Should -Contain 'Drop'
        Get-Content -Raw $file | Should -Not -Match 'System\.'
    }

    It 'scopes the comparison to the objects piped from Get-PgCatalogObject' {
        $scoped = @(Get-PgCatalogObject -ConnectionString $cs -Kind Function -Name order_total | Compare-PgDeclaration -Path $dir -ConnectionString $cs)
        # order_total is replaced; discount is created (new); nothing that was not piped is dropped or replaced.
        $scoped.Action | Sort-Object | Should -Be @('Create', 'Replace')
    }

    It 'reports progress by phase, with counts' {
        $ps = [powershell]::Create()
        [void]$ps.AddScript("Import-Module '$ModuleManifest'; `$ProgressPreference = 'Continue'; Compare-PgDeclaration -Path '$dir' -ConnectionString '$cs' -WarningAction SilentlyContinue")
        [void]$ps.Invoke()
        $records = @($ps.Streams.Progress)
        $ps.Dispose()
        $status = $records.StatusDescription
        $status | Should -Contain 'Parsing 3 declaration source(s)'
        $status | Where-Object { $_ -match '^Read the current catalog: \d+ object\(s\); executing 3 declaration\(s\)' } | Should -Not -BeNullOrEmpty
        $status | Where-Object { $_ -match '^Executed \d+ declaration\(s\).*; reading the catalog back$' } | Should -Not -BeNullOrEmpty
        $status | Where-Object { $_ -match '^Diffing \d+ current and \d+ desired object\(s\)$' } | Should -Not -BeNullOrEmpty
        $records[-1].RecordType | Should -Be 'Completed'
        ($records | Where-Object RecordType -ne Completed).PercentComplete | ForEach-Object { $_ | Should -BeGreaterOrEqual 0 }
        @($records.ActivityId | Select-Object -Unique).Count | Should -Be 1
    }

    It 'stops with DeclarationsInvalid after reporting each declaration error (id, category, position)' {
        $errors = $null
        $err = $null
        try { Compare-PgDeclaration -Sql 'CREATE VIEW app.v AS SELEC 1', 'DROP TABLE app.orders' -ConnectionString $cs -ErrorVariable errors -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $all = @($errors) + @($err) | Sort-Object -Unique -Property { $_.FullyQualifiedErrorId }
        $ids = $all | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }
        $ids | Should -Contain 'DeclarationSyntaxError'
        ($all | Where-Object { $_.FullyQualifiedErrorId -like 'DeclarationSyntaxError*' }).CategoryInfo.Category | Should -Be 'ParserError'
        ($all | Where-Object { $_.FullyQualifiedErrorId -like 'DeclarationSyntaxError*' }).Exception.Message | Should -Match '-Sql\[0\]:1:'
    }
}
