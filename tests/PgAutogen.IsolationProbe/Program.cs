using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.Loader;
using Npgsql;

// Usage: PgAutogen.IsolationProbe <path to PgAutogen.psd1> <connection string>
// Prints key=value lines; exits 0 when the module worked beside the other Npgsql.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: PgAutogen.IsolationProbe <manifest> <connection string>");
    return 2;
}

// 1. Another module's Npgsql, loaded and used first (as SimplySql would).
await using (var conn = new NpgsqlConnection(args[1]))
{
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand("CREATE FUNCTION probe_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'", conn);
    await cmd.ExecuteNonQueryAsync();
}

Console.WriteLine("host-npgsql=" + typeof(NpgsqlConnection).Assembly.GetName().Version);

// 2. PgAutogen imported and used in the same process.
var iss = InitialSessionState.CreateDefault2();
using var runspace = RunspaceFactory.CreateRunspace(iss);
runspace.Open();
using var ps = PowerShell.Create();
ps.Runspace = runspace;
ps.AddScript($"Import-Module '{args[0].Replace("'", "''")}' -ErrorAction Stop; Get-PgCatalogObject -ConnectionString $args[0] | ForEach-Object Identity")
  .AddArgument(args[1]);
try
{
    foreach (var item in ps.Invoke())
    {
        Console.WriteLine("object=" + item);
    }
}
catch (RuntimeException ex)
{
    Console.WriteLine("error=" + ex.Message);
    return 1;
}

foreach (var error in ps.Streams.Error)
{
    Console.WriteLine("error=" + error);
}

foreach (var asm in AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "Npgsql"))
{
    Console.WriteLine($"loaded-npgsql={asm.GetName().Version} context={AssemblyLoadContext.GetLoadContext(asm)?.Name}");
}

return ps.HadErrors ? 1 : 0;
