package io.datamodels.regress;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.NpyArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link Design.Rows} over a store's mask key (0/1 values of any integer or bool dtype; bytes become floats only
 * here) and output key, restricted to targets {@code [from, to)}.
 */
final class StoreRows implements Design.Rows {
    private final NpyArray x;
    private final NpyArray y;
    private final int m;
    private final int yCols;
    private final int from;
    private final int to;

    StoreRows(NpyArray x, NpyArray y, int from, int to) {
        this.x = x;
        this.y = y;
        this.m = (int) x.rowElements();
        this.yCols = (int) y.rowElements();
        this.from = from;
        this.to = to;
    }

    @Override
    public int m() {
        return m;
    }

    @Override
    public int t() {
        return to - from;
    }

    @Override
    public void masks(int[] rows, int off, int count, float[] dst) {
        boolean bytes = x.dtype().size() == 1;
        MemorySegment data = x.data();
        for (int r = 0; r < count; r++) {
            long base = (long) rows[off + r] * m;
            int o = r * m;
            if (bytes) {
                for (int j = 0; j < m; j++) {
                    dst[o + j] = data.get(ValueLayout.JAVA_BYTE, base + j) != 0 ? 1f : 0f;
                }
            } else {
                for (int j = 0; j < m; j++) {
                    dst[o + j] = (float) x.getDouble(base + j);
                }
            }
        }
    }

    @Override
    public void outputs(int[] rows, int off, int count, float[] dst) {
        int t = to - from;
        for (int r = 0; r < count; r++) {
            y.getFloats((long) rows[off + r] * yCols + from, dst, r * t, t);
        }
    }

    /** The first element of the completed rows that is not 0 or 1, as "row i, column j: got v", or null. */
    String firstNonBinary(int[] rows) {
        if (x.dtype() == DType.BOOL) {
            return null;
        }
        for (int row : rows) {
            long base = (long) row * m;
            for (int j = 0; j < m; j++) {
                double v = x.getDouble(base + j);
                if (v != 0 && v != 1) {
                    return "row " + row + ", column " + j + ": expected 0 or 1, got " + v;
                }
            }
        }
        return null;
    }

    /** Rows among {@code rows} whose selected outputs hold NaN or infinity. */
    int[] nonFiniteRows(int[] rows) {
        int t = to - from;
        float[] buf = new float[t];
        return java.util.Arrays.stream(rows).filter(row -> {
            y.getFloats((long) row * yCols + from, buf, 0, t);
            for (float v : buf) {
                if (!Float.isFinite(v)) {
                    return true;
                }
            }
            return false;
        }).toArray();
    }

    /**
     * Rows among {@code rows} whose output on some selected target lies more than {@code z} robust standard deviations
     * from that target's median over {@code rows} (robust sd = 1.4826 x the median absolute deviation; targets with
     * MAD 0 are skipped), in ascending order. Reads the outputs in blocks of targets, at most 2^26 values at a time.
     */
    int[] outlierRows(int[] rows, double z) {
        int t = to - from;
        int n = rows.length;
        boolean[] out = new boolean[n];
        if (n == 0) {
            return new int[0];
        }
        int block = Math.max(1, Math.min(t, (1 << 26) / n));
        float[] row = new float[block];
        float[] col = new float[Math.multiplyExact(n, block)];
        float[] sorted = new float[n];
        for (int q0 = 0; q0 < t; q0 += block) {
            int bq = Math.min(block, t - q0);
            for (int r = 0; r < n; r++) {
                y.getFloats((long) rows[r] * yCols + from + q0, row, 0, bq);
                for (int q = 0; q < bq; q++) {
                    col[q * n + r] = row[q];
                }
            }
            for (int q = 0; q < bq; q++) {
                System.arraycopy(col, q * n, sorted, 0, n);
                double med = median(sorted);
                for (int r = 0; r < n; r++) {
                    sorted[r] = (float) Math.abs(col[q * n + r] - med);
                }
                double limit = z * 1.4826 * median(sorted);
                if (limit == 0) {
                    continue;
                }
                for (int r = 0; r < n; r++) {
                    if (Math.abs(col[q * n + r] - med) > limit) {
                        out[r] = true;
                    }
                }
            }
        }
        return java.util.stream.IntStream.range(0, n).filter(r -> out[r]).map(r -> rows[r]).toArray();
    }

    /** The median of {@code v} (sorts it). */
    private static double median(float[] v) {
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * ((double) v[n / 2 - 1] + v[n / 2]);
    }
}
