using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Consortium.Server.Tests.Access;

/// <summary>
/// Every API endpoint and hub method, walked by a caller of every kind: each role of a member, a colleague of a member
/// outlet who is not a member, a person of an outlet outside the investigation, sync clients inside and outside, and
/// nobody at all. Each cell asserts the status, and that refusals carry none of the hidden data.
/// </summary>
[Collection(AccessCollection.Name)]
public sealed class AuthorizationMatrixTests(ConsortiumServer server) : ServerTest(server)
{
    private enum Caller { Anonymous, Outsider, NonMemberColleague, SyncOutside, SyncMember, ReadOnly, Reporter, Analyst, Editor, Coordinator }

    private static readonly Caller[] Everyone = Enum.GetValues<Caller>();

    // Strings that only someone entitled may ever see in a body.
    private const string InvestigationName = "Nightjar matrix";
    private const string SecretDatasetName = "Lab-only triage";
    private const string RestrictedPhone = "7700900111";
    private const string OutletNote = "alpha-only lead";
    private const string PrivateNote = "ines private reminder";

    private sealed record World(Guid Investigation, Guid Dataset, Guid Compartment, Guid Record, Guid CompartmentRecord, Guid RestrictedRecord, string Throwaway,
        Guid ImportJob = default, Guid CompartmentImportJob = default)
    {
        public Guid SharedNote { get; init; }
        public Guid OutletNoteId { get; init; }
    }

    private readonly Dictionary<Caller, ConsortiumClient> clients = [];

    private async Task<World> GivenWorldAsync()
    {
        var coordinator = Server.ClientFor("ines@alpha");
        var investigation = await coordinator.CreateInvestigationAsync(new NewInvestigation(InvestigationName, "matrix", ["bravo", "lab"]));
        foreach (var (user, role) in new[] { ("ro@bravo", InvestigationRole.ReadOnly), ("rep@bravo", InvestigationRole.Reporter), ("ana@lab", InvestigationRole.Analyst), ("ed@bravo", InvestigationRole.Editor), ("tmp@bravo", InvestigationRole.Reporter) })
        {
            await GivenMemberAsync(investigation.Id, user, role);
        }
        var dataset = await coordinator.CreateDatasetAsync(investigation.Id, new NewDataset("Selected numbers", ""));
        await coordinator.ImportCsvAsync(dataset.Id, Csv("phone,country\n07700 900101,GB\n07700 900111,GB\n"));
        var compartment = await coordinator.CreateDatasetAsync(investigation.Id, new NewDataset(SecretDatasetName, "", ["lab"]));
        await coordinator.ImportCsvAsync(compartment.Id, Csv("phone,country\n07700 900201,GB\n"));
        var records = (await coordinator.ListRecordsAsync(dataset.Id)).Items;
        var compartmentRecord = (await coordinator.ListRecordsAsync(compartment.Id)).Items[0];
        await coordinator.SetRecordRestrictionAsync(records[1].Id, new OutletRestriction(["alpha"]));
        var sharedNote = await Server.ClientFor("rep@bravo").AddNoteAsync(records[0].Id, new NewNote("shared finding"));
        var outletNote = await coordinator.AddNoteAsync(records[0].Id, new NewNote(OutletNote, Visibility.Outlet));
        await coordinator.AddNoteAsync(records[0].Id, new NewNote(PrivateNote, Visibility.Private));

        await Server.Accounts.AccountAsync("adm@bravo", outletAdmin: true);
        await Server.Accounts.AccountAsync("adm@charlie", outletAdmin: true);
        var syncMember = await Server.ClientFor("adm@bravo").RegisterSyncClientAsync(new NewSyncClient("bravo sync"));
        var syncOutside = await Server.ClientFor("adm@charlie").RegisterSyncClientAsync(new NewSyncClient("charlie sync"));

        clients[Caller.Anonymous] = new ConsortiumClient(Server.AnonymousClient());
        clients[Caller.Outsider] = Server.ClientFor("out@charlie");
        clients[Caller.NonMemberColleague] = Server.ClientFor("nm@alpha");
        clients[Caller.SyncMember] = SyncClient(syncMember);
        clients[Caller.SyncOutside] = SyncClient(syncOutside);
        clients[Caller.ReadOnly] = Server.ClientFor("ro@bravo");
        clients[Caller.Reporter] = Server.ClientFor("rep@bravo");
        clients[Caller.Analyst] = Server.ClientFor("ana@lab");
        clients[Caller.Editor] = Server.ClientFor("ed@bravo");
        clients[Caller.Coordinator] = coordinator;
        return new World(investigation.Id, dataset.Id, compartment.Id, records[0].Id, compartmentRecord.Id, records[1].Id, (await Server.Accounts.AccountAsync("tmp@bravo")).Id,
            (await coordinator.ListImportsAsync(dataset.Id))[0].Id, (await coordinator.ListImportsAsync(compartment.Id))[0].Id)
        {
            SharedNote = sharedNote.Id,
            OutletNoteId = outletNote.Id,
        };
    }

