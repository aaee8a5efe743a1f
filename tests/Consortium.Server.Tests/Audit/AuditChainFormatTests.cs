namespace Consortium.Server.Tests.Audit;

/// <summary>The canonical form through the client library's public surface: what every verifier relies on.</summary>
public sealed class AuditChainFormatTests
{
    private static readonly AuditEntryView Entry = new(
        7, new DateTimeOffset(2025, 6, 1, 11, 30, 0, TimeSpan.FromHours(2)).AddTicks(1234560), AuditActions.RecordsSearched,
        "tom@bravo", "Tom", "bravo", new Guid("0197a5c4-1111-7000-8000-000000000001"), "dataset", "0197a5c4-2222-7000-8000-000000000002",
        "+44 7700", "web", "127.0.0.1", "AuditTest/1.0", AuditChain.GenesisHash, "");

    [Fact]
    public void Hash_is_pinned_so_chains_already_stored_stay_verifiable()
    {
        // Recomputed by hand from the format documented on AuditChain; a change here strands every stored chain.
        Assert.Equal(
            "consortium-audit-v1\u001f1:7\u001f28:2025-06-01T09:30:00.1234560Z\u001f16:records.searched\u001f9:tom@bravo\u001f3:Tom\u001f5:bravo"
            + "\u001f36:0197a5c4-1111-7000-8000-000000000001\u001f7:dataset\u001f36:0197a5c4-2222-7000-8000-000000000002\u001f8:+44 7700"
            + "\u001f3:web\u001f9:127.0.0.1\u001f13:AuditTest/1.0",
            AuditChain.Canonical(Entry));
        Assert.Equal(PinnedHash, AuditChain.ComputeHash(Entry));
    }

    [Fact]
    public void Sealed_entry_hash_is_pinned_and_covers_its_position()
    {
        // The format the sealer writes: the position first, then the first format's fields; recomputed by hand.
        var sealedEntry = Entry with { Position = 42, PreviousHash = string.Concat(Enumerable.Repeat("ab", 32)) };
        Assert.Equal(
            "consortium-audit-v2\u001f2:42\u001f1:7\u001f28:2025-06-01T09:30:00.1234560Z\u001f16:records.searched\u001f9:tom@bravo\u001f3:Tom\u001f5:bravo"
            + "\u001f36:0197a5c4-1111-7000-8000-000000000001\u001f7:dataset\u001f36:0197a5c4-2222-7000-8000-000000000002\u001f8:+44 7700"
            + "\u001f3:web\u001f9:127.0.0.1\u001f13:AuditTest/1.0",
            AuditChain.Canonical(sealedEntry));
        Assert.Equal("9e31e988c3d4e04eab875a4c2b0a1aab7a3fc750421be0764d32b3577a4947a1", AuditChain.ComputeHash(sealedEntry));
        Assert.NotEqual(AuditChain.ComputeHash(sealedEntry), AuditChain.ComputeHash(sealedEntry with { Position = 43 }));
        // The same values unsealed are the first format, so nothing hashes alike across the two.
        Assert.NotEqual(AuditChain.ComputeHash(sealedEntry), AuditChain.ComputeHash(sealedEntry with { Position = null }));
    }

    [Fact]
    public void Same_instant_in_another_offset_hashes_the_same()
    {
        Assert.Equal(AuditChain.ComputeHash(Entry), AuditChain.ComputeHash(Entry with { At = Entry.At.ToUniversalTime() }));
    }

    [Fact]
    public void Null_and_empty_text_hash_differently()
    {
        Assert.NotEqual(AuditChain.ComputeHash(Entry with { Detail = null }), AuditChain.ComputeHash(Entry with { Detail = "" }));
    }

    [Fact]
    public void Text_moved_across_a_field_boundary_changes_the_hash()
    {
        var shifted = Entry with { Detail = Entry.Detail + "\u001f3:web", Client = "" };
        Assert.NotEqual(AuditChain.ComputeHash(Entry), AuditChain.ComputeHash(shifted));
    }

    [Fact]
    public void Every_field_and_the_previous_hash_are_covered()
    {
        var hash = AuditChain.ComputeHash(Entry);
        AuditEntryView[] changed =
        [
            Entry with { Index = 8 }, Entry with { At = Entry.At.AddTicks(10) }, Entry with { Action = AuditActions.RecordsListed },
            Entry with { ActorUserId = "x" }, Entry with { ActorDisplayName = "x" }, Entry with { ActorOutletId = null },
            Entry with { InvestigationId = null }, Entry with { TargetType = "record" }, Entry with { TargetId = "x" },
            Entry with { Detail = "+44 7701" }, Entry with { Client = "cli" }, Entry with { IpAddress = "::1" }, Entry with { UserAgent = null },
            Entry with { PreviousHash = new string('1', 64) },
        ];
        Assert.All(changed, e => Assert.NotEqual(hash, AuditChain.ComputeHash(e)));
        Assert.Equal(hash, AuditChain.ComputeHash(Entry with { Hash = "anything" }));
    }

    private const string PinnedHash = "199a7d6347853dd38a2a9759a250228e061414370d11e49aa1d096103195f8eb";
}
