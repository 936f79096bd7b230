package io.datamodels.regress;

import io.datamodels.kernel.Gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The sufficient statistics of the standardised regression for a set of n models (Friedman, Hastie and Tibshirani
 * 2010, "covariance updates"). With 0/1 masks X (n x m), column sums s_j, means mu_j = s_j / n, deviations
 * sigma_j = sqrt(mu_j (1 - mu_j)), and outputs Y (n x T) with means ybar_t:
 * <pre>
 *   C = X^T X                          m x m raw co-occurrence counts, float (exact to 2^24 models), in a segment
 *   D = X^T (Y - yref)                 m x T, yref = the first row set's output means (keeps float sums centred)
 *   G[j][k] = (C[j][k] / n - mu_j mu_k) / (sigma_j sigma_k)                  the standardised Gram matrix
 *   c[j][t] = (D[j][t] - s_j (ybar_t - yref_t)) / n / sigma_j                the standardised correlations
 *   yy[t]   = sum_i (y_it - ybar_t)^2 / n
 * </pre>
 * so that (1/2n) ||y - ybar - X~ w||^2 = yy/2 - c^T w + w^T G w / 2. G is never stored: it is formed from C on the
 * fly ({@link #g}, {@link #extract}, {@link #subtractGw}), which lets {@link #add} extend the statistics with more
 * models (the validation split, for the refit) at the cost of only those rows. Constant columns (sigma_j = 0) have
 * G and c rows of zero and are never in a model. C and D accumulate by GEMM over blocks of rows whose masks become
 * floats only there; C's upper triangle is computed in column panels spread over threads, then mirrored.
 */
final class Design implements AutoCloseable {
    int n;
    final int m;
    final int t;
    final double[] mu;
    final double[] sigma;
    final double[] ybar;
    final double[] yy;
    double[] c;
    private final double[] colSum;
    private final double[] yref;
    private final double[] ySum;
    private final double[] yySum;
    private final float[] d;
    private final MemorySegment counts;
    private final Arena arena;
    private final int threads;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

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

    private Design(int m, int t, int threads) {
        this.m = m;
        this.t = t;
        this.threads = Math.max(1, threads);
        mu = new double[m];
        sigma = new double[m];
        ybar = new double[t];
        yy = new double[t];
        colSum = new double[m];
        yref = new double[t];
        ySum = new double[t];
        yySum = new double[t];
        d = new float[Math.multiplyExact(m, t)];
        arena = Arena.ofShared();
        counts = arena.allocate(Math.multiplyExact(Math.multiplyExact((long) m, m), 4L), 64);
    }

    /** Computes the statistics of models {@code rows} (at least 1), using {@code threads} threads for the GEMMs. */
    public static Design of(Rows src, int[] rows, Gemm gemm, int threads) {
        Design dz = new Design(src.m(), src.t(), threads);
        // Output means first: they centre every later accumulation.
        float[] yb = new float[blockRows(src, rows.length) * src.t()];
        double[] sum = new double[src.t()];
        int block = blockRows(src, rows.length);
        for (int s = 0; s < rows.length; s += block) {
            int rws = Math.min(block, rows.length - s);
            src.outputs(rows, s, rws, yb);
            for (int r = 0; r < rws; r++) {
                for (int q = 0; q < src.t(); q++) {
                    sum[q] += yb[r * src.t() + q];
                }
            }
        }
        for (int q = 0; q < src.t(); q++) {
            dz.yref[q] = rows.length == 0 ? 0 : sum[q] / rows.length;
        }
        dz.accumulate(src, rows, gemm, true);
        return dz;
    }

    /** Adds the models {@code rows} to the statistics (e.g. the validation split, for the refit on all models). */
    public void add(Rows src, int[] rows, Gemm gemm) {
        accumulate(src, rows, gemm, false);
    }

    private static int blockRows(Rows src, int n) {
        return (int) Math.max(1, Math.min(Math.max(1, n), (64L << 20) / (4L * Math.max(1, src.m() + src.t()))));
    }

    private void accumulate(Rows src, int[] rows, Gemm gemm, boolean first) {
        int block = blockRows(src, rows.length);
        float[] xb = new float[block * m];
        float[] yb = new float[block * t];
        MemorySegment xs = MemorySegment.ofArray(xb);
        MemorySegment ys = MemorySegment.ofArray(yb);
        MemorySegment ds = MemorySegment.ofArray(d);
        // Column panels of C (upper triangle) and row panels of D, spread over the threads.
        int panel = Math.max(64, Math.min(1024, (m + 4 * threads - 1) / (4 * threads)));
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        try {
            for (int s = 0; s < rows.length; s += block) {
                int rws = Math.min(block, rows.length - s);
                src.masks(rows, s, rws, xb);
                src.outputs(rows, s, rws, yb);
                for (int r = 0; r < rws; r++) {
                    for (int j = 0; j < m; j++) {
                        colSum[j] += xb[r * m + j];
                    }
                    for (int q = 0; q < t; q++) {
                        double e = yb[r * t + q] - yref[q];
                        ySum[q] += e;
                        yySum[q] += e * e;
                        yb[r * t + q] = (float) e;
                    }
                }
                float beta = first && s == 0 ? 0f : 1f;
                List<Runnable> jobs = new ArrayList<>();
                for (int j0 = 0; j0 < m; j0 += panel) {
                    int lo = j0;
                    int hi = Math.min(m, j0 + panel);
                    jobs.add(() -> gemm.sgemm(true, false, hi, hi - lo, rws, 1f, xs, m, xs.asSlice(4L * lo), m, beta,
                            counts.asSlice(4L * lo), m));
                    jobs.add(() -> gemm.sgemm(true, false, hi - lo, t, rws, 1f, xs.asSlice(4L * lo), m, ys, t, beta,
                            ds.asSlice(4L * lo * t), t));
                }
                // Largest panels first for balance.
                java.util.Collections.reverse(jobs);
                run(pool, jobs);
            }
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
        }
        // Mirror the upper triangle.
        for (int j = 0; j < m; j++) {
            for (int k = j + 1; k < m; k++) {
                counts.setAtIndex(F, (long) k * m + j, counts.getAtIndex(F, (long) j * m + k));
            }
        }
        n += rows.length;
        for (int j = 0; j < m; j++) {
            mu[j] = n == 0 ? 0 : colSum[j] / n;
            double v = mu[j] * (1 - mu[j]);
            sigma[j] = v > 0 ? Math.sqrt(v) : 0;
        }
        for (int q = 0; q < t; q++) {
            double shift = n == 0 ? 0 : ySum[q] / n;
            ybar[q] = yref[q] + shift;
            yy[q] = n == 0 ? 0 : yySum[q] / n - shift * shift;
        }
        c = new double[Math.multiplyExact(m, t)];
        for (int j = 0; j < m; j++) {
            if (sigma[j] == 0) {
                continue;
            }
            for (int q = 0; q < t; q++) {
                c[j * t + q] = (d[j * t + q] - colSum[j] * (ybar[q] - yref[q])) / n / sigma[j];
            }
        }
    }

    private static void run(ExecutorService pool, List<Runnable> jobs) {
        if (pool == null) {
            jobs.forEach(Runnable::run);
            return;
        }
        List<Future<?>> fs = new ArrayList<>();
        for (Runnable r : jobs) {
            fs.add(pool.submit(r));
        }
        try {
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** G[j][k], standardised. */
    double g(int j, int k) {
        if (sigma[j] == 0 || sigma[k] == 0) {
            return 0;
        }
        return (counts.getAtIndex(F, (long) j * m + k) / n - mu[j] * mu[k]) / (sigma[j] * sigma[k]);
    }

    /** out[a * ld + b] = G[s[a]][s[b]] for from &lt;= a &lt; to and b &lt; to: rows from..to-1 of G[S, S]. */
    void extractRows(int[] s, int from, int to, double[] out, int ld, float[] rowBuf) {
        for (int a = from; a < to; a++) {
            int j = s[a];
            MemorySegment.copy(counts, F, (long) j * m * 4, rowBuf, 0, m);
            double sj = sigma[j];
            double mj = mu[j];
            for (int b = 0; b < to; b++) {
                int k = s[b];
                out[a * ld + b] = sj == 0 || sigma[k] == 0 ? 0 : (rowBuf[k] / n - mj * mu[k]) / (sj * sigma[k]);
            }
        }
    }

    /**
     * r -= G w over all features, for w non-zero only on non-constant features, using raw rows of C:
     * {@code (G w)_j = (sum_k v_k C[k][j] / n - mu_j sum_k v_k mu_k) / sigma_j} with {@code v_k = w_k / sigma_k}.
     */
    void subtractGw(double[] r, double[] w, float[] rowBuf, double[] acc) {
        java.util.Arrays.fill(acc, 0);
        double vmu = 0;
        boolean any = false;
        for (int k = 0; k < m; k++) {
            double wk = w[k];
            if (wk == 0 || sigma[k] == 0) {
                continue;
            }
            any = true;
            double v = wk / sigma[k];
            vmu += v * mu[k];
            MemorySegment.copy(counts, F, (long) k * m * 4, rowBuf, 0, m);
            for (int j = 0; j < m; j++) {
                acc[j] += v * rowBuf[j];
            }
        }
        if (!any) {
            return;
        }
        for (int j = 0; j < m; j++) {
            if (sigma[j] != 0) {
                r[j] -= (acc[j] / n - mu[j] * vmu) / sigma[j];
            }
        }
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
