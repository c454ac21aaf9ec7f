using System.IO.Compression;
using System.Xml.Linq;

namespace Exports.Formats.Excel;

/// <summary>
/// Template workbooks: a user's .xlsx whose named sheet receives the data. Every other part of the template is
/// copied byte for byte; the target sheet keeps its rows, columns, views and formatting, and the data rows follow
/// its last row. Columns take the style of the template's "style row" (an empty last row with styled cells) when
/// there is one; time columns without a style of their own get a date format added to the template's styles.
/// </summary>
public static class XlsxTemplate
{
    public const int MaxBytes = 10 << 20;
    static readonly XNamespace S = Xml.Main;
    static readonly XNamespace R = Xml.Rel;
    static readonly XNamespace P = "http://schemas.openxmlformats.org/package/2006/relationships";

    /// <summary>Null when the template can be used; otherwise what is wrong with it.</summary>
    public static string? Check(byte[] template, string? sheet)
    {
        if (template.Length > MaxBytes) return $"The template is larger than {MaxBytes >> 20} MB.";
        try
        {
            using var zip = new ZipArchive(new MemoryStream(template), ZipArchiveMode.Read);
            var path = SheetPath(zip, sheet ?? "");
            if (path is null) return $"The template has no worksheet named '{sheet}'.";
            // Read now what writing will need, so a broken part is a 400 here and never a failure mid-export.
            if (Load(zip, path).Root?.Element(S + "sheetData") is null) return $"The template's sheet '{sheet}' has no cell data part (sheetData).";
            if (zip.GetEntry("xl/styles.xml") is not null && Load(zip, "xl/styles.xml").Root?.Element(S + "cellXfs") is null)
                return "The template's styles part has no cell formats (cellXfs).";
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or System.Xml.XmlException or NullReferenceException or IOException or ArgumentException)
        {
            return "The template is not an .xlsx workbook.";
        }
    }

    static XDocument Load(ZipArchive zip, string path)
    {
        using var s = (zip.GetEntry(path) ?? throw new InvalidDataException($"missing {path}")).Open();
        return XDocument.Load(s);
    }

    /// <summary>The part path of the worksheet called <paramref name="sheet"/>, or null.</summary>
    public static string? SheetPath(ZipArchive zip, string sheet)
    {
        var wb = Load(zip, "xl/workbook.xml");
        var id = wb.Descendants(S + "sheet").FirstOrDefault(x => (string?)x.Attribute("name") == sheet)?.Attribute(R + "id")?.Value;
        if (id is null) return null;
        var rels = Load(zip, "xl/_rels/workbook.xml.rels");
        var rel = rels.Descendants(P + "Relationship").FirstOrDefault(x => (string?)x.Attribute("Id") == id);
        if (rel is null || !((string?)rel.Attribute("Type") ?? "").EndsWith("/worksheet")) return null;
        var target = (string)rel.Attribute("Target")!;
        return target.StartsWith('/') ? target.TrimStart('/') : "xl/" + target;
    }

    public sealed record Prepared(string Prefix, string ExistingRows, string Suffix, int LastRow, int?[] ColumnStyles, int DateStyle, bool NeedsHeader, string Ns);

