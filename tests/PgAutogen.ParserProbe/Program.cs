using System.Diagnostics;
using PgAutogen.Core;
using PgAutogen.Core.Parsing;

// Usage: PgAutogen.ParserProbe [--time N] <file or folder>... | --sql <text>
// Prints one line per declaration ("decl <kind> <identity> <file:line:column>") and per error
// ("error <ErrorId> <message>"); with --time N, parses N times and prints statements per second.
// Exit code: 0 without errors, 1 with declaration errors, 3 when the parser itself is unusable (libpg_query missing).
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: PgAutogen.ParserProbe [--time N] <file or folder>... | --sql <text>");
    return 2;
}

var repeat = 0;
var paths = new List<string>();
var sql = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--time":
            repeat = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            break;
        case "--sql":
            sql.Add(args[++i]);
            break;
        default:
            paths.Add(args[i]);
            break;
    }
}

try
{
    if (repeat > 0)
    {
        DeclarationParser.Parse(paths, sql); // warm-up
        var watch = Stopwatch.StartNew();
        var statements = 0;
        for (var i = 0; i < repeat; i++)
        {
            statements += DeclarationParser.Parse(paths, sql).StatementCount;
        }

        watch.Stop();
        Console.WriteLine($"statements={statements} seconds={watch.Elapsed.TotalSeconds:F3} statements_per_second={statements / watch.Elapsed.TotalSeconds:F0}");
        return 0;
    }

    var set = DeclarationParser.Parse(paths, sql);
    foreach (var d in set.Declarations)
    {
        Console.WriteLine($"decl {d.Kind} {d.Identity} {d.Location}");
    }

    foreach (var e in set.Errors)
    {
        Console.WriteLine($"error {e.ErrorId} {e.Message}");
    }

    return set.HasErrors ? 1 : 0;
}
catch (PgAutogenException ex)
{
    Console.WriteLine($"fatal {ex.ErrorId} {ex.Message}");
    return 3;
}
