package io.datamodels.subset;

import java.util.Arrays;

/**
 * A subset of {@code 0..size-1} as bits: element {@code j} is bit {@code j & 63} of word {@code j >>> 6}. Bits past
 * {@code size} in the last word are always zero.
 */
public final class BitMask {
    private final int size;
    private final long[] words;

    /** An empty subset of {@code 0..size-1}. */
    public BitMask(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        this.size = size;
        this.words = new long[(size + 63) >>> 6];
    }

    /** The subset whose members are the true entries of {@code in}. */
    public static BitMask of(boolean[] in) {
        BitMask m = new BitMask(in.length);
        for (int j = 0; j < in.length; j++) {
            if (in[j]) {
                m.set(j);
            }
        }
        return m;
    }

    public int size() {
        return size;
    }

    /** True if {@code j} is in the subset; {@code j} must be in {@code [0, size)}. */
    public boolean get(int j) {
        java.util.Objects.checkIndex(j, size);
        return (words[j >>> 6] & (1L << j)) != 0;
    }

    /** Adds {@code j}. */
    public void set(int j) {
        java.util.Objects.checkIndex(j, size);
        words[j >>> 6] |= 1L << j;
    }

    /** Removes {@code j}. */
    public void clear(int j) {
        java.util.Objects.checkIndex(j, size);
        words[j >>> 6] &= ~(1L << j);
    }

    /** Number of members. */
    public int cardinality() {
        int c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        return c;
    }

    /** The members in increasing order. */
    public int[] indices() {
        int[] out = new int[cardinality()];
        int k = 0;
        for (int w = 0; w < words.length; w++) {
            long x = words[w];
            while (x != 0) {
                out[k++] = (w << 6) + Long.numberOfTrailingZeros(x);
                x &= x - 1;
            }
        }
        return out;
    }

    /** A copy of the underlying words. */
    public long[] words() {
        return words.clone();
    }

    /** The subset as one byte per element, 1 for members: numpy's bool layout. */
    public byte[] toBytes() {
        byte[] b = new byte[size];
        for (int j = 0; j < size; j++) {
            b[j] = (byte) ((words[j >>> 6] >>> j) & 1L);
        }
        return b;
    }

    /** The subset as booleans. */
    public boolean[] toBooleans() {
        boolean[] b = new boolean[size];
        for (int j = 0; j < size; j++) {
            b[j] = get(j);
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitMask m && m.size == size && Arrays.equals(m.words, words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words) * 31 + size;
    }
}