    /// <summary>Copies every part except the target sheet into <paramref name="output"/> (styles gain a date format;
    /// the workbook recalculates on open) and splits the target sheet around its sheetData.</summary>
    public static Prepared CopyAndSplit(ZipArchive template, ZipArchive output, string sheetPath, ExcelOptions o, int columns)
    {
        var dateStyle = 0;
        foreach (var entry in template.Entries)
        {
            if (entry.FullName == sheetPath) continue;
            var target = output.CreateEntry(entry.FullName, CompressionLevel.Fastest);
            using var to = target.Open();
            if (entry.FullName == "xl/styles.xml")
            {
                var stylesDoc = Load(template, entry.FullName);
                dateStyle = AddDateStyle(stylesDoc, o.DateFormat);
                stylesDoc.Save(to, SaveOptions.DisableFormatting);
            }
            else if (entry.FullName == "xl/workbook.xml")
            {
                var wb = Load(template, entry.FullName);
                var calc = wb.Root!.Element(S + "calcPr");
                if (calc is null) wb.Root!.Add(calc = new XElement(S + "calcPr"));
                calc.SetAttributeValue("fullCalcOnLoad", "1");
                wb.Save(to, SaveOptions.DisableFormatting);
            }
            else
            {
                using var from = entry.Open();
                from.CopyTo(to);
            }
        }
        string xml;
        using (var reader = new StreamReader(template.GetEntry(sheetPath)!.Open())) xml = reader.ReadToEnd();
        var doc = XDocument.Parse(xml);
        var sheetData = doc.Root!.Element(S + "sheetData") ?? throw new InvalidDataException("no sheetData");
        doc.Root.Element(S + "dimension")?.Remove();
        var rows = sheetData.Elements(S + "row").ToList();
        var styles = new int?[columns];
        var last = rows.LastOrDefault();
        if (last is not null && !last.Elements(S + "c").Any(c => c.Element(S + "v") is not null || c.Element(S + "is") is not null || c.Element(S + "f") is not null))
        {
            foreach (var c in last.Elements(S + "c"))
                if (Index((string?)c.Attribute("r")) is { } i && i < columns && int.TryParse((string?)c.Attribute("s"), out var s)) styles[i] = s;
            last.Remove();
            rows.RemoveAt(rows.Count - 1);
        }
        var lastRow = rows.Count == 0 ? 0 : rows.Max(r => int.TryParse((string?)r.Attribute("r"), out var n) ? n : 0);
        var existing = string.Concat(rows.Select(r => r.ToString(SaveOptions.DisableFormatting)));
        sheetData.RemoveNodes();
        sheetData.Add(new XComment("DATA"));
        var text = doc.Declaration + doc.ToString(SaveOptions.DisableFormatting);
        var cut = text.IndexOf("<!--DATA-->", StringComparison.Ordinal);
        // Files written by the Open XML SDK put SpreadsheetML under a prefix (x:row); the data rows must use it too.
        var prefix = doc.Root.GetDefaultNamespace() == S ? "" : doc.Root.GetPrefixOfNamespace(S) is { } px ? px + ":" : "";
        return new Prepared(text[..cut], existing, text[(cut + "<!--DATA-->".Length)..], lastRow, styles, dateStyle, rows.Count == 0, prefix);
    }

    static int? Index(string? cellRef)
    {
        if (cellRef is null) return null;
        var n = 0;
        foreach (var ch in cellRef)
        {
            if (ch is < 'A' or > 'Z') break;
            n = n * 26 + ch - 'A' + 1;
        }
        return n == 0 ? null : n - 1;
    }

    static int AddDateStyle(XDocument styles, string format)
    {
        var root = styles.Root!;
        var numFmts = root.Element(S + "numFmts");
        if (numFmts is null) root.AddFirst(numFmts = new XElement(S + "numFmts"));
        var id = Math.Max(164, numFmts.Elements(S + "numFmt").Select(x => (int?)x.Attribute("numFmtId") ?? 0).DefaultIfEmpty(0).Max() + 1);
        numFmts.Add(new XElement(S + "numFmt", new XAttribute("numFmtId", id), new XAttribute("formatCode", format)));
        numFmts.SetAttributeValue("count", numFmts.Elements().Count());
        var xfs = root.Element(S + "cellXfs") ?? throw new InvalidDataException("no cellXfs");
        xfs.Add(new XElement(S + "xf", new XAttribute("numFmtId", id), new XAttribute("fontId", 0), new XAttribute("fillId", 0),
            new XAttribute("borderId", 0), new XAttribute("xfId", 0), new XAttribute("applyNumberFormat", 1)));
        xfs.SetAttributeValue("count", xfs.Elements().Count());
        return xfs.Elements().Count() - 1;
    }
}
