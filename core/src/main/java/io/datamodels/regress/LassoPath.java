package io.datamodels.regress;

import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The datamodel regression (Ilyas et al. 2022, section 2) on data in memory: for every target t, independently,
 * <pre>
 *   minimise (1/2n) ||y_t - b_t - X~ w_t||^2 + lambda ||w_t||_1      X~ = masks standardised per column
 * </pre>
 * along a log-spaced lambda path from lambda_max down to ratio * lambda_max, warm-started, on the train part of a
 * seeded {@link ValidationSplit}; the validation MSE at each lambda picks lambda per target (a target's path stops
 * once its validation MSE has risen {@code patience} times in a row, after {@code min_lambdas}); then a refit on all
 * the models at the chosen lambda. Solved by {@link TargetSolver} on the shared Gram matrix of {@link Design}, in
 * parallel over targets. {@link Fitter} runs the same computation on a store's rows and writes it to a folder.
 */
public final class LassoPath {
    /** The fewest models a fit accepts: fewer cannot both choose lambda and fit m weights usefully. */
    public static final int MIN_MODELS = 10;

    private LassoPath() {
    }

    /** {@link #fit(ArrayRows, LassoConfig, Gemm, FitListener)} with the default kernel and no progress. */
    public static FitResult fit(ArrayRows data, LassoConfig cfg) throws FitException, InterruptedException {
        return fit(data, cfg, Kernels.gemm(), FitListener.NONE);
    }

    /**
     * Fits datamodels of every target of {@code data} on all its models, less those more than
     * {@link LassoConfig#outlierZ} robust standard deviations out when that is set.
     *
     * @throws FitException naming the rows of non-finite outputs, too few models (fewer than {@link #MIN_MODELS}),
     *                      or a validation fraction that leaves too few models on either side
     */
    public static FitResult fit(ArrayRows data, LassoConfig cfg, Gemm gemm, FitListener listener)
            throws FitException, InterruptedException {
        int[] models = IntStream.range(0, data.models()).toArray();
        int[] bad = OutputChecks.nonFinite(models, data.t(), data.reader());
        if (bad.length > 0) {
            throw new FitException("outputs: rows " + OutputChecks.list(bad) + ": expected finite values, got NaN or "
                    + "infinity");
        }
        int[] outliers = cfg.outlierZ() > 0 ? OutputChecks.outliers(models, data.t(), cfg.outlierZ(), data.reader())
                : new int[0];
        models = OutputChecks.without(models, outliers);
        if (models.length < MIN_MODELS) {
            throw new FitException("models: expected at least " + MIN_MODELS + ", got " + models.length
                    + (outliers.length > 0 ? " (after leaving out " + outliers.length + " outliers)" : ""));
        }
        return run(data, ValidationSplit.draw(models, cfg), cfg, gemm, listener).withOutliers(outliers);
    }

    /** Lambda number {@code s} of a path of {@code cfg.lambdas()} from {@code lmax} down. */
    static double lambdaAt(LassoConfig cfg, double lmax, int s) {
        int k = cfg.lambdas();
        return k == 1 ? lmax : lmax * Math.pow(cfg.lambdaRatio(), (double) s / (k - 1));
    }

    /**
     * The engine: the path on the train part of {@code split}, lambda chosen on its validation part, the refit on
     * both, for the models and targets of {@code rows} (whose values the caller has checked: masks 0/1, outputs
     * finite). Reads each model's row twice (train: Gram matrix and path; validation: predictions and refit).
     */
    static FitResult run(Design.Rows rows, ValidationSplit split, LassoConfig cfg, Gemm gemm, FitListener listener)
            throws InterruptedException {
        int[] train = split.train();
        int[] val = split.validation();
        int m = rows.m();
        int t = rows.t();
        listener.started(t);
        listener.phase("gram (train split)");
        Solved out = new Solved(m, t, cfg.lambdas());
        int[] constant;
        try (Design d = Design.of(rows, train, gemm, cfg.threads())) {
            Validation v = Validation.of(rows, val);
            listener.phase("lasso paths");
            paths(d, v, cfg, out, cfg.threads());
            listener.phase("refit on all completed models");
            d.add(rows, val, gemm);
            constant = d.constantColumns();
            refits(d, cfg, out, cfg.threads(), listener);
        }
        return new FitResult(m, t, cfg.lambdas(), out.wRaw, out.wStd, out.bias, out.chosen, out.lambdaPath,
                out.valMse, out.nnz, out.kkt, split, constant, new int[0], out.maxKkt(), out.atPathEnd.get());
    }

    /** The validation models' masks, transposed (m x nVal) so that a prediction sums contiguous rows, and outputs. */
    record Validation(int n, float[] xt, float[] y) {
        static Validation of(Design.Rows rows, int[] val) {
            int nVal = val.length;
            int m = rows.m();
            float[] xv = new float[Math.multiplyExact(nVal, m)];
            rows.masks(val, 0, nVal, xv);
            float[] xvt = new float[xv.length];
            for (int i = 0; i < nVal; i++) {
                for (int j = 0; j < m; j++) {
                    xvt[j * nVal + i] = xv[i * m + j];
                }
            }
            float[] yv = new float[Math.multiplyExact(nVal, rows.t())];
            rows.outputs(val, 0, nVal, yv);
            return new Validation(nVal, xvt, yv);
        }
    }

    /** What the paths and refits of t targets compute, by target; see {@link FitResult} for the layouts. */
    static final class Solved {
        final int m;
        final int t;
        final int k;
        final double[] lambdaPath;
        final double[] valMse;
        final int[] nnz;
        final float[] kkt;
        final double[] chosen;
        final float[] rawBest;
        final float[] wStd;
        final float[] wRaw;
        final float[] bias;
        final double[] refitKkt;
        final AtomicInteger atPathEnd = new AtomicInteger();

