using Consortium.Client;

namespace Consortium.Server.Access;

/// <summary>
/// One row of a dataset. Never edited after import (evidence stays as it was received), only annotated.
/// <see cref="Values"/> keeps the original text of every column; the normalised phone number sits beside it, and
/// <see cref="Date"/> is the record's date (ISO 8601, yyyy-MM-dd) read from the dataset's date column, if it has one.
/// </summary>
public sealed record LeakedRecord(
    Guid Id,
    Guid DatasetId,
    long RowNumber,
    Dictionary<string, string> Values,
    string? PhoneE164,
    string? PhoneDigits,
    string? Country,
    string ContentHash,
    string? Date = null)
{
    public RecordView ToView() => new(Id, DatasetId, RowNumber, Values, PhoneE164, Country, Date);
}
