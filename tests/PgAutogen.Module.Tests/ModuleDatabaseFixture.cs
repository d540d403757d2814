using System.Management.Automation;
using PgAutogen.TestSupport;

[assembly: AssemblyFixture(typeof(PgAutogen.Module.Tests.ModuleDatabaseFixture))]


namespace PgAutogen.Module.Tests;

/// <summary>
/// The run's server: env, Docker, or local binaries through the module's own Start-PgSandbox, so this
/// test process never loads PgAutogen's assemblies from anywhere but out/PgAutogen.
/// </summary>
public sealed class ModuleDatabaseFixture : PostgresFixture
{
    protected override Task<TestServer?> StartLocalAsync()
    {
        var started = PowerShellHost.Run("Start-PgSandbox");
        if (started.Terminating is not null)
        {
            throw new InvalidOperationException("Start-PgSandbox failed: " + started.Terminating.Message);
        }

        var sandbox = started.Output.Single();
        var connectionString = (string)sandbox.Properties["ConnectionString"].Value;
        var description = "local binaries via Start-PgSandbox, " + sandbox.Properties["DataDirectory"].Value;
        return Task.FromResult<TestServer?>(new TestServer(connectionString, description, () =>
        {
            PowerShellHost.Run("Stop-PgSandbox -All");
            return ValueTask.CompletedTask;
        }));
    }
}

internal static class Ps
{
    public static Dictionary<string, object?> Vars(params (string Name, object? Value)[] vars) => vars.ToDictionary(v => v.Name, v => v.Value);

    public static T Base<T>(PSObject o) => (T)o.BaseObject;
}
