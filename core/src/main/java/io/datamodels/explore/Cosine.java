package io.datamodels.explore;

import io.datamodels.regress.Datamodels;

/**
 * Cosine similarity of the targets' weight columns, the similarity of targets in datamodel space: raw-scale weights
 * (as fitted), each column {@code W[:,q]} divided by its L2 norm, then dot products. A column of zeros has no
 * direction: its similarities are NaN.
 */
final class Cosine {
    private Cosine() {
    }

    /** The targets' unit weight vectors, T x m row-major (row q = W[:,q] / ||W[:,q]||; zero rows stay zero). */
    static double[] unitRows(Datamodels dm) {
        int m = dm.trainSize();
        int t = dm.targets();
        double[] e = new double[Math.multiplyExact(t, m)];
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                e[q * m + j] = dm.weight(j, q);
            }
        }
        for (int q = 0; q < t; q++) {
            double s = 0;
            for (int j = 0; j < m; j++) {
                s += e[q * m + j] * e[q * m + j];
            }
            if (s > 0) {
                double inv = 1 / Math.sqrt(s);
                for (int j = 0; j < m; j++) {
                    e[q * m + j] *= inv;
                }
            }
        }
        return e;
    }

    /** S (T x T, row-major), S[q,r] = cosine of targets q and r; NaN where either column is all zero. */
    static double[] similarity(Datamodels dm) {
        int m = dm.trainSize();
        int t = dm.targets();
        double[] e = unitRows(dm);
        boolean[] zero = new boolean[t];
        for (int q = 0; q < t; q++) {
            boolean any = false;
            for (int j = 0; j < m && !any; j++) {
                any = e[q * m + j] != 0;
            }
            zero[q] = !any;
        }
        double[] s = new double[Math.multiplyExact(t, t)];
        for (int q = 0; q < t; q++) {
            for (int r = q; r < t; r++) {
                double v;
                if (zero[q] || zero[r]) {
                    v = Double.NaN;
                } else {
                    v = 0;
                    for (int j = 0; j < m; j++) {
                        v += e[q * m + j] * e[r * m + j];
                    }
                }
                s[q * t + r] = v;
                s[r * t + q] = v;
            }
        }
        return s;
    }

    /**
     * The {@code k} targets most similar to q by {@code s} (T x T), most similar first, ties by lower index; q itself
     * and NaN similarities left out; -1 where fewer exist.
     */
    static int[] nearest(double[] s, int t, int q, int k) {
        int[] out = new int[k];
        java.util.Arrays.fill(out, -1);
        Integer[] order = java.util.stream.IntStream.range(0, t)
                .filter(r -> r != q && !Double.isNaN(s[q * t + r])).boxed()
                .sorted((a, b) -> {
                    int c = Double.compare(s[q * t + b], s[q * t + a]);
                    return c != 0 ? c : Integer.compare(a, b);
                }).limit(k).toArray(Integer[]::new);
        for (int i = 0; i < order.length; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
