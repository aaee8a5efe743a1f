using System.CommandLine;
using Consortium.Cli;

var root = new RootCommand("consortium: work with a Consortium server from the command line (import, list, watch).");
CliOptions.AddGlobalOptions(root);
root.Subcommands.Add(ListInvestigations.Command());
root.Subcommands.Add(ImportCsv.Command());
root.Subcommands.Add(ListRecords.Command());
root.Subcommands.Add(WatchRecord.Command());
return await root.Parse(args).InvokeAsync();