    private ConsortiumClient SyncClient(SyncClientCredentials credentials)
    {
        var http = new HttpClient { BaseAddress = Server.BaseAddress };
        return new ConsortiumClient(http, new ClientCredentialsTokens(http, credentials.ClientId, credentials.ClientSecret).GetAsync);
    }

    /// <summary>Expected status per caller, from a few rules; exceptions are given explicitly.</summary>
    private static Dictionary<Caller, HttpStatusCode> Expect(HttpStatusCode member, HttpStatusCode? readOnly = null, HttpStatusCode? reporter = null,
        HttpStatusCode? analyst = null, HttpStatusCode? editor = null, HttpStatusCode? coordinator = null, HttpStatusCode? syncMember = null,
        HttpStatusCode outsider = HttpStatusCode.NotFound)
    {
        return new()
        {
            [Caller.Anonymous] = HttpStatusCode.Unauthorized,
            [Caller.Outsider] = outsider,
            [Caller.NonMemberColleague] = outsider,
            [Caller.SyncOutside] = outsider,
            [Caller.SyncMember] = syncMember ?? readOnly ?? member,
            [Caller.ReadOnly] = readOnly ?? member,
            [Caller.Reporter] = reporter ?? member,
            [Caller.Analyst] = analyst ?? member,
            [Caller.Editor] = editor ?? member,
            [Caller.Coordinator] = coordinator ?? member,
        };
    }

    private sealed record Case(string Name, Func<HttpRequestMessage> Request, Dictionary<Caller, HttpStatusCode> Expected);

