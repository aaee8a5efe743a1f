using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using Consortium.Client;
using ExcelDataReader;

namespace Consortium.Server.Records;

/// <summary>
/// An Excel workbook (XLSX, Office Open XML): the first worksheet, its first non-empty row naming the columns. Cells
/// are read as text: strings as written, numbers in the invariant culture (shortest round-trip form, number formats
/// ignored), dates as ISO 8601 (<c>2021-07-18</c>, or <c>2021-07-18T09:30:00</c> with a time), booleans as
/// <c>TRUE</c>/<c>FALSE</c>. Row numbers are the worksheet's, as Excel shows them. Empty rows are skipped.
/// </summary>
/// <remarks>
/// A cell holding a formula rejects its row ("cell C4 holds a formula"): the value a workbook stores for a formula is
/// whatever the last program to save it computed, so it is not evidence, and a leaked workbook with formulas is worth
/// a closer look before anything from it is stored. ExcelDataReader does not say which cells are formulas, so the
/// worksheet's XML is read alongside it, row by row, and memory stays flat.
/// An XLSX file is a zip whose directory is at its end: the upload is copied to a temporary file (never memory), up to
/// <see cref="ImportRecords.MaxRequestBytes"/>, and the file is deleted when the source is disposed.
/// </remarks>
public sealed class XlsxRowSource(Stream body) : RowSource
{
    public const string MediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private readonly string path = Path.Combine(Path.GetTempPath(), $"consortium-import-{Guid.NewGuid():N}.xlsx");
    private FileStream? file;
    private IExcelDataReader? reader;
    private FormulaCells? formulas;
    private long row;

    static XlsxRowSource()
    {
        // ExcelDataReader 3.6's configuration asks for Windows-1252 (its fallback for old XLS and CSV) even when it
        // reads XLSX, and .NET has no code pages until this provider (part of the framework, no package) is registered.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public override async Task<Unusable?> ReadHeaderAsync(IReadOnlyList<string> datasetColumns, CancellationToken cancellationToken)
    {
        await BufferAsync(cancellationToken);
        string[] header;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
            reader = ExcelReaderFactory.CreateOpenXmlReader(file);
            formulas = FormulaCells.Open(path);
            while (true)
            {
                if (!reader.Read())
                {
                    return new("Unreadable XLSX", "The first worksheet is empty or names no columns.");
                }
                row++;
                var cells = Enumerable.Range(0, reader.FieldCount).Select(i => Text(reader.GetValue(i)).Trim()).ToArray();
                if (cells.All(string.IsNullOrEmpty))
                {
                    continue;
                }
                if (formulas.InRow(row) is { } cell)
                {
                    return new("Unreadable XLSX", $"Cell {cell} of the header row holds a formula; column names must be written as text.");
                }
                var width = cells.Length;
                while (width > 0 && cells[width - 1].Length == 0)
                {
                    width--;
                }
                header = cells[..width];
                break;
            }
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return new("Unreadable XLSX", "The file is not an XLSX workbook that can be read (is it damaged, encrypted, or another format?).");
        }
        if (CheckHeader("XLSX", header, datasetColumns) is { } unusable)
        {
            return unusable;
        }
        if (datasetColumns.Count > 0 && !datasetColumns.SequenceEqual(header, StringComparer.Ordinal))
        {
            // Same columns in another order would hash the same content differently.
            return new("Columns do not match", $"This dataset has the columns {string.Join(", ", datasetColumns)} in that order; the file has {string.Join(", ", header)}.");
        }
        Header = header;
        return null;
    }

