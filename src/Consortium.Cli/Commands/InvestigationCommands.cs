using System.CommandLine;
using Spectre.Console;

namespace Consortium.Cli;

internal static class ListInvestigations
{
    public static Command Command()
    {
        var command = new Command("investigations", "List the investigations your outlet is a member of, with their datasets.");
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var table = new Table().AddColumns("Investigation", "Dataset", "Dataset id", "Records", "Shared with");
            // Ids are copied into the next command: never wrapped.
            table.Columns[2].NoWrap();
            foreach (var investigation in await client.ListInvestigationsAsync(cancellationToken))
            {
                foreach (var dataset in await client.ListDatasetsAsync(investigation.Id, cancellationToken))
                {
                    table.AddRow(Markup.Escape(investigation.Name), Markup.Escape(dataset.Name), dataset.Id.ToString(), dataset.RecordCount.ToString("N0"),
                        dataset.SharedWithOutletIds is null ? "all members" : Markup.Escape(string.Join(", ", dataset.SharedWithOutletIds)));
                }
            }
            AnsiConsole.Write(table);
        }));
        return command;
    }
}
