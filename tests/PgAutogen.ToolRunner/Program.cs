// Runs a migrations folder the way a team's deploy program would, for the format execution tests:
//   evolve <connection string> <folder>   Evolve migrate (Flyway-named V files; U files are ignored, as in Flyway Community)
//   dbup <connection string> <folder>     DbUp with the scripts of the folder (*.sql), one transaction per script
// Exit code 0 on success; on failure, the tool's error on stderr and exit code 1.
using DbUp;
using EvolveDb;
using Npgsql;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: PgAutogen.ToolRunner evolve|dbup <connection string> <folder>");
    return 2;
}

var (tool, connectionString, folder) = (args[0], args[1], args[2]);
try
{
    switch (tool)
    {
        case "evolve":
        {
            using var connection = new NpgsqlConnection(connectionString);
            var evolve = new Evolve(connection, msg => Console.WriteLine(msg))
            {
                Locations = new[] { folder },
                IsEraseDisabled = true,
            };
            evolve.Migrate();
            Console.WriteLine($"evolve: {evolve.NbMigration} migration(s) applied");
            return 0;
        }

        case "dbup":
        {
            var result = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScriptsFromFileSystem(folder)
                .WithTransactionPerScript()
                .LogToConsole()
                .Build()
                .PerformUpgrade();
            if (!result.Successful)
            {
                Console.Error.WriteLine("dbup: " + result.Error);
                return 1;
            }

            Console.WriteLine($"dbup: {result.Scripts.Count()} script(s) applied");
            return 0;
        }

        default:
            Console.Error.WriteLine("unknown tool " + tool);
            return 2;
    }
}
catch (Exception ex)
{
    Console.Error.WriteLine(tool + ": " + ex);
    return 1;
}
