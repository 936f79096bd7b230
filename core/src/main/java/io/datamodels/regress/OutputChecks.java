package io.datamodels.regress;

import java.util.Arrays;
import java.util.stream.IntStream;

/** Checks of the outputs of the models to fit, over any source of output rows. */
final class OutputChecks {
    private OutputChecks() {
    }

    /** Reads the outputs of one model for a block of the fitted targets. */
    interface Reader {
        /** Writes outputs {@code [q0, q0 + count)} (indices into the fitted targets) of model {@code row} to dst. */
        void read(int row, int q0, int count, float[] dst);
    }

    /** Models among {@code rows} with a NaN or infinite output among the {@code t} fitted targets. */
    static int[] nonFinite(int[] rows, int t, Reader y) {
        float[] buf = new float[t];
        return Arrays.stream(rows).filter(row -> {
            y.read(row, 0, t, buf);
            for (float v : buf) {
                if (!Float.isFinite(v)) {
                    return true;
                }
            }
            return false;
        }).toArray();
    }

    /** "[a, b, c]" for at most 20 rows, then " and N more". */
    static String list(int[] rows) {
        return Arrays.toString(Arrays.copyOf(rows, Math.min(rows.length, 20)))
                + (rows.length > 20 ? " and " + (rows.length - 20) + " more" : "");
    }

    /**
     * Models among {@code rows} whose output on some fitted target lies more than {@code z} robust standard
     * deviations from that target's median over {@code rows} (robust sd = 1.4826 x the median absolute deviation;
     * targets with MAD 0 are skipped), in ascending order of {@code rows}. Reads the outputs in blocks of targets, at
     * most 2^26 values at a time.
     */
    static int[] outliers(int[] rows, int t, double z, Reader y) {
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
                y.read(rows[r], q0, bq, row);
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
        return IntStream.range(0, n).filter(r -> out[r]).map(r -> rows[r]).toArray();
    }

    /** {@code rows} without the (ascending) {@code drop}. */
    static int[] without(int[] rows, int[] drop) {
        return Arrays.stream(rows).filter(i -> Arrays.binarySearch(drop, i) < 0).toArray();
    }

    /** The median of {@code v} (sorts it). */
    private static double median(float[] v) {
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * ((double) v[n / 2 - 1] + v[n / 2]);
    }
}
