using System.CommandLine;
using Consortium.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Spectre.Console;

namespace Consortium.Cli;

internal static class ListRecords
{
    public static Command Command()
    {
        var dataset = new Option<Guid?>("--dataset") { Description = "The dataset to search." };
        var investigation = new Option<Guid?>("--investigation") { Description = "Search every dataset of this investigation you can see instead." };
        var text = new Option<string?>("--q") { Description = "Full text: words in any order, or a \"quoted phrase\"." };
        var phone = new Option<string?>("--phone") { Description = "Only numbers containing these digits." };
        var country = new Option<string?>("--country") { Description = "Only records of this country (ISO code)." };
        var tag = new Option<string?>("--tag") { Description = "Only records with a visible annotation carrying this tag." };
        var verification = new Option<string?>("--verification") { Description = "Only records whose latest visible verdict is this." };
        var annotated = new Option<bool?>("--annotated") { Description = "Only records with (true) or without (false) a visible annotation." };
        var from = new Option<DateOnly?>("--from") { Description = "Only records dated on or after (yyyy-MM-dd)." };
        var to = new Option<DateOnly?>("--to") { Description = "Only records dated on or before (yyyy-MM-dd)." };
        var sort = new Option<string?>("--sort") { Description = "row (default), date or country." };
        var descending = new Option<bool>("--desc") { Description = "Reverse the order." };
        var limit = new Option<int>("--limit") { Description = "How many records (all pages are fetched up to this).", DefaultValueFactory = _ => 50 };
        var command = new Command("records", "Search a dataset's (or an investigation's) records, in row order unless --sort says otherwise.")
        {
            dataset, investigation, text, phone, country, tag, verification, annotated, from, to, sort, descending, limit,
        };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var datasetId = parse.GetValue(dataset);
            var investigationId = parse.GetValue(investigation);
            if (datasetId is null == investigationId is null)
            {
                throw new CliUsageException("Name either --dataset or --investigation.");
            }
            var client = CliOptions.Client(parse);
            var query = new SearchQuery(parse.GetValue(text), parse.GetValue(phone), parse.GetValue(country), null, parse.GetValue(verification),
                parse.GetValue(tag), parse.GetValue(annotated), parse.GetValue(from), parse.GetValue(to), parse.GetValue(sort), parse.GetValue(descending));
            var wanted = Math.Max(1, parse.GetValue(limit));
            var results = new List<SearchResult>();
            long? total = null;
            string? after = null;
            do
            {
                var size = Math.Min(500, wanted - results.Count);
                var page = datasetId is { } d
                    ? await client.SearchAsync(d, query, after, size, facets: after is null, cancellationToken)
                    : await client.SearchInvestigationAsync(investigationId!.Value, query, after, size, facets: after is null, cancellationToken);
                total ??= page.Total;
                results.AddRange(page.Items);
                after = page.Next;
            }
            while (after is not null && results.Count < wanted);
            var table = new Table().AddColumns("Row", "E.164", "Country", "Date", "Record id");
            table.Columns[4].NoWrap();
            foreach (var record in results.Select(r => r.Record))
            {
                table.AddRow(record.RowNumber.ToString(), record.PhoneE164 ?? "", record.Country ?? "", record.Date ?? "", record.Id.ToString());
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{results.Count} shown of {total} matches.");
        }));
        return command;
    }
}

internal static class WatchRecord
{
    public static Command Command()
    {
        var record = new Option<Guid>("--record") { Description = "The record to watch.", Required = true };
        var command = new Command("watch", "Print a record's annotations, then every new one as it is made, until Ctrl+C.") { record };
        command.SetAction((parse, cancellationToken) => CliOptions.Run(async () =>
        {
            var client = CliOptions.Client(parse);
            var id = parse.GetValue(record);
            foreach (var annotation in await client.ListAnnotationsAsync(id, cancellationToken))
            {
                Print(annotation);
            }
            await using var connection = client.CreateHubConnection();
            // New annotations only (edits come in the same message, marked as not added), in sequence order.
            connection.On<IReadOnlyList<AnnotationPush>>(nameof(IConsortiumClient.AnnotationsPushed), pushes =>
            {
                foreach (var push in pushes.Where(p => p.Added))
                {
                    Print(push.Annotation);
                }
            });
            // After a reconnect the group membership is gone: join again.
            connection.Reconnected += _ => connection.InvokeAsync(HubMethods.JoinRecord, id, cancellationToken);
            await connection.StartAsync(cancellationToken);
            await connection.InvokeAsync(HubMethods.JoinRecord, id, cancellationToken);
            AnsiConsole.MarkupLine("[grey]Watching; Ctrl+C to stop.[/]");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }));
        return command;
    }

    private static void Print(AnnotationView a) =>
        AnsiConsole.MarkupLine($"[grey]#{a.Sequence} {a.CreatedAt.ToLocalTime():g}[/] [bold]{Markup.Escape(a.AuthorName)}[/] ({Markup.Escape(a.OutletId)}, {a.Visibility.ToString().ToLowerInvariant()}): {Markup.Escape(a.Text)}");
}