    [Fact]
    public async Task Every_endpoint_answers_every_kind_of_caller_as_the_access_model_says_and_refusals_leak_nothing()
    {
        var w = await GivenWorldAsync();
        const HttpStatusCode ok = HttpStatusCode.OK, created = HttpStatusCode.Created, noContent = HttpStatusCode.NoContent,
            forbidden = HttpStatusCode.Forbidden, notFound = HttpStatusCode.NotFound;
        var lab = Expect(notFound, analyst: ok, coordinator: ok, outsider: notFound);
        var alphaOnly = Expect(notFound, coordinator: ok);

        Case Get(string name, string path, Dictionary<Caller, HttpStatusCode> expected) => new(name, () => new(HttpMethod.Get, path), expected);
        Case Send(string name, HttpMethod method, string path, object body, Dictionary<Caller, HttpStatusCode> expected) =>
            new(name, () => new(method, path) { Content = JsonContent.Create(body) }, expected);
        Case Import(string name, Guid dataset, Dictionary<Caller, HttpStatusCode> expected) =>
            new(name, () => new(HttpMethod.Post, $"api/datasets/{dataset}/imports?wait=true") { Content = new StringContent("phone,country\n07700 900555,GB\n", Encoding.UTF8, "text/csv") }, expected);

        // An evidence file, cited by a consortium-wide verification and by one for the lab only.
        var evidence = Encoding.UTF8.GetBytes("matrix forensic report");
        var evidenceSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(evidence));
        var analyst = clients[Caller.Analyst];
        await analyst.UploadEvidenceAsync(w.Investigation, new MemoryStream(evidence));
        async Task<Guid> VerificationCitingEvidenceAsync(Visibility visibility)
        {
            var v = await analyst.AddAnnotationAsync(w.Record, new NewAnnotation(AnnotationKinds.Verification, Visibility: visibility));
            foreach (var state in new[] { VerificationStates.Identified, VerificationStates.ConsentObtained })
            {
                v = await analyst.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(state));
            }
            v = await analyst.MoveVerificationAsync(v.Id, v.Version, new VerificationChange(VerificationStates.ForensicsSubmitted,
                Evidence: [new EvidenceView("report.txt", evidenceSha, evidence.Length)]));
            return v.Id;
        }
        var sharedVerification = await VerificationCitingEvidenceAsync(Visibility.Consortium);
        var labVerification = await VerificationCitingEvidenceAsync(Visibility.Outlet);
        // The coordinator cites the lab's file by its hash in a verification of alpha's own: alpha holds no such file,
        // so citing it shares nothing (issue 17, evidence by hash).
        var borrowed = await clients[Caller.Coordinator].AddAnnotationAsync(w.Record, new NewAnnotation(AnnotationKinds.Verification));
        foreach (var state in new[] { VerificationStates.Identified, VerificationStates.ConsentObtained })
        {
            borrowed = await clients[Caller.Coordinator].MoveVerificationAsync(borrowed.Id, borrowed.Version, new VerificationChange(state));
        }
        borrowed = await clients[Caller.Coordinator].MoveVerificationAsync(borrowed.Id, borrowed.Version, new VerificationChange(VerificationStates.ForensicsSubmitted,
            Evidence: [new EvidenceView("report.txt", evidenceSha, evidence.Length)]));
        Case Raw(string name, HttpMethod method, string path, string json, Dictionary<Caller, HttpStatusCode> expected) =>
            new(name, () => new(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") }, expected);

        var persons = new Dictionary<Caller, HttpStatusCode>(Everyone.ToDictionary(c => c, _ => ok)) { [Caller.Anonymous] = HttpStatusCode.Unauthorized };
        var personsCreate = new Dictionary<Caller, HttpStatusCode>(Everyone.ToDictionary(c => c, _ => created))
        {
            [Caller.Anonymous] = HttpStatusCode.Unauthorized, [Caller.SyncMember] = forbidden, [Caller.SyncOutside] = forbidden,
        };
        var outletAdminOnly = new Dictionary<Caller, HttpStatusCode>(Everyone.ToDictionary(c => c, _ => forbidden)) { [Caller.Anonymous] = HttpStatusCode.Unauthorized };

        Case[] cases =
        [
            Get("me", "api/me", persons),
            Get("list investigations", "api/investigations", persons),
            Get("list outlets", "api/outlets", persons),
            Send("create investigation", HttpMethod.Post, "api/investigations", new NewInvestigation("Another", "", []), personsCreate),
            Get("get investigation", $"api/investigations/{w.Investigation}", Expect(ok)),
            Get("list datasets", $"api/investigations/{w.Investigation}/datasets", Expect(ok)),
            Send("create dataset", HttpMethod.Post, $"api/investigations/{w.Investigation}/datasets", new NewDataset("More", ""),
                Expect(forbidden, editor: created, coordinator: created)),
            Get("get dataset", $"api/datasets/{w.Dataset}", Expect(ok)),
            Get("get compartmented dataset", $"api/datasets/{w.Compartment}", lab),
            Get("list records", $"api/datasets/{w.Dataset}/records", Expect(ok)),
            Get("list compartmented records", $"api/datasets/{w.Compartment}/records", lab),
            Get("filter records", $"api/datasets/{w.Dataset}/records?q=900111", Expect(ok)),
            Get("search", $"api/datasets/{w.Dataset}/search?phone=900101", Expect(ok)),
            Get("search compartment", $"api/datasets/{w.Compartment}/search?phone=900201", lab),
            Get("search investigation", $"api/investigations/{w.Investigation}/search?phone=900", Expect(ok)),
            Get("search investigation in compartment", $"api/investigations/{w.Investigation}/search?dataset={w.Compartment}",
                Expect(HttpStatusCode.BadRequest, analyst: ok, coordinator: ok)),
            Get("export", $"api/datasets/{w.Dataset}/export?format=csv", Expect(forbidden, editor: ok, coordinator: ok)),
            Get("export compartment", $"api/datasets/{w.Compartment}/export?format=jsonl", Expect(notFound, analyst: forbidden, coordinator: ok)),
            Import("import", w.Dataset, Expect(forbidden, editor: ok, coordinator: ok)),
            Import("import into compartment", w.Compartment, Expect(notFound, analyst: forbidden, coordinator: ok)),
            Get("list import jobs", $"api/datasets/{w.Dataset}/imports", Expect(ok)),
            Get("list compartment's import jobs", $"api/datasets/{w.Compartment}/imports", lab),
            Get("get import job", $"api/datasets/{w.Dataset}/imports/{w.ImportJob}", Expect(ok)),
            Get("get compartment's import job", $"api/datasets/{w.Compartment}/imports/{w.CompartmentImportJob}", lab),
            Get("get import job through another dataset", $"api/datasets/{w.Dataset}/imports/{w.CompartmentImportJob}", Expect(notFound)),
            // The jobs are completed: those who may cancel or resume learn that (409); others are refused first.
            Send("cancel import", HttpMethod.Post, $"api/datasets/{w.Dataset}/imports/{w.ImportJob}/cancel", new { }, Expect(forbidden, editor: HttpStatusCode.Conflict, coordinator: HttpStatusCode.Conflict)),
            Send("cancel compartment's import", HttpMethod.Post, $"api/datasets/{w.Compartment}/imports/{w.CompartmentImportJob}/cancel", new { }, Expect(notFound, analyst: forbidden, coordinator: HttpStatusCode.Conflict)),
            Send("resume import", HttpMethod.Post, $"api/datasets/{w.Dataset}/imports/{w.ImportJob}/resume", new { }, Expect(forbidden, editor: HttpStatusCode.Conflict, coordinator: HttpStatusCode.Conflict)),
            Send("resume compartment's import", HttpMethod.Post, $"api/datasets/{w.Compartment}/imports/{w.CompartmentImportJob}/resume", new { }, Expect(notFound, analyst: forbidden, coordinator: HttpStatusCode.Conflict)),
            Get("get record", $"api/records/{w.Record}", Expect(ok)),
            Get("get compartmented record", $"api/records/{w.CompartmentRecord}", lab),
            Get("get restricted record", $"api/records/{w.RestrictedRecord}", alphaOnly),
            Get("recent viewers", $"api/records/{w.Record}/viewers", Expect(ok)),
            Get("recent viewers of restricted record", $"api/records/{w.RestrictedRecord}/viewers", alphaOnly),
            Get("list annotations", $"api/records/{w.Record}/annotations", Expect(ok)),
            Get("list annotations of restricted record", $"api/records/{w.RestrictedRecord}/annotations", alphaOnly),
            Send("add note", HttpMethod.Post, $"api/records/{w.Record}/annotations", new NewNote("matrix note"),
                Expect(created, readOnly: forbidden)),
            Send("add note to compartmented record", HttpMethod.Post, $"api/records/{w.CompartmentRecord}/annotations", new NewNote("matrix note"),
                Expect(notFound, analyst: created, coordinator: created)),
            Get("get annotation", $"api/annotations/{w.SharedNote}", Expect(ok)),
            Get("get outlet-only annotation", $"api/annotations/{w.OutletNoteId}", alphaOnly),
            Get("annotation history", $"api/annotations/{w.SharedNote}/history", Expect(ok)),
            Get("outlet-only annotation history", $"api/annotations/{w.OutletNoteId}/history", alphaOnly),
            Get("changes feed", $"api/investigations/{w.Investigation}/changes", Expect(ok)),
            Get("changes feed of one record", $"api/investigations/{w.Investigation}/changes?record={w.Record}", Expect(ok)),
            // Fresh bytes each time, so every permitted caller stores a new file (201).
            new("upload evidence", () => new(HttpMethod.Post, $"api/investigations/{w.Investigation}/evidence") { Content = new ByteArrayContent(Guid.NewGuid().ToByteArray()) },
                Expect(created, readOnly: forbidden)),
            Get("download evidence", $"api/annotations/{sharedVerification}/evidence/{evidenceSha}", Expect(ok)),
            Get("download evidence of a lab-only verification", $"api/annotations/{labVerification}/evidence/{evidenceSha}", Expect(notFound, analyst: ok)),
            Get("download evidence through a verification whose outlet does not hold it", $"api/annotations/{borrowed.Id}/evidence/{evidenceSha}", Expect(notFound)),
            Get("verification board", $"api/investigations/{w.Investigation}/verifications", Expect(ok)),
            Get("inbox", "api/inbox", persons),
            Get("digest", "api/inbox/digest", persons),
            Get("digest preference", "api/inbox/preference", persons),
            Send("set digest preference", HttpMethod.Put, "api/inbox/preference", new DigestPreference(true, 6), persons),
            Get("follow state", $"api/records/{w.Record}/follow", Expect(ok)),
            Get("follow state of restricted record", $"api/records/{w.RestrictedRecord}/follow", alphaOnly),
            new("follow record", () => new(HttpMethod.Put, $"api/records/{w.Record}/follow"), Expect(noContent)),
            new("follow restricted record", () => new(HttpMethod.Put, $"api/records/{w.RestrictedRecord}/follow"), Expect(notFound, coordinator: noContent)),
            new("unfollow record", () => new(HttpMethod.Delete, $"api/records/{w.Record}/follow"), Expect(noContent)),
            Get("list members", $"api/investigations/{w.Investigation}/members", Expect(ok)),
            Send("add member", HttpMethod.Post, $"api/investigations/{w.Investigation}/members", new NewMember("tmp@bravo.test", InvestigationRole.Reporter),
                Expect(forbidden, coordinator: created)),
            Send("change member", HttpMethod.Put, $"api/investigations/{w.Investigation}/members/{w.Throwaway}", new MemberChange(InvestigationRole.Reporter),
                Expect(forbidden, coordinator: ok)),
            Send("set compartment", HttpMethod.Put, $"api/datasets/{w.Dataset}/compartment", new OutletRestriction(null), Expect(forbidden, coordinator: ok)),
            Send("restrict record", HttpMethod.Put, $"api/records/{w.Record}/restriction", new OutletRestriction(null), Expect(forbidden, coordinator: ok)),
            Get("read audit", $"api/investigations/{w.Investigation}/audit", Expect(forbidden, coordinator: ok)),
            // An undeclared enum value fails binding, before any access check: the same 400 for everyone signed in.
            Raw("change member to an undeclared role", HttpMethod.Put, $"api/investigations/{w.Investigation}/members/{w.Throwaway}", """{"role": 99}""",
                Expect(HttpStatusCode.BadRequest, outsider: HttpStatusCode.BadRequest)),
            Raw("add annotation with an undeclared visibility", HttpMethod.Post, $"api/records/{w.Record}/annotations", """{"kind": "note", "text": "x", "visibility": 9}""",
                Expect(HttpStatusCode.BadRequest, outsider: HttpStatusCode.BadRequest)),
            Get("read audit anchor", $"api/investigations/{w.Investigation}/audit/anchor", Expect(forbidden, coordinator: ok)),
            Get("who am I", "api/me", Expect(ok, outsider: ok)),
            new("remove member", () => new(HttpMethod.Delete, $"api/investigations/{w.Investigation}/members/{w.Throwaway}"), Expect(forbidden, coordinator: noContent)),
            Get("outlet accounts", "api/outlet/accounts", outletAdminOnly),
            Get("outlet clients", "api/outlet/clients", outletAdminOnly),
            Send("invite account", HttpMethod.Post, "api/outlet/accounts", new NewAccount("someone@x.test", "Someone"), outletAdminOnly),
            Send("register client", HttpMethod.Post, "api/outlet/clients", new NewSyncClient("x"), outletAdminOnly),
            // Last: signing out revokes every token of the person, this matrix's own included (StolenSessionTokenTests).
            new("sign out", () => new(HttpMethod.Post, "api/session/sign-out"), Expect(noContent, outsider: noContent)),
        ];

        var failures = new List<string>();
        foreach (var @case in cases)
        {
            // The coordinator last: its writes (removing the throwaway member) must not change what others were asked.
            foreach (var caller in Everyone)
            {
                using var request = @case.Request();
                using var response = await clients[caller].SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != @case.Expected[caller])
                {
                    failures.Add($"{@case.Name} as {caller}: expected {(int)@case.Expected[caller]}, got {(int)response.StatusCode} {body[..Math.Min(200, body.Length)]}");
                }
                if (!response.IsSuccessStatusCode)
                {
                    foreach (var secret in new[] { SecretDatasetName, RestrictedPhone, OutletNote, PrivateNote, InvestigationName })
                    {
                        if (body.Contains(secret, StringComparison.Ordinal) || response.Headers.ToString().Contains(secret, StringComparison.Ordinal))
                        {
                            failures.Add($"{@case.Name} as {caller}: refusal reveals \"{secret}\"");
                        }
                    }
                }
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task A_partners_thread_and_its_replies_reach_exactly_the_threads_outlets_in_every_role()
    {
        var w = await GivenWorldAsync();
        var thread = await clients[Caller.Coordinator].AddAnnotationAsync(w.Record, new NewAnnotation(AnnotationKinds.Note, "alpha and lab only", Visibility.Partners, ["lab"]));
        var reply = await clients[Caller.Analyst].AddAnnotationAsync(w.Record, new NewAnnotation(AnnotationKinds.Comment, "lab answers", ParentId: thread.Id));
        var failures = new List<string>();
        foreach (var caller in Everyone.Where(c => c != Caller.Anonymous))
        {
            // alpha (the thread's outlet) and lab (its partner) read both; bravo's roles and outsiders read neither.
            var entitled = caller is Caller.Coordinator or Caller.Analyst;
            using var listing = await clients[caller].SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/records/{w.Record}/annotations"));
            var body = await listing.Content.ReadAsStringAsync();
            foreach (var (name, id) in new[] { ("thread", thread.Id), ("reply", reply.Id) })
            {
                if (body.Contains(id.ToString(), StringComparison.Ordinal) != entitled)
                {
                    failures.Add($"{caller}: {name} listed = {!entitled}");
                }
                using var single = await clients[caller].SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/annotations/{id}"));
                if ((single.StatusCode == HttpStatusCode.OK) != entitled)
                {
                    failures.Add($"{caller}: {name} answered {(int)single.StatusCode}");
                }
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Lists_and_threads_show_each_caller_exactly_what_they_may_see()
    {
        var w = await GivenWorldAsync();
        var failures = new List<string>();
        foreach (var caller in Everyone.Where(c => c != Caller.Anonymous))
        {
            var client = clients[caller];
            var member = caller is not (Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside);
            var investigations = await client.ListInvestigationsAsync();
            if (investigations.Any(i => i.Id == w.Investigation) != member)
            {
                failures.Add($"{caller}: investigation listed = {!member}");
            }
            if (!member)
            {
                continue;
            }
            var datasets = (await client.ListDatasetsAsync(w.Investigation)).Select(d => d.Name).ToList();
            var seesLab = caller is Caller.Analyst or Caller.Coordinator;
            if (datasets.Contains(SecretDatasetName) != seesLab)
            {
                failures.Add($"{caller}: compartmented dataset listed = {!seesLab}");
            }
            var phones = (await client.ListRecordsAsync(w.Dataset)).Items.Select(r => r.PhoneE164).ToList();
            var searched = (await client.ListRecordsAsync(w.Dataset, phoneDigits: RestrictedPhone)).Items;
            var seesRestricted = caller is Caller.Coordinator;
            if (phones.Contains("+44" + RestrictedPhone) != seesRestricted || searched.Count > 0 != seesRestricted)
            {
                failures.Add($"{caller}: restricted record visible in list or search = {!seesRestricted}");
            }
            // Investigation-wide search: the compartment's record and the restricted one only for those who see them.
            var everywhere = (await client.SearchInvestigationAsync(w.Investigation, new SearchQuery(Phone: "7700 900"), limit: 500)).Items.Select(r => r.Record.PhoneE164).ToList();
            if (everywhere.Contains("+447700900201") != seesLab || everywhere.Contains("+44" + RestrictedPhone) != seesRestricted)
            {
                failures.Add($"{caller}: investigation search shows compartment = {everywhere.Contains("+447700900201")}, restricted = {everywhere.Contains("+44" + RestrictedPhone)}");
            }
            var notes = (await client.ListAnnotationsAsync(w.Record)).Select(a => a.Text).ToList();
            var expected = caller switch
            {
                Caller.Coordinator => new[] { "shared finding", OutletNote, PrivateNote },
                _ => ["shared finding"],
            };
            if (!notes.SequenceEqual(expected))
            {
                failures.Add($"{caller}: thread shows [{string.Join(", ", notes)}]");
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Hub_lets_each_caller_join_only_records_it_may_see_and_pushes_only_what_it_may_read()
    {
        var w = await GivenWorldAsync();
        await using var anonymous = new HubConnectionBuilder().WithUrl(new Uri(Server.BaseAddress, "hubs/consortium")).Build();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync())).StatusCode);

        var failures = new List<string>();
        var listeners = new List<(Caller Caller, HubConnection Connection, ChannelReader<AnnotationView> Pushes)>();
        foreach (var caller in Everyone.Where(c => c != Caller.Anonymous))
        {
            var connection = clients[caller].CreateHubConnection();
            var pushes = LivePushes.Items(connection, addedOnly: true);
            await connection.StartAsync();
            foreach (var (record, entitled) in new[]
            {
                (w.Record, caller is not (Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside)),
                (w.CompartmentRecord, caller is Caller.Analyst or Caller.Coordinator),
                (w.RestrictedRecord, caller is Caller.Coordinator),
            })
            {
                var joined = true;
                try
                {
                    await connection.InvokeAsync(HubMethods.JoinRecord, record);
                }
                catch (Microsoft.AspNetCore.SignalR.HubException)
                {
                    joined = false;
                }
                if (joined != entitled)
                {
                    failures.Add($"{caller}: joined record {record} = {joined}");
                }
            }
            listeners.Add((caller, connection, pushes));
        }

        var coordinator = clients[Caller.Coordinator];
        await coordinator.AddNoteAsync(w.Record, new NewNote("pushed outlet note", Visibility.Outlet));
        await coordinator.AddNoteAsync(w.Record, new NewNote("pushed private note", Visibility.Private));
        await coordinator.AddNoteAsync(w.CompartmentRecord, new NewNote("pushed lab note"));
        var last = await clients[Caller.Reporter].AddNoteAsync(w.Record, new NewNote("pushed shared note"));

        foreach (var (caller, connection, pushes) in listeners)
        {
            var received = new List<string>();
            if (caller is not (Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside))
            {
                // The shared note comes last; once it is here, everything meant for this caller has arrived.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (true)
                {
                    var push = await pushes.ReadAsync(timeout.Token);
                    received.Add(push.Text);
                    if (push.Id == last.Id)
                    {
                        break;
                    }
                }
            }
            else
            {
                await Task.Delay(200);
                while (pushes.TryRead(out var push))
                {
                    received.Add(push.Text);
                }
            }
            var expected = caller switch
            {
                Caller.Coordinator => new[] { "pushed outlet note", "pushed private note", "pushed lab note", "pushed shared note" },
                Caller.Analyst => ["pushed lab note", "pushed shared note"],
                Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside => [],
                _ => ["pushed shared note"],
            };
            if (!received.Order().SequenceEqual(expected.Order()))
            {
                failures.Add($"{caller}: received [{string.Join(", ", received)}]");
            }
            await connection.DisposeAsync();
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Annotation_changes_answer_every_kind_of_caller_as_the_access_model_says()
    {
        var w = await GivenWorldAsync();
        var coordinator = clients[Caller.Coordinator];
        var verification = await clients[Caller.Reporter].AddAnnotationAsync(w.Record, new NewAnnotation(AnnotationKinds.Verification));
        var coordinatorNote = await coordinator.AddNoteAsync(w.Record, new NewNote("coordinator finding"));
        const HttpStatusCode ok = HttpStatusCode.OK, forbidden = HttpStatusCode.Forbidden, badRequest = HttpStatusCode.BadRequest;
        var annotating = Expect(ok, readOnly: forbidden);
        (string Name, HttpMethod Method, Guid Annotation, string Path, object Body, Dictionary<Caller, HttpStatusCode> Expected)[] cases =
        [
            ("edit (author only)", HttpMethod.Patch, w.SharedNote, "", new AnnotationChange(Text: "edited"), Expect(forbidden, reporter: ok)),
            ("edit outlet-only note", HttpMethod.Patch, w.OutletNoteId, "", new AnnotationChange(Text: "edited"), Expect(HttpStatusCode.NotFound, coordinator: ok)),
            // Authorisation is decided before the state machine: permitted callers reach its 400.
            ("verification step", HttpMethod.Post, verification.Id, "/verification", new VerificationChange(VerificationStates.Infected), Expect(badRequest, readOnly: forbidden)),
            ("assignment", HttpMethod.Post, w.SharedNote, "/assignment", new AssignmentChange(null), annotating),
            ("resolution", HttpMethod.Post, w.SharedNote, "/resolution", new ResolutionChange(true), annotating),
            ("retraction (author or coordinator)", HttpMethod.Post, coordinatorNote.Id, "/retraction", new Retraction("matrix"), Expect(forbidden, coordinator: ok)),
        ];
        var failures = new List<string>();
        foreach (var (name, method, annotation, path, body, expected) in cases)
        {
            foreach (var caller in Everyone)
            {
                // The current version each time: this matrix is about who may, not about concurrency.
                var version = (await coordinator.GetAnnotationAsync(annotation)).Version;
                using var request = new HttpRequestMessage(method, $"api/annotations/{annotation}{path}") { Content = JsonContent.Create(body, body.GetType()) };
                request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\""));
                using var response = await clients[caller].SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != expected[caller])
                {
                    failures.Add($"{name} as {caller}: expected {(int)expected[caller]}, got {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
                }
                if (!response.IsSuccessStatusCode && (text.Contains(OutletNote, StringComparison.Ordinal) || text.Contains(PrivateNote, StringComparison.Ordinal)))
                {
                    failures.Add($"{name} as {caller}: refusal reveals a hidden note");
                }
            }
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Hub_lets_each_caller_follow_only_investigations_it_belongs_to_and_pushes_only_what_it_may_read()
    {
        var w = await GivenWorldAsync();
        var failures = new List<string>();
        var listeners = new List<(Caller Caller, HubConnection Connection, ChannelReader<AnnotationView> Pushes)>();
        foreach (var caller in Everyone.Where(c => c != Caller.Anonymous))
        {
            var connection = clients[caller].CreateHubConnection();
            var pushes = LivePushes.Items(connection, addedOnly: true);
            await connection.StartAsync();
            var member = caller is not (Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside);
            try
            {
                await connection.InvokeAsync(HubMethods.JoinInvestigationAnnotations, w.Investigation);
                if (!member)
                {
                    failures.Add($"{caller}: joined the investigation");
                }
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                if (member)
                {
                    failures.Add($"{caller}: could not join the investigation");
                }
            }
            listeners.Add((caller, connection, pushes));
        }

        var coordinator = clients[Caller.Coordinator];
        await coordinator.AddNoteAsync(w.Record, new NewNote("pushed outlet note", Visibility.Outlet));
        await coordinator.AddNoteAsync(w.Record, new NewNote("pushed private note", Visibility.Private));
        await coordinator.AddNoteAsync(w.Record, new NewNote("pushed partner note", Visibility.Partners, ["lab"]));
        await coordinator.AddNoteAsync(w.CompartmentRecord, new NewNote("pushed lab note"));
        await coordinator.AddNoteAsync(w.RestrictedRecord, new NewNote("pushed restricted note"));
        var last = await clients[Caller.Reporter].AddNoteAsync(w.Record, new NewNote("pushed shared note"));

        foreach (var (caller, connection, pushes) in listeners)
        {
            var received = new List<string>();
            if (caller is not (Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (true)
                {
                    var push = await pushes.ReadAsync(timeout.Token);
                    received.Add(push.Text);
                    if (push.Id == last.Id)
                    {
                        break;
                    }
                }
            }
            else
            {
                await Task.Delay(200);
                while (pushes.TryRead(out var push))
                {
                    received.Add(push.Text);
                }
            }
            var expected = caller switch
            {
                Caller.Coordinator => new[] { "pushed outlet note", "pushed private note", "pushed partner note", "pushed lab note", "pushed restricted note", "pushed shared note" },
                Caller.Analyst => ["pushed partner note", "pushed lab note", "pushed shared note"],
                Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside => [],
                _ => ["pushed shared note"],
            };
            if (!received.Order().SequenceEqual(expected.Order()))
            {
                failures.Add($"{caller}: received [{string.Join(", ", received)}]");
            }
            await connection.DisposeAsync();
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task Hub_lets_each_caller_follow_imports_only_of_datasets_it_may_see()
    {
        var w = await GivenWorldAsync();
        var failures = new List<string>();
        var listeners = new List<(Caller Caller, HubConnection Connection, ChannelReader<ImportProgressView> Pushes)>();
        foreach (var caller in Everyone.Where(c => c != Caller.Anonymous))
        {
            var pushes = Channel.CreateUnbounded<ImportProgressView>();
            var connection = clients[caller].CreateHubConnection();
            connection.On<ImportProgressView>(nameof(IConsortiumClient.ImportProgress), p => pushes.Writer.TryWrite(p));
            await connection.StartAsync();
            foreach (var (dataset, entitled) in new[]
            {
                (w.Dataset, caller is not (Caller.Outsider or Caller.NonMemberColleague or Caller.SyncOutside)),
                (w.Compartment, caller is Caller.Analyst or Caller.Coordinator),
            })
            {
                var joined = true;
                try
                {
                    await connection.InvokeAsync(HubMethods.JoinDataset, dataset);
                }
                catch (Microsoft.AspNetCore.SignalR.HubException)
                {
                    joined = false;
                }
                if (joined != entitled)
                {
                    failures.Add($"{caller}: joined dataset {dataset} = {joined}");
                }
            }
            listeners.Add((caller, connection, pushes.Reader));
        }

        var job = await clients[Caller.Coordinator].UploadImportAsync(w.Compartment, Csv("phone,country\n07700 900202,GB\n"), "text/csv", wait: true);

        foreach (var (caller, connection, pushes) in listeners)
        {
            var completed = false;
            if (caller is Caller.Analyst or Caller.Coordinator)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!completed)
                {
                    var push = await pushes.ReadAsync(timeout.Token);
                    completed = push.JobId == job.Id && push.State == ImportStates.Completed && push.Imported == 1;
                }
            }
            else
            {
                await Task.Delay(200);
                while (pushes.TryRead(out var push))
                {
                    failures.Add($"{caller}: received progress of {push.DatasetId}");
                }
            }
            await connection.DisposeAsync();
        }
        Assert.Empty(failures);
    }
}
