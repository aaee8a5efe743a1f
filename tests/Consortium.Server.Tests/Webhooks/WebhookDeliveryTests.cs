using System.Net;
using System.Text.Json;
using Npgsql;

namespace Consortium.Server.Tests.Webhooks;

/// <summary>Deliveries as a partner's receiver sees them: signed per Standard Webhooks, retried, logged, never leaking.</summary>
[Collection(WebhooksCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookServer server) : WebhookTest(server)
{
    private async Task<Guid> GivenRecordAsync()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        return (await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id)).Items[0].Id;
    }

    [Fact]
    public async Task A_delivery_verifies_with_an_independent_implementation_and_a_tampered_body_a_wrong_secret_and_an_old_timestamp_do_not()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var recordId = await GivenRecordAsync();
        var endpoint = await GivenEndpointAsync("adm@bravo", receiver.Url, ["annotation.added"]);
        Assert.StartsWith("whsec_", endpoint.Secret, StringComparison.Ordinal);
        var node = await Server.StartDeliveringNodeAsync();
        try
        {
            var note = await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "Seen in the Paris list"));

            var message = await receiver.WaitForAsync(m => m.Type == "annotation.added");
            var now = DateTimeOffset.UtcNow;
            Assert.True(StandardWebhooksSpec.Verify(endpoint.Secret, message, now));
            var data = message.Json.GetProperty("data");
            Assert.Equal(note.Id.ToString(), data.GetProperty("objectId").GetString());
            Assert.Equal("Seen in the Paris list", data.GetProperty("object").GetProperty("text").GetString());
            Assert.True(message.Json.TryGetProperty("timestamp", out _));

            Assert.False(StandardWebhooksSpec.Verify(endpoint.Secret, message with { Body = message.Body.Replace("Paris", "Lyon", StringComparison.Ordinal) }, now));
            Assert.False(StandardWebhooksSpec.Verify(WebhookSecretsForTests.Other(), message, now));
            // A captured message replayed later: its signed timestamp is out of the tolerance.
            Assert.False(StandardWebhooksSpec.Verify(endpoint.Secret, message, now + TimeSpan.FromMinutes(10)));
            var old = (now - TimeSpan.FromMinutes(10)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(StandardWebhooksSpec.Verify(endpoint.Secret, message with { Timestamp = old, Signature = "v1," + StandardWebhooksSpec.Sign(endpoint.Secret, message.Id, old, message.Body) }, now));

            var delivery = Assert.Single(await LogAsync("adm@bravo", endpoint.Endpoint.Id, l => l.Count > 0));
            Assert.Equal(message.Id, delivery.EventId);
            Assert.Equal(WebhookDeliveryStatuses.Delivered, delivery.Status);
            Assert.Equal(204, Assert.Single(delivery.AttemptLog).StatusCode);
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task A_receiver_failing_three_times_then_succeeding_gets_four_attempts_with_one_id_all_in_the_delivery_log_and_a_redelivery_keeps_the_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst = 3;
        var recordId = await GivenRecordAsync();
        var endpoint = await GivenEndpointAsync("adm@bravo", receiver.Url, ["annotation"]);
        var node = await Server.StartDeliveringNodeAsync();
        try
        {
            await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "first"));
            await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "second"));

            var second = await receiver.WaitForAsync(m => m.Json.GetProperty("data").GetProperty("object").GetProperty("text").GetString() == "second");
            var first = receiver.Received.Where(m => m.Json.GetProperty("data").GetProperty("object").GetProperty("text").GetString() == "first").ToList();
            Assert.Equal(4, first.Count);
            Assert.Single(first.Select(m => m.Id).Distinct());
            // In order: the second event waited for the first one's success.
            Assert.Equal(5, receiver.Received.Count);
            Assert.Equal(second, receiver.Received[^1]);

            var log = await LogAsync("adm@bravo", endpoint.Endpoint.Id, l => l.Count == 2 && l.All(d => d.Status == WebhookDeliveryStatuses.Delivered));
            Assert.Equal(2, log.Count);
            var logged = Assert.Single(log, d => d.EventId == first[0].Id);
            Assert.Equal(4, logged.Attempts);
            Assert.Equal([503, 503, 503, 204], logged.AttemptLog.Select(a => a.StatusCode ?? 0));
            Assert.All(logged.AttemptLog.Take(3), a => Assert.True(a.Response!.Length <= 256));
            Assert.Equal(WebhookDeliveryStatuses.Delivered, logged.Status);

            var redelivered = await SendAsync<WebhookDeliveryView>("adm@bravo", HttpMethod.Post, $"api/outlet/webhooks/{endpoint.Endpoint.Id}/deliveries/{logged.Id}/redeliver");
            Assert.Equal(5, redelivered.Attempts);
            Assert.True(redelivered.AttemptLog[^1].Manual);
            Assert.Equal(first[0].Id, receiver.Received[^1].Id);
            Assert.True(StandardWebhooksSpec.Verify(endpoint.Secret, receiver.Received[^1], DateTimeOffset.UtcNow));
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task During_a_rotations_overlap_both_secrets_verify_and_after_it_only_the_new_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var recordId = await GivenRecordAsync();
        var endpoint = await GivenEndpointAsync("adm@bravo", receiver.Url);
        var rotated = await SendAsync<WebhookSecretRotated>("adm@bravo", HttpMethod.Post, $"api/outlet/webhooks/{endpoint.Endpoint.Id}/rotate-secret", new RotateWebhookSecret(2));
        Assert.NotEqual(endpoint.Secret, rotated.Secret);
        Assert.NotNull(rotated.Endpoint.PreviousSecretExpiresAt);
        var node = await Server.StartDeliveringNodeAsync();
        try
        {
            await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "during overlap"));
            var during = await receiver.WaitForAsync(m => m.Type == "annotation.added");
            Assert.True(StandardWebhooksSpec.Verify(rotated.Secret, during, DateTimeOffset.UtcNow));
            Assert.True(StandardWebhooksSpec.Verify(endpoint.Secret, during, DateTimeOffset.UtcNow));

            var again = await SendAsync<WebhookSecretRotated>("adm@bravo", HttpMethod.Post, $"api/outlet/webhooks/{endpoint.Endpoint.Id}/rotate-secret", new RotateWebhookSecret(0));
            await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "after overlap"));
            var after = await receiver.WaitForAsync(m => m.Type == "annotation.added", count: 2);
            Assert.True(StandardWebhooksSpec.Verify(again.Secret, after, DateTimeOffset.UtcNow));
            Assert.False(StandardWebhooksSpec.Verify(rotated.Secret, after, DateTimeOffset.UtcNow));
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task Another_outlets_outlet_only_and_private_notes_and_a_story_it_does_not_take_part_in_are_never_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var recordId = await GivenRecordAsync();
        var endpoint = await GivenEndpointAsync("adm@lab", receiver.Url);
        // Bravo takes part in the story: its endpoint gets it, so lab's not getting it is the rule, not a missing feature.
        await using var bravoReceiver = await WebhookReceiver.StartAsync();
        await GivenEndpointAsync("adm@bravo", bravoReceiver.Url, ["story"]);
        var node = await Server.StartDeliveringNodeAsync();
        try
        {
            var alpha = Server.ClientFor("marie@alpha");
            await alpha.AddAnnotationAsync(recordId, new NewAnnotation(Text: "alpha outlet only", Visibility: Visibility.Outlet));
            await alpha.AddAnnotationAsync(recordId, new NewAnnotation(Text: "alpha private", Visibility: Visibility.Private));
            await Server.ClientFor("lena@lab").AddAnnotationAsync(recordId, new NewAnnotation(Text: "lab private", Visibility: Visibility.Private));
            var investigation = (await Server.ClientFor("ines@alpha").ListInvestigationsAsync()).Single();
            var wave = await Server.ClientFor("ines@alpha").CreateWaveAsync(investigation.Id, new NewWave("Wave 1", new EmbargoInput(DateTime.UtcNow.AddDays(5).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture), "UTC")));
            await Server.ClientFor("ines@alpha").CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "The spyware", "Who was selected", "alpha", ["bravo"]));
            await Server.ClientFor("lena@lab").AddAnnotationAsync(recordId, new NewAnnotation(Text: "lab outlet only", Visibility: Visibility.Outlet));
            await alpha.AddAnnotationAsync(recordId, new NewAnnotation(Text: "for everyone"));

            // Entries are delivered in feed order: once the last one is in, everything before it was decided.
            await receiver.WaitForAsync(m => m.Body.Contains("for everyone", StringComparison.Ordinal));
            Assert.Contains("The spyware", (await bravoReceiver.WaitForAsync(m => m.Type.StartsWith("story.", StringComparison.Ordinal))).Body, StringComparison.Ordinal);
            var texts = receiver.Received.Where(m => m.Type.StartsWith("annotation.", StringComparison.Ordinal))
                .Select(m => m.Json.GetProperty("data").GetProperty("object").GetProperty("text").GetString()).ToList();
            Assert.Equal(["lab outlet only", "for everyone"], texts);
            Assert.DoesNotContain(receiver.Received, m => m.Type.StartsWith("story.", StringComparison.Ordinal) || m.Body.Contains("The spyware", StringComparison.Ordinal));
            Assert.DoesNotContain(receiver.Received, m => m.Body.Contains("private", StringComparison.Ordinal) || m.Body.Contains("alpha outlet only", StringComparison.Ordinal));
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task An_entry_whose_record_is_restricted_away_while_an_earlier_one_is_in_flight_is_not_sent_from_the_stale_page()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n07700 900002,GB\n");
        var records = (await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id)).Items;
        await using var receiver = await WebhookReceiver.StartAsync();
        var endpoint = await GivenEndpointAsync("adm@lab", receiver.Url, ["annotation"]);
        var alpha = Server.ClientFor("marie@alpha");
        // Both notes are in the feed before delivery starts, so the first round reads them on one page.
        await alpha.AddAnnotationAsync(records[0].Id, new NewAnnotation(Text: "first, still open to lab"));
        await alpha.AddAnnotationAsync(records[1].Id, new NewAnnotation(Text: "second, restricted away meanwhile"));
        var restricted = 0;
        receiver.WhileAnswering = async message =>
        {
            if (message.Body.Contains("first, still open to lab", StringComparison.Ordinal) && Interlocked.Exchange(ref restricted, 1) == 0)
            {
                // While the first delivery waits for its answer, the coordinator restricts the second note's record.
                await Server.ClientFor("ines@alpha").SetRecordRestrictionAsync(records[1].Id, new OutletRestriction(["bravo"]));
            }
        };
        var node = await Server.StartDeliveringNodeAsync();
        try
        {
            await receiver.WaitForAsync(m => m.Body.Contains("first, still open to lab", StringComparison.Ordinal));
            await alpha.AddAnnotationAsync(records[0].Id, new NewAnnotation(Text: "third, after the restriction"));

            // In feed order: once the third is in, the second was decided.
            await receiver.WaitForAsync(m => m.Body.Contains("third, after the restriction", StringComparison.Ordinal));
            Assert.Equal(1, restricted);
            Assert.DoesNotContain(receiver.Received, m => m.Body.Contains("restricted away", StringComparison.Ordinal));
            // The log row of a delivery is written once its answer is in, just after the receiver has seen it.
            var log = await LogAsync("adm@lab", endpoint.Endpoint.Id, l => l.Count == 2 && l.All(d => d.Status == WebhookDeliveryStatuses.Delivered));
            Assert.Equal(2, log.Count);
            Assert.All(log, d => Assert.Equal(WebhookDeliveryStatuses.Delivered, d.Status));
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task Ended_deliveries_older_than_the_retention_leave_the_log_and_a_failed_one_stays()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("tom@bravo").ListRecordsAsync(dataset.Id)).Items[0];
        await using var receiver = await WebhookReceiver.StartAsync();
        var endpoint = await GivenEndpointAsync("adm@lab", receiver.Url, ["annotation"]);
        var alpha = Server.ClientFor("marie@alpha");
        await alpha.AddAnnotationAsync(record.Id, new NewAnnotation(Text: "old news"));
        await alpha.AddAnnotationAsync(record.Id, new NewAnnotation(Text: "older news"));
        var node = await Server.StartDeliveringNodeAsync();
        List<WebhookDeliveryView> log;
        try
        {
            log = await LogAsync("adm@lab", endpoint.Endpoint.Id, l => l.Count == 2 && l.All(d => d.Status == WebhookDeliveryStatuses.Delivered));
        }
        finally
        {
            await StopAsync(node);
        }
        Assert.Equal(2, log.Count);

        // Both are aged past the 30 days the log keeps; one is marked failed, as the event an endpoint disabled for
        // failing stopped at, which enabling retries first.
        var failed = log[0].Id;
        await using (var database = new NpgsqlConnection(Server.ConnectionString))
        {
            await database.OpenAsync();
            await using var age = new NpgsqlCommand(
                "update consortium.webhook_delivery set created_at = now() - interval '31 days', status = case when id = $2 then 'failed' else status end where endpoint_id = $1",
                database) { Parameters = { new() { Value = endpoint.Endpoint.Id }, new() { Value = failed } } };
            Assert.Equal(2, await age.ExecuteNonQueryAsync());
        }

        // The next delivering node prunes when it starts.
        var next = await Server.StartDeliveringNodeAsync();
        try
        {
            log = await LogAsync("adm@lab", endpoint.Endpoint.Id, l => l.Count == 1);
        }
        finally
        {
            await StopAsync(next);
        }
        var kept = Assert.Single(log);
        Assert.Equal((failed, WebhookDeliveryStatuses.Failed), (kept.Id, kept.Status));
    }

    [Fact]
    public async Task An_endpoint_failing_for_the_whole_retry_window_is_disabled_with_its_reason_and_enabling_it_delivers_the_event_it_failed_on()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst = int.MaxValue;
        var recordId = await GivenRecordAsync();
        var endpoint = await GivenEndpointAsync("adm@bravo", receiver.Url);
        var node = await Server.StartDeliveringNodeAsync(retryFor: TimeSpan.FromSeconds(1));
        try
        {
            await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "never taken"));
            var log = await LogAsync("adm@bravo", endpoint.Endpoint.Id, l => l.Count == 1 && l[0].Status == WebhookDeliveryStatuses.Failed);
            Assert.Equal(WebhookDeliveryStatuses.Failed, Assert.Single(log).Status);
            var disabled = await SendAsync<WebhookEndpointView>("adm@bravo", HttpMethod.Get, $"api/outlet/webhooks/{endpoint.Endpoint.Id}");
            Assert.False(disabled.Enabled);
            Assert.Contains("HTTP 503", disabled.DisabledReason, StringComparison.Ordinal);
            var attempts = receiver.Received.Count;
            Assert.True(attempts >= 2);

            receiver.FailFirst = 0;
            Assert.True((await SendAsync<WebhookEndpointView>("adm@bravo", HttpMethod.Post, $"api/outlet/webhooks/{endpoint.Endpoint.Id}/enable")).Enabled);
            var delivered = Assert.Single(await LogAsync("adm@bravo", endpoint.Endpoint.Id, l => l.Count == 1 && l[0].Status == WebhookDeliveryStatuses.Delivered));
            Assert.Equal(WebhookDeliveryStatuses.Delivered, delivered.Status);
            Assert.Equal(204, delivered.AttemptLog[^1].StatusCode);
            Assert.Single(receiver.Received.Select(m => m.Id).Distinct());
        }
        finally
        {
            await StopAsync(node);
        }
    }

    [Fact]
    public async Task A_delivery_pending_at_shutdown_is_delivered_after_the_restart()
    {
        var recordId = await GivenRecordAsync();
        // The receiver is down: its port is reserved and closed.
        int port;
        await using (var probe = await WebhookReceiver.StartAsync())
        {
            port = new Uri(probe.Url).Port;
        }
        var endpoint = await GivenEndpointAsync("adm@bravo", $"http://127.0.0.1:{port}/hook");
        var node = await Server.StartDeliveringNodeAsync();
        await Server.ClientFor("tom@bravo").AddAnnotationAsync(recordId, new NewAnnotation(Text: "while the partner was down"));
        await LogAsync("adm@bravo", endpoint.Endpoint.Id, l => l.Count == 1 && l[0].Status == WebhookDeliveryStatuses.Retrying);
        await StopAsync(node);
        var failedAttempts = Assert.Single(await DeliveriesAsync("adm@bravo", endpoint.Endpoint.Id)).Attempts;
        Assert.All(Assert.Single(await DeliveriesAsync("adm@bravo", endpoint.Endpoint.Id)).AttemptLog, a => Assert.Null(a.StatusCode));

        await using var receiver = await WebhookReceiver.StartAsync(port);
        var restarted = await Server.StartDeliveringNodeAsync();
        try
        {
            var message = await receiver.WaitForAsync(m => m.Body.Contains("while the partner was down", StringComparison.Ordinal));
            Assert.True(StandardWebhooksSpec.Verify(endpoint.Secret, message, DateTimeOffset.UtcNow));
            var delivery = Assert.Single(await LogAsync("adm@bravo", endpoint.Endpoint.Id, l => l.Count == 1 && l[0].Status == WebhookDeliveryStatuses.Delivered));
            Assert.Equal(WebhookDeliveryStatuses.Delivered, delivery.Status);
            Assert.Equal(message.Id, delivery.EventId);
            Assert.True(delivery.Attempts > failedAttempts);
        }
        finally
        {
            await StopAsync(restarted);
        }
    }
}

internal static class WebhookSecretsForTests
{
    public static string Other() => "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
