# PgAutogen loader: fail early with a sentence on an unsupported PowerShell, then load the cmdlets.
# PgAutogen.dll's module initializer loads the engine and its dependencies (Npgsql, ...) from deps/
# into a private AssemblyLoadContext, so other modules' versions of them do not collide with ours.
if ($PSVersionTable.PSVersion -lt [version]'7.4') {
    throw "PgAutogen requires PowerShell 7.4 or later; this is PowerShell $($PSVersionTable.PSVersion). Install PowerShell 7.4+ (https://aka.ms/powershell) and run 'pwsh'."
}

$binary = Import-Module -Name ([System.IO.Path]::Combine($PSScriptRoot, 'PgAutogen.dll')) -PassThru -ErrorAction Stop
Export-ModuleMember -Cmdlet ([string[]]$binary.ExportedCmdlets.Keys)
