using System.Net.Http.Headers;
using Consortium.Server.Tests.Publication;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// <c>SyncAsync</c> following the feed through network failures: a request that fails and an event stream cut in the
/// middle are resumed from the last entry yielded, so the follower ends with every entry once, in order.
/// </summary>
[Collection(PublicationCollection.Name)]
public sealed class SyncResumeTests(PublicationServer server) : PublicationTest(server)
{
    [Theory]
    [InlineData(SyncFollow.ServerSentEvents)]
    [InlineData(SyncFollow.LongPoll)]
    public async Task A_follower_resumes_after_failed_requests_and_cut_streams_without_gaps_or_repeats(SyncFollow follow)
    {
        var (investigation, _) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Ines.ListRecordsAsync((await Ines.ListDatasetsAsync(investigation.Id))[0].Id)).Items[0];
        var tom = Server.ClientFor("tom@bravo");
        var notes = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            notes.Add((await tom.AddNoteAsync(record.Id, new NewNote($"before {i}"))).Id);
        }
        var flaky = new FlakyNetwork { InnerHandler = new HttpClientHandler() };
        using var http = new HttpClient(flaky) { BaseAddress = Server.BaseAddress };
        var follower = new ConsortiumClient(http, async _ => await Server.Accounts.AccessTokenAsync("tom@bravo"));
        var seen = new List<ChangeFeedEntry>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var options = new SyncOptions
        {
            InvestigationId = investigation.Id, Types = [ChangeFeedTypes.Annotation], Follow = follow, WaitSeconds = 2, RetryDelay = TimeSpan.FromMilliseconds(100),
        };
        var writer = Task.Run(async () =>
        {
            // Written while the follower goes through its failures.
            for (var i = 0; i < 4; i++)
            {
                await flaky.FollowingStarted.Task.WaitAsync(guard.Token);
                notes.Add((await tom.AddNoteAsync(record.Id, new NewNote($"while following {i}"))).Id);
            }
        });
        try
        {
            await foreach (var entry in follower.SyncAsync(options, guard.Token))
            {
                seen.Add(entry);
                if (seen.Count == 7)
                {
                    break;
                }
            }
        }
        finally
        {
            await writer;
        }

        Assert.Equal(notes, seen.Select(e => Guid.Parse(e.ObjectId)));
        Assert.True(flaky.Failures >= 2, $"The network failed {flaky.Failures} times.");
    }

    /// <summary>
    /// Fails the first following request outright, then cuts the body of the next two after the read that carried an
    /// entry (an event stream mid-way; a long poll's answer before its end, so the page never reaches the client).
    /// </summary>
    private sealed class FlakyNetwork : DelegatingHandler
    {
        public int Failures;

        public TaskCompletionSource FollowingStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var following = request.Headers.Accept.Contains(new MediaTypeWithQualityHeaderValue("text/event-stream")) || request.RequestUri!.Query.Contains("wait=", StringComparison.Ordinal);
            if (!following)
            {
                return await base.SendAsync(request, cancellationToken);
            }
            FollowingStarted.TrySetResult();
            if (Interlocked.Increment(ref Failures) == 1)
            {
                throw new HttpRequestException("The network is down (test).");
            }
            var response = await base.SendAsync(request, cancellationToken);
            if (Volatile.Read(ref Failures) <= 3 && response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var cut = new StreamContent(new CutStream(body));
                foreach (var header in response.Content.Headers)
                {
                    cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                response.Content = cut;
            }
            else
            {
                Interlocked.Decrement(ref Failures);
            }
            return response;
        }
    }

    /// <summary>Passes reads through until one has carried an entry (an event's <c>id:</c>, a page's <c>items</c>), then fails as a dropped connection does.</summary>
    private sealed class CutStream(Stream inner) : Stream
    {
        private readonly System.Text.StringBuilder passed = new();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var text = passed.ToString();
            if (text.Contains("id: ", StringComparison.Ordinal) || text.Contains("\"items\"", StringComparison.Ordinal))
            {
                throw new IOException("The connection dropped (test).");
            }
            var read = await inner.ReadAsync(buffer, cancellationToken);
            passed.Append(System.Text.Encoding.UTF8.GetString(buffer.Span[..read]));
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
