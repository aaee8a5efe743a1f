using System.CommandLine;
using System.Text.Json;
using Consortium.Client;

namespace Consortium.Cli;

/// <summary>`consortium annotations`: add, edit, retract and show the history of annotations.</summary>
internal static class AnnotationCommands
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions Lines = new(JsonSerializerDefaults.Web);

    public static Command Command()
    {
        var command = new Command("annotations", "Add, edit, retract annotations and show their history.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Edit());
        command.Subcommands.Add(Retract());
        command.Subcommands.Add(History());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Verifications());
        command.Subcommands.Add(Evidence());
        return command;
    }

    private static Command Verify()
    {
        var id = new Option<Guid>("--id") { Description = "The verification annotation.", Required = true };
        var version = new Option<long>("--version") { Description = "The version you are moving (its ETag); refused if it changed since.", Required = true };
        var state = new Option<string>("--state") { Description = "The next state: identified, consent-obtained, forensics-submitted, infected, attempted, inconclusive, no-evidence or peer-reviewed.", Required = true };
        var tool = new Option<string?>("--tool") { Description = "The forensic tool (MVT, say)." };
        var indicators = new Option<string?>("--indicators") { Description = "The version of the indicator set the tool used." };
        var evidence = new Option<FileInfo[]>("--evidence") { Description = "A file to upload into the investigation and cite (repeat); the investigation keeps it, readable through this verification.", AllowMultipleArgumentsPerToken = true };
        var comment = new Option<string?>("--comment") { Description = "Why, for the history." };
        var command = new Command("verify", "Move a verification one step (analysts and coordinators past consent-obtained), citing evidence files; prints its new state as JSON.")
            { id, version, state, tool, indicators, evidence, comment };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var files = parse.GetValue(evidence) ?? [];
            var missing = files.FirstOrDefault(f => !f.Exists);
            if (missing is not null)
            {
                throw new CliUsageException($"no such file: {missing.FullName}");
            }
            var cited = new List<EvidenceView>(files.Length);
            if (files.Length > 0)
            {
                // Uploaded into the verification's investigation first, then cited by hash and size in the move.
                var investigationId = (await client.GetAnnotationAsync(parse.GetValue(id), cancellationToken)).InvestigationId;
                foreach (var file in files)
                {
                    await using var stream = file.OpenRead();
                    var stored = await client.UploadEvidenceAsync(investigationId, stream, cancellationToken);
                    cited.Add(new EvidenceView(file.Name, stored.Sha256, stored.Size));
                }
            }
            var change = new VerificationChange(parse.GetValue(state)!, parse.GetValue(tool), parse.GetValue(indicators), cited.Count > 0 ? cited : null, parse.GetValue(comment));
            await PrintChangedAsync(parse.InvocationConfiguration.Output, "Nothing was changed (uploaded evidence stays uncited)",
                () => client.MoveVerificationAsync(parse.GetValue(id), parse.GetValue(version), change, cancellationToken));
        }));
        return command;
    }

    /// <summary>Prints the annotation as changed; on a 409, prints its current state instead and fails, saying <paramref name="nothingChanged"/>.</summary>
    private static async Task PrintChangedAsync(TextWriter output, string nothingChanged, Func<Task<AnnotationView>> change)
    {
        try
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(await change(), Json));
        }
        catch (AnnotationConflictException e)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(e.Current, Json));
            throw new CliUsageException($"{e.Message} {nothingChanged}; the current state is printed above.");
        }
    }

    private static Command Verifications()
    {
        var investigation = new Option<Guid>("--investigation") { Description = "The investigation.", Required = true };
        var command = new Command("verifications", "The investigation's verifications you may read (its verification board), as JSON Lines.") { investigation };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            foreach (var verification in await CliOptions.Client(parse).ListVerificationsAsync(parse.GetValue(investigation), cancellationToken))
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(verification, Lines));
            }
        }));
        return command;
    }

    private static Command Evidence()
    {
        var id = new Option<Guid>("--id") { Description = "The verification that cites the file.", Required = true };
        var sha256 = new Option<string>("--sha256") { Description = "The file's SHA-256, as the verification lists it.", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "Where to write it (never overwritten).", Required = true };
        var command = new Command("evidence", "Download an evidence file a verification cites. Evidence may be hostile: it is written, never opened.") { id, sha256, output };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var path = parse.GetValue(output)!.FullName;
            if (File.Exists(path))
            {
                throw new CliUsageException($"{path} exists; choose another --output.");
            }
            long written;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                try
                {
                    written = await CliOptions.Client(parse).DownloadEvidenceAsync(parse.GetValue(id), parse.GetValue(sha256)!, file, cancellationToken);
                }
                catch
                {
                    file.Close();
                    File.Delete(path);
                    throw;
                }
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{written} bytes written to {path}");
        }));
        return command;
    }

    private static Command Add()
    {
        var record = new Option<Guid>("--record") { Description = "The record to annotate.", Required = true };
        var kind = new Option<string>("--kind") { Description = "note, tag, identification, verification or comment.", DefaultValueFactory = _ => AnnotationKinds.Note };
        kind.AcceptOnlyFromAmong([.. AnnotationKinds.All]);
        var text = new Option<string?>("--text") { Description = "The note or comment (Markdown)." };
        var tag = new Option<string?>("--tag") { Description = "The tag, for --kind tag." };
        var visibility = new Option<Visibility>("--visibility") { Description = "consortium, outlet, partners or private.", DefaultValueFactory = _ => Visibility.Consortium };
        var partners = new Option<string[]>("--partner") { Description = "A partner outlet (repeat), for --visibility partners.", AllowMultipleArgumentsPerToken = true };
        var parent = new Option<Guid?>("--thread") { Description = "The annotation whose thread a comment joins." };
        var command = new Command("add", "Add an annotation to a record; prints it as JSON.") { record, kind, text, tag, visibility, partners, parent };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var added = await CliOptions.Client(parse).AddAnnotationAsync(parse.GetValue(record), new NewAnnotation(parse.GetValue(kind)!, parse.GetValue(text),
                parse.GetValue(visibility), parse.GetValue(partners) is { Length: > 0 } p ? p : null, parse.GetValue(tag), null, parse.GetValue(parent)), cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(added, Json));
        }));
        return command;
    }

    private static Command Edit()
    {
        var id = new Option<Guid>("--id") { Description = "The annotation.", Required = true };
        var version = new Option<long>("--version") { Description = "The version you are editing (its ETag); refused if it changed since.", Required = true };
        var text = new Option<string?>("--text") { Description = "The new text (note, comment)." };
        var tag = new Option<string?>("--tag") { Description = "The new tag." };
        var command = new Command("edit", "Edit an annotation at a version; prints the new state, or the current one if someone changed it meanwhile.") { id, version, text, tag };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            await PrintChangedAsync(Console.Out, "Nothing was changed",
                () => CliOptions.Client(parse).EditAnnotationAsync(parse.GetValue(id), parse.GetValue(version), new AnnotationChange(parse.GetValue(text), parse.GetValue(tag)), cancellationToken));
        }));
        return command;
    }

    private static Command Retract()
    {
        var id = new Option<Guid>("--id") { Description = "The annotation.", Required = true };
        var version = new Option<long>("--version") { Description = "The version you are retracting.", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why." };
        var command = new Command("retract", "Retract an annotation (it stays in the history, marked retracted).") { id, version, reason };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
            Console.WriteLine(JsonSerializer.Serialize(await CliOptions.Client(parse).RetractAnnotationAsync(parse.GetValue(id), parse.GetValue(version), parse.GetValue(reason), cancellationToken), Json))));
        return command;
    }

    private static Command History()
    {
        var id = new Option<Guid>("--id") { Description = "The annotation.", Required = true };
        var command = new Command("history", "Every change of an annotation, oldest first, as JSON Lines.") { id };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            foreach (var entry in await CliOptions.Client(parse).GetAnnotationHistoryAsync(parse.GetValue(id), cancellationToken))
            {
                Console.WriteLine(JsonSerializer.Serialize(entry, Lines));
            }
        }));
        return command;
    }
}
