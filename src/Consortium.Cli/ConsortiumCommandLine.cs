using System.CommandLine;

namespace Consortium.Cli;

/// <summary>The whole command tree; built here rather than in Program.cs so tests can run a command line in-process.</summary>
internal static class ConsortiumCommandLine
{
    public static RootCommand Root()
    {
        var root = new RootCommand("consortium: work with a Consortium server from the command line (import, list, watch), and verify its audit log.");
        CliOptions.AddGlobalOptions(root);
        root.Subcommands.Add(Login.Command());
        root.Subcommands.Add(Login.LogoutCommand());
        root.Subcommands.Add(ListInvestigations.Command());
        root.Subcommands.Add(ImportCsv.Command());
        root.Subcommands.Add(ImportStatus.Command());
        root.Subcommands.Add(ImportCancel.Command());
        root.Subcommands.Add(ImportResume.Command());
        root.Subcommands.Add(ListRecords.Command());
        root.Subcommands.Add(ExportRecords.Command());
        root.Subcommands.Add(WatchRecord.Command());
        root.Subcommands.Add(SyncChanges.Command());
        root.Subcommands.Add(MirrorCommand.Command());
        root.Subcommands.Add(AnnotationCommands.Command());
        root.Subcommands.Add(AuditCommands.Command());
        foreach (var command in PublicationCommands.Commands())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }
}
