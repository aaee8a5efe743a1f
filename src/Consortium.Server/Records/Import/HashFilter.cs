using System.Globalization;

namespace Consortium.Server.Records;

/// <summary>
/// A Bloom filter of content hashes (8 MB whatever the file's size, five probes): false means the hash was never
/// added; true means it may have been (about one in 400,000 at a million rows, one in twenty at ten million), and
/// the database answers. Saves one index probe per row on the records table's largest random-keyed index.
/// </summary>
internal sealed class HashFilter
{
    private const int Bits = 1 << 26;
    private const int Probes = 5;
    private readonly ulong[] words = new ulong[Bits / 64];

    public bool MayContain(string hash)
    {
        var (first, step) = Keys(hash);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (first + (ulong)i * step) % Bits;
            if ((words[bit / 64] & (1UL << (int)(bit % 64))) == 0)
            {
                return false;
            }
        }
        return true;
    }

    public void Add(string hash)
    {
        var (first, step) = Keys(hash);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (first + (ulong)i * step) % Bits;
            words[bit / 64] |= 1UL << (int)(bit % 64);
        }
    }

    // The hash is SHA-256 in hex: its first 32 digits are two independent, uniform 64-bit keys.
    private static (ulong First, ulong Step) Keys(string hash) =>
        (ulong.Parse(hash.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
         ulong.Parse(hash.AsSpan(16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) | 1);
}
