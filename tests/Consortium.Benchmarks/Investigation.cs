using Consortium.Client;
using Consortium.Server.Demo;

namespace Consortium.Benchmarks;

/// <summary>
/// The people of the benchmark and their investigation: a coordinator opens it with all 17 outlets, an editor imports,
/// a reporter searches, and <see cref="Options.OutletClients"/> reporters per outlet watch records live. Everyone signs
/// in through the real pages (password, authenticator code) and the authorization code flow.
/// </summary>
public sealed class Investigation
{
    public const string Coordinator = "bench.coordinator@le-veilleur";
    public const string Editor = "bench.editor@harbour-courier";
    public const string Reporter = "bench.reporter@die-lupe";

    private Investigation(Guid id, IReadOnlyList<string> outlets, IReadOnlyList<LivePerson> live)
    {
        Id = id;
        Outlets = outlets;
        LivePeople = live;
    }

    public Guid Id { get; }

    public IReadOnlyList<string> Outlets { get; }

    /// <summary>Hub clients' people, outlet by outlet; the first of each outlet also posts.</summary>
    public IReadOnlyList<LivePerson> LivePeople { get; }

    public sealed record LivePerson(string User, string OutletId, bool Poster);

    public static async Task<Investigation> OpenAsync(BenchmarkEnvironment environment, int peoplePerOutlet, TextWriter log)
    {
        var outlets = DemoConsortium.Outlets.Select(o => o.Id).ToArray();
        var coordinator = environment.ClientFor(Coordinator);
        var investigation = await coordinator.CreateInvestigationAsync(new NewInvestigation("Benchmark", "Synthetic records for the benchmark program.", outlets));
        var live = outlets.SelectMany(outlet => Enumerable.Range(1, peoplePerOutlet)
            .Select(i => new LivePerson($"bench.live{i:00}@{outlet}", outlet, i == 1))).ToList();
        var members = new List<(string User, InvestigationRole Role)> { (Editor, InvestigationRole.Editor), (Reporter, InvestigationRole.Reporter) };
        members.AddRange(live.Select(p => (p.User, InvestigationRole.Reporter)));
        log.WriteLine($"Creating {members.Count + 1} accounts with authenticators and adding them to the investigation");
        // Accounts are made first (password hashing is slow), a few at a time.
        await Parallel.ForEachAsync(members, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (m, _) => await environment.Accounts.AccountAsync(m.User));
        foreach (var (user, role) in members)
        {
            var email = (await environment.Accounts.AccountAsync(user)).Email;
            await coordinator.AddMemberAsync(investigation.Id, new NewMember(email, role));
        }
        var opened = new Investigation(investigation.Id, outlets, live);
        await opened.SignInAsync(environment, log);
        return opened;
    }

    private DateTime signedInAt;

    /// <summary>
    /// Signs everyone in again when their tokens are older than 15 minutes: access tokens live 30 minutes, and the hub
    /// closes a connection whose token expires, which would cut a live run short.
    /// </summary>
    public async Task RefreshAsync(BenchmarkEnvironment environment, TextWriter log)
    {
        if (DateTime.UtcNow - signedInAt > TimeSpan.FromMinutes(15))
        {
            environment.Accounts.Forget(keepAccounts: true);
            await SignInAsync(environment, log);
        }
    }

    private async Task SignInAsync(BenchmarkEnvironment environment, TextWriter log)
    {
        log.WriteLine("Signing everyone in (login page, authenticator code, authorization code flow with PKCE)");
        signedInAt = DateTime.UtcNow;
        string[] users = [Coordinator, Editor, Reporter, .. LivePeople.Select(p => p.User)];
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) => await environment.Accounts.AccessTokenAsync(user));
    }
}
