BeforeAll { . $PSScriptRoot/TestSupport.ps1 }

Describe 'Start-PgSandbox and Stop-PgSandbox' {
    BeforeAll { $sandbox = Start-PgSandbox }
    AfterAll { if ($sandbox) { Stop-PgSandbox $sandbox -Confirm:$false -WarningAction SilentlyContinue } }

    It 'returns a sandbox whose connection string holds no password' {
        $sandbox | Should -BeOfType ([PgAutogen.PgSandbox])
        $sandbox.ConnectionString | Should -Match "Port=$($sandbox.Port)"
        $sandbox.ConnectionString | Should -Not -Match 'Password'
        Test-Path $sandbox.DataDirectory | Should -BeTrue
    }

    It 'pipes into Get-PgCatalogObject (ConnectionString by property name)' {
        Invoke-TestSql $sandbox.ConnectionString 'CREATE VIEW public.hello AS SELECT 1 AS one' | Out-Null
        ($sandbox | Get-PgCatalogObject).Identity | Should -Be 'public.hello'
    }

    It 'keeps the server and its data with -WhatIf' {
        Stop-PgSandbox $sandbox -WhatIf
        Stop-PgSandbox -All -WhatIf
        Test-Path $sandbox.DataDirectory | Should -BeTrue
        ($sandbox | Get-PgCatalogObject).Identity | Should -Be 'public.hello'
    }

    It 'declares ShouldProcess with Medium impact (no prompt in CI hosts)' {
        $command = Get-Command Stop-PgSandbox
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
        $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
    }

    It 'stops the server and deletes its data directory' {
        $data = $sandbox.DataDirectory
        $sandbox | Stop-PgSandbox
        Test-Path $data | Should -BeFalse
        $script:sandbox = $null
    }
}
