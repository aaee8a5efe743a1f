using System.Globalization;
using Consortium.Server.Publication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Consortium.Server.Tests.Publication;

/// <summary>A clock a test sets; it stands still otherwise, so nothing depends on how fast the machine is.</summary>
public sealed class SettableClock : TimeProvider
{
    private long ticks = TimeProvider.System.GetUtcNow().UtcTicks;

    public DateTimeOffset Now => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref ticks, now.UtcTicks);
}

/// <summary>
/// A server whose embargo desk runs on <see cref="Clock"/>. The collection's own server does not lift (<c>lift</c>
/// false): tests start lifting nodes beside it on its database, so a missed instant and a race are both in their hands.
/// </summary>
public sealed class PublicationServer : ConsortiumServer
{
    private readonly bool lift;
    private readonly bool databaseTime;

    public PublicationServer() : this(new SettableClock(), lift: false, databaseTime: false)
    {
    }

    private PublicationServer(SettableClock clock, bool lift, bool databaseTime)
    {
        Clock = clock;
        this.lift = lift;
        this.databaseTime = databaseTime;
    }

    public SettableClock Clock { get; }

    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Publication:Lift", lift.ToString(CultureInfo.InvariantCulture)), ("Publication:LiftPollInterval", "00:00:00.200")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(new PublicationClock(Clock, databaseTime)));
    }

    /// <summary>A second node on this server's database and clock, lifting embargoes. Dispose it to stop it.</summary>
    /// <param name="databaseTime">Lift on the database's clock, as production does (the settable clock then only plays the node's own clock).</param>
    public Task<PublicationServer> StartLiftingNodeAsync(bool databaseTime = false) => SharingDatabaseWithAsync(this, new PublicationServer(Clock, lift: true, databaseTime));
}

[CollectionDefinition(Name)]
public sealed class PublicationCollection : ICollectionFixture<PublicationServer>
{
    public const string Name = "Publication";
}

/// <summary>The desk's tests: an investigation of alpha (coordinating), bravo and lab, and helpers to plan on it.</summary>
public abstract class PublicationTest(PublicationServer server) : ServerTest(server)
{
    protected new PublicationServer Server => (PublicationServer)base.Server;

    protected ConsortiumClient Ines => Server.ClientFor("ines@alpha");

    /// <summary>
    /// Nightjar: ines@alpha and marc@alpha coordinate, eva@bravo edits, tom@bravo and lena@lab report (lab takes part in
    /// the investigation but not in the story). One wave whose embargo is <paramref name="inHours"/> from the clock's now, in UTC, and one story of alpha and bravo.
    /// </summary>
    protected async Task<(InvestigationView Investigation, WaveView Wave, StoryView Story)> GivenPlanAsync(double inHours = 72, bool locked = true, string csv = "phone,country\n07700 900001,GB\n")
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync(csv);
        await GivenMemberAsync(investigation.Id, "marc@alpha", InvestigationRole.Coordinator);
        await GivenMemberAsync(investigation.Id, "eva@bravo", InvestigationRole.Editor);
        var wave = await Ines.CreateWaveAsync(investigation.Id, new NewWave("Wave 1", new EmbargoInput(Local(Server.Clock.Now.AddHours(inHours)), "UTC")));
        var story = await Ines.CreateStoryAsync(investigation.Id, new NewStory(wave.Id, "The spyware", "Who was selected", "alpha", ["bravo"]));
        if (locked)
        {
            wave = await Ines.LockEmbargoAsync(wave.Id);
            if (wave.Embargo.State == EmbargoStates.Draft)
            {
                // Within the margin a lock needs a second coordinator.
                wave = await Server.ClientFor("marc@alpha").LockEmbargoAsync(wave.Id);
            }
        }
        return (investigation, wave, story);
    }

    protected static string Local(DateTimeOffset utc) => utc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>An HTTP request as <paramref name="user"/>, for answers the typed client turns into exceptions.</summary>
    protected async Task<HttpResponseMessage> SendAsync(string user, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        return await Server.ClientFor(user).SendAsync(request);
    }
}
