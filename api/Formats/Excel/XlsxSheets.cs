using System.Globalization;
using System.Text;

namespace Exports.Formats.Excel;

/// <summary>The sheets and parts written after the data: Summary (formulas with cached values), Pivot (series
/// against time, as values), Chart (a native DrawingML line chart over Pivot or Data), PivotTable (a native one over
/// Data, see <see cref="XlsxPivotTable"/>), About, and the package parts that tie the workbook together.</summary>
public sealed class XlsxSheets(
    ExportSchema schema, ExcelOptions o, OutputColumn[] cols, string[] letters, List<(string Name, int Rows)> data,
    int[] numeric, RunningStats[] stats, Dictionary<string, RunningStats[]>? perMetric, PivotAccumulator? pivot,
    long rows, long truncated, long asText)
{
    const int MaxChartSeries = 12, MaxCharts = 6;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    bool HasPivot => pivot is { Overflow: false, Columns.Count: > 0 } && rows > 0;
    (XlsxPivotTable? Table, string Why)? _pivotTable;
    /// <summary>The native PivotTable over the Data sheet, or why there is none.</summary>
    (XlsxPivotTable? Table, string Why) PivotTable => _pivotTable ??= o.Pivot
        ? XlsxPivotTable.Make(schema, cols, letters, data, numeric, stats, pivot, rows, asText)
        : (null, "Turned off (pivot: false).");
    int TimeIndex => Array.FindIndex(cols, c => c.Type == ColumnType.Time);
    /// <summary>Rows of the Data sheet interleave several series when it has key columns (long, or wide grouped):
    /// a line down one of its columns would join them, so only the Pivot (one column per series) is charted then.</summary>
    bool DataInterleaved => cols.Any(c => c.IsKey);
    bool HasChart => o.Chart && rows > 0 && (HasPivot || (TimeIndex >= 0 && numeric.Length > 0 && !DataInterleaved)) && Charts().Any(c => c.Count > 0);

    /// <summary>The sheets after the data. A writer gets the sink and a drain to await now and then, so a large
    /// sheet (the pivot) reaches the output as it is written instead of piling up in memory.</summary>
    public IEnumerable<(string Name, string Kind, Func<Utf8Sink, Func<ValueTask>, ValueTask> Write)> Sheets()
    {
        static Func<Utf8Sink, Func<ValueTask>, ValueTask> Small(Action<Utf8Sink> write) => (s, _) => { write(s); return ValueTask.CompletedTask; };
        if (o.Summary && numeric.Length > 0) yield return ("Summary", "summary", Small(Summary));
        if (HasPivot) yield return ("Pivot", "pivot", Pivot);
        if (HasChart) yield return ("Chart", "chart", Small(ChartSheet));
        if (PivotTable.Table is { } table) yield return (XlsxPivotTable.SheetName, "pivottable", Small(table.Sheet));
        yield return ("About", "about", Small(About));
    }

    static string N(double v) => v.ToString("R", Inv);

    static void Start(Utf8Sink s, string cols, bool drawing = false)
    {
        s.Text(Xml.Header);
        s.Text($"<worksheet xmlns=\"{Xml.Main}\" xmlns:r=\"{Xml.Rel}\"><sheetViews><sheetView workbookViewId=\"0\"/></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
        if (cols.Length > 0) s.Text($"<cols>{cols}</cols>");
        s.Text(drawing ? "<sheetData/>" : "<sheetData>");
    }

    static void Cell(Utf8Sink s, string r, int style, string text) =>
        s.Text($"<c r=\"{r}\" s=\"{style}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{Xml.Escape(text)}</t></is></c>");

    static void Formula(Utf8Sink s, string r, int style, string formula, double? cached) =>
        s.Text(cached is { } v && double.IsFinite(v)
            ? $"<c r=\"{r}\" s=\"{style}\"><f>{Xml.Escape(formula)}</f><v>{N(v)}</v></c>"
            : $"<c r=\"{r}\" s=\"{style}\"><f>{Xml.Escape(formula)}</f></c>");

    static void ArrayFormula(Utf8Sink s, string r, int style, string formula, double cached) =>
        s.Text($"<c r=\"{r}\" s=\"{style}\"><f t=\"array\" ref=\"{r}\">{Xml.Escape(formula)}</f><v>{N(cached)}</v></c>");

    IEnumerable<string> Ranges(int col) => data.Where(d => d.Rows > 0)
        .Select(d => $"{Xml.SheetRef(d.Name)}!${letters[col]}$2:${letters[col]}${d.Rows + 1}");

    void Summary(Utf8Sink s)
    {
        Start(s, "<col min=\"1\" max=\"1\" width=\"34\" customWidth=\"1\"/><col min=\"2\" max=\"6\" width=\"16\" customWidth=\"1\"/>");
        s.Text("<row r=\"1\">"); Cell(s, "A1", XlsxStyles.Title, "Summary"); s.Text("</row>");
        s.Text("<row r=\"2\">"); Cell(s, "A2", 0, $"Formulas over {data.Count} data sheet(s); they recalculate when the data changes."); s.Text("</row>");
        s.Text("<row r=\"3\">");
        string[] heads = ["Measure", "Count", "Sum", "Average", "Min", "Max"];
        for (var i = 0; i < heads.Length; i++) Cell(s, $"{Xml.Column(i)}3", XlsxStyles.Header, heads[i]);
        s.Text("</row>");
        var r = 4;
        foreach (var i in numeric)
        {
            var args = string.Join(",", Ranges(i));
            if (args.Length == 0) args = $"{Xml.SheetRef(data[0].Name)}!${letters[i]}$2:${letters[i]}$2";
            var st = stats[i];
            s.Text($"<row r=\"{r}\">");
            Cell(s, $"A{r}", XlsxStyles.Label, cols[i].Name);
            Formula(s, $"B{r}", XlsxStyles.Integer, $"COUNT({args})", st.Count);
            Formula(s, $"C{r}", XlsxStyles.SummaryNumber, $"SUM({args})", st.Sum);
            if (st.Count > 0)
            {
                Formula(s, $"D{r}", XlsxStyles.SummaryNumber, $"AVERAGE({args})", st.Sum / st.Count);
                Formula(s, $"E{r}", XlsxStyles.SummaryNumber, $"MIN({args})", st.Min);
                Formula(s, $"F{r}", XlsxStyles.SummaryNumber, $"MAX({args})", st.Max);
            }
            s.Text("</row>");
            r++;
        }
        if (perMetric is { Count: > 0 })
        {
            var m = Array.FindIndex(cols, c => c.Name == "metric");
            foreach (var (metric, ms) in perMetric.OrderBy(x => x.Key, StringComparer.Ordinal))
                foreach (var i in numeric)
                {
                    var st = ms[i];
                    if (st.Count == 0) continue;
                    // EXACT, not COUNTIFS/SUMIFS/MINIFS: a criterion reads "a*" as a wildcard, "<5" as a comparison
                    // and ignores case, while the name must match exactly.
                    var q = "\"" + metric.Replace("\"", "\"\"") + "\"";
                    var pairs = data.Where(d => d.Rows > 0).Select(d => (
                        v: $"{Xml.SheetRef(d.Name)}!${letters[i]}$2:${letters[i]}${d.Rows + 1}",
                        k: $"{Xml.SheetRef(d.Name)}!${letters[m]}$2:${letters[m]}${d.Rows + 1}")).ToList();
                    s.Text($"<row r=\"{r}\">");
                    Cell(s, $"A{r}", XlsxStyles.Label, $"{metric} ({cols[i].Name})");
                    Formula(s, $"B{r}", XlsxStyles.Integer, string.Join("+", pairs.Select(p => $"SUMPRODUCT(--EXACT({p.k},{q}),--ISNUMBER({p.v}))")), st.Count);
                    Formula(s, $"C{r}", XlsxStyles.SummaryNumber, string.Join("+", pairs.Select(p => $"SUMPRODUCT(--EXACT({p.k},{q}),{p.v})")), st.Sum);
                    Formula(s, $"D{r}", XlsxStyles.SummaryNumber, $"C{r}/B{r}", st.Sum / st.Count);
                    ArrayFormula(s, $"E{r}", XlsxStyles.SummaryNumber, $"MIN({string.Join(",", pairs.Select(p => $"IF(EXACT({p.k},{q})*ISNUMBER({p.v}),{p.v})"))})", st.Min);
                    ArrayFormula(s, $"F{r}", XlsxStyles.SummaryNumber, $"MAX({string.Join(",", pairs.Select(p => $"IF(EXACT({p.k},{q})*ISNUMBER({p.v}),{p.v})"))})", st.Max);
                    s.Text("</row>");
                    r++;
                }
        }
        s.Text("</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>");
    }

    async ValueTask Pivot(Utf8Sink s, Func<ValueTask> drain)
    {
        var p = pivot!;
        var width = Math.Min(90, Math.Max(14, p.Columns.Max(c => c.Length) + 2));
        Start(s, $"<col min=\"1\" max=\"1\" width=\"{o.DateFormat.Length + 4}\" customWidth=\"1\"/><col min=\"2\" max=\"{p.Columns.Count + 1}\" width=\"{width}\" customWidth=\"1\"/>");
        s.Text("<row r=\"1\">");
        Cell(s, "A1", XlsxStyles.Header, cols[TimeIndex].Name);
        var order = p.SortedColumns();
        for (var j = 0; j < order.Length; j++) Cell(s, $"{Xml.Column(j + 1)}1", XlsxStyles.Header, p.Columns[order[j]]);
        s.Text("</row>");
        var r = 1;
        var colLetters = Enumerable.Range(0, p.Columns.Count + 1).Select(Xml.Column).ToArray();
        var dateCell = $"\" s=\"{XlsxStyles.Date}\"><v>";
        var numberCell = $"\" s=\"{XlsxStyles.Number}\"><v>";
        foreach (var (ticks, index) in p.Rows())
        {
            r++;
            s.Text("<row r=\""); Xml.Int(s, r); s.Text("\"><c r=\"A"); Xml.Int(s, r); s.Text(dateCell);
            Xml.ExcelDate(s, new DateTime(ticks, DateTimeKind.Utc), schema.Zone);
            s.Text("</v></c>");
            for (var j = 0; j < order.Length; j++)
            {
                var v = p.Value(order[j], index);
                if (double.IsNaN(v)) continue;
                if (!ExcelOptions.FitsExcel(v))
                {
                    s.Text($"<c r=\"{colLetters[j + 1]}{r}\" s=\"{XlsxStyles.QuotedText}\" t=\"inlineStr\"><is><t>{Xml.RoundTrip(v)}</t></is></c>");
                    continue;
                }
                s.Text("<c r=\""); s.Text(colLetters[j + 1]); Xml.Int(s, r); s.Text(numberCell);
                Xml.Double(s, v);
                s.Text("</v></c>");
            }
            s.Text("</row>");
            if (s.Full)
            {
                s.Flush();
                await drain();
            }
        }
        s.Text($"</sheetData><autoFilter ref=\"A1:{colLetters[^1]}{r}\"/><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>");
    }

    void ChartSheet(Utf8Sink s)
    {
        Start(s, "", drawing: true);
        s.Text("<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/><drawing r:id=\"rId1\"/></worksheet>");
    }

    void About(Utf8Sink s)
    {
        Start(s, "<col min=\"1\" max=\"1\" width=\"24\" customWidth=\"1\"/><col min=\"2\" max=\"2\" width=\"100\" customWidth=\"1\"/>");
        var lines = AboutLines().ToList();
        s.Text("<row r=\"1\">"); Cell(s, "A1", XlsxStyles.Title, o.Title ?? DefaultTitle); s.Text("</row>");
        for (var i = 0; i < lines.Count; i++)
        {
            var r = i + 3;
            s.Text($"<row r=\"{r}\">");
            Cell(s, $"A{r}", XlsxStyles.Label, lines[i].Key);
            Cell(s, $"B{r}", XlsxStyles.Wrap, lines[i].Value);
            s.Text("</row>");
        }
        s.Text("</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>");
    }

    string Meta(string key) => schema.Metadata.TryGetValue(key, out var v) && v is not null
        ? v is DateTimeOffset d ? d.ToString("yyyy-MM-dd HH:mm:ss 'UTC'zzz", Inv) : v.ToString()!
        : "";

    string DefaultTitle => Meta("source") is { Length: > 0 } src ? $"{src} export" : "Export";

    IEnumerable<(string Key, string Value)> AboutLines()
    {
        yield return ("Source", Meta("source"));
        yield return ("Kind", Meta("kind"));
        yield return ("Tier", Meta("tier"));
        if (schema.Metadata.TryGetValue("approximate", out var approx) && approx is IReadOnlyList<string> names)
            yield return ("Approximate", names.Count == 0 ? "No: every value is exact." : Meta("approximation"));
        yield return ("Granularity", Meta("granularity"));
        yield return ("Time zone", schema.Zone.Id);
        yield return ("From", Meta("from"));
        yield return ("To", Meta("to"));
        yield return ("Generated", Meta("exportedAt"));
        yield return ("Rows", rows.ToString("N0", Inv));
        yield return ("Data sheets", data.Count == 1
            ? $"{data[0].Name} ({data[0].Rows:N0} rows)"
            : $"{string.Join(", ", data.Select(d => $"{d.Name} ({d.Rows:N0} rows)"))}. An Excel sheet holds {ExcelOptions.SheetRowLimit:N0} rows, so the data continues from sheet to sheet; nothing was left out.");
        yield return ("Truncated cells", truncated == 0 ? "None" : $"{truncated:N0} cell(s) were longer than Excel's {ExcelOptions.CellTextLimit:N0} characters and were cut, ending with \"{ExcelOptions.TruncationMarker}\".");
        yield return ("Numbers as text", asText == 0 ? "None" : $"{asText:N0} value(s) lie beyond Excel's number range (±9.99999999999999E+307, or nearer zero than ±2.2250738585072014E-308) and are written as text with their exact digits; the Summary formulas leave them out.");
        yield return ("Times", $"Local time in {schema.Zone.Id}, as Excel date values formatted \"{o.DateFormat}\"; the values keep the stored microseconds (Excel shows at most milliseconds).");
        if (o.Pivot)
            yield return ("Pivot", HasPivot
                ? $"Values (not a PivotTable): {cols[numeric[0]].Name} for each series ({pivot!.Columns.Count}) against {cols[TimeIndex].Name}."
                : pivot is { Overflow: true } ? $"Not made: more than {PivotAccumulator.MaxCells:N0} cells or {PivotAccumulator.MaxColumns} series. Filter or aggregate the export for a pivot."
                : "Not made: the export has no series key columns (group by a tag to get one).");
        if (o.Pivot) yield return ("PivotTable", PivotTable.Table?.About ?? PivotTable.Why);
        if (o.Chart)
            yield return ("Chart", HasChart
                ? ChartAbout()
                : o.Chart && HasPivot ? "Not made: no series has a value."
                : rows > 0 && TimeIndex >= 0 && numeric.Length > 0 && DataInterleaved
                    ? "Not made: the Data sheet holds several series in its rows (key columns " + string.Join(", ", cols.Where(c => c.IsKey).Select(c => c.Name))
                      + "), and the chart is drawn from the Pivot sheet, which " + (o.Pivot ? "was not made (see Pivot)." : "was turned off (pivot: false).")
                    : "Not made: no rows, or no time and numeric columns.");
        yield return ("Request", Meta("request") is { Length: > 0 } ? XlsxRowWriter.Json(schema.Metadata["request"]) : "");
    }

    // ---- package parts ----------------------------------------------------------------------------------------

    public IEnumerable<(string Path, string Xml)> Parts(List<(string Name, string Kind, string Part)> sheets)
    {
        var wb = new StringBuilder();
        wb.Append(Xml.Header).Append($"<workbook xmlns=\"{Xml.Main}\" xmlns:r=\"{Xml.Rel}\"><workbookPr/><bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>");
        for (var i = 0; i < sheets.Count; i++)
            wb.Append($"<sheet name=\"{Xml.Escape(sheets[i].Name)}\" sheetId=\"{i + 1}\" r:id=\"rId{i + 1}\"/>");
        wb.Append("</sheets>");
        if (o.AutoFilter)
        {
            wb.Append("<definedNames>");
            for (var i = 0; i < data.Count; i++)
                wb.Append($"<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{i}\" hidden=\"1\">{Xml.Escape(Xml.SheetRef(data[i].Name))}!$A$1:${letters[^1]}${data[i].Rows + 1}</definedName>");
            wb.Append("</definedNames>");
        }
        wb.Append("<calcPr calcId=\"191029\" fullCalcOnLoad=\"1\"/>");
        var pivotSheet = sheets.FindIndex(x => x.Kind == "pivottable");
        // The pivot cache's relationship comes after the sheets' and the styles'.
        if (pivotSheet >= 0) wb.Append($"<pivotCaches><pivotCache cacheId=\"1\" r:id=\"rId{sheets.Count + 2}\"/></pivotCaches>");
        wb.Append("</workbook>");
        yield return ("xl/workbook.xml", wb.ToString());

        var rels = new StringBuilder(Xml.Header + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
        for (var i = 0; i < sheets.Count; i++)
            rels.Append($"<Relationship Id=\"rId{i + 1}\" Type=\"{Xml.Rel}/worksheet\" Target=\"worksheets/sheet{i + 1}.xml\"/>");
        rels.Append($"<Relationship Id=\"rId{sheets.Count + 1}\" Type=\"{Xml.Rel}/styles\" Target=\"styles.xml\"/>");
        if (pivotSheet >= 0) rels.Append($"<Relationship Id=\"rId{sheets.Count + 2}\" Type=\"{Xml.Rel}/pivotCacheDefinition\" Target=\"pivotCache/pivotCacheDefinition1.xml\"/>");
        rels.Append("</Relationships>");
        yield return ("xl/_rels/workbook.xml.rels", rels.ToString());

        var chart = sheets.FindIndex(x => x.Kind == "chart");
        if (chart >= 0)
        {
            yield return ($"xl/worksheets/_rels/sheet{chart + 1}.xml.rels", Xml.Header + $"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{Xml.Rel}/drawing\" Target=\"../drawings/drawing1.xml\"/></Relationships>");
            var charts = Charts();
            yield return ("xl/drawings/drawing1.xml", Drawing(charts.Count));
            yield return ("xl/drawings/_rels/drawing1.xml.rels", Xml.Header + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                + string.Concat(charts.Select((_, n) => $"<Relationship Id=\"rId{n + 1}\" Type=\"{Xml.Rel}/chart\" Target=\"../charts/chart{n + 1}.xml\"/>")) + "</Relationships>");
            for (var n = 0; n < charts.Count; n++) yield return ($"xl/charts/chart{n + 1}.xml", ChartXml(charts[n], n));
        }

        if (pivotSheet >= 0 && PivotTable.Table is { } table)
        {
            yield return ($"xl/worksheets/_rels/sheet{pivotSheet + 1}.xml.rels", Xml.Header + $"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{Xml.Rel}/pivotTable\" Target=\"../pivotTables/pivotTable1.xml\"/></Relationships>");
            yield return ("xl/pivotTables/pivotTable1.xml", table.Table(cacheId: 1));
            yield return ("xl/pivotTables/_rels/pivotTable1.xml.rels", Xml.Header + $"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{Xml.Rel}/pivotCacheDefinition\" Target=\"../pivotCache/pivotCacheDefinition1.xml\"/></Relationships>");
            yield return ("xl/pivotCache/pivotCacheDefinition1.xml", table.CacheDefinition());
        }

        var now = schema.ExportedAt.UtcDateTime;
        var stamp = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Inv);
        yield return ("docProps/core.xml", Xml.Header + "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
            + $"<dc:title>{Xml.Escape(o.Title ?? DefaultTitle)}</dc:title><dc:subject>{Xml.Escape($"{Meta("source")} {Meta("from")} – {Meta("to")}")}</dc:subject><dc:creator>{Xml.Escape(o.Author ?? "Exports")}</dc:creator>"
            + $"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{stamp}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{stamp}</dcterms:modified></cp:coreProperties>");
        yield return ("docProps/app.xml", Xml.Header + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>Exports</Application></Properties>");
        yield return ("_rels/.rels", Xml.Header + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + $"<Relationship Id=\"rId1\" Type=\"{Xml.Rel}/officeDocument\" Target=\"xl/workbook.xml\"/>"
            + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>"
            + $"<Relationship Id=\"rId3\" Type=\"{Xml.Rel}/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>");

        var ct = new StringBuilder(Xml.Header + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
            + "<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>");
        for (var i = 0; i < sheets.Count; i++)
            ct.Append($"<Override PartName=\"/xl/worksheets/sheet{i + 1}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>");
        if (chart >= 0)
        {
            ct.Append("<Override PartName=\"/xl/drawings/drawing1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawing+xml\"/>");
            for (var n = 0; n < Charts().Count; n++)
                ct.Append($"<Override PartName=\"/xl/charts/chart{n + 1}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>");
        }
        if (pivotSheet >= 0)
            ct.Append("<Override PartName=\"/xl/pivotTables/pivotTable1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml\"/>")
              .Append("<Override PartName=\"/xl/pivotCache/pivotCacheDefinition1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml\"/>");
        ct.Append("</Types>");
        yield return ("[Content_Types].xml", ct.ToString());
    }

    /// <summary>One anchor per chart, stacked down the Chart sheet.</summary>
    static string Drawing(int charts)
    {
        var sb = new StringBuilder(Xml.Header + "<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\">");
        for (var n = 0; n < charts; n++)
            sb.Append($"<xdr:twoCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{n * 35}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>")
              .Append($"<xdr:to><xdr:col>18</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{n * 35 + 34}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>")
              .Append($"<xdr:graphicFrame macro=\"\"><xdr:nvGraphicFramePr><xdr:cNvPr id=\"{n + 2}\" name=\"Chart {n + 1}\"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>")
              .Append("<xdr:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/></xdr:xfrm><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\">")
              .Append($"<c:chart xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:r=\"{Xml.Rel}\" r:id=\"rId{n + 1}\"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>");
        return sb.Append("</xdr:wsDr>").ToString();
    }

    /// <summary>Line colours, one per series of a chart; explicit because a reader without the theme part
    /// (LibreOffice) draws theme-coloured lines in no colour at all.</summary>
    public static readonly string[] Palette =
        ["1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B", "E377C2", "7F7F7F", "BCBD22", "17BECF", "393B79", "AD494A"];

    public sealed record ChartLine(string Name, string Categories, string Values);
    /// <summary>Series that share a unit and so a value axis: the series of one metric.</summary>
    public sealed record AxisGroup(string Title, List<ChartLine> Lines);

    List<List<AxisGroup>>? _charts;

    /// <summary>
    /// The charts and their value axes. Series are grouped by what they measure: on the Pivot, by the metric key
    /// (every series of one metric shares a unit); from the Data sheet, each numeric column is its own quantity, and
    /// columns whose largest magnitudes lie within a factor of 10 of a group's first column share its axis. One group
    /// is one chart; two groups are one chart with the second on a secondary axis at the right; three or more are one
    /// chart each (at most 6, each of at most 12 series), so no series is drawn on another's scale.
    /// </summary>
    public List<List<AxisGroup>> Charts() => _charts ??= Arrange(Groups());

    static List<List<AxisGroup>> Arrange(List<AxisGroup> groups) =>
        groups.Count <= 2 ? [groups] : groups.Take(MaxCharts).Select(g => new List<AxisGroup> { g }).ToList();

    List<AxisGroup> Groups()
    {
        var groups = new List<AxisGroup>();
        if (HasPivot)
        {
            var n = pivot!.Times.Count + 1;
            var metricKey = cols.Where(c => c.IsKey && c.Type == ColumnType.String).Select(c => c.Name).ToList().IndexOf("metric");
            var order = pivot.SortedColumns();
            string Title(int column) => metricKey >= 0 ? pivot.Keys[column][metricKey] : cols[numeric[0]].Name;
            // A group whose series have no values at all would be an empty chart, and could push a real one past MaxCharts.
            var drawn = order.Where(pivot.HasValues).Select(Title).ToHashSet(StringComparer.Ordinal);
            for (var j = 0; j < order.Length; j++)
            {
                var title = Title(order[j]);
                if (!drawn.Contains(title)) continue;
                var c = Xml.Column(j + 1);
                Add(title, new ChartLine($"'Pivot'!${c}$1", $"'Pivot'!$A$2:$A${n}", $"'Pivot'!${c}$2:${c}${n}"));
            }
            return groups;
        }
        var sheet = Xml.SheetRef(data[0].Name);
        var last = data[0].Rows + 1;
        var t = letters[TimeIndex];
        var anchors = new List<double>();
        var names = new List<List<string>>();
        foreach (var i in numeric)
        {
            var size = stats[i].Count == 0 ? 0 : Math.Max(Math.Abs(stats[i].Min), Math.Abs(stats[i].Max));
            var k = anchors.FindIndex(a => a == 0 || size == 0 || (size <= a * 10 && a <= size * 10));
            if (k < 0) { anchors.Add(size); names.Add([]); groups.Add(new AxisGroup("", [])); k = groups.Count - 1; }
            else if (anchors[k] == 0) anchors[k] = size;
            if (groups[k].Lines.Count >= MaxChartSeries) continue;
            names[k].Add(cols[i].Name);
            groups[k].Lines.Add(new ChartLine($"{sheet}!${letters[i]}$1", $"{sheet}!${t}$2:${t}${last}", $"{sheet}!${letters[i]}$2:${letters[i]}${last}"));
        }
        return groups.Select((g, k) => g with { Title = string.Join(", ", names[k]) }).ToList();

        void Add(string title, ChartLine line)
        {
            var g = groups.Find(x => x.Title == title);
            if (g is null) groups.Add(g = new AxisGroup(title, []));
            if (g.Lines.Count < MaxChartSeries) g.Lines.Add(line);
        }
    }

    string ChartAbout()
    {
        var charts = Charts();
        var from = HasPivot ? "the Pivot sheet" : data[0].Name + (data.Count > 1 ? " (its first sheet only)" : "");
        string Names(AxisGroup g) => $"{g.Title} ({g.Lines.Count} series)";
        var text = charts.Count > 1
            ? $"{charts.Count} line charts from {from}, one per quantity so each has its own scale: {string.Join("; ", charts.Select(c => Names(c[0])))}."
            : charts[0].Count == 2
                ? $"Line chart from {from}: {Names(charts[0][0])} on the left axis, {Names(charts[0][1])} on the right axis, dashed (their units or magnitudes differ)."
                : $"Line chart from {from}: {Names(charts[0][0])}.";
        var total = HasPivot ? pivot!.Columns.Count : numeric.Length;
        var drawn = charts.Sum(c => c.Sum(g => g.Lines.Count));
        return drawn < total ? text + $" {total - drawn} more series are not drawn (at most {MaxChartSeries} per quantity and {MaxCharts} charts)." : text;
    }

    string ChartXml(List<AxisGroup> groups, int chartIndex)
    {
        var sb = new StringBuilder(Xml.Header);
        sb.Append($"<c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"{Xml.Rel}\">");
        sb.Append("<c:roundedCorners val=\"0\"/><c:chart>");
        var title = (o.Title ?? DefaultTitle) + (Charts().Count > 1 ? $" · {groups[0].Title}" : "");
        sb.Append($"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{Xml.Escape(title)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title><c:autoTitleDeleted val=\"0\"/>");
        sb.Append("<c:plotArea><c:layout/>");
        var k = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            sb.Append("<c:lineChart><c:grouping val=\"standard\"/><c:varyColors val=\"0\"/>");
            foreach (var (name, cat, val) in groups[g].Lines)
            {
                sb.Append($"<c:ser><c:idx val=\"{k}\"/><c:order val=\"{k}\"/><c:tx><c:strRef><c:f>{Xml.Escape(name)}</c:f></c:strRef></c:tx>");
                // Lines on the secondary axis are dashed: colours repeat past 12 series, the axis a line belongs to never hides.
                sb.Append($"<c:spPr><a:ln w=\"19050\" cap=\"rnd\"><a:solidFill><a:srgbClr val=\"{Palette[k % Palette.Length]}\"/></a:solidFill>{(g == 1 ? "<a:prstDash val=\"dash\"/>" : "")}<a:round/></a:ln></c:spPr><c:marker><c:symbol val=\"none\"/></c:marker>");
                sb.Append($"<c:cat><c:numRef><c:f>{Xml.Escape(cat)}</c:f></c:numRef></c:cat><c:val><c:numRef><c:f>{Xml.Escape(val)}</c:f></c:numRef></c:val><c:smooth val=\"0\"/></c:ser>");
                k++;
            }
            sb.Append($"<c:marker val=\"1\"/><c:axId val=\"{AxisId(chartIndex, g, 1)}\"/><c:axId val=\"{AxisId(chartIndex, g, 2)}\"/></c:lineChart>");
        }
        for (var g = 0; g < groups.Count; g++)
        {
            var secondary = g == 1;
            sb.Append($"<c:catAx><c:axId val=\"{AxisId(chartIndex, g, 1)}\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"{(secondary ? 1 : 0)}\"/><c:axPos val=\"b\"/>");
            sb.Append($"<c:numFmt formatCode=\"{Xml.Escape(o.DateFormat)}\" sourceLinked=\"0\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"low\"/>");
            sb.Append($"<c:crossAx val=\"{AxisId(chartIndex, g, 2)}\"/><c:crosses val=\"autoZero\"/><c:auto val=\"0\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx>");
            sb.Append($"<c:valAx><c:axId val=\"{AxisId(chartIndex, g, 2)}\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"{(secondary ? "r" : "l")}\"/>");
            if (!secondary) sb.Append("<c:majorGridlines/>");
            sb.Append($"<c:title><c:tx><c:rich><a:bodyPr rot=\"-5400000\" vert=\"horz\"/><a:p><a:r><a:t>{Xml.Escape(groups[g].Title)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title>");
            sb.Append("<c:numFmt formatCode=\"General\" sourceLinked=\"1\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>");
            sb.Append($"<c:crossAx val=\"{AxisId(chartIndex, g, 1)}\"/><c:crosses val=\"{(secondary ? "max" : "autoZero")}\"/><c:crossBetween val=\"between\"/></c:valAx>");
        }
        sb.Append("</c:plotArea>");
        sb.Append("<c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/></c:legend><c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart></c:chartSpace>");
        return sb.ToString();
    }

    static int AxisId(int chart, int group, int axis) => 500000001 + chart * 10 + group * 2 + axis - 1;
}
