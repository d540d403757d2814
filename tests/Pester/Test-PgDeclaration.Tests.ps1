BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql $AppSchemaSql
    $cs = $db.ConnectionString
    $repo = New-DeclarationFolder @{}
    Export-PgDeclaration -Path (Join-Path $repo 'db') -ConnectionString $cs | Out-Null
    $changed = Join-Path $repo 'db/app/functions/order_total.sql'
    (Get-Content -Raw $changed) -replace 'SELECT total', 'SELECT total + 1' | Set-Content -NoNewline $changed
    function Annotations([string] $format, [hashtable] $environment) {
        $saved = @{}
        foreach ($k in $environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $environment[$k]) }
        try {
            Test-PgDeclaration -Path (Join-Path $repo 'db') -ConnectionString $cs -CIFormat $format 6>&1 |
                Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | ForEach-Object { "$($_.MessageData)" }
        } finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
    }
}
AfterAll {
    Remove-TestDatabase $db
    Remove-Item -Recurse -Force $repo -ErrorAction SilentlyContinue
}

Describe 'Test-PgDeclaration' {
    It 'outputs only $false when the database drifts, and drift is not an error' {
        $ErrorActionPreference = 'Stop'
        $result = @(Test-PgDeclaration -Path (Join-Path $repo 'db') -ConnectionString $cs -CIFormat None)
        $result.Count | Should -Be 1
        $result[0] | Should -BeOfType ([bool])
        $result[0] | Should -BeFalse
    }

    It 'outputs only $true when the database matches' {
        Test-PgDeclaration -Sql (Get-PgCatalogObject -ConnectionString $cs).Definition -ConnectionString $cs -CIFormat None | Should -BeTrue
    }

    It 'writes GitHub annotations with the path relative to GITHUB_WORKSPACE, the line and the column' {
        $lines = Annotations GitHubActions @{ GITHUB_WORKSPACE = $repo }
        $lines | Should -Be @('::warning file=db/app/functions/order_total.sql,line=2,col=1::Function app.order_total(integer) differs from its declaration: definition differs')
    }

    It 'writes Azure DevOps annotations with the path relative to BUILD_SOURCESDIRECTORY' {
        $lines = Annotations AzureDevOps @{ BUILD_SOURCESDIRECTORY = $repo }
        $lines | Should -Be @('##vso[task.logissue type=warning;sourcepath=db/app/functions/order_total.sql;linenumber=2;columnnumber=1]Function app.order_total(integer) differs from its declaration: definition differs')
    }

    It 'picks the CI format from TF_BUILD / GITHUB_ACTIONS with -CIFormat Auto' {
        (Annotations Auto @{ GITHUB_ACTIONS = 'true'; GITHUB_WORKSPACE = $repo }) | Should -BeLike '::warning file=db/*'
    }

    It 'annotates each hazard of the drift, saying whether New-PgMigration needs it allowed' {
        $sql = (Get-PgCatalogObject -ConnectionString $cs).Definition -replace 'BEFORE UPDATE ON', 'BEFORE INSERT OR UPDATE ON'
        $saved = $env:GITHUB_WORKSPACE
        try {
            $lines = Test-PgDeclaration -Sql $sql -ConnectionString $cs -CIFormat GitHubActions 6>&1 |
                Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | ForEach-Object { "$($_.MessageData)" }
        } finally { $env:GITHUB_WORKSPACE = $saved }
        $lines | Should -Contain '::warning::Trigger orders_touch ON app.orders differs from its declaration: definition differs'
        $lines | Where-Object { $_ -like '::warning::Hazard LocksTable (does not gate): Trigger orders_touch ON app.orders: CREATE OR REPLACE TRIGGER takes SHARE ROW EXCLUSIVE on app.orders*' } |
            Should -Not -BeNullOrEmpty
    }

    It 'appends a Markdown summary to -SummaryPath' {
        $summary = Join-Path $repo 'summary.md'
        Test-PgDeclaration -Path (Join-Path $repo 'db') -ConnectionString $cs -CIFormat None -SummaryPath $summary | Out-Null
        Get-Content -Raw $summary | Should -Match '\| Replace \| Function \| `app\.order_total\(integer\)` \|'
    }

    It 'stops with DeclarationsInvalid (InvalidData) when a declaration is not allowed' {
        $err = $null
        try { Test-PgDeclaration -Sql 'DROP TABLE app.orders' -ConnectionString $cs -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'Declaration*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }
}
