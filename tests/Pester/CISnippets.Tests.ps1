# The README's CI snippets, executed as pasted: each drift-check step's script body runs in the Shell (as pwsh would run
# it) in a checkout with ./db and ./.pgautogen (this repository, built), against a sandbox database.
BeforeDiscovery {
    $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
    $snippets = foreach ($block in [regex]::Matches($readme, '(?s)```yaml\n(.*?)```')) {
        $yaml = $block.Groups[1].Value
        $m = [regex]::Match($yaml, '(?m)^( *)(run|script): \|\n((?:\1  .*\n|\s*\n)+)')
        if (-not $m.Success) { continue }
        $indent = $m.Groups[1].Value.Length + 2
        $body = ($m.Groups[3].Value -split "`n" | ForEach-Object { if ($_.Length -ge $indent) { $_.Substring($indent) } else { $_.TrimStart() } }) -join "`n"
        @{ System = if ($yaml -match 'PowerShell@2') { 'AzureDevOps' } else { 'GitHubActions' }; Body = $body; Yaml = $yaml }
    }
}

BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $db = New-TestDatabase -Sql $AppSchemaSql
    $checkout = New-DeclarationFolder @{}
    Export-PgDeclaration -Path (Join-Path $checkout 'db') -ConnectionString $db.ConnectionString | Out-Null
    New-Item -ItemType SymbolicLink -Path (Join-Path $checkout '.pgautogen') -Target $RepoRoot | Out-Null
    function Invoke-Snippet([hashtable] $snippet) {
        $script = Join-Path $checkout 'step.ps1'
        Set-Content -LiteralPath $script -Value $snippet.Body
        $summary = Join-Path $checkout 'summary.md'
        $environment = if ($snippet.System -eq 'GitHubActions') {
            @{ DB = $db.ConnectionString; GITHUB_ACTIONS = 'true'; GITHUB_WORKSPACE = $checkout; GITHUB_STEP_SUMMARY = $summary; TF_BUILD = '' }
        } else {
            @{ DB = $db.ConnectionString; TF_BUILD = 'True'; BUILD_SOURCESDIRECTORY = $checkout; GITHUB_ACTIONS = '' }
        }
        Invoke-Shell -ArgumentList '-NoModule', '-NoProfile', '-File', $script -Environment $environment -WorkingDirectory $checkout
    }
}
AfterAll {
    Remove-TestDatabase $db
    Remove-Item -Recurse -Force $checkout -ErrorAction SilentlyContinue
}

Describe 'The README''s CI snippets' {
    It 'has a GitHub Actions and an Azure DevOps snippet whose step runs PowerShell 7' -TestCases @(@{ Snippets = $snippets }) {
        $snippets = $Snippets
        $snippets.System | Should -Contain 'GitHubActions'
        $snippets.System | Should -Contain 'AzureDevOps'
        ($snippets | Where-Object System -eq 'GitHubActions').Yaml | Should -Match 'shell: pwsh'
        ($snippets | Where-Object System -eq 'AzureDevOps').Yaml | Should -Match 'pwsh: true'
    }

    Context '<System>' -ForEach $snippets {
        It 'installs the module the way the snippet says and passes when the database matches' {
            $r = Invoke-Snippet $_
            $r.Error | Should -BeNullOrEmpty
            $r.ExitCode | Should -Be 0
        }

        It 'fails the step with one annotation per drifting object, repository-relative, when it drifts' {
            $file = Join-Path $checkout 'db/app/views/open_orders.sql'
            $original = Get-Content -Raw $file
            try {
                Set-Content -LiteralPath $file -Value ($original -replace "<> 'closed'::text", "<> 'shipped'::text")
                $r = Invoke-Snippet $_
                $r.ExitCode | Should -Be 1
                if ($_.System -eq 'GitHubActions') {
                    $r.Output | Should -Match '(?m)^::warning file=db/app/views/open_orders\.sql,line=\d+,col=\d+::View app\.open_orders differs'
                    Get-Content -Raw (Join-Path $checkout 'summary.md') | Should -Match 'app\.open_orders'
                } else {
                    $r.Output | Should -Match '(?m)^##vso\[task\.logissue type=warning;sourcepath=db/app/views/open_orders\.sql;linenumber=\d+;columnnumber=\d+\]View app\.open_orders differs'
                }
            } finally {
                Set-Content -LiteralPath $file -Value $original -NoNewline
            }
        }

        It 'fails the step with an error on stderr when the database cannot be reached' {
            $snippet = $_.Clone()
            $r = Invoke-Shell -ArgumentList '-NoModule', '-Command', $snippet.Body -Environment @{ DB = 'Host=127.0.0.1;Port=1;Database=x;Username=u'; GITHUB_STEP_SUMMARY = (Join-Path $checkout 's2.md') } -WorkingDirectory $checkout
            $r.ExitCode | Should -Be 1
            $r.Error | Should -Match 'Could not connect'
        }
    }
}
