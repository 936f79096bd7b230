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
        int nVal = val.length;
        int m = rows.m();
        int t = rows.t();
        int k = cfg.lambdas();
        listener.started(t);
        double[] lambdaPath = new double[t * k];
        double[] valMse = new double[t * k];
        int[] nnz = new int[t * k];
        float[] kkt = new float[t * k];
        Arrays.fill(valMse, Double.NaN);
        Arrays.fill(nnz, -1);
        Arrays.fill(kkt, Float.NaN);
        double[] chosen = new double[t];
        AtomicInteger atPathEnd = new AtomicInteger();
        float[] rawBest = new float[Math.multiplyExact(m, t)];

        listener.phase("gram (train split)");
        float[] wStd = new float[Math.multiplyExact(m, t)];
        float[] wRaw = new float[wStd.length];
        float[] bias = new float[t];
        double[] refitKkt = new double[t];
        int[] constant;
        try (Design d = Design.of(rows, train, gemm, cfg.threads())) {
            // Validation masks transposed (m x nVal) so that a prediction sums contiguous rows over the support.
            float[] xv = new float[Math.multiplyExact(nVal, m)];
            rows.masks(val, 0, nVal, xv);
            float[] xvt = new float[xv.length];
            for (int i = 0; i < nVal; i++) {
                for (int j = 0; j < m; j++) {
                    xvt[j * nVal + i] = xv[i * m + j];
                }
            }
            xv = null;
            float[] yv = new float[nVal * t];
            rows.outputs(val, 0, nVal, yv);
            listener.phase("lasso paths");
            parallel(cfg.threads(), t, () -> new TargetSolver(d, cfg.tolerance(), cfg.maxSweeps()), (solver, q) -> {
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
                    double lamPrev = s == 0 ? lam : lambdaPath[q * k + s - 1];
                    lambdaPath[q * k + s] = lam;
                    solver.solve(lam, lamPrev);
                    nnz[q * k + s] = solver.nnz();
                    kkt[q * k + s] = (float) solver.kkt;
                    double mse = valMse(d, solver.w, q, xvt, nVal, yv, t, pred);
                    valMse[q * k + s] = mse;
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
                chosen[q] = lambdaPath[q * k + bestK];
                if (k > 1 && bestK == k - 1) {
                    atPathEnd.incrementAndGet();
                }
                for (int j = 0; j < m; j++) {
                    rawBest[j * t + q] = d.sigma[j] == 0 ? 0f : (float) (bestW[j] / d.sigma[j]);
                }
            });
            listener.phase("refit on all completed models");
            d.add(rows, val, gemm);
            Design all = d;
            constant = all.constantColumns();
            parallel(cfg.threads(), t, () -> new TargetSolver(all, cfg.tolerance(), cfg.maxSweeps()), (solver, q) -> {
                double[] start = new double[m];
                for (int j = 0; j < m; j++) {
                    start[j] = rawBest[j * t + q] * all.sigma[j];
                }
                solver.reset(q, start);
                solver.solve(chosen[q], chosen[q]);
                refitKkt[q] = solver.kkt;
                double b0 = all.ybar[q];
                for (int j = 0; j < m; j++) {
                    double ws = solver.w[j];
                    double wr = all.sigma[j] == 0 ? 0 : ws / all.sigma[j];
                    wStd[j * t + q] = (float) ws;
                    wRaw[j * t + q] = (float) wr;
                    b0 -= all.mu[j] * wr;
                }
                bias[q] = (float) b0;
                listener.targetDone();
            });
        }
        double maxKkt = 0;
        for (double v : refitKkt) {
            maxKkt = Math.max(maxKkt, v);
        }
        for (float v : kkt) {
            if (!Float.isNaN(v)) {
                maxKkt = Math.max(maxKkt, v);
            }
        }
        return new FitResult(m, t, k, wRaw, wStd, bias, chosen, lambdaPath, valMse, nnz, kkt, split, constant,
                new int[0], maxKkt, atPathEnd.get());
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
