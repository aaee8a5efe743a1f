using System.IO.Compression;
using System.Xml;

namespace Consortium.Server.Records;

/// <summary>
/// Bounds on what an uploaded workbook may unpack to, checked before anything parses it (issue 17: a zip bomb). A
/// workbook is a zip of XML parts; ExcelDataReader holds the whole shared-strings part in memory and walks every
/// element of the sheet, so a few megabytes that inflate to gigabytes, or to billions of empty cells, would take the
/// server's memory or its CPU. Each part is inflated once here, through a counter, its declared sizes ignored (they
/// can lie): the file is refused at the first bound passed, having cost at most that much work.
/// </summary>
public static class XlsxLimits
{
    /// <summary>All parts together, inflated.</summary>
    public const long MaxUncompressedBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>The shared-strings part, which is held in memory whole (as UTF-16, twice this).</summary>
    public const long MaxSharedStringsBytes = 256L * 1024 * 1024;

    /// <summary>XML elements in all parts (a cell is two or three).</summary>
    public const long MaxElements = 100_000_000;

    /// <summary>Inflated bytes per compressed byte of one part, once it passed a megabyte: spreadsheets compress ten to fifty times, bombs a thousand.</summary>
    public const long MaxRatio = 200;

    public const int MaxParts = 10_000;

    private const long RatioFloor = 1024 * 1024;

    /// <summary>Null if the workbook at <paramref name="path"/> stays within the bounds, else why not.</summary>
    public static string? Check(string path, CancellationToken cancellationToken)
    {
        using var zip = ZipFile.OpenRead(path);
        if (zip.Entries.Count > MaxParts)
        {
            return $"The workbook holds more than {MaxParts:N0} parts.";
        }
        long total = 0, elements = 0;
        var buffer = new byte[64 * 1024];
        foreach (var entry in zip.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sharedStrings = entry.FullName.EndsWith("sharedStrings.xml", StringComparison.OrdinalIgnoreCase);
            using var inflated = new CountingStream(entry.Open(), entry.CompressedLength, total, sharedStrings);
            try
            {
                if (entry.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) || entry.FullName.EndsWith(".rels", StringComparison.OrdinalIgnoreCase))
                {
                    using var xml = XmlReader.Create(inflated, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true });
                    while (xml.Read())
                    {
                        if (xml.NodeType == XmlNodeType.Element && ++elements > MaxElements)
                        {
                            return $"The workbook holds more than {MaxElements:N0} XML elements.";
                        }
                    }
                }
                else
                {
                    while (inflated.Read(buffer, 0, buffer.Length) > 0)
                    {
                    }
                }
            }
            catch (TooLargeException e)
            {
                return e.Message;
            }
            total = inflated.Total;
        }
        return null;
    }

    private sealed class TooLargeException(string message) : Exception(message);

    /// <summary>Counts what is read from a part and stops at the bounds.</summary>
    private sealed class CountingStream(Stream inner, long compressedLength, long before, bool sharedStrings) : Stream
    {
        private long read;

        public long Total => before + read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            read += n;
            if (before + read > MaxUncompressedBytes)
            {
                throw new TooLargeException($"The workbook unpacks to more than {MaxUncompressedBytes / (1024 * 1024):N0} MB.");
            }
            if (sharedStrings && read > MaxSharedStringsBytes)
            {
                throw new TooLargeException($"The workbook's shared strings unpack to more than {MaxSharedStringsBytes / (1024 * 1024):N0} MB.");
            }
            if (read > RatioFloor && read / Math.Max(1, compressedLength) > MaxRatio)
            {
                throw new TooLargeException($"A part of the workbook unpacks to more than {MaxRatio} times its packed size, as a zip bomb does.");
            }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
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
