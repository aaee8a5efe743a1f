using System.Security.Cryptography;
using System.Text;
using Consortium.Client;
using Marten;
using Sylvan.Data.Csv;

namespace Consortium.Server.Records;

/// <summary>
/// Reads a CSV file into records of a dataset. Every valid row is stored, every invalid one reported with its
/// row number, column and reason; the batch is one transaction, so a failed import leaves nothing behind.
/// The rows are only queued in the session: the caller commits them, with the import's audit entry.
/// </summary>
/// <remarks>
/// This is the walking skeleton's importer: one request, one transaction. Streaming batches, resumable imports,
/// JSON Lines and XLSX belong to the leaked-records issue.
/// </remarks>
public static class ImportRecords
{
    public const long MaxRequestBytes = 256L * 1024 * 1024;
    private const int MaxRecordChars = 1024 * 1024;
    private const int MaxReportedErrors = 1000;
    private static readonly string[] PhoneColumnNames = ["phone", "phone_number", "number", "msisdn", "telephone", "tel"];

    public sealed record Outcome(ImportResult? Result, string? FailureTitle, string? FailureDetail);

    public static async Task<Outcome> ImportCsvAsync(IDocumentSession session, Dataset dataset, TextReader text, CancellationToken cancellationToken)
    {
        CsvDataReader reader;
        try
        {
            reader = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions { MaxBufferSize = MaxRecordChars * 2 }, cancellationToken);
        }
        catch (Exception e) when (e is CsvMissingHeadersException or CsvFormatException or CsvRecordTooLargeException)
        {
            return new Outcome(null, "Unreadable CSV", "The file has no readable header row.");
        }

        await using (reader)
        {
            var header = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i).Trim()).ToArray();
            if (header.Length == 0 || header.All(string.IsNullOrEmpty))
            {
                return new Outcome(null, "Unreadable CSV", "The file is empty or has no header row.");
            }
            if (header.Distinct(StringComparer.OrdinalIgnoreCase).Count() != header.Length || header.Any(string.IsNullOrEmpty))
            {
                return new Outcome(null, "Unreadable CSV", "Every column in the header row needs a distinct, non-empty name.");
            }
            if (dataset.Columns.Count > 0 && !dataset.Columns.SequenceEqual(header, StringComparer.Ordinal))
            {
                return new Outcome(null, "Columns do not match",
                    $"This dataset has the columns {string.Join(", ", dataset.Columns)}; the file has {string.Join(", ", header)}.");
            }

            var phoneColumn = Array.FindIndex(header, h => PhoneColumnNames.Contains(h, StringComparer.OrdinalIgnoreCase));
            var countryColumn = Array.FindIndex(header, h => h.Equals("country", StringComparison.OrdinalIgnoreCase));
            var errors = new List<ImportError>();
            var rejected = 0;
            var imported = 0;
            long row = 0;

            while (true)
            {
                try
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is CsvFormatException or CsvRecordTooLargeException)
                {
                    // The reader cannot find the next row boundary after this: the rest of the file is unreadable.
                    rejected++;
                    Report(errors, new ImportError(row + 1, null, e is CsvRecordTooLargeException
                        ? $"The row is longer than {MaxRecordChars} characters; reading stopped here."
                        : "Malformed quoting; reading stopped here."));
                    break;
                }
                row++;

                if (reader.RowFieldCount != header.Length)
                {
                    rejected++;
                    Report(errors, new ImportError(row, null, $"Expected {header.Length} fields, found {reader.RowFieldCount}."));
                    continue;
                }

                var values = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
                for (var i = 0; i < header.Length; i++)
                {
                    values[header[i]] = reader.GetString(i);
                }

                PhoneNumbers.Normalised? phone = null;
                if (phoneColumn >= 0)
                {
                    phone = PhoneNumbers.TryNormalise(values[header[phoneColumn]], countryColumn >= 0 ? values[header[countryColumn]] : null);
                    if (phone is null)
                    {
                        rejected++;
                        Report(errors, new ImportError(row, header[phoneColumn], "Not a phone number that can be read."));
                        continue;
                    }
                }

                var country = phone?.Country ?? (countryColumn >= 0 && values[header[countryColumn]] is { Length: 2 } c ? c.ToUpperInvariant() : null);
                session.Store(new LeakedRecord(
                    Guid.CreateVersion7(),
                    dataset.Id,
                    dataset.RecordCount + imported + 1,
                    values,
                    phone?.E164,
                    phone?.Digits,
                    country,
                    ContentHash(header, values)));
                imported++;
            }

            session.Store(dataset with { Columns = header, RecordCount = dataset.RecordCount + imported });
            return new Outcome(new ImportResult(imported, rejected, errors), null, null);
        }
    }

    private static void Report(List<ImportError> errors, ImportError error)
    {
        if (errors.Count < MaxReportedErrors)
        {
            errors.Add(error);
        }
    }

    // Kept from the start so re-imports can later be recognised without rereading every stored row.
    private static string ContentHash(string[] header, Dictionary<string, string> values)
    {
        var builder = new StringBuilder();
        foreach (var column in header)
        {
            builder.Append(values[column]).Append('\u001f');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