        Solved(int m, int t, int k) {
            this.m = m;
            this.t = t;
            this.k = k;
            lambdaPath = new double[t * k];
            valMse = new double[t * k];
            nnz = new int[t * k];
            kkt = new float[t * k];
            Arrays.fill(valMse, Double.NaN);
            Arrays.fill(nnz, -1);
            Arrays.fill(kkt, Float.NaN);
            chosen = new double[t];
            rawBest = new float[Math.multiplyExact(m, t)];
            wStd = new float[Math.multiplyExact(m, t)];
            wRaw = new float[wStd.length];
            bias = new float[t];
            refitKkt = new double[t];
        }

        /** The largest KKT violation of the paths and the refits. */
        double maxKkt() {
            double maxKkt = 0;
            for (double v : refitKkt) {
                maxKkt = Math.max(maxKkt, v);
            }
            for (float v : kkt) {
                if (!Float.isNaN(v)) {
                    maxKkt = Math.max(maxKkt, v);
                }
            }
            return maxKkt;
        }
    }

    /** Every target's path on the train statistics {@code d}, lambda chosen on {@code v}; fills {@code out}. */
    static void paths(Design d, Validation v, LassoConfig cfg, Solved out, int threads) throws InterruptedException {
        int m = d.m;
        int t = d.t;
        int k = cfg.lambdas();
        int nVal = v.n();
        parallel(threads, t, () -> new TargetSolver(d, cfg.tolerance(), cfg.maxSweeps()), (solver, q) -> {
            double[] pred = new double[nVal];
            solver.reset(q, null);
            double lmax = solver.lambdaMax();
            double best = Double.POSITIVE_INFINITY;
            double prev = Double.POSITIVE_INFINITY;
            int rising = 0;
            int bestK = 0;
            double[] bestW = new double[m];
            for (int s = 0; s < k; s++) {
                double lam = lambdaAt(cfg, lmax, s);
                double lamPrev = s == 0 ? lam : out.lambdaPath[q * k + s - 1];
                out.lambdaPath[q * k + s] = lam;
                solver.solve(lam, lamPrev);
                out.nnz[q * k + s] = solver.nnz();
                out.kkt[q * k + s] = (float) solver.kkt;
                double mse = valMse(d, solver.w, q, v.xt(), nVal, v.y(), t, pred);
                out.valMse[q * k + s] = mse;
                if (mse < best) {
                    best = mse;
                    bestK = s;
                    System.arraycopy(solver.w, 0, bestW, 0, m);
                }
                rising = mse > prev ? rising + 1 : 0;
                prev = mse;
                if (rising >= cfg.patience() && s + 1 >= cfg.minLambdas()) {
                    break;
                }
            }
            out.chosen[q] = out.lambdaPath[q * k + bestK];
            if (k > 1 && bestK == k - 1) {
                out.atPathEnd.incrementAndGet();
            }
            for (int j = 0; j < m; j++) {
                out.rawBest[j * t + q] = d.sigma[j] == 0 ? 0f : (float) (bestW[j] / d.sigma[j]);
            }
        });
    }

    /** Every target's refit at its chosen lambda on the statistics of all models {@code all}; fills {@code out}. */
    static void refits(Design all, LassoConfig cfg, Solved out, int threads, FitListener listener)
            throws InterruptedException {
        int m = all.m;
        int t = all.t;
        parallel(threads, t, () -> new TargetSolver(all, cfg.tolerance(), cfg.maxSweeps()), (solver, q) -> {
            double[] start = new double[m];
            for (int j = 0; j < m; j++) {
                start[j] = out.rawBest[j * t + q] * all.sigma[j];
            }
            solver.reset(q, start);
            solver.solve(out.chosen[q], out.chosen[q]);
            out.refitKkt[q] = solver.kkt;
            double b0 = all.ybar[q];
            for (int j = 0; j < m; j++) {
                double ws = solver.w[j];
                double wr = all.sigma[j] == 0 ? 0 : ws / all.sigma[j];
                out.wStd[j * t + q] = (float) ws;
                out.wRaw[j * t + q] = (float) wr;
                b0 -= all.mu[j] * wr;
            }
            out.bias[q] = (float) b0;
            listener.targetDone();
        });
    }

    /** Mean squared error on the validation models of target q's current standardised weights. */
    private static double valMse(Design d, double[] w, int q, float[] xvt, int nVal, float[] yv, int t, double[] pred) {
        double b0 = d.ybar[q];
        Arrays.fill(pred, 0);
        for (int j = 0; j < d.m; j++) {
            double wj = w[j];
            if (wj == 0) {
                continue;
            }
            double v = wj / d.sigma[j];
            b0 -= d.mu[j] * v;
            int o = j * nVal;
            for (int i = 0; i < nVal; i++) {
                pred[i] += v * xvt[o + i];
            }
        }
        double s = 0;
        for (int i = 0; i < nVal; i++) {
            double e = yv[i * t + q] - b0 - pred[i];
            s += e * e;
        }
        return s / nVal;
    }

    private interface Work<S> {
        void run(S state, int target);
    }

    /** Runs {@code work} for targets 0..t-1 on {@code threads} threads, each with its own state. */
    private static <S> void parallel(int threads, int t, Supplier<S> state, Work<S> work) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                fs.add(pool.submit(() -> {
                    S s = state.get();
                    for (int q = next.getAndIncrement(); q < t; q = next.getAndIncrement()) {
                        work.run(s, q);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
