using PgAutogen.Bench;

// The benchmark (issue 7). One command:
//   dotnet run -c Release --project bench/PgAutogen.Bench -- [--quick] [--scales 1000,5000,20000] [--runs 5]
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var runner = new BenchRunner(options, Console.Error);
var results = await runner.RunAsync(cancel.Token);
var markdown = Report.Markdown(results, runner, options);
Console.WriteLine();
Console.WriteLine(markdown);
if (options.MarkdownPath is not null)
{
    File.WriteAllText(options.MarkdownPath, markdown);
}

return 0;
