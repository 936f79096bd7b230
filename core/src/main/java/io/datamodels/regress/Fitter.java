package io.datamodels.regress;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.kernel.Gemm;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.SeedStream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a store into datamodels (Ilyas et al. 2022, section 2): for every target t, independently,
 * <pre>
 *   minimise (1/2n) ||y_t - b_t - X~ w_t||^2 + lambda ||w_t||_1      X~ = masks standardised per column
 * </pre>
 * along a log-spaced lambda path from lambda_max down to ratio * lambda_max, warm-started, on a seeded train split of
 * the completed models; the validation MSE at each lambda picks lambda per target (a target's path stops once its
 * validation MSE has risen {@code patience} times in a row, after {@code min_lambdas}); then a refit on all
 * completed models at the chosen lambda. Solved by {@link TargetSolver} on the shared Gram matrix of
 * {@link Design}, in parallel over targets.
 *
 * <p>Outputs in the folder (all .npy, written to a temporary folder renamed into place when complete):
 * {@code weights} (m x T, float32, raw 0/1 mask space: prediction = bias + mask . w), {@code weights_standardized},
 * {@code bias} (T), {@code lambda} (T), {@code lambda_path}, {@code val_mse}, {@code nnz} and {@code kkt} (T x K;
 * NaN or -1 past a target's early stop), and {@code fit.json} with config, data, counts and provenance.
 */
public final class Fitter {
    static final long SALT_SPLIT = 7;
    public static final String FIT_JSON = "fit.json";

    private Fitter() {
    }

    /** What a fit was made from and how it went; written as {@code fit.json}. */
    public record Summary(@JsonProperty("store") String store,
                          @JsonProperty("store_spec") StoreSpec.Source storeSpec,
                          @JsonProperty("x") String x,
                          @JsonProperty("y") String y,
                          @JsonProperty("target_from") int targetFrom,
                          @JsonProperty("target_to") int targetTo,
                          @JsonProperty("train_size") int trainSize,
                          @JsonProperty("models_completed") int modelsCompleted,
                          @JsonProperty("models_left_out") long modelsLeftOut,
                          @JsonProperty("models_outliers") int[] modelsOutliers,
                          @JsonProperty("models_train") int modelsTrain,
                          @JsonProperty("models_val") int modelsVal,
                          @JsonProperty("constant_columns") int[] constantColumns,
                          @JsonProperty("max_kkt_violation") double maxKkt,
                          @JsonProperty("targets_at_path_end") int targetsAtPathEnd,
                          @JsonProperty("seconds") double seconds,
                          @JsonProperty("config") LassoConfig config,
                          @JsonProperty("dataset") io.datamodels.data.DatasetRef dataset,
                          @JsonProperty("provenance") Provenance provenance) {
    }

    /** The fewest completed models a fit accepts: fewer cannot both choose lambda and fit m weights usefully. */
    public static final int MIN_MODELS = 10;

    /** Progress: targets whose path (and refit) finished. */
    public interface Listener {
        default void started(int targets) {
        }

        default void targetDone() {
        }

        default void phase(String name) {
        }
    }

    /**
     * Fits datamodels for targets {@code [from, to)} of output key {@code yKey} on mask key {@code xKey} and writes
     * them to {@code out}.
     *
     * @throws FitException for a non-binary x key, non-finite outputs (with their rows), too few completed models, or
     *                      a target range out of bounds
     */
    public static Summary fit(Store store, String xKey, String yKey, Integer from, Integer to, LassoConfig cfg,
                              Gemm gemm, Path out, boolean force, String command, Listener listener) throws IOException {
        return fit(store, xKey, yKey, from, to, 0, Long.MAX_VALUE, cfg, gemm, out, force, command, listener);
    }

    /**
     * As {@link #fit(Store, String, String, Integer, Integer, LassoConfig, Gemm, Path, boolean, String, Listener)},
     * using only the completed models with index in {@code [modelFrom, modelTo)} (to measure how results grow with
     * N, or to fit on one block of a store's rows).
     */
    public static Summary fit(Store store, String xKey, String yKey, Integer from, Integer to, long modelFrom,
                              long modelTo, LassoConfig cfg, Gemm gemm, Path out, boolean force, String command, Listener listener)
            throws IOException {
        long t0 = System.nanoTime();
        NpyArray x = store.array(xKey);
        NpyArray y = store.array(yKey);
        if (x.shape().length != 2) {
            throw new FitException(xKey + ".npy: shape: expected (N, m), got " + Arrays.toString(x.shape()));
        }
        if (x.dtype().isFloating()) {
            throw new FitException(xKey + ".npy: dtype: expected bool or an integer type of 0/1 values, got "
                    + x.dtype().numpyName());
        }
        if (y.shape().length != 2) {
            throw new FitException(yKey + ".npy: shape: expected (N, T), got " + Arrays.toString(y.shape()));
        }
        int tAll = (int) y.rowElements();
        int a = from == null ? 0 : from;
        int b = to == null ? tAll : to;
        if (a < 0 || b > tAll || a >= b) {
            throw new FitException("--target-range: expected a range within [0, " + tAll + ") of " + yKey + ", got " + a
                    + ":" + b);
        }
        // What --out was at the start: a fit that finds it created or replaced by another process when done fails.
        AtomicFiles.Snapshot outAtStart = AtomicFiles.requireAbsent(out, force);
        int[] completed = Arrays.stream(store.completedIndices()).filter(i -> i >= modelFrom && i < modelTo)
                .mapToInt(Math::toIntExact).toArray();
        long leftOut = Math.max(0, Math.min(store.numModels(), modelTo) - modelFrom) - completed.length;
        StoreRows rows = new StoreRows(x, y, a, b);
        String nonBinary = rows.firstNonBinary(completed);
        if (nonBinary != null) {
            throw new FitException(xKey + ".npy: " + nonBinary);
        }
        int[] bad = rows.nonFiniteRows(completed);
        if (bad.length > 0) {
            throw new FitException(yKey + ".npy: rows " + Arrays.toString(Arrays.copyOf(bad, Math.min(bad.length, 20)))
                    + (bad.length > 20 ? " and " + (bad.length - 20) + " more" : "")
                    + ": expected finite values in targets " + a + ":" + b + ", got NaN or infinity");
        }
        int[] outliers = new int[0];
        if (cfg.outlierZ() > 0) {
            outliers = rows.outlierRows(completed, cfg.outlierZ());
            int[] drop = outliers;
            completed = Arrays.stream(completed).filter(i -> Arrays.binarySearch(drop, i) < 0).toArray();
        }
        int n = completed.length;
        if (n < MIN_MODELS) {
            throw new FitException("_completed.npy: completed models: expected at least " + MIN_MODELS + ", got " + n
                    + (outliers.length > 0 ? " (after leaving out " + outliers.length + " outliers)" : ""));
        }
        int nVal = (int) Math.round(cfg.valFraction() * n);
        if (nVal < 1 || n - nVal < 2) {
            throw new FitException("val_fraction: expected a value that leaves at least 1 validation and 2 training "
                    + "models of the " + n + " completed ones, got " + cfg.valFraction() + " (" + nVal
                    + " validation models)");
        }
        int[] perm = completed.clone();
        SeedStream r = new SeedStream(cfg.seed(), 0, SALT_SPLIT);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        int[] val = Arrays.copyOfRange(perm, 0, nVal);
        int[] train = Arrays.copyOfRange(perm, nVal, n);
        Arrays.sort(val);
        Arrays.sort(train);
        int m = rows.m();
        int t = rows.t();
        int k = cfg.lambdas();
        listener.started(t);
        Path tmpParent = out.toAbsolutePath().getParent();
        Files.createDirectories(tmpParent);

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
                    double lam = k == 1 ? lmax : lmax * Math.pow(cfg.lambdaRatio(), (double) s / (k - 1));
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
        Summary summary = new Summary(store.dir().toAbsolutePath().toString(), store.specSource(), xKey, yKey, a, b, m,
                n + outliers.length, leftOut, outliers, train.length, nVal, constant, maxKkt, atPathEnd.get(),
                (System.nanoTime() - t0) / 1e9, cfg,
                store.meta().map(StoreMeta::dataset).orElse(null), Provenance.now(gemm.name(), command));
        AtomicFiles.createDirectory(out, force, outAtStart, dir -> {
            Npy.write(dir.resolve("weights.npy"), DType.FLOAT32, wRaw, m, t);
            Npy.write(dir.resolve("weights_standardized.npy"), DType.FLOAT32, wStd, m, t);
            Npy.write(dir.resolve("bias.npy"), DType.FLOAT32, bias, t);
            Npy.write(dir.resolve("lambda.npy"), DType.FLOAT64, chosen, t);
            Npy.write(dir.resolve("lambda_path.npy"), DType.FLOAT64, lambdaPath, t, k);
            Npy.write(dir.resolve("val_mse.npy"), DType.FLOAT64, valMse, t, k);
            Npy.write(dir.resolve("nnz.npy"), DType.INT32, nnz, t, k);
            Npy.write(dir.resolve("kkt.npy"), DType.FLOAT32, kkt, t, k);
            Files.writeString(dir.resolve(FIT_JSON), Json.write(summary));
        });
        return summary;
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

    interface Work<S> {
        void run(S state, int target);
    }

    /** Runs {@code work} for targets 0..t-1 on {@code threads} threads, each with its own state. */
    private static <S> void parallel(int threads, int t, java.util.function.Supplier<S> state, Work<S> work)
            throws IOException {
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
