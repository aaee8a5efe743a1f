using System.Net.Http.Headers;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Annotations;
using Consortium.Server.Audit;
using Consortium.Server.Demo;
using Consortium.Server.Notifications;
using Consortium.Server.Publication;
using Consortium.Server.Records;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Consortium.Server.Tests.Demo;

/// <summary>The demo consortium comes with two weeks of work on it, written through the domain's own paths.</summary>
public sealed class DemoSeedTests(DemoSeedFixture demo) : IClassFixture<DemoSeedFixture>
{
    private IDocumentStore Store => demo.Server.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task The_seed_writes_hundreds_of_annotations_of_every_kind_and_visibility()
    {
        await using var session = Store.QuerySession();
        var annotations = await session.Query<Annotation>().ToListAsync();
        Assert.True(annotations.Count >= 300, $"{annotations.Count} annotations");
        Assert.Equal(AnnotationKinds.All.Order(), annotations.Select(a => a.Kind).Distinct().Order());
        Assert.Equal(Enum.GetValues<Visibility>().Order(), annotations.Select(a => a.Visibility).Distinct().Order());
        Assert.Contains(annotations, a => a.Kind == AnnotationKinds.Note && a.Visibility == Visibility.Private);
        Assert.Contains(annotations, a => a.Kind == AnnotationKinds.Note && a.Visibility == Visibility.Outlet);
        Assert.Contains(annotations, a => a.Retracted);
        Assert.Contains(annotations, a => a.Resolved);
        Assert.Contains(annotations, a => a.AssigneeUserId is not null);
        // Written as events: every annotation is a stream whose projection carries its global sequence number.
        Assert.All(annotations, a => Assert.True(a.Sequence > 0));
    }

    [Fact]
    public async Task Verifications_reach_every_state_and_results_cite_the_labs_stored_evidence()
    {
        await using var session = Store.QuerySession();
        var verifications = await session.Query<Annotation>().Where(a => a.Kind == AnnotationKinds.Verification).ToListAsync();
        string[] states = [VerificationStates.Unverified, VerificationStates.Identified, VerificationStates.ConsentObtained, VerificationStates.ForensicsSubmitted,
            VerificationStates.Infected, VerificationStates.Attempted, VerificationStates.Inconclusive, VerificationStates.NoEvidence, VerificationStates.PeerReviewed];
        Assert.Equal(states.Order(), verifications.Select(v => v.Verification!.State).Distinct().Order());
        Assert.Contains(verifications, v => v.Verification!.Evidence?.Any(e => e.Stored) == true);
        Assert.Contains(verifications, v => v.Visibility == Visibility.Outlet);
    }

    [Fact]
    public async Task The_seed_leaves_inbox_entries_of_every_reason_and_recent_viewers()
    {
        await using var session = Store.QuerySession();
        var reasons = await session.Query<Notification>().Select(n => n.Reason).Distinct().ToListAsync();
        Assert.Equal(new[] { NotificationReasons.Assignment, NotificationReasons.Mention, NotificationReasons.Reply, NotificationReasons.Verification }.Order(), reasons.Order());
        Assert.True(await session.Query<AuditEntry>().CountAsync(e => e.Action == AuditActions.RecordRead) >= 30);
    }

