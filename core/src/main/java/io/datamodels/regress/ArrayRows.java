package io.datamodels.regress;

import io.datamodels.subset.BitMask;

import java.util.List;

/**
 * The data of a fit held in arrays, with no store: the masks of n models over m training examples, as bytes or as
 * bits, and their outputs on T targets as floats (n x T, row-major). Input of {@link LassoPath#fit}. The arrays are
 * not copied: they must not change while a fit runs.
 */
public final class ArrayRows implements Design.Rows {
    private final int n;
    private final int m;
    private final int t;
    /** n x m bytes, or null. */
    private final byte[] bytes;
    /** n x ceil(m / 64) words, bit j of a row at word j / 64, bit j % 64; or null. */
    private final long[] words;
    private final int wordsPerRow;
    private final float[] y;

    private ArrayRows(int n, int m, int t, byte[] bytes, long[] words, float[] y) {
        this.n = n;
        this.m = m;
        this.t = t;
        this.bytes = bytes;
        this.words = words;
        this.wordsPerRow = (m + 63) >>> 6;
        this.y = y;
    }

    /**
     * Masks as bytes, n x m row-major, each 0 or 1 (numpy's bool layout), and outputs n x T row-major.
     *
     * @throws IllegalArgumentException when m or T is below 1, the lengths disagree on n, or a byte is not 0 or 1
     */
    public static ArrayRows ofBytes(byte[] masks, int m, float[] outputs, int t) {
        int n = models(masks.length, m, "masks", outputs, t);
        for (int i = 0; i < masks.length; i++) {
            if (masks[i] != 0 && masks[i] != 1) {
                throw new IllegalArgumentException("masks: row " + i / m + ", column " + i % m
                        + ": expected 0 or 1, got " + masks[i]);
            }
        }
        return new ArrayRows(n, m, t, masks, null, outputs);
    }

    /**
     * Masks as bits, ceil(m / 64) words per row, row-major, member j of a row at bit {@code j % 64} of its word
     * {@code j / 64} ({@link BitMask#words}'s layout), bits past m zero; outputs n x T row-major.
     *
     * @throws IllegalArgumentException when m or T is below 1, the lengths disagree on n, or a bit past m is set
     */
    public static ArrayRows ofBits(long[] masks, int m, float[] outputs, int t) {
        if (m < 1) {
            throw new IllegalArgumentException("m: expected at least 1 training example, got " + m);
        }
        int wpr = (m + 63) >>> 6;
        int n = models(masks.length, wpr, "mask words", outputs, t);
        long tail = m % 64 == 0 ? 0 : -1L << (m % 64);
        for (int i = 0; i < n; i++) {
            if ((masks[i * wpr + wpr - 1] & tail) != 0) {
                throw new IllegalArgumentException("masks: row " + i + ": expected no bits set past column " + (m - 1)
                        + ", got word " + Long.toHexString(masks[i * wpr + wpr - 1]));
            }
        }
        return new ArrayRows(n, m, t, null, masks, outputs);
    }

    /**
     * One {@link BitMask} per model, all of one size m, and outputs n x T row-major. The masks' bits are copied
     * once.
     *
     * @throws IllegalArgumentException when there are no masks, their sizes differ, or the outputs are not n x T
     */
    public static ArrayRows of(List<BitMask> masks, float[] outputs, int t) {
        if (masks.isEmpty()) {
            throw new IllegalArgumentException("masks: expected at least one, got none");
        }
        int m = masks.getFirst().size();
        int wpr = (m + 63) >>> 6;
        long[] w = new long[Math.multiplyExact(masks.size(), wpr)];
        for (int i = 0; i < masks.size(); i++) {
            BitMask b = masks.get(i);
            if (b.size() != m) {
                throw new IllegalArgumentException("masks: row " + i + ": expected size " + m + " (as row 0), got "
                        + b.size());
            }
            System.arraycopy(b.words(), 0, w, i * wpr, wpr);
        }
        return ofBits(w, m, outputs, t);
    }

    /** n from the lengths of the mask and output arrays, which must agree on it. */
    private static int models(int maskLength, int perRow, String what, float[] outputs, int t) {
        if (perRow < 1) {
            throw new IllegalArgumentException("m: expected at least 1 training example, got " + perRow);
        }
        if (t < 1) {
            throw new IllegalArgumentException("t: expected at least 1 target, got " + t);
        }
        if (maskLength % perRow != 0) {
            throw new IllegalArgumentException(what + ": expected a multiple of " + perRow + " values (n rows), got "
                    + maskLength);
        }
        int n = maskLength / perRow;
        if (outputs.length != (long) n * t) {
            throw new IllegalArgumentException("outputs: expected " + n + " x " + t + " = " + (long) n * t
                    + " values (n models from the masks x T targets), got " + outputs.length);
        }
        return n;
    }

    /** Number of models n. */
    public int models() {
        return n;
    }

    @Override
    public int m() {
        return m;
    }

    @Override
    public int t() {
        return t;
    }

    @Override
    public void masks(int[] rows, int from, int count, float[] dst) {
        for (int r = 0; r < count; r++) {
            int row = rows[from + r];
            int o = r * m;
            if (bytes != null) {
                int base = row * m;
                for (int j = 0; j < m; j++) {
                    dst[o + j] = bytes[base + j] != 0 ? 1f : 0f;
                }
            } else {
                int base = row * wordsPerRow;
                for (int j = 0; j < m; j++) {
                    dst[o + j] = (words[base + (j >>> 6)] >>> j & 1L) != 0 ? 1f : 0f;
                }
            }
        }
    }

    @Override
    public void maskColumns(int[] rows, int from, int count, int j0, int j1, float[] dst) {
        int w = j1 - j0;
        for (int r = 0; r < count; r++) {
            int row = rows[from + r];
            int o = r * w - j0;
            for (int j = j0; j < j1; j++) {
                dst[o + j] = bytes != null ? (bytes[row * m + j] != 0 ? 1f : 0f)
                        : (words[row * wordsPerRow + (j >>> 6)] >>> j & 1L) != 0 ? 1f : 0f;
            }
        }
    }

    @Override
    public void outputs(int[] rows, int from, int count, float[] dst) {
        for (int r = 0; r < count; r++) {
            System.arraycopy(y, rows[from + r] * t, dst, r * t, t);
        }
    }

    /** Outputs, for {@link OutputChecks}. */
    OutputChecks.Reader reader() {
        return (row, q0, count, dst) -> System.arraycopy(y, row * t + q0, dst, 0, count);
    }
}
