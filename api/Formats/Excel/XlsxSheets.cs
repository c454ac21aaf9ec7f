using System.Globalization;
using System.Text;

namespace Exports.Formats.Excel;

/// <summary>The sheets and parts written after the data: Summary (formulas with cached values), Pivot (series
/// against time, as values), Chart (a native DrawingML line chart over Pivot or Data), About, and the package
/// parts that tie the workbook together.</summary>
public sealed class XlsxSheets(
    ExportSchema schema, ExcelOptions o, OutputColumn[] cols, string[] letters, List<(string Name, int Rows)> data,
    int[] numeric, RunningStats[] stats, Dictionary<string, RunningStats[]>? perMetric, PivotAccumulator? pivot,
    long rows, long truncated)
{
    const int MaxChartSeries = 12;
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    bool HasPivot => pivot is { Overflow: false, Columns.Count: > 0 } && rows > 0;
    int TimeIndex => Array.FindIndex(cols, c => c.Type == ColumnType.Time);
    bool HasChart => o.Chart && rows > 0 && (HasPivot || (TimeIndex >= 0 && numeric.Length > 0));

    /// <summary>The sheets after the data. A writer gets the sink and a drain to await now and then, so a large
    /// sheet (the pivot) reaches the output as it is written instead of piling up in memory.</summary>
    public IEnumerable<(string Name, string Kind, Func<Utf8Sink, Func<ValueTask>, ValueTask> Write)> Sheets()
    {
        static Func<Utf8Sink, Func<ValueTask>, ValueTask> Small(Action<Utf8Sink> write) => (s, _) => { write(s); return ValueTask.CompletedTask; };
        if (o.Summary && numeric.Length > 0) yield return ("Summary", "summary", Small(Summary));
        if (HasPivot) yield return ("Pivot", "pivot", Pivot);
        if (HasChart) yield return ("Chart", "chart", Small(ChartSheet));
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
                    var q = "\"" + metric.Replace("\"", "\"\"") + "\"";
                    var pairs = data.Where(d => d.Rows > 0).Select(d => (
                        v: $"{Xml.SheetRef(d.Name)}!${letters[i]}$2:${letters[i]}${d.Rows + 1}",
                        k: $"{Xml.SheetRef(d.Name)}!${letters[m]}$2:${letters[m]}${d.Rows + 1}")).ToList();
                    s.Text($"<row r=\"{r}\">");
                    Cell(s, $"A{r}", XlsxStyles.Label, $"{metric} ({cols[i].Name})");
                    Formula(s, $"B{r}", XlsxStyles.Integer, string.Join("+", pairs.Select(p => $"COUNTIFS({p.k},{q},{p.v},\"<>\")")), st.Count);
                    Formula(s, $"C{r}", XlsxStyles.SummaryNumber, string.Join("+", pairs.Select(p => $"SUMIFS({p.v},{p.k},{q})")), st.Sum);
                    Formula(s, $"D{r}", XlsxStyles.SummaryNumber, $"C{r}/B{r}", st.Sum / st.Count);
                    Formula(s, $"E{r}", XlsxStyles.SummaryNumber, $"MIN({string.Join(",", pairs.Select(p => $"_xlfn.MINIFS({p.v},{p.k},{q})"))})", st.Min);
                    Formula(s, $"F{r}", XlsxStyles.SummaryNumber, $"MAX({string.Join(",", pairs.Select(p => $"_xlfn.MAXIFS({p.v},{p.k},{q})"))})", st.Max);
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
        yield return ("Times", $"Local time in {schema.Zone.Id}, as Excel date values formatted \"{o.DateFormat}\".");
        if (o.Pivot)
            yield return ("Pivot", HasPivot
                ? $"Values (not a PivotTable): {cols[numeric[0]].Name} for each series ({pivot!.Columns.Count}) against {cols[TimeIndex].Name}."
                : pivot is { Overflow: true } ? $"Not made: more than {PivotAccumulator.MaxCells:N0} cells or {PivotAccumulator.MaxColumns} series. Filter or aggregate the export for a pivot."
                : "Not made: the export has no series key columns (group by a tag to get one).");
        if (o.Chart)
            yield return ("Chart", HasChart
                ? HasPivot ? $"Line chart of the first {Math.Min(MaxChartSeries, pivot!.Columns.Count)} series on the Pivot sheet."
                           : $"Line chart of {string.Join(", ", numeric.Take(MaxChartSeries).Select(i => cols[i].Name))} from {data[0].Name}" + (data.Count > 1 ? " (its first sheet only)." : ".")
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
        wb.Append("<calcPr calcId=\"191029\" fullCalcOnLoad=\"1\"/></workbook>");
        yield return ("xl/workbook.xml", wb.ToString());

        var rels = new StringBuilder(Xml.Header + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
        for (var i = 0; i < sheets.Count; i++)
            rels.Append($"<Relationship Id=\"rId{i + 1}\" Type=\"{Xml.Rel}/worksheet\" Target=\"worksheets/sheet{i + 1}.xml\"/>");
        rels.Append($"<Relationship Id=\"rId{sheets.Count + 1}\" Type=\"{Xml.Rel}/styles\" Target=\"styles.xml\"/></Relationships>");
        yield return ("xl/_rels/workbook.xml.rels", rels.ToString());

        var chart = sheets.FindIndex(x => x.Kind == "chart");
        if (chart >= 0)
        {
            yield return ($"xl/worksheets/_rels/sheet{chart + 1}.xml.rels", Xml.Header + $"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{Xml.Rel}/drawing\" Target=\"../drawings/drawing1.xml\"/></Relationships>");
            yield return ("xl/drawings/drawing1.xml", Drawing());
            yield return ("xl/drawings/_rels/drawing1.xml.rels", Xml.Header + $"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{Xml.Rel}/chart\" Target=\"../charts/chart1.xml\"/></Relationships>");
            yield return ("xl/charts/chart1.xml", ChartXml());
        }

        var now = schema.Metadata.TryGetValue("exportedAt", out var at) && at is DateTimeOffset d ? d.UtcDateTime : DateTime.UtcNow;
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
            ct.Append("<Override PartName=\"/xl/drawings/drawing1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawing+xml\"/>"
                + "<Override PartName=\"/xl/charts/chart1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>");
        ct.Append("</Types>");
        yield return ("[Content_Types].xml", ct.ToString());
    }

    static string Drawing() => Xml.Header
        + "<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\">"
        + "<xdr:twoCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
        + "<xdr:to><xdr:col>18</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>34</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        + "<xdr:graphicFrame macro=\"\"><xdr:nvGraphicFramePr><xdr:cNvPr id=\"2\" name=\"Chart 1\"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>"
        + "<xdr:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/></xdr:xfrm><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\">"
        + $"<c:chart xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:r=\"{Xml.Rel}\" r:id=\"rId1\"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>";

    /// <summary>The chart's series: (name cell, category range, value range), all absolute references.</summary>
    public List<(string Name, string Categories, string Values)> ChartSeries()
    {
        if (HasPivot)
        {
            var n = pivot!.Times.Count + 1;
            return Enumerable.Range(0, Math.Min(MaxChartSeries, pivot.Columns.Count)).Select(j =>
            {
                var c = Xml.Column(j + 1);
                return ($"'Pivot'!${c}$1", $"'Pivot'!$A$2:$A${n}", $"'Pivot'!${c}$2:${c}${n}");
            }).ToList();
        }
        var sheet = Xml.SheetRef(data[0].Name);
        var last = data[0].Rows + 1;
        var t = letters[TimeIndex];
        return numeric.Take(MaxChartSeries).Select(i =>
            ($"{sheet}!${letters[i]}$1", $"{sheet}!${t}$2:${t}${last}", $"{sheet}!${letters[i]}$2:${letters[i]}${last}")).ToList();
    }

    string ChartXml()
    {
        var sb = new StringBuilder(Xml.Header);
        sb.Append($"<c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"{Xml.Rel}\">");
        sb.Append("<c:roundedCorners val=\"0\"/><c:chart>");
        sb.Append($"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{Xml.Escape(o.Title ?? DefaultTitle)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title><c:autoTitleDeleted val=\"0\"/>");
        sb.Append("<c:plotArea><c:layout/><c:lineChart><c:grouping val=\"standard\"/><c:varyColors val=\"0\"/>");
        var series = ChartSeries();
        for (var k = 0; k < series.Count; k++)
        {
            var (name, cat, val) = series[k];
            sb.Append($"<c:ser><c:idx val=\"{k}\"/><c:order val=\"{k}\"/><c:tx><c:strRef><c:f>{Xml.Escape(name)}</c:f></c:strRef></c:tx>");
            sb.Append("<c:spPr><a:ln w=\"15875\"/></c:spPr><c:marker><c:symbol val=\"none\"/></c:marker>");
            sb.Append($"<c:cat><c:numRef><c:f>{Xml.Escape(cat)}</c:f></c:numRef></c:cat><c:val><c:numRef><c:f>{Xml.Escape(val)}</c:f></c:numRef></c:val><c:smooth val=\"0\"/></c:ser>");
        }
        sb.Append("<c:marker val=\"1\"/><c:axId val=\"500000001\"/><c:axId val=\"500000002\"/></c:lineChart>");
        sb.Append("<c:catAx><c:axId val=\"500000001\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"b\"/>");
        sb.Append($"<c:numFmt formatCode=\"{Xml.Escape(o.DateFormat)}\" sourceLinked=\"0\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"low\"/>");
        sb.Append("<c:crossAx val=\"500000002\"/><c:crosses val=\"autoZero\"/><c:auto val=\"0\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx>");
        sb.Append("<c:valAx><c:axId val=\"500000002\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/><c:majorGridlines/>");
        sb.Append("<c:numFmt formatCode=\"General\" sourceLinked=\"1\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>");
        sb.Append("<c:crossAx val=\"500000001\"/><c:crosses val=\"autoZero\"/><c:crossBetween val=\"between\"/></c:valAx></c:plotArea>");
        sb.Append("<c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/></c:legend><c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart></c:chartSpace>");
        return sb.ToString();
    }
}
