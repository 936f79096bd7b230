package io.datamodels.regress;

import io.datamodels.kernel.Gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The sufficient statistics of the standardised regression for a set of n models (Friedman, Hastie and Tibshirani
 * 2010, "covariance updates"): with 0/1 masks X (n x m), column means mu_j, standard deviations
 * sigma_j = sqrt(mu_j (1 - mu_j)), and outputs Y (n x T) with means ybar_t,
 * <pre>
 *   G[j][k] = (X^T X / n)[j][k] - mu_j mu_k) / (sigma_j sigma_k)         m x m, float, row-major in a segment
 *   c[j][t] = (X^T (Y - ybar) / n)[j][t] / sigma_j                        m x T, double, row-major
 *   yy[t]   = sum_i (y_it - ybar_t)^2 / n
 * </pre>
 * so that (1/2n) ||y - ybar - X~ w||^2 = yy/2 - c^T w + w^T G w / 2. Constant columns (sigma_j = 0) get G and c
 * rows of zero and are never in a model. X^T X and X^T Y are accumulated by GEMM over blocks of rows whose masks
 * are turned into floats only there; 0/1 products sum exactly in float up to 2^24 models.
 */
public final class Design implements AutoCloseable {
    final int n;
    final int m;
    final int t;
    final double[] mu;
    final double[] sigma;
    final double[] ybar;
    final double[] yy;
    final double[] c;
    final MemorySegment g;
    private final Arena arena;

    /** Supplies rows of masks and outputs for the models {@code rows}. */
    public interface Rows {
        /** Number of mask columns m. */
        int m();

        /** Number of output columns T. */
        int t();

        /** Writes masks of models rows[from .. from+count) into dst (count x m floats, 0/1), row-major. */
        void masks(int[] rows, int from, int count, float[] dst);

        /** Writes outputs of models rows[from .. from+count) into dst (count x T floats), row-major. */
        void outputs(int[] rows, int from, int count, float[] dst);
    }

    private Design(int n, int m, int t) {
        this.n = n;
        this.m = m;
        this.t = t;
        mu = new double[m];
        sigma = new double[m];
        ybar = new double[t];
        yy = new double[t];
        c = new double[Math.multiplyExact(m, t)];
        arena = Arena.ofShared();
        g = arena.allocate(Math.multiplyExact(Math.multiplyExact((long) m, m), 4L), 64);
    }

    /** Computes the statistics of models {@code rows} (at least 1). */
    public static Design of(Rows src, int[] rows, Gemm gemm) {
        int n = rows.length;
        int m = src.m();
        int t = src.t();
        Design d = new Design(n, m, t);
        int block = (int) Math.max(1, Math.min(n, (64L << 20) / (4L * Math.max(1, m + t))));
        float[] xb = new float[block * m];
        float[] yb = new float[block * t];
        float[] xty = new float[m * t];
        double[] colSum = new double[m];
        double[] ySum = new double[t];
        MemorySegment xs = MemorySegment.ofArray(xb);
        MemorySegment ys = MemorySegment.ofArray(yb);
        MemorySegment xtys = MemorySegment.ofArray(xty);
        // Pass 1: output means. Pass 2: X^T X, X^T (Y - ybar), column sums and output variances, so that the float
        // accumulations in the GEMM see centred outputs.
        for (int s = 0; s < n; s += block) {
            int rws = Math.min(block, n - s);
            src.outputs(rows, s, rws, yb);
            for (int r = 0; r < rws; r++) {
                for (int q = 0; q < t; q++) {
                    ySum[q] += yb[r * t + q];
                }
            }
        }
        for (int q = 0; q < t; q++) {
            d.ybar[q] = ySum[q] / n;
        }
        for (int s = 0; s < n; s += block) {
            int rws = Math.min(block, n - s);
            src.masks(rows, s, rws, xb);
            src.outputs(rows, s, rws, yb);
            for (int r = 0; r < rws; r++) {
                for (int j = 0; j < m; j++) {
                    colSum[j] += xb[r * m + j];
                }
                for (int q = 0; q < t; q++) {
                    double e = yb[r * t + q] - d.ybar[q];
                    d.yy[q] += e * e;
                    yb[r * t + q] = (float) e;
                }
            }
            float beta = s == 0 ? 0f : 1f;
            gemm.sgemm(true, false, m, m, rws, 1f, xs, m, xs, m, beta, d.g, m);
            gemm.sgemm(true, false, m, t, rws, 1f, xs, m, ys, t, beta, xtys, t);
        }
        for (int j = 0; j < m; j++) {
            d.mu[j] = colSum[j] / n;
            double v = d.mu[j] * (1 - d.mu[j]);
            d.sigma[j] = v > 0 ? Math.sqrt(v) : 0;
        }
        for (int q = 0; q < t; q++) {
            d.yy[q] /= n;
        }
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        for (int j = 0; j < m; j++) {
            long row = (long) j * m;
            for (int k = 0; k < m; k++) {
                double v = d.sigma[j] == 0 || d.sigma[k] == 0 ? 0
                        : (d.g.getAtIndex(f, row + k) / n - d.mu[j] * d.mu[k]) / (d.sigma[j] * d.sigma[k]);
                d.g.setAtIndex(f, row + k, (float) v);
            }
            for (int q = 0; q < t; q++) {
                d.c[j * t + q] = d.sigma[j] == 0 ? 0 : xty[j * t + q] / n / d.sigma[j];
            }
        }
        return d;
    }

    /** G[j][k]. */
    float g(int j, int k) {
        return g.getAtIndex(ValueLayout.JAVA_FLOAT, (long) j * m + k);
    }

    /** Indices of the constant (all-0 or all-1) columns. */
    public int[] constantColumns() {
        return java.util.stream.IntStream.range(0, m).filter(j -> sigma[j] == 0).toArray();
    }

    @Override
    public void close() {
        arena.close();
    }
}
