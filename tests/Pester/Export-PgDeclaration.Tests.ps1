BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql $AppSchemaSql
    $cs = $db.ConnectionString
    $root = New-DeclarationFolder @{}
    $target = Join-Path $root 'db'
}
AfterAll {
    Remove-TestDatabase $db
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'Export-PgDeclaration' {
    It 'writes nothing and outputs nothing with -WhatIf' {
        Export-PgDeclaration -Path $target -ConnectionString $cs -WhatIf | Should -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
    }

    It 'writes one file per object and outputs them as FileInfo' {
        $files = @(Export-PgDeclaration -Path $target -ConnectionString $cs)
        $files.Count | Should -Be 4
        $files | ForEach-Object { $_ | Should -BeOfType ([System.IO.FileInfo]) }
        ($files | ForEach-Object { [System.IO.Path]::GetRelativePath($target, $_.FullName) -replace '\\', '/' } | Sort-Object) |
            Should -Be @('app/functions/order_total.sql', 'app/functions/touch.sql', 'app/triggers/orders.orders_touch.sql', 'app/views/open_orders.sql')
    }

    It 'round-trips: the exported files, piped from Get-ChildItem, are the database' {
        $declarations = @(Get-ChildItem $target -Recurse -Filter *.sql | Get-PgDeclaration)
        # Each object, and each routine's and view's owner (ALTER ... OWNER TO, after its definition).
        @($declarations | Where-Object { -not $_.IsOwnerChange }).Count | Should -Be 4
        @($declarations | Where-Object IsOwnerChange).Identity | Sort-Object | Should -Be @('app.open_orders', 'app.order_total(integer)', 'app.touch()')
        $declarations | Compare-PgDeclaration -ConnectionString $cs | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite without -Force (OutputFileExists)' {
        $err = $null
        try { Export-PgDeclaration -Path $target -ConnectionString $cs -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'OutputFileExists,*'
        @(Export-PgDeclaration -Path $target -ConnectionString $cs -Force).Count | Should -Be 4
    }

    It 'exports only the given -Kind and -Schema' {
        @(Export-PgDeclaration -Path (Join-Path $root 'views') -ConnectionString $cs -Kind View -Schema 'ap*').Count | Should -Be 1
    }
}
