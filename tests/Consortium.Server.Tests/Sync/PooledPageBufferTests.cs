using System.Buffers;
using System.Text.Json;
using Consortium.Server.Sync;

namespace Consortium.Server.Tests.Sync;

/// <summary>
/// A feed page is written into pooled chunks of 64 KiB and sent chunk by chunk: the bytes a partner receives must be
/// those written, in order, across chunk boundaries and for a value larger than a chunk.
/// </summary>
public sealed class PooledPageBufferTests
{
    [Fact]
    public async Task A_page_larger_than_many_chunks_is_sent_byte_for_byte_as_written()
    {
        static void WritePage(IBufferWriter<byte> output)
        {
            using var writer = new Utf8JsonWriter(output);
            writer.WriteStartArray();
            for (var i = 0; i < 3000; i++)
            {
                // Lengths vary so that values straddle chunk boundaries at different offsets.
                writer.WriteStringValue(new string((char)('a' + i % 26), 1 + i * 7 % 211));
            }
            // One value longer than a chunk: its memory is asked for in one piece.
            writer.WriteStringValue(new string('z', 200_000));
            writer.WriteEndArray();
        }
        var expected = new ArrayBufferWriter<byte>();
        WritePage(expected);
        using var pooled = new PooledPageBuffer();
        WritePage(pooled);
        using var sent = new MemoryStream();
        await pooled.CopyToAsync(sent, CancellationToken.None);

        Assert.True(expected.WrittenCount > 4 * 64 * 1024);
        Assert.Equal(expected.WrittenCount, pooled.Length);
        Assert.Equal(expected.WrittenSpan.ToArray(), sent.ToArray());
        var parsed = JsonSerializer.Deserialize<string[]>(sent.ToArray())!;
        Assert.Equal(3001, parsed.Length);
        Assert.Equal(200_000, parsed[^1].Length);
    }

    [Fact]
    public async Task Advancing_by_nothing_before_any_write_leaves_an_empty_page_and_advancing_past_what_was_handed_out_is_refused()
    {
        using var pooled = new PooledPageBuffer();
        pooled.Advance(0);
        Assert.Throws<InvalidOperationException>(() => pooled.Advance(1));

        // An empty JSON writer flushing into it (the page of a feed with nothing to send) writes nothing either.
        using (var writer = new Utf8JsonWriter(pooled))
        {
            writer.Flush();
        }
        using var sent = new MemoryStream();
        await pooled.CopyToAsync(sent, CancellationToken.None);
        Assert.Equal(0, pooled.Length);
        Assert.Empty(sent.ToArray());

        var handedOut = pooled.GetSpan(10).Length;
        Assert.Throws<InvalidOperationException>(() => pooled.Advance(handedOut + 1));
        pooled.Advance(handedOut);
        Assert.Equal(handedOut, pooled.Length);
    }
}
