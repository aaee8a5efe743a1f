using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Audit;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Records;

/// <summary>
/// Bulk export of the records of a dataset that the caller may see, as CSV or JSON Lines, streamed page by page in
/// row order so that a dataset of any size passes through a fixed amount of memory.
/// </summary>
/// <remarks>
/// Exporting hands the leak to whoever holds the file, so it is limited to coordinators and editors, needs a recent
/// sign-in, and is audited before the first byte leaves. The entry names the format and the filter but not the number
/// of records: that is known only once the stream ends, and an audited read is recorded before data is returned.
/// </remarks>
public static class ExportRecords
{
    public const int PageSize = 1_000;

    /// <summary>The extra column holding the normalised number, after the dataset's own columns.</summary>
    public const string PhoneColumn = "phone_e164";

    public static RouteGroupBuilder MapExport(this RouteGroupBuilder group)
    {
        group.MapGet("/datasets/{id:guid}/export", Export)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .Produces(StatusCodes.Status200OK, contentType: "application/x-ndjson");
        return group;
    }

    private static async Task<Results<PushStreamHttpResult, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, ProblemHttpResult>> Export(
        Guid id, HttpContext http, AccessPolicy access, IQuerySession session, AuditLog audit, RecentSignIn recentSignIn, TimeProvider clock,
        CancellationToken cancellationToken, string? format = "csv", string? phone = null)
    {
        var user = ConsortiumUser.From(http.User);
        if (await access.DatasetAsync(user, id, cancellationToken) is not { } granted)
        {
            return Problems.NotFound("dataset");
        }
        // The roles that may bring data in are the ones that may take it out.
        if (!Permissions.CanManageData(granted.Role))
        {
            return Problems.Forbidden("Coordinators and editors export records.");
        }
        var kind = (format ?? "csv").Trim().ToLowerInvariant();
        if (kind is not ("csv" or "jsonl"))
        {
            return Problems.BadRequest("Unsupported export format", "format must be csv or jsonl.");
        }
        string? digits = null;
        if (!string.IsNullOrWhiteSpace(phone))
        {
            digits = PhoneNumbers.DigitsOf(phone);
            if (digits.Length == 0)
            {
                return Problems.BadRequest("Invalid filter", "Filter by the digits of a phone number.");
            }
        }
        if (recentSignIn.Require(http) is { } stale)
        {
            return stale;
        }

        var dataset = granted.Item;
        var hidden = await access.HiddenRecordIdsAsync(user, id, cancellationToken);
        await audit.RecordAsync(http, new AuditSubject(AuditActions.Export, dataset.InvestigationId, AuditTargets.Dataset, id.ToString(),
            $"{kind}; {(digits is null ? "all visible records" : $"numbers containing {digits}")}"), cancellationToken);

        var fileName = $"{SafeFileName(dataset.Name)}-{clock.GetUtcNow():yyyyMMdd}.{kind}";
        var contentType = kind == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        return TypedResults.Stream(body => WriteAsync(body, session, dataset, hidden, digits, kind == "csv", http.RequestAborted), contentType, fileName);
    }

    private static async Task WriteAsync(Stream body, IQuerySession session, Dataset dataset, Guid[] hidden, string? digits, bool csv, CancellationToken cancellationToken)
    {
        var phoneColumn = PhoneColumnFor(dataset.Columns);
        // CSV starts with a byte order mark, so spreadsheets read it as UTF-8 (the import accepts one).
        await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: csv), bufferSize: 64 * 1024, leaveOpen: true);
        if (csv)
        {
            await WriteCsvRowAsync(writer, dataset.Columns.Append(phoneColumn));
        }
        var after = 0L;
        while (true)
        {
            var query = session.Query<LeakedRecord>().Where(r => r.DatasetId == dataset.Id && r.RowNumber > after);
            if (hidden.Length > 0)
            {
                query = query.Where(r => !r.Id.IsOneOf(hidden));
            }
            if (digits is not null)
            {
                query = query.Where(r => r.PhoneDigits!.Contains(digits));
            }
            var page = await query.OrderBy(r => r.RowNumber).Take(PageSize).ToListAsync(cancellationToken);
            foreach (var record in page)
            {
                if (csv)
                {
                    await WriteCsvRowAsync(writer, dataset.Columns.Select(c => record.Values.GetValueOrDefault(c) ?? "").Append(record.PhoneE164 ?? ""));
                }
                else
                {
                    await writer.WriteAsync(JsonLine(dataset.Columns, phoneColumn, record));
                }
            }
            // Each page goes out before the next is read: memory holds one page, and the client sees progress.
            await writer.FlushAsync(cancellationToken);
            if (page.Count < PageSize)
            {
                break;
            }
            after = page[^1].RowNumber;
        }
    }

    // A dataset that already has a column of that name keeps it; the normalised number takes a name next to it.
    private static string PhoneColumnFor(IReadOnlyList<string> columns)
    {
        var name = PhoneColumn;
        while (columns.Contains(name, StringComparer.Ordinal))
        {
            name = "_" + name;
        }
        return name;
    }

    private static async Task WriteCsvRowAsync(TextWriter writer, IEnumerable<string> cells)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                await writer.WriteAsync(',');
            }
            first = false;
            await writer.WriteAsync(CsvCell(cell));
        }
        await writer.WriteAsync("\r\n");
    }

    /// <summary>
    /// One CSV field (RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled). A value that a
    /// spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) gets a leading apostrophe, so opening
    /// the export cannot execute what a leak's author planted in it. The E.164 column, always starting with +, gets
    /// one too. JSON Lines carries the values unchanged.
    /// </summary>
    public static string CsvCell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string JsonLine(IReadOnlyList<string> columns, string phoneColumn, LeakedRecord record)
    {
        using var buffer = new MemoryStream();
        // A file, not a web page: non-ASCII text stays readable rather than \u-escaped.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var column in columns)
            {
                if (record.Values.TryGetValue(column, out var value))
                {
                    json.WriteString(column, value);
                }
                else
                {
                    json.WriteNull(column);
                }
            }
            if (record.PhoneE164 is null)
            {
                json.WriteNull(phoneColumn);
            }
            else
            {
                json.WriteString(phoneColumn, record.PhoneE164);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    /// <summary>The dataset's name reduced to ASCII letters, digits, '-' and '_', so no header or path trick rides in on it.</summary>
    public static string SafeFileName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray();
        var safe = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        safe = safe.Length > 80 ? safe[..80] : safe;
        return safe.Length == 0 ? "dataset" : safe;
    }
}