    public override Task<SourceRow?> ReadAsync(CancellationToken cancellationToken)
    {
        var header = Header!;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string[] cells;
            string? formula;
            try
            {
                if (!reader!.Read())
                {
                    return Task.FromResult<SourceRow?>(null);
                }
                row++;
                cells = Enumerable.Range(0, reader.FieldCount).Select(i => Text(reader.GetValue(i))).ToArray();
                formula = formulas!.InRow(row);
            }
            catch (Exception e) when (IsUnreadable(e))
            {
                return Task.FromResult<SourceRow?>(new(row + 1, null, new ImportError(row + 1, null, "The workbook is damaged here; reading stopped."), Stop: true));
            }
            if (formula is not null)
            {
                return Task.FromResult<SourceRow?>(Fail(ColumnOf(formula, header), $"Cell {formula} holds a formula; a formula's stored value is not evidence, so the row was not stored."));
            }
            if (cells.All(string.IsNullOrEmpty))
            {
                continue;
            }
            for (var i = header.Length; i < cells.Length; i++)
            {
                if (cells[i].Length > 0)
                {
                    return Task.FromResult<SourceRow?>(Fail(null, $"Cell {ColumnName(i)}{row} holds a value outside the {header.Length} named columns."));
                }
            }
            var values = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                values[header[i]] = i < cells.Length ? cells[i] : "";
            }
            return Task.FromResult<SourceRow?>(new(row, values, null));
        }

        SourceRow Fail(string? column, string reason) => new(row, null, new ImportError(row, column, reason));
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        reader?.Dispose();
        formulas?.Dispose();
        if (file is not null)
        {
            await file.DisposeAsync();
        }
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Nothing more can be done; the temporary directory is cleared by the host.
        }
        await base.DisposeCoreAsync();
    }

    private async Task BufferAsync(CancellationToken cancellationToken)
    {
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > ImportRecords.MaxRequestBytes)
            {
                // Kestrel enforces the limit too; this holds wherever the body comes from.
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static bool IsUnreadable(Exception e) =>
        e is not OperationCanceledException and not OutOfMemoryException and not BadHttpRequestException;

    internal static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        double d => d.ToString(CultureInfo.InvariantCulture),
        DateTime t when t.TimeOfDay == TimeSpan.Zero => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        bool b => b ? "TRUE" : "FALSE",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    internal static string ColumnName(int index)
    {
        var name = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            name = (char)('A' + (n - 1) % 26) + name;
        }
        return name;
    }

    private static string? ColumnOf(string cell, string[] header)
    {
        var letters = new string(cell.TakeWhile(char.IsAsciiLetter).ToArray()).ToUpperInvariant();
        var index = letters.Aggregate(0, (n, c) => n * 26 + (c - 'A' + 1)) - 1;
        return index >= 0 && index < header.Length ? header[index] : null;
    }

    /// <summary>
    /// Reads the first worksheet's XML in step with ExcelDataReader and tells, for a row, the first cell holding a
    /// formula (an <c>&lt;f&gt;</c> element, shared and array formulas included).
    /// </summary>
    internal sealed class FormulaCells : IDisposable
    {
        private const string RelationshipsNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        private readonly ZipArchive zip;
        private readonly Stream sheet;
        private readonly XmlReader xml;
        private long current;
        private string? formula;
        private bool done;

        private FormulaCells(ZipArchive zip, Stream sheet)
        {
            this.zip = zip;
            this.sheet = sheet;
            xml = XmlReader.Create(sheet, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true });
        }

        public static FormulaCells Open(string path)
        {
            var zip = ZipFile.OpenRead(path);
            try
            {
                var workbook = Target(zip, "_rels/.rels", "", r => r.GetAttribute("Type")?.EndsWith("/officeDocument", StringComparison.Ordinal) == true) ?? "xl/workbook.xml";
                string? sheetId = null;
                using (var stream = Entry(zip, workbook).Open())
                using (var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
                {
                    while (sheetId is null && reader.Read())
                    {
                        if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "sheet")
                        {
                            sheetId = reader.GetAttribute("id", RelationshipsNamespace);
                        }
                    }
                }
                var folder = workbook.Contains('/') ? workbook[..(workbook.LastIndexOf('/') + 1)] : "";
                var relationships = $"{folder}_rels/{workbook[folder.Length..]}.rels";
                var sheetPath = (sheetId is null ? null : Target(zip, relationships, folder, r => r.GetAttribute("Id") == sheetId))
                    ?? throw new InvalidDataException("The workbook names no worksheet.");
                return new FormulaCells(zip, Entry(zip, sheetPath).Open());
            }
            catch
            {
                zip.Dispose();
                throw;
            }
        }

        public string? InRow(long number)
        {
            while (!done && current < number)
            {
                Advance();
            }
            return current == number ? formula : null;
        }

        private void Advance()
        {
            while (xml.Read())
            {
                if (xml.NodeType != XmlNodeType.Element || xml.LocalName != "row")
                {
                    continue;
                }
                current = long.TryParse(xml.GetAttribute("r"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : current + 1;
                formula = null;
                if (xml.IsEmptyElement)
                {
                    return;
                }
                var depth = xml.Depth;
                var column = 0;
                string? cell = null;
                while (xml.Read() && !(xml.NodeType == XmlNodeType.EndElement && xml.Depth == depth))
                {
                    if (xml.NodeType != XmlNodeType.Element)
                    {
                        continue;
                    }
                    if (xml.LocalName == "c" && xml.Depth == depth + 1)
                    {
                        cell = xml.GetAttribute("r")?.ToUpperInvariant() ?? $"{ColumnName(column)}{current}";
                        column = cell.TakeWhile(char.IsAsciiLetter).Aggregate(0, (n, c) => n * 26 + (c - 'A' + 1));
                    }
                    else if (xml.LocalName == "f" && formula is null)
                    {
                        formula = cell;
                    }
                }
                return;
            }
            done = true;
        }

        public void Dispose()
        {
            xml.Dispose();
            sheet.Dispose();
            zip.Dispose();
        }

        private static ZipArchiveEntry Entry(ZipArchive zip, string name) =>
            zip.GetEntry(name) ?? zip.Entries.FirstOrDefault(e => e.FullName.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidDataException($"The workbook has no part {name}.");

        private static string? Target(ZipArchive zip, string relationships, string folder, Func<XmlReader, bool> match)
        {
            if (zip.GetEntry(relationships) is not { } entry)
            {
                return null;
            }
            using var stream = entry.Open();
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Relationship" && match(reader) && reader.GetAttribute("Target") is { } target)
                {
                    return target.StartsWith('/') ? target[1..] : Normalise(folder + target);
                }
            }
            return null;
        }

        private static string Normalise(string path)
        {
            var parts = new List<string>();
            foreach (var part in path.Split('/'))
            {
                if (part == "..") { if (parts.Count > 0) { parts.RemoveAt(parts.Count - 1); } }
                else if (part is not ("." or "")) { parts.Add(part); }
            }
            return string.Join('/', parts);
        }
    }
}
