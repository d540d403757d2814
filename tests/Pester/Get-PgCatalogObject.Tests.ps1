BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql $AppSchemaSql
    $cs = $db.ConnectionString
    $refused = 'Host=127.0.0.1;Port=1;Database=nowhere;Username=someone'
}
AfterAll { Remove-TestDatabase $db }

Describe 'Get-PgCatalogObject' {
    It 'streams every managed object as a PgObject with an enum Kind' {
        $objects = @(Get-PgCatalogObject -ConnectionString $cs)
        $objects.Count | Should -Be 4
        $objects | ForEach-Object { $_ | Should -BeOfType ([PgAutogen.PgObject]) }
        ($objects | Where-Object Kind -eq Trigger).Name | Should -Be 'orders_touch'
    }

    It 'filters by -Kind, -Schema and -Name with wildcards' {
        (Get-PgCatalogObject -ConnectionString $cs -Kind Function -Name 'order_*').Identity | Should -Be 'app.order_total(integer)'
        Get-PgCatalogObject -ConnectionString $cs -Schema 'nope*' | Should -BeNullOrEmpty
    }

    It 'binds -ConnectionString by property name from the pipeline' {
        $view = [pscustomobject]@{ ConnectionString = $cs } | Get-PgCatalogObject -Kind View
        $view.Identity | Should -Be 'app.open_orders'
    }

    It 'reads each connection piped in, in turn' {
        $other = New-TestDatabase -Sql 'CREATE VIEW public.only_here AS SELECT 1 AS one'
        try {
            $views = [pscustomobject]@{ ConnectionString = $cs }, [pscustomobject]@{ ConnectionString = $other.ConnectionString } | Get-PgCatalogObject -Kind View
            $views.Identity | Should -Be @('app.open_orders', 'public.only_here')
        } finally { Remove-TestDatabase $other }
    }

    It 'reports a refused connection as ConnectionFailed with the connection as target and a recommended action' {
        $err = $null
        try { Get-PgCatalogObject -ConnectionString $refused -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.TargetObject | Should -BeOfType ([PgAutogen.ConnectionInfo])
        "$($err.TargetObject)" | Should -Be 'someone@127.0.0.1:1/nowhere'
        $err.ErrorDetails.RecommendedAction | Should -Match '127\.0\.0\.1:1'
    }

    It 'reports a missing database as DatabaseNotFound (ObjectNotFound) with its target' {
        $missing = ($cs -replace 'Database=[^;]+', 'Database=no_such_db')
        $err = $null
        try { Get-PgCatalogObject -ConnectionString $missing -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject.Database | Should -Be 'no_such_db'
        $err.ErrorDetails.RecommendedAction | Should -Match 'no_such_db'
    }
}

Describe 'PgObject outside the console' {
    BeforeAll {
        Invoke-TestSql $cs 'CREATE VIEW app.order_totals AS SELECT id, app.order_total(id) AS total FROM app.orders' | Out-Null
        $objects = Get-PgCatalogObject -ConnectionString $cs
    }

    It 'shows Kind, Schema, Name and Arguments at <_> columns' -ForEach 80, 120 {
        $width = $_
        $text = $objects | Out-String -Width $width
        $text | Should -Match 'Kind\s+Schema\s+Name\s+Arguments'
        $text | Should -Match 'Function\s+app\s+order_total\s+integer'
        $text | Should -Match 'orders_touch\s+ON orders'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt $width }) | Should -BeNullOrEmpty
    }

    It 'writes enums as their names in JSON' {
        $json = $objects | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.Kind | Should -Contain 'Function'
        $json.Kind | Should -Contain 'Trigger'
        ($json | Where-Object Name -eq 'orders_touch').TriggerState | Should -Be 'Enabled'
    }

    It 'joins list properties in CSV instead of writing System.String[]' {
        $csv = $objects | ConvertTo-Csv
        ($csv -join "`n") | Should -Not -Match 'System\.(String\[\]|Collections)'
        ($objects | Where-Object Name -eq order_totals | ConvertTo-Csv | ConvertFrom-Csv).DependsOn | Should -Match 'app\.order_total\(integer\)'
    }
}

Describe 'Completion of -Schema, -Name and -Kind' {
    BeforeAll {
        function Complete([string] $line) { @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches) }
        # The first Tab starts reading the names and waits a short budget; a later Tab finds them cached.
        function CompleteEventually([string] $line) {
            $deadline = (Get-Date).AddSeconds(20)
            do { $m = Complete $line } until (@($m | Where-Object ResultType -eq ParameterValue).Count -gt 0 -or (Get-Date) -gt $deadline)
            @($m | Where-Object ResultType -eq ParameterValue)
        }
        Invoke-TestSql $cs 'CREATE SCHEMA "audit log"; CREATE SCHEMA archive' | Out-Null
    }

    It 'completes -Schema with the schemas of the connected database' {
        $m = CompleteEventually "Get-PgCatalogObject -ConnectionString '$cs' -Schema a"
        $m.CompletionText | Should -Be @('app', 'archive', "'audit log'")
    }

    It 'completes -Name with the object names, within -Kind and -Schema' {
        (CompleteEventually "Get-PgCatalogObject -ConnectionString '$cs' -Kind Function -Name ").CompletionText | Should -Be @('order_total', 'touch')
        (CompleteEventually "Get-PgCatalogObject -ConnectionString '$cs' -Schema app -Kind Trigger -Name o").CompletionText | Should -Be @('orders_touch')
    }

    It 'completes -Kind with the managed kinds' {
        (Complete 'Get-PgCatalogObject -Kind Mat').CompletionText | Should -Be @('MaterializedView')
        (Complete 'Compare-PgDeclaration -Kind Ev').CompletionText | Should -Be @('EventTrigger')
    }

    It 'completes -Schema of <_>' -ForEach 'Compare-PgDeclaration', 'Test-PgDeclaration', 'New-PgMigration', 'Export-PgDeclaration' {
        (CompleteEventually "$_ -ConnectionString '$cs' -Schema ap").CompletionText | Should -Be @('app')
    }

    It 'completes no value, within its budget and silently, when the server cannot be reached' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $m = Complete "Get-PgCatalogObject -ConnectionString '$refused' -Schema a"
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        @($m | Where-Object ResultType -eq ParameterValue) | Should -BeNullOrEmpty
    }
}
