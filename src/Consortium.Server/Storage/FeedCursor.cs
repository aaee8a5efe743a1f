using System.Globalization;

namespace Consortium.Server.Storage;

/// <summary>A position in the changes feed: the writing transaction's id and the event's global sequence number.</summary>
public readonly record struct FeedCursor(ulong TransactionId, long Sequence)
{
    public static readonly FeedCursor Start = new(0, 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TransactionId}-{Sequence}");

    public static bool TryParse(string? text, out FeedCursor cursor)
    {
        cursor = Start;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        var parts = text.Split('-');
        if (parts.Length == 2
            && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var xid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            cursor = new(xid, sequence);
            return true;
        }
        return false;
    }
}
