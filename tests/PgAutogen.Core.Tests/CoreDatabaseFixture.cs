using PgAutogen.Core.Databases;
using PgAutogen.TestSupport;

[assembly: AssemblyFixture(typeof(PgAutogen.Core.Tests.CoreDatabaseFixture))]

namespace PgAutogen.Core.Tests;

/// <summary>The run's server: env, Docker, or local binaries through Core's own throwaway-server provider.</summary>
public sealed class CoreDatabaseFixture : PostgresFixture
{
    protected override async Task<TestServer?> StartLocalAsync()
    {
        var bin = LocalPostgresServer.FindBinDirectory();
        if (bin is null)
        {
            return null;
        }

        var server = await LocalPostgresServer.StartAsync(new LocalServerOptions { BinDirectory = bin });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return new TestServer(server.ConnectionString(), $"local binaries in {bin}", () => server.DisposeAsync());
    }
}
