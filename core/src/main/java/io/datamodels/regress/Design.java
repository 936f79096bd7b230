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
 *                                      in double: the sum, in row-block order, of float tiles X_b[:, P]^T E_b over
 *                                      blocks b of {@link #CROSS_BLOCK_ROWS} rows and panels P of {@link #PANEL}
 *                                      columns, E_b = float(Y_b - yref); so it is the same sum wherever each tile is
 *                                      computed ({@link FitPieces}: on a cluster)
 *   G[j][k] = (C[j][k] / n - mu_j mu_k) / (sigma_j sigma_k)                  the standardised Gram matrix
 *   c[j][t] = (D[j][t] - s_j (ybar_t - yref_t)) / n / sigma_j                the standardised correlations
 *   yy[t]   = sum_i (y_it - ybar_t)^2 / n
 * </pre>
 * so that (1/2n) ||y - ybar - X~ w||^2 = yy/2 - c^T w + w^T G w / 2. G is never stored: it is formed from C on the
 * fly ({@link #g}, {@link #extract}, {@link #subtractGw}), which lets {@link #add} extend the statistics with more
 * models (the validation split, for the refit) at the cost of only those rows. Constant columns (sigma_j = 0) have
 * G and c rows of zero and are never in a model. C and D accumulate by GEMM over blocks of rows whose masks become
 * floats only there; C's upper triangle is computed in column panels spread over threads, then mirrored. C holds
 * integer counts, exact in float below 2^24 models, so it is the same whatever rows are summed in what order.
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
    private final double[] d;
    private final MemorySegment counts;
    private final Arena arena;
    private final int threads;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Rows of one block of the cross products D: fixed, so that D's float tiles are the same everywhere. */
    static final int CROSS_BLOCK_ROWS = 4096;
    /** Columns of one panel of the cross products D (and of C's row blocks on a cluster). */
    static final int PANEL = 256;

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

        /**
         * Writes columns {@code [j0, j1)} of the masks of models rows[from .. from+count) into dst
         * (count x (j1 - j0) floats, 0/1), row-major.
         */
        default void maskColumns(int[] rows, int from, int count, int j0, int j1, float[] dst) {
            float[] row = new float[m()];
            int w = j1 - j0;
            for (int r = 0; r < count; r++) {
                masks(rows, from + r, 1, row);
                System.arraycopy(row, j0, dst, r * w, w);
            }
        }
    }

    private Design(int m, int t, int threads) {
        this(m, t, threads, Arena.ofShared(), null);
    }

    /** Statistics given whole, as a cluster computed them: counts C in {@code counts} (m x m floats, not copied). */
    private Design(int m, int t, MemorySegment counts) {
        this(m, t, 1, null, counts);
    }

    /** Zero sums; C in a new segment of {@code arena} when {@code counts} is null. */
    private Design(int m, int t, int threads, Arena arena, MemorySegment counts) {
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
        d = new double[Math.multiplyExact(m, t)];
        this.arena = arena;
        this.counts = counts != null ? counts
                : arena.allocate(Math.multiplyExact(Math.multiplyExact((long) m, m), 4L), 64);
    }

    /**
     * The statistics of n models given as their sums, for targets that may be a slice of those the sums were made
     * for: counts C (m x m floats in {@code counts}, not copied; its diagonal is the column sums s_j), the cross
     * products D of the slice (m x t, copied), and the slice's yref, sum of (y - yref) and of its square. The result
     * is what {@link #of} computes from the rows themselves when the sums are the same.
     */
    static Design ofSums(int n, int m, int t, MemorySegment counts, double[] d, double[] yref, double[] ySum,
                         double[] yySum) {
        Design z = new Design(m, t, counts);
        z.n = n;
        for (int j = 0; j < m; j++) {
            z.colSum[j] = counts.getAtIndex(F, (long) j * m + j);
        }
        System.arraycopy(d, 0, z.d, 0, z.d.length);
        System.arraycopy(yref, 0, z.yref, 0, t);
        System.arraycopy(ySum, 0, z.ySum, 0, t);
        System.arraycopy(yySum, 0, z.yySum, 0, t);
        z.finish();
        return z;
    }

    /** Computes the statistics of models {@code rows} (at least 1), using {@code threads} threads for the GEMMs. */
    public static Design of(Rows src, int[] rows, Gemm gemm, int threads) {
        Design dz = new Design(src.m(), src.t(), threads);
        // Output means first: they centre every later accumulation.
        System.arraycopy(outputMeans(src, rows), 0, dz.yref, 0, src.t());
        dz.accumulate(src, rows, gemm, true);
        return dz;
    }

    /** The mean output of models {@code rows} per target (0 for no rows): yref, summed in row order in double. */
    static double[] outputMeans(Rows src, int[] rows) {
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
            sum[q] = rows.length == 0 ? 0 : sum[q] / rows.length;
        }
        return sum;
    }

    /**
     * Adds to {@code ySum} and {@code yySum} (T each) the sums over models {@code rows}, in row order, of
     * e = y - yref and e^2, in double.
     */
    static void addOutputSums(Rows src, int[] rows, double[] yref, double[] ySum, double[] yySum) {
        int t = src.t();
        int block = blockRows(src, rows.length);
        float[] yb = new float[block * t];
        for (int s = 0; s < rows.length; s += block) {
            int rws = Math.min(block, rows.length - s);
            src.outputs(rows, s, rws, yb);
            for (int r = 0; r < rws; r++) {
                for (int q = 0; q < t; q++) {
                    double e = yb[r * t + q] - yref[q];
                    ySum[q] += e;
                    yySum[q] += e * e;
                }
            }
        }
    }

    /** Number of blocks of {@link #CROSS_BLOCK_ROWS} rows that {@code rows} models make. */
    static int crossBlocks(int rows) {
        return (rows + CROSS_BLOCK_ROWS - 1) / CROSS_BLOCK_ROWS;
    }

    /** Number of panels of {@link #PANEL} columns that m columns make. */
    static int panels(int m) {
        return (m + PANEL - 1) / PANEL;
    }

    /**
     * Centred outputs of block {@code b} of models {@code rows} (at most {@link #CROSS_BLOCK_ROWS} rows x T floats,
     * float(y - yref)), into {@code e}; returns the block's row count.
     */
    static int centredBlock(Rows src, int[] rows, int b, double[] yref, float[] e) {
        int from = b * CROSS_BLOCK_ROWS;
        int rws = Math.min(CROSS_BLOCK_ROWS, rows.length - from);
        int t = src.t();
        src.outputs(rows, from, rws, e);
        for (int r = 0; r < rws; r++) {
            for (int q = 0; q < t; q++) {
                e[r * t + q] = (float) (e[r * t + q] - yref[q]);
            }
        }
        return rws;
    }

    /**
     * One float tile of D: {@code tile} (w x T, w = the panel's width) = X_b[:, P]^T E_b for block {@code b} of models
     * {@code rows} and panel {@code p}, with E_b from {@link #centredBlock}; {@code x} is scratch of at least
     * {@link #CROSS_BLOCK_ROWS} x {@link #PANEL} floats.
     */
    static void crossTile(Rows src, int[] rows, int b, int rws, float[] e, int p, Gemm gemm, float[] x, float[] tile) {
        int j0 = p * PANEL;
        int j1 = Math.min(src.m(), j0 + PANEL);
        int w = j1 - j0;
        int t = src.t();
        src.maskColumns(rows, b * CROSS_BLOCK_ROWS, rws, j0, j1, x);
        gemm.sgemm(true, false, w, t, rws, 1f, MemorySegment.ofArray(x), w, MemorySegment.ofArray(e), t, 0f,
                MemorySegment.ofArray(tile), t);
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
        MemorySegment xs = MemorySegment.ofArray(xb);
        // Column panels of C (upper triangle), spread over the threads.
        int panel = Math.max(64, Math.min(1024, (m + 4 * threads - 1) / (4 * threads)));
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        try {
            for (int s = 0; s < rows.length; s += block) {
                int rws = Math.min(block, rows.length - s);
                src.masks(rows, s, rws, xb);
                for (int r = 0; r < rws; r++) {
                    for (int j = 0; j < m; j++) {
                        colSum[j] += xb[r * m + j];
                    }
                }
                float beta = first && s == 0 ? 0f : 1f;
                List<Runnable> jobs = new ArrayList<>();
                for (int j0 = 0; j0 < m; j0 += panel) {
                    int lo = j0;
                    int hi = Math.min(m, j0 + panel);
                    jobs.add(() -> gemm.sgemm(true, false, hi, hi - lo, rws, 1f, xs, m, xs.asSlice(4L * lo), m, beta,
                            counts.asSlice(4L * lo), m));
                }
                // Largest panels first for balance.
                java.util.Collections.reverse(jobs);
                run(pool, jobs);
            }
            addOutputSums(src, rows, yref, ySum, yySum);
            // D: tiles block by block in row order, panels spread over the threads (each adds to its own rows of D).
            float[] e = new float[Math.multiplyExact(Math.min(CROSS_BLOCK_ROWS, Math.max(1, rows.length)), t)];
            ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[][]{
                    new float[CROSS_BLOCK_ROWS * PANEL], new float[PANEL * t]});
            for (int b = 0; b < crossBlocks(rows.length); b++) {
                int blk = b;
                int rws = centredBlock(src, rows, b, yref, e);
                List<Runnable> jobs = new ArrayList<>();
                for (int p = 0; p < panels(m); p++) {
                    int pp = p;
                    jobs.add(() -> {
                        float[][] sc = scratch.get();
                        crossTile(src, rows, blk, rws, e, pp, gemm, sc[0], sc[1]);
                        addTile(d, t, pp, Math.min(m, (pp + 1) * PANEL) - pp * PANEL, sc[1]);
                    });
                }
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
        finish();
    }

    /** Adds float tile {@code tile} (w x T) of panel {@code p} to rows {@code [p * PANEL, p * PANEL + w)} of D. */
    static void addTile(double[] d, int t, int p, int w, float[] tile) {
        int o = p * PANEL * t;
        for (int i = 0; i < w * t; i++) {
            d[o + i] += tile[i];
        }
    }

    /** mu, sigma, ybar, yy and c from n and the sums. */
    private void finish() {
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
        if (arena != null) {
            arena.close();
        }
    }
}
