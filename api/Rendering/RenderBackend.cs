namespace Exports.Rendering;

/// <summary>What a document says about itself (a PDF's Info dictionary).</summary>
public sealed record DocumentInfo(string Title, string Author, string Subject, DateTimeOffset Created);

/// <summary>A vector document drawn page by page while its bytes are drained by the caller: for documents whose
/// length is not known up front (a data report streaming rows).</summary>
public interface IPagedDocument : IDisposable
{
    ICanvas Canvas { get; }
    /// <summary>Ends the current page; drawing continues on a new one.</summary>
    void ShowPage();
    /// <summary>Bytes produced so far, handed over and forgotten.</summary>
    ReadOnlyMemory<byte> Take();
    /// <summary>How many bytes <see cref="Take"/> would hand over now.</summary>
    int Pending { get; }
    /// <summary>Ends the last page and the document; <see cref="Take"/> then hands over the rest.</summary>
    void Finish();
}

/// <summary>The surfaces a drawing backend offers: raster images, whole vector documents, and paged documents
/// streamed as they grow. Painters only ever see <see cref="ICanvas"/>; a second backend is one implementation of this
/// and of <see cref="ICanvas"/>.</summary>
public interface IRenderBackend
{
    /// <summary>Draws into a width × height image at the given scale and encodes it as PNG.</summary>
    byte[] Png(int width, int height, double scale, Action<ICanvas> draw);

    /// <summary>A PNG whose independent parts may be drawn in parallel (heaviest first, by weight) onto a background.</summary>
    byte[] PngParts(int width, int height, double scale, Action<ICanvas> background, IReadOnlyList<(RectF Rect, double Weight, Action<ICanvas> Draw)> parts);

    /// <summary>A PDF of <paramref name="pages"/> pages of the given size in points; <paramref name="draw"/> draws
    /// page i and returns its bookmarks (title, y on the page).</summary>
    byte[] Pdf(double width, double height, int pages, DocumentInfo info, Func<ICanvas, int, IReadOnlyList<(string Title, double Y)>> draw);

    /// <summary>Text measured as a PDF page drawn at <paramref name="scale"/> sets it: for laying pages out before
    /// drawing them.</summary>
    T WithPdfMeasurer<T>(double scale, Func<ITextMeasurer, T> measure);

    /// <summary>A PDF drawn page by page, its bytes drained by the caller as it grows.</summary>
    IPagedDocument OpenPdf(double width, double height, DocumentInfo info);
}

/// <summary>The backend every renderer and writer draws with: the one place that names an implementation.</summary>
public static class RenderBackend
{
    public static IRenderBackend Current { get; } = new Cairo.CairoBackend();
}
