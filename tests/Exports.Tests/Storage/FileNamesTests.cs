using System.Globalization;
using Exports.Shared;
using Exports.Storage;

namespace Exports.Tests.Storage;

/// <summary>Every name a client can send becomes a file name that every artifact store accepts and that reads as
/// it is: no path, no "..", no control or bidi characters, no reserved device names, no split characters.</summary>
public sealed class FileNamesTests
{
    [Theory]
    [InlineData("../../etc/passwd", "etc_passwd")]
    [InlineData("..", "")]
    [InlineData("a..b...c", "a.b.c")]
    [InlineData("report\u202Egpj.exe", "reportgpj.exe")]
    [InlineData("\u2066quarterly\u2069 \u200Breport\uFEFF", "quarterly report")]
    [InlineData("CON", "_CON")]
    [InlineData("lpt1.backup", "_lpt1.backup")]
    [InlineData("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j")]
    [InlineData("line\nbreak\ttab", "line_break_tab")]
    [InlineData("trailing dots...", "trailing dots")]
    [InlineData("Café ☕ 数据", "Café ☕ 数据")]
    public void Sanitize_KeepsWhatReadsAndDropsWhatCannotBeStored(string input, string expected) =>
        Assert.Equal(expected, FileNames.Sanitize(input));

    [Fact]
    public void LongNames_AreCut_WithoutSplittingACharacter()
    {
        var name = new string('a', 149) + "😀😀";
        var s = FileNames.Sanitize(name);
        Assert.True(s.Length <= FileNames.MaxLength);
        Assert.False(char.IsHighSurrogate(s[^1]));
    }

    [Fact]
    public void AnyInput_GivesAStorableKey()
    {
        // Hostile alphabet: separators, dots, controls, bidi and zero-width characters, surrogate halves, emoji.
        var alphabet = "./\\:*?\"<>|_- aZ09é数\0\u0001\u001f\u007f\u202E\u202A\u2066\u200B\uFEFF\uD800\uDC00😀".ToCharArray();
        var random = new Random(20261129);
        var owner = Guid.NewGuid();
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var c = 0; c < chars.Length; c++) chars[c] = alphabet[random.Next(alphabet.Length)];
            var s = FileNames.Sanitize(new string(chars));
            if (s.Length == 0) continue;
            var key = ArtifactKeys.For(owner, Guid.NewGuid(), s + ".csv");
            Assert.True(ArtifactKeys.IsValid(key), $"'{s}' from '{Escape(new string(chars))}' is not storable");
            for (var c = 0; c < s.Length; c++)
            {
                Assert.False(char.IsControl(s[c]), $"control character in '{Escape(s)}'");
                Assert.False(CharUnicodeInfo.GetUnicodeCategory(s[c]) == UnicodeCategory.Format, $"format character in '{Escape(s)}'");
                if (char.IsHighSurrogate(s[c])) { Assert.True(c + 1 < s.Length && char.IsLowSurrogate(s[c + 1])); c++; }
                else Assert.False(char.IsSurrogate(s[c]), $"lone surrogate in '{Escape(s)}'");
            }
            Assert.False(s.StartsWith('.') || s.EndsWith('.'), s);
        }
    }

    static string Escape(string s) => string.Concat(s.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
}
