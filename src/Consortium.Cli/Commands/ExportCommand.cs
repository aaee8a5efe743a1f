using System.CommandLine;
using Spectre.Console;

namespace Consortium.Cli;

internal static class ExportRecords
{
    public static Command Command()
    {
        var dataset = new Option<Guid>("--dataset") { Description = "The dataset to export.", Required = true };
        var format = new Option<string>("--format") { Description = "csv or jsonl.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var output = new Option<FileInfo?>("--output") { Description = "The file to write (default: standard output)." };
        var phone = new Option<string?>("--phone") { Description = "Only numbers containing these digits." };
        var command = new Command("export",
            "Export the records of a dataset you may see, as CSV or JSON Lines (coordinators and editors; needs a recent `consortium login`; audited).")
            { dataset, format, output, phone };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var file = parse.GetValue(output);
            if (file is null)
            {
                await using var stdout = Console.OpenStandardOutput();
                await client.ExportAsync(parse.GetValue(dataset), parse.GetValue(format)!, stdout, parse.GetValue(phone), cancellationToken);
                return;
            }
            // Written beside the target and moved into place only when complete: a refused or broken export leaves no partial file.
            var partial = new FileInfo(file.FullName + ".partial");
            try
            {
                long bytes;
                await using (var stream = partial.Create())
                {
                    bytes = await client.ExportAsync(parse.GetValue(dataset), parse.GetValue(format)!, stream, parse.GetValue(phone), cancellationToken);
                }
                partial.MoveTo(file.FullName, overwrite: true);
                AnsiConsole.MarkupLine($"[green]Exported[/] {bytes:N0} bytes to {Markup.Escape(file.FullName)}.");
            }
            finally
            {
                partial.Refresh();
                if (partial.Exists)
                {
                    partial.Delete();
                }
            }
        }));
        return command;
    }
}
