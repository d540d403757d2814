@{
    # The version is stamped from Directory.Build.props (VersionPrefix) when out/PgAutogen is laid out.
    ModuleVersion        = '0.0.0'
    GUID                 = 'cb5f66f8-a253-45ef-8c67-3494b58210d9'
    Author               = 'PgAutogen contributors'
    CompanyName          = 'PgAutogen'
    Copyright            = '(c) PgAutogen contributors. MIT License.'
    Description          = 'Writes PostgreSQL migrations (upgrade and downgrade) for functions, procedures, triggers and views from the DDL you declare in .sql files: inspects the live catalog, canonicalizes the declarations in a transaction that is always rolled back, diffs by identity and orders the steps so they run.'
    PowerShellVersion    = '7.4'
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
            Tags         = @('PostgreSQL', 'Postgres', 'Migration', 'Database', 'Schema', 'DDL', 'Triggers', 'Functions', 'Views', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://github.com/pgautogen/pgautogen/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/pgautogen/pgautogen'
            ReleaseNotes = 'https://github.com/pgautogen/pgautogen/blob/main/README.md'
        }
    }
}
