using System.Text;
using Sylvan.Data.Csv;

namespace Exports.Features.Sources;

/// <summary>
/// Reads rows out of a CSV body (a header row, then one row per record; RFC 4180 quoting, comma-separated) with
/// Sylvan's CsvDataReader over the streamed body. Cells are spans of the reader's buffer: an empty cell is no value,
/// a row of one empty cell (a blank line) is skipped. The body is decoded as UTF-8 with invalid bytes turned into
/// U+FFFE, which the text check refuses, so a bad byte is reported at its cell instead of silently replaced.
/// </summary>
public static class CsvRowReader
{
    public const int MaxRecordChars = 1024 * 1024;

    static readonly Encoding Utf8Marked = Encoding.GetEncoding("utf-8", EncoderFallback.ExceptionFallback, new DecoderReplacementFallback("\uFFFE"));

    /// <summary>Reads the whole body; <paramref name="onRow"/> returns true when its batch must be written
    /// (<paramref name="flush"/> is awaited then). Returns the number of data rows read.</summary>
    public static async Task<int> ReadAsync(Stream body, IngestRow row, IngestErrors errors, Func<IngestRow, bool> onRow, Func<Task> flush, CancellationToken ct)
    {
        using var text = new StreamReader(body, Utf8Marked, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: true);
        CsvDataReader csv;
        try
        {
            csv = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions
            {
                Delimiter = ',', HasHeaders = true, BufferSize = 64 * 1024, MaxBufferSize = MaxRecordChars, OwnsReader = false,
            }, ct);
        }
        catch (CsvMissingHeadersException)
        {
            errors.Add("body", "The CSV body is empty: it needs a header row.");
            return 0;
        }
        catch (CsvRecordTooLargeException)
        {
            errors.Add("body", $"The CSV header is longer than {MaxRecordChars / 1024:N0} KiB.");
            return 0;
        }
        catch (CsvFormatException e)
        {
            errors.Add("rows[header]", $"The CSV header is not valid CSV (line {e.RowNumber + 1}): {e.Message}");
            return 0;
        }
        await using var _ = csv;
        var header = new string[csv.FieldCount];
        for (var i = 0; i < header.Length; i++)
        {
            var name = csv.GetName(i).TrimStart('\uFEFF');
            header[i] = name;
            if (!IngestText.IsClean(name)) errors.Add($"header[{i}]", $"Column {i + 1} of the header {IngestText.NotClean}.");
            else if (Array.IndexOf(header, name, 0, i) >= 0) errors.Add($"header[{i}]", $"Column '{name}' appears twice in the header.");
        }
        if (header.Length == 0 || (header.Length == 1 && header[0].Length == 0)) { errors.Add("body", "The CSV body is empty: it needs a header row."); return 0; }
        if (errors.Any) return 0;

        var index = 0;
        long record = 1;
        while (true)
        {
            bool more;
            try { more = await csv.ReadAsync(ct); }
            catch (CsvRecordTooLargeException)
            {
                errors.Add($"rows[{index}]", $"Row {index + 1} (after line {record}) is longer than {MaxRecordChars / 1024:N0} KiB.");
                return index;
            }
            catch (CsvFormatException e)
            {
                errors.Add($"rows[{index}]", $"Row {index + 1} (after line {record}) is not valid CSV: {e.Message}");
                return index;
            }
            if (!more) break;
            record++;
            var cells = csv.RowFieldCount;
            if (cells == 1 && csv.GetFieldSpan(0).Length == 0) continue;
            row.Reset(index, record);
            if (cells != header.Length)
                errors.Add($"rows[{index}]", $"Row {index + 1} (line {record}) has {cells} cells; the header has {header.Length}.");
            else
                for (var c = 0; c < cells; c++)
                {
                    var cell = csv.GetFieldSpan(c);
                    if (cell.Length == 0) continue;
                    var name = row.Append(header[c]);
                    var value = row.Append(cell);
                    row.Add(name, header[c].Length, CellKind.String, value, cell.Length, inTags: false);
                }
            index++;
            if (cells == header.Length && onRow(row)) await flush();
            if (errors.Full) break;
        }
        return index;
    }
}