    [Fact]
    public async Task The_seed_plans_the_embargo_desk_and_leaves_an_import_history_with_an_error_report()
    {
        await using var session = Store.QuerySession();
        Assert.Equal(2, await session.Query<PublicationWave>().CountAsync());
        Assert.Equal(3, await session.Query<PublicationStory>().CountAsync());
        var jobs = await session.Query<ImportJob>().ToListAsync();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(ImportStates.Completed, j.State));
        var messy = Assert.Single(jobs, j => j.Rejected > 0);
        Assert.NotEmpty(messy.Errors);
        Assert.Contains(jobs, j => j.Rejected == 0 && j.Imported > 0);
    }

    [Fact]
    public async Task A_second_seed_adds_nothing()
    {
        var before = await CountsAsync();
        var file = await File.ReadAllTextAsync(demo.AccountsFile);
        await demo.Seed.SeedAsync(CancellationToken.None);
        Assert.Equal(before, await CountsAsync());
        Assert.Equal(file, await File.ReadAllTextAsync(demo.AccountsFile));
    }

    private async Task<(long Events, int Annotations, int Notifications, int Jobs, int Waves)> CountsAsync()
    {
        await using var session = Store.QuerySession();
        return (await session.Events.QueryAllRawEvents().LongCountAsync(), await session.Query<Annotation>().CountAsync(), await session.Query<Notification>().CountAsync(),
            await session.Query<ImportJob>().CountAsync(), await session.Query<PublicationWave>().CountAsync());
    }

    [Fact]
    public async Task Seeded_outlet_only_and_private_annotations_are_not_read_by_others_through_the_api()
    {
        await using var session = Store.QuerySession();
        var outletOnly = (await session.Query<Annotation>().Where(a => a.Kind == AnnotationKinds.Note && a.Visibility == Visibility.Outlet).ToListAsync())
            .First(a => a.OutletId != "the-lens" && a.OutletId != "le-veilleur");
        var secret = (await session.Query<Annotation>().Where(a => a.Kind == AnnotationKinds.Note && a.Visibility == Visibility.Private).ToListAsync())
            .First(a => a.OutletId != "the-lens");
        var stranger = await demo.SeededPersonAsync("wanjiru.kamau@the-lens.example");

        var seenByStranger = await AnnotationIdsAsync(stranger, outletOnly.RecordId);
        Assert.NotEmpty(seenByStranger);
        Assert.DoesNotContain(outletOnly.Id, seenByStranger);
        Assert.DoesNotContain(secret.Id, await AnnotationIdsAsync(stranger, secret.RecordId));

        // The outlet's own people do read it, and the author's colleague still not the author's private note.
        var colleagueEmail = await ColleagueEmailAsync(outletOnly.OutletId, outletOnly.Author);
        var colleague = await demo.SeededPersonAsync(colleagueEmail);
        Assert.Contains(outletOnly.Id, await AnnotationIdsAsync(colleague, outletOnly.RecordId));
        var secretColleague = await demo.SeededPersonAsync(await ColleagueEmailAsync(secret.OutletId, secret.Author));
        Assert.DoesNotContain(secret.Id, await AnnotationIdsAsync(secretColleague, secret.RecordId));

        // The verification board of another outlet leaves out the lab's outlet-only triage.
        var labOnly = await session.Query<Annotation>().Where(a => a.Kind == AnnotationKinds.Verification && a.Visibility == Visibility.Outlet).ToListAsync();
        var board = await demo.Server.ClientFor(stranger).ListVerificationsAsync(labOnly[0].InvestigationId);
        Assert.NotEmpty(board);
        Assert.DoesNotContain(board, v => labOnly.Any(l => l.Id == v.Id));
    }

    [Fact]
    public void A_server_with_a_configured_connection_string_runs_no_demo_partner_even_with_the_demo_and_the_partner_on()
    {
        Assert.Contains(demo.Server.Services.GetServices<IHostedService>(), s => s is DemoSeed);
        Assert.DoesNotContain(demo.Server.Services.GetServices<IHostedService>(), s => s is DemoPartner);
    }

    private async Task<string> ColleagueEmailAsync(string outletId, string notUserId)
    {
        await using var session = Store.QuerySession();
        var investigation = await session.Query<Consortium.Server.Access.Investigation>().SingleAsync();
        var colleague = investigation.People.First(p => p.OutletId == outletId && p.UserId != notUserId);
        return $"{colleague.DisplayName.ToLowerInvariant().Replace(' ', '.')}@{outletId}.example";
    }

    private async Task<List<Guid>> AnnotationIdsAsync(string user, Guid recordId)
    {
        using var http = new HttpClient { BaseAddress = demo.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await demo.Server.Accounts.AccessTokenAsync(user));
        using var response = await http.GetAsync($"api/records/{recordId}/annotations");
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
    }
}

/// <summary>The demo partner writes as invented people: it can never run on a configured (real) database.</summary>
public sealed class DemoPartnerGuardTests
{
    [Theory]
    [InlineData(true, null, "", true)]
    [InlineData(true, "true", "", true)]
    [InlineData(true, "false", "", false)]
    [InlineData(false, null, "", false)]
    [InlineData(true, null, "Host=db.example;Database=consortium", false)]
    [InlineData(true, "true", "Host=db.example;Database=consortium", false)]
    public void The_partner_is_allowed_only_in_the_demo_on_the_embedded_database(bool seed, string? partner, string connectionString, bool allowed)
    {
        var settings = new Dictionary<string, string?> { ["Demo:Seed"] = seed.ToString(), ["ConnectionStrings:Consortium"] = connectionString };
        if (partner is not null)
        {
            settings[DemoPartner.Setting] = partner;
        }
        Assert.Equal(allowed, DemoPartner.IsAllowed(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()));
    }
}
