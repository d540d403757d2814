BeforeAll { . $PSScriptRoot/TestSupport.ps1 }

Describe 'The Shell (pwsh -File / -Command semantics)' {
    It 'runs the full pwsh cmdlet set (Utility, Management)' {
        $r = Invoke-Shell '-NoModule', '-NoProfile', '-Command', '1..3 | Sort-Object -Descending | ConvertTo-Json -Compress'
        $r.ExitCode | Should -Be 0
        $r.Output.Trim() | Should -Be '[3,2,1]'
    }
}
