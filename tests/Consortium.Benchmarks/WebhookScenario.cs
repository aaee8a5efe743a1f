using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Consortium.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consortium.Benchmarks;

public sealed record WebhookResults(int Rate, int Seconds, int Endpoints, int Posted, long Expected, long Delivered, Latency CommitToDelivery, string Cpu);

/// <summary>
/// Webhook fan-out (issue 19): every outlet of the investigation (17) registers an endpoint for <c>annotation.added</c>
/// at one local receiver (a Kestrel app in this process; the server is told to allow loopback http targets), then a
/// reporter writes consortium-wide notes at a fixed rate. Latency: from the note's accepted answer (its commit was
/// before it) to each endpoint's delivery, so it slightly under-counts the time from commit.
/// </summary>
public static class WebhookScenario
{
    public static async Task<WebhookResults> RunAsync(BenchmarkEnvironment environment, Investigation investigation, Guid datasetId, int rate, int seconds, CpuMeter cpu, TextWriter log)
    {
        var arrivals = new ConcurrentDictionary<string, ConcurrentBag<long>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpContext http) =>
        {
            var at = clock.ElapsedTicks;
            using var body = await JsonDocument.ParseAsync(http.Request.Body);
            var id = body.RootElement.GetProperty("data").GetProperty("objectId").GetString()!;
            arrivals.GetOrAdd(id, _ => []).Add(at);
            return Results.NoContent();
        });
        await receiver.StartAsync();
        var url = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";

        foreach (var outlet in investigation.Outlets)
        {
            var admin = $"bench.webhooks@{outlet}";
            await environment.Accounts.AccountAsync(admin, outletAdmin: true);
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/outlet/webhooks")
            {
                Content = JsonContent.Create(new NewWebhookEndpoint(url, ["annotation.added"], investigation.Id, "benchmark receiver")),
            };
            using var response = await environment.ClientFor(admin).SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
        log.WriteLine($"  {investigation.Outlets.Count} endpoints at {url}; writing {rate} notes/s for {seconds} s");

        var reporter = environment.ClientFor(Investigation.Reporter);
        var records = (await reporter.ListRecordsAsync(datasetId, limit: 50)).Items;
        var accepted = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var taken = cpu.Take();
        var total = rate * seconds;
        var posts = new List<Task>(total);
        var start = clock.Elapsed;
        for (var i = 0; i < total; i++)
        {
            var due = start + TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            var record = records[i % records.Count];
            posts.Add(Task.Run(async () =>
            {
                var note = await reporter.AddNoteAsync(record.Id, new NewNote("Webhook fan-out benchmark note."));
                accepted[note.Id.ToString()] = clock.ElapsedTicks;
            }));
        }
        await Task.WhenAll(posts);
        var expected = (long)accepted.Count * investigation.Outlets.Count;
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
        while (accepted.Keys.Sum(k => arrivals.TryGetValue(k, out var a) ? a.Count : 0) < expected && clock.Elapsed < deadline)
        {
            await Task.Delay(200);
        }
        var usage = cpu.Since(taken).Describe();
        var latencies = new List<double>();
        foreach (var (id, acceptedAt) in accepted)
        {
            foreach (var at in arrivals.TryGetValue(id, out var a) ? a : [])
            {
                latencies.Add(Math.Max(0, (at - acceptedAt) * 1000.0 / Stopwatch.Frequency));
            }
        }
        var result = new WebhookResults(rate, seconds, investigation.Outlets.Count, accepted.Count, expected, latencies.Count, Latency.Of(latencies), usage);
        log.WriteLine($"  {result.Delivered:N0} of {result.Expected:N0} deliveries; commit to delivery {result.CommitToDelivery.Describe()}; {usage}");
        return result;
    }
}
