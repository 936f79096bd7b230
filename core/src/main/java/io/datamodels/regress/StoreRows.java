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
    public void maskColumns(int[] rows, int off, int count, int j0, int j1, float[] dst) {
        boolean bytes = x.dtype().size() == 1;
        MemorySegment data = x.data();
        int w = j1 - j0;
        for (int r = 0; r < count; r++) {
            long base = (long) rows[off + r] * m;
            int o = r * w;
            for (int j = j0; j < j1; j++) {
                dst[o + j - j0] = bytes ? (data.get(ValueLayout.JAVA_BYTE, base + j) != 0 ? 1f : 0f)
                        : (float) x.getDouble(base + j);
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

    /** Outputs of the selected targets, for {@link OutputChecks}. */
    OutputChecks.Reader reader() {
        return (row, q0, count, dst) -> y.getFloats((long) row * yCols + from + q0, dst, 0, count);
    }
}
