using PgAutogen.Core.Databases;
using PgAutogen.TestSupport;

[assembly: AssemblyFixture(typeof(PgAutogen.Bench.Tests.BenchDatabaseFixture))]

namespace PgAutogen.Bench.Tests;

/// <summary>The run's server: env, Docker, or local binaries through Core's throwaway-server provider.</summary>
public sealed class BenchDatabaseFixture : PostgresFixture
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
