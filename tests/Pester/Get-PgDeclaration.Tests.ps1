BeforeAll {
    . $PSScriptRoot/TestSupport.ps1
    $dir = New-DeclarationFolder @{
        'a/f.sql' = "CREATE FUNCTION app.f(a int, b varchar(10)) RETURNS int LANGUAGE sql AS 'SELECT a';`nCREATE VIEW app.v AS SELECT 1 AS one;"
        'b/t.sql' = 'CREATE TRIGGER t BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();'
        'bad/x.sql' = "CREATE VIEW app.ok AS SELECT 1;`nDROP TABLE app.orders;"
    }
}
AfterAll { Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue }

Describe 'Get-PgDeclaration' {
    It 'parses -Sql without a database, one PgDeclaration per statement' {
        $d = @(Get-PgDeclaration -Sql 'CREATE VIEW app.v AS SELECT 1; CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$')
        $d.Kind | Should -Be @('View', 'Function')
        $d[1].Arguments | Should -Be 'integer'
        $d[1].Location | Should -Be '-Sql[0]:1:32'
    }

    It 'takes files from Get-ChildItem by their FullName' {
        $d = @(Get-ChildItem (Join-Path $dir 'a'), (Join-Path $dir 'b') -Recurse -Filter *.sql | Get-PgDeclaration)
        $d.Identity | Should -Be @('app.f(integer, character varying)', 'app.v', 't ON app.orders')
        $d[2].File | Should -Be (Join-Path $dir 'b/t.sql')
    }

    It 'takes paths as strings from the pipeline' {
        @((Join-Path $dir 'a') | Get-PgDeclaration).Count | Should -Be 2
    }

    It 'reports a statement that is not allowed as a non-terminating error with file:line:column and goes on' {
        $errors = $null
        $d = @(Get-PgDeclaration -Path (Join-Path $dir 'bad') -ErrorVariable errors -ErrorAction SilentlyContinue)
        $d.Identity | Should -Be 'app.ok'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DeclarationStatementNotAllowed,*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -BeLike "$(Join-Path $dir 'bad/x.sql'):2:1:*"
        $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'reports a syntax error as DeclarationSyntaxError (ParserError)' {
        $errors = $null
        Get-PgDeclaration -Sql 'CREATE VIEW v AS SELEC 1' -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DeclarationSyntaxError,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ParserError'
    }

    It 'reports a path that matches nothing as DeclarationFileNotFound (ObjectNotFound)' {
        $errors = $null
        Get-PgDeclaration -Path (Join-Path $dir 'nothing*') -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'DeclarationFileNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'shows Kind, Identity, File and Line at <_> columns, and writes Kind by name in JSON and CSV' -ForEach 80, 120 {
        $width = $_
        $d = Get-ChildItem (Join-Path $dir 'a') -Filter *.sql | Get-PgDeclaration
        $text = $d | Out-String -Width $width
        $text | Should -Match 'Kind\s+Identity\s+File\s+Line'
        ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt $width }) | Should -BeNullOrEmpty
        ($d | ConvertTo-Json | ConvertFrom-Json).Kind | Should -Be @('Function', 'View')
        ($d | ConvertTo-Csv | ConvertFrom-Csv).Kind | Should -Be @('Function', 'View')
    }
}
