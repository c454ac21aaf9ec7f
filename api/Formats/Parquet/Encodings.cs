using System.Numerics;

namespace Exports.Formats.Parquet;

/// <summary>The value encodings of the Parquet specification (Encodings.md) that this writer emits.</summary>
public static class Encodings
{
    public static int BitWidth(ulong max) => max == 0 ? 0 : 64 - BitOperations.LeadingZeroCount(max);

    /// <summary>Packs <paramref name="count"/> values (a multiple of 8, missing ones read as zero) of
    /// <paramref name="width"/> bits each, least significant bit first, as both the RLE/bit-packing hybrid and
    /// DELTA_BINARY_PACKED miniblocks require.</summary>
    public static void BitPack(ByteBuffer o, ReadOnlySpan<ulong> values, int count, int width)
    {
        if (width == 0) return;
        var bytes = (count * width + 7) / 8;
        var dst = o.Reserve(bytes);
        dst.Clear();
        long bit = 0;
        for (var i = 0; i < count; i++, bit += width)
        {
            var v = i < values.Length ? values[i] : 0UL;
            if (width < 64) v &= (1UL << width) - 1;
            var at = (int)(bit >> 3);
            var shift = (int)(bit & 7);
            // Up to 64 bits shifted by up to 7 span at most 9 bytes.
            var remaining = width + shift;
            var lo = v << shift;
            for (var k = 0; k < 8 && remaining > 0; k++, remaining -= 8) dst[at + k] |= (byte)(lo >> (8 * k));
            if (remaining > 0) dst[at + 8] |= (byte)(v >> (64 - shift));
        }
        o.Advance(bytes);
    }

    /// <summary>The RLE / bit-packing hybrid (without the 4-byte length prefix): runs of 8 or more equal values
    /// become RLE runs, everything else bit-packed groups of 8.</summary>
    public static void RleHybrid(ByteBuffer o, ReadOnlySpan<int> values, int width)
    {
        var n = values.Length;
        var valueBytes = (width + 7) / 8;
        Span<ulong> group = stackalloc ulong[8];
        var i = 0;
        while (i < n)
        {
            var run = RunLength(values, i);
            if (run >= 8)
            {
                o.Varint((ulong)run << 1);
                var v = (uint)values[i];
                for (var b = 0; b < valueBytes; b++) o.Byte((byte)(v >> (8 * b)));
                i += run;
                continue;
            }
            // A literal run: groups of 8 until a long repeat begins at a group boundary.
            var start = i;
            var groups = 0;
            while (i < n)
            {
                i = Math.Min(i + 8, n);
                groups++;
                if (i < n && RunLength(values, i) >= 8) break;
            }
            o.Varint(((ulong)groups << 1) | 1);
            for (var g = 0; g < groups; g++)
            {
                var from = start + g * 8;
                var len = Math.Min(8, n - from);
                group.Clear();
                for (var k = 0; k < len; k++) group[k] = (uint)values[from + k];
                BitPack(o, group, 8, width);
            }
        }
    }

    static int RunLength(ReadOnlySpan<int> values, int at)
    {
        var v = values[at];
        var j = at + 1;
        while (j < values.Length && values[j] == v) j++;
        return j - at;
    }

    /// <summary>Definition levels of a flat optional column: 4-byte length, then the hybrid at bit width 1.</summary>
    public static void DefinitionLevels(ByteBuffer o, ReadOnlySpan<int> levels) => Levels(o, levels, 1);

    /// <summary>Repetition or definition levels of a data page (v1): 4-byte length, then the hybrid at <paramref name="width"/>.</summary>
    public static void Levels(ByteBuffer o, ReadOnlySpan<int> levels, int width)
    {
        var at = o.Length;
        o.Int32(0);
        RleHybrid(o, levels, width);
        o.PatchInt32(at, o.Length - at - 4);
    }

    const int BlockSize = 128, MiniBlocks = 4, MiniBlockSize = BlockSize / MiniBlocks;

    /// <summary>DELTA_BINARY_PACKED: blocks of 128 deltas in 4 miniblocks, each with its own bit width.
    /// Arithmetic wraps, as the specification allows, so any int64 sequence round-trips.</summary>
    public static void DeltaBinaryPacked(ByteBuffer o, ReadOnlySpan<long> values)
    {
        o.Varint(BlockSize);
        o.Varint(MiniBlocks);
        o.Varint((ulong)values.Length);
        o.Varint(values.Length == 0 ? 0 : ZigZag(values[0]));
        Span<long> deltas = stackalloc long[BlockSize];
        Span<ulong> packed = stackalloc ulong[BlockSize];
        Span<byte> widths = stackalloc byte[MiniBlocks];
        var i = 1;
        while (i < values.Length)
        {
            var count = Math.Min(BlockSize, values.Length - i);
            var min = long.MaxValue;
            for (var k = 0; k < count; k++)
            {
                deltas[k] = unchecked(values[i + k] - values[i + k - 1]);
                if (deltas[k] < min) min = deltas[k];
            }
            for (var k = 0; k < BlockSize; k++) packed[k] = k < count ? unchecked((ulong)(deltas[k] - min)) : 0;
            o.Varint(ZigZag(min));
            var used = (count + MiniBlockSize - 1) / MiniBlockSize;
            for (var m = 0; m < MiniBlocks; m++)
            {
                ulong max = 0;
                if (m < used)
                    for (var k = m * MiniBlockSize; k < (m + 1) * MiniBlockSize; k++) max |= packed[k];
                widths[m] = (byte)BitWidth(max);
            }
            o.Bytes(widths);
            for (var m = 0; m < used; m++)
                BitPack(o, packed.Slice(m * MiniBlockSize, MiniBlockSize), MiniBlockSize, widths[m]);
            i += count;
        }
    }

    static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
}
