using System.Text;

namespace Exports.Formats.Csv;

/// <summary>The text encodings a CSV can be written in. Writers produce UTF-8; other encodings are transcoded
/// on the way out (ASCII replaces what it cannot hold with '?').</summary>
public static class TextEncodings
{
    static readonly Encoding Ascii = Encoding.GetEncoding("us-ascii", new EncoderReplacementFallback("?"), DecoderFallback.ReplacementFallback);
    static readonly Encoding Utf16 = new UnicodeEncoding(bigEndian: false, byteOrderMark: false);

    public static Stream Wrap(Stream output, string encoding) => encoding switch
    {
        "utf-16" => Encoding.CreateTranscodingStream(output, Utf16, Encoding.UTF8, leaveOpen: true),
        "ascii" => Encoding.CreateTranscodingStream(output, Ascii, Encoding.UTF8, leaveOpen: true),
        _ => output,
    };

    public static ValueTask WritePreambleAsync(Stream output, string encoding, CancellationToken ct) => encoding switch
    {
        "utf-8-bom" => output.WriteAsync(new byte[] { 0xEF, 0xBB, 0xBF }, ct),
        "utf-16" => output.WriteAsync(new byte[] { 0xFF, 0xFE }, ct),
        _ => ValueTask.CompletedTask,
    };
}
