@{
    # The version is stamped from Directory.Build.props (VersionPrefix) when out/PgAutogen is laid out.
    ModuleVersion        = '0.0.0'
    GUID                 = 'cb5f66f8-a253-45ef-8c67-3494b58210d9'
    Author               = 'PgAutogen contributors'
    CompanyName          = 'PgAutogen'
    Copyright            = '(c) PgAutogen contributors. MIT License.'
    Description          = 'Writes PostgreSQL migrations (upgrade and downgrade) for functions, procedures, triggers, views, materialized views, row-level-security policies and event triggers from the DDL you declare in .sql files: inspects the live catalog, canonicalizes the declarations in a transaction that is always rolled back, diffs by identity, re-creates dependents around the changes CREATE OR REPLACE cannot make, and orders the steps so they run. Includes its own PostgreSQL parser (libpg_query, PostgreSQL 17 grammar) for Linux x64/arm64 and Windows x64; on macOS it uses Homebrew''s libpg_query.'
    PowerShellVersion    = '7.4'
    # No updatable help: the full help ships in en-US/ (Get-Help <cmdlet> -Full); HelpUri on each cmdlet opens it online.
    CompatiblePSEditions = @('Core')
    RootModule           = 'PgAutogen.psm1'
    FormatsToProcess     = @('PgAutogen.format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Get-PgCatalogObject'
        'Get-PgDeclaration'
        'Start-PgSandbox'
        'Stop-PgSandbox'
        'Compare-PgDeclaration'
        'New-PgMigration'
        'Export-PgDeclaration'
        'Test-PgDeclaration'
        'Invoke-PgMigration'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PostgreSQL', 'Postgres', 'Migration', 'Database', 'Schema', 'DDL', 'Triggers', 'Functions', 'Views', 'MaterializedViews', 'RowLevelSecurity', 'EventTriggers', 'dbmate', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://github.com/pgautogen/pgautogen/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/pgautogen/pgautogen'
            ReleaseNotes = 'First release: Get-PgCatalogObject, Get-PgDeclaration, Compare-PgDeclaration, New-PgMigration (dbmate format), Test-PgDeclaration (CI drift check with Azure DevOps and GitHub Actions annotations), Export-PgDeclaration, Invoke-PgMigration, Start-PgSandbox and Stop-PgSandbox; functions, procedures, triggers, views, materialized views, policies and event triggers; PostgreSQL 14 to 18; libpg_query 17-6.1.0 included for linux-x64, linux-arm64 and win-x64. Full notes: https://github.com/pgautogen/pgautogen/blob/main/README.md'
        }
    }
}
