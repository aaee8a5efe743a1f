using System.CommandLine;
using Consortium.Client;
using Spectre.Console;

namespace Consortium.Cli;

/// <summary>The embargo desk from the command line: `stories`, `embargo show|ack`, `calendar-url`.</summary>
internal static class PublicationCommands
{
    public static IEnumerable<Command> Commands() => [Stories(), Embargo(), CalendarUrl()];

    private static Command Stories()
    {
        var zones = new Option<string[]>("--zone") { Description = "Also show the embargo in this IANA zone (repeat).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("stories", "List the stories your outlet takes part in, with their embargo in your local time and in UTC.") { zones };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var asked = parse.GetValue(zones) ?? [];
            var table = new Table().AddColumns("Story", "Story id", "Wave", "Embargo (your time)", "Embargo (UTC)", "State", "Story state");
            table.Columns[1].NoWrap();
            foreach (var zone in asked)
            {
                table.AddColumn(Markup.Escape(zone));
            }
            foreach (var story in await client.ListStoriesAsync(asked, cancellationToken))
            {
                var cells = new List<string>
                {
                    Markup.Escape(story.Title), story.Id.ToString(), Markup.Escape(story.WaveName), Markup.Escape(Local(story.Embargo, "you")),
                    $"{story.Embargo.Utc.UtcDateTime:yyyy-MM-dd HH:mm} UTC", Markup.Escape(story.Embargo.State) + (Waiting(story) ? " [yellow](moved: acknowledge)[/]" : ""), story.State,
                };
                cells.AddRange(asked.Select(z => Markup.Escape(story.Embargo.Shown.FirstOrDefault(s => s.Label == "asked" && s.Zone == z) is { } shown ? Text(shown) : "?")));
                table.AddRow(cells.ToArray());
            }
            Out(parse).Write(table);
        }));
        return command;
    }

    /// <summary>Spectre's console on the invocation's output (a test reads it; a terminal shows it), wide enough not to wrap instants.</summary>
    private static IAnsiConsole Out(ParseResult parse)
    {
        var writer = parse.InvocationConfiguration.Output;
        var terminal = writer == Console.Out && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!terminal)
        {
            console.Profile.Width = 240;
        }
        return console;
    }

    private static bool Waiting(StoryView story) => story.Acknowledgements.Any(a => !a.Acknowledged);

    private static string Text(ZonedTime time) => $"{time.LocalTime.Replace('T', ' ')[..16]} {time.Zone} ({time.Offset})";

    private static string Local(EmbargoView embargo, string label) => embargo.Shown.FirstOrDefault(s => s.Label == label) is { } shown ? Text(shown) : "";

    private static Command Embargo()
    {
        var command = new Command("embargo", "Show a story's embargo, or acknowledge that it moved.");
        var story = new Option<Guid>("--story") { Description = "The story (see 'consortium stories').", Required = true };
        var show = new Command("show", "The embargo of a story: its instant in your zones and UTC, its state, its moves and who has not acknowledged them.") { story };
        show.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var view = await CliOptions.Client(parse).GetStoryAsync(parse.GetValue(story), cancellationToken: cancellationToken);
            var console = Out(parse);
            var embargo = view.Embargo;
            console.MarkupLine($"[bold]{Markup.Escape(view.Title)}[/] ({Markup.Escape(view.WaveName)}): embargo [bold]{Markup.Escape(embargo.State)}[/]");
            foreach (var shown in embargo.Shown)
            {
                console.MarkupLine($"  {Markup.Escape(shown.Label),-8} {Markup.Escape(Text(shown))} {Markup.Escape(shown.Abbreviation)}");
            }
            if (embargo.PendingMove is { } pending)
            {
                console.MarkupLine($"  [yellow]A move to {pending.ToUtc.UtcDateTime:yyyy-MM-dd HH:mm} UTC waits for a second coordinator:[/] {Markup.Escape(pending.Reason)}");
            }
            foreach (var ack in view.Acknowledgements)
            {
                console.MarkupLine(ack.Acknowledged
                    ? $"  [green]acknowledged[/] {Markup.Escape(ack.OutletId)} ({Markup.Escape(ack.ByName ?? "")}, {ack.At:yyyy-MM-dd HH:mm} UTC)"
                    : $"  [red]not yet acknowledged[/] {Markup.Escape(ack.OutletId)}");
            }
            foreach (var warning in view.Warnings)
            {
                console.MarkupLine($"  [yellow]warning[/] {Markup.Escape(warning)}");
            }
        }));
        var ackStory = new Option<Guid>("--story") { Description = "The story whose embargo moved.", Required = true };
        var ack = new Command("ack", "Acknowledge, for your outlet, the embargo's new instant.") { ackStory };
        ack.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var wave = await CliOptions.Client(parse).AcknowledgeEmbargoAsync(parse.GetValue(ackStory), cancellationToken);
            Out(parse).MarkupLine($"[green]Acknowledged[/]: the embargo of {Markup.Escape(wave.Name)} is {wave.Embargo.Utc.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({Markup.Escape(Local(wave.Embargo, "you"))}).");
        }));
        command.Subcommands.Add(show);
        command.Subcommands.Add(ack);
        return command;
    }

    private static Command CalendarUrl()
    {
        var revoke = new Option<bool>("--revoke") { Description = "Revoke your calendar URL instead of making a new one." };
        var command = new Command("calendar-url", "Make a new secret iCalendar URL with your embargoes and deadlines (the previous one stops working); subscribe to it in your desk calendar.") { revoke };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            if (parse.GetValue(revoke))
            {
                await client.RevokeCalendarUrlAsync(cancellationToken);
                Out(parse).MarkupLine("[green]Revoked[/]: your calendar URL no longer works.");
                return;
            }
            // The URL alone on standard output, so it can be piped; it is a secret: whoever has it reads your desk calendar.
            await parse.InvocationConfiguration.Output.WriteLineAsync((await client.RegenerateCalendarUrlAsync(cancellationToken)).Url);
        }));
        return command;
    }
}
