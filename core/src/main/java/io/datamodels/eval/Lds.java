package io.datamodels.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.attribute.AttributeOptions;
import io.datamodels.attribute.Attributor;
import io.datamodels.kernel.Gemm;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitException;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.SeedStream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The linear datamodeling score (LDS): how well fitted datamodels predict the outputs of models trained on fresh
 * subsets that the fit never saw (Ilyas et al. 2022; Park et al. 2023 name it). Per target, the Spearman and
 * Pearson correlation over the held-out models between the predicted output {@code bias + mask . w} and the actual
 * one; then their mean over targets with a bootstrap confidence interval (resampling targets), and the pooled
 * correlations over all (model, target) pairs.
 *
 * <p>The score means something only on models the fit never saw, so a held-out store is refused when any of its
 * completed models has a mask identical to one the fitted models were trained on (found by hashing the mask rows; a
 * store drawn with the fitted store's root seed repeats its masks index for index): for a LASSO fit, the completed
 * models of the fitted store (which is refused as a held-out store outright); for an attribution folder (its
 * {@code attribute.json}), the all-ones mask ({@code train_on full}) or the masks of the store rows its models were
 * trained on ({@code train_on subsets}: rows 0 to M - 1). {@code allowInSample} evaluates it anyway and records why it
 * is in-sample in the summary.
 */
public final class Lds {
    private Lds() {
    }

    /** The summary written as {@code lds.json}. */
    public record Summary(@JsonProperty("targets") int targets,
                          @JsonProperty("held_out_models") int models,
                          @JsonProperty("mean_spearman") double meanSpearman,
                          @JsonProperty("spearman_ci95") double[] spearmanCi,
                          @JsonProperty("mean_pearson") double meanPearson,
                          @JsonProperty("pearson_ci95") double[] pearsonCi,
                          @JsonProperty("pooled_spearman") double pooledSpearman,
                          @JsonProperty("pooled_pearson") double pooledPearson,
                          @JsonProperty("undefined_targets") int undefined,
                          @JsonProperty("fit") String fit,
                          @JsonProperty("held_out_store") String store,
                          @JsonProperty("data_match") String dataMatch,
                          @JsonProperty("in_sample") String inSample) {
    }

    /** Per-target correlations and the summary. */
    public record Result(double[] spearman, double[] pearson, Summary summary) {
    }

    /**
     * Evaluates the datamodels in {@code fitDir} on the completed models of {@code heldOut}.
     *
     * @throws StoreException if the held-out store's data or selection differ from the fitted one's (checked
     *                        through the fingerprints in store.json and fit.json), or cannot be shown to match
     *                        (no fingerprints on either side), or it lacks the fitted targets
     */
    public static Result run(Path fitDir, Store heldOut, Gemm gemm, long seed) throws IOException {
        return run(fitDir, heldOut, gemm, seed, false, false);
    }

    /**
     * How an LDS is computed and which checks on the held-out store are relaxed; defaults: the fastest GEMM, seed 0
     * for the bootstrap intervals, both checks on.
     *
     * @param gemm           the kernel for the predictions
     * @param seed           seed of the bootstrap confidence intervals
     * @param assumeSameData take stores without dataset fingerprints to hold the fitted data (see
     *                       {@link #run(Path, Store, Gemm, long, boolean, boolean)})
     * @param allowInSample  evaluate a held-out store that shares models with the fitted one, and say so
     */
    public record Options(Gemm gemm, long seed, boolean assumeSameData, boolean allowInSample) {
        public Options {
            java.util.Objects.requireNonNull(gemm, "gemm");
        }

        /** The defaults. */
        public static Options defaults() {
            return new Options(io.datamodels.kernel.Kernels.gemm(), 0, false, false);
        }

        /** With another kernel. */
        public Options withGemm(Gemm g) {
            return new Options(g, seed, assumeSameData, allowInSample);
        }

        /** With another bootstrap seed. */
        public Options withSeed(long s) {
            return new Options(gemm, s, assumeSameData, allowInSample);
        }

        /** Taking stores without fingerprints to hold the fitted data. */
        public Options withAssumeSameData(boolean b) {
            return new Options(gemm, seed, b, allowInSample);
        }

        /** Evaluating in-sample stores, and saying so. */
        public Options withAllowInSample(boolean b) {
            return new Options(gemm, seed, assumeSameData, b);
        }
    }

    /** Evaluates the datamodels in {@code fitDir} on the completed models of {@code heldOut}, as {@code options} say. */
    public static Result run(Path fitDir, Store heldOut, Options options) throws IOException {
        return run(fitDir, heldOut, options.gemm(), options.seed(), options.assumeSameData(), options.allowInSample());
    }

    /**
     * As {@link #run(Path, Store, Gemm, long)}, with the two checks on the held-out store relaxed on the caller's
     * word.
     *
     * @param assumeSameData a held-out store or a fit without dataset fingerprints (e.g. stores made by MadryLab's
     *                       tools, which record none) is taken to hold the fitted training set and targets, and
     *                       {@code lds.json} says so ({@code data_match: "assumed"}); fingerprints present on both
     *                       sides are always compared
     * @param allowInSample  a held-out store that shares models with the fitted one is evaluated, and the summary's
     *                       {@code in_sample} says why the score is in-sample
     * @throws StoreException also when the held-out store shares models with the fitted one and
     *                        {@code allowInSample} is false, or the fitted store cannot be opened to check it
     */
    public static Result run(Path fitDir, Store heldOut, Gemm gemm, long seed, boolean assumeSameData,
                             boolean allowInSample) throws IOException {
        Fitter.Summary fit = FitFolder.readSummary(fitDir);
        String match = checkHeldOut(fit, heldOut, assumeSameData);
        String inSample = inSample(fit, fitDir, heldOut, allowInSample);
        if (inSample != null && !allowInSample) {
            throw new HeldOutException(inSample + ": an LDS on them is in-sample, not held-out; use a store "
                    + "initialised with another seed", HeldOutException.Relax.ALLOW_IN_SAMPLE,
                    " (%s evaluates it anyway, and says so)");
        }
        Datamodels dm = Datamodels.load(fitDir);
        NpyArray x = heldOut.array(fit.x());
        NpyArray y = heldOut.array(fit.y());
        if (x.rowElements() != dm.trainSize()) {
            throw new StoreException(fit.x() + ".npy: shape: expected rows of " + dm.trainSize()
                    + " (the fitted training set), got " + x.rowElements());
        }
        if (y.rowElements() < fit.targetTo()) {
            throw new StoreException(fit.y() + ".npy: shape: expected at least " + fit.targetTo()
                    + " targets (the fitted ones), got " + y.rowElements());
        }
        long[] done = heldOut.completedIndices();
        int n = done.length;
        if (n < 3) {
            throw new FitException("_completed.npy: completed held-out models: expected at least 3, got " + n);
        }
        int m = dm.trainSize();
        int t = dm.targets();
        int yCols = (int) y.rowElements();
        double[][] pred = new double[t][n];
        double[][] act = new double[t][n];
        int chunk = Math.max(1, (16 << 20) / Math.max(1, m));
        float[] xb = new float[chunk * m];
        float[] yb = new float[yCols];
        for (int s = 0; s < n; s += chunk) {
            int rows = Math.min(chunk, n - s);
            for (int r = 0; r < rows; r++) {
                long base = done[s + r] * m;
                for (int j = 0; j < m; j++) {
                    double v = x.getDouble(base + j);
                    if (v != 0 && v != 1) {
                        throw new FitException(fit.x() + ".npy: row " + done[s + r] + ", column " + j
                                + ": expected 0 or 1, got " + v);
                    }
                    xb[r * m + j] = (float) v;
                }
            }
            float[] p = dm.predict(rows == chunk ? xb : Arrays.copyOf(xb, rows * m), rows, gemm);
            for (int r = 0; r < rows; r++) {
                y.getFloats(done[s + r] * yCols, yb, 0, yCols);
                for (int q = 0; q < t; q++) {
                    pred[q][s + r] = p[r * t + q];
                    act[q][s + r] = yb[fit.targetFrom() + q];
                    if (!Double.isFinite(act[q][s + r])) {
                        throw new FitException(fit.y() + ".npy: row " + done[s + r] + ", target "
                                + (fit.targetFrom() + q) + ": expected a finite value, got " + act[q][s + r]);
                    }
                }
            }
        }
        double[] sp = new double[t];
        double[] pe = new double[t];
        for (int q = 0; q < t; q++) {
            sp[q] = Correlation.spearman(pred[q], act[q]);
            pe[q] = Correlation.pearson(pred[q], act[q]);
        }
        double[] allP = new double[n * t];
        double[] allA = new double[n * t];
        for (int q = 0; q < t; q++) {
            System.arraycopy(pred[q], 0, allP, q * n, n);
            System.arraycopy(act[q], 0, allA, q * n, n);
        }
        int undefined = (int) Arrays.stream(sp).filter(Double::isNaN).count();
        Summary sum = new Summary(t, n, mean(sp), bootstrap(sp, seed), mean(pe), bootstrap(pe, seed + 1),
                Correlation.spearman(allP, allA), Correlation.pearson(allP, allA), undefined,
                fitDir.toAbsolutePath().toString(), heldOut.dir().toAbsolutePath().toString(), match, inSample);
        return new Result(sp, pe, sum);
    }

    /**
     * How the held-out store is known to hold the fitted data: {@code "fingerprints"} where fit.json and the
     * store's store.json both carry dataset fingerprints and they agree; {@code "assumed"} where one side has none
     * and {@code assume} is set.
     *
     * @throws StoreException naming the file: fingerprints that differ, or a side without them and no {@code assume}
     */
    static String checkHeldOut(Fitter.Summary fit, Store heldOut, boolean assume) throws StoreException {
        boolean fitHas = fit.dataset() != null;
        boolean heldOutHas = heldOut.meta().map(StoreMeta::dataset).isPresent();
        if (fitHas && heldOutHas) {
            FitFolder.checkSameData(fit, heldOut);
            return "fingerprints";
        }
        if (assume) {
            return "assumed";
        }
        String file = heldOutHas ? Fitter.FIT_JSON + " (of the fit)"
                : heldOut.dir().resolve(Store.META_FILE) + (heldOut.meta().isEmpty() ? " (absent)" : "");
        throw new HeldOutException(file + ": dataset: expected SHA-256 fingerprints of the training set and targets "
                + "on both sides, to show the held-out models are of the fitted data, got none (stores made by "
                + "MadryLab's tools record none)", HeldOutException.Relax.ASSUME_SAME_DATA,
                "; %s evaluates anyway, on your word");
    }

    /**
     * Why {@code heldOut} is not held out from the fit (null when it is): some of its completed models have masks
     * identical to masks the fitted models were trained on (rows hashed, then compared), or, for a LASSO fit, it is
     * the fitted store. The fitted masks are what the folder records: a LASSO fit's are the completed rows of the
     * fitted store; an attribution's ({@code attribute.json}) the all-ones mask for {@code train_on full} (no store
     * row: the fitted store itself may be the held-out one) and rows 0 to M - 1 of the fitted store for
     * {@code train_on subsets}, completed or not.
     */
    static String inSample(Fitter.Summary fit, Path fitDir, Store heldOut, boolean allowInSample) throws IOException {
        Attributor.Summary attribution = Attributor.readSummary(fitDir, fit).orElse(null);
        if (attribution != null && AttributeOptions.TrainOn.of(attribution.trainOn()) == AttributeOptions.TrainOn.FULL) {
            NpyArray b = heldOut.array(fit.x());
            if (b.rowElements() != fit.trainSize()) {
                return null; // the shape check names the mismatch
            }
            byte[] all = new byte[fit.trainSize()];
            Arrays.fill(all, (byte) 1);
            return shared(fit, heldOut, Map.of(maskHash(all), -1L), (j, row) -> Arrays.equals(row, all),
                    "the all-ones mask, on which the " + attribution.models() + " attributed models were trained");
        }
        Path fitted = fit.store() == null ? null : Path.of(fit.store());
        String needed = attribution == null ? StoreSpec.COMPLETED + ".npy" : fit.x() + ".npy";
        if (fitted == null || !Files.exists(fitted.resolve(needed))) {
            if (allowInSample) {
                return "not checked: the fitted store " + fit.store() + " does not exist";
            }
            throw new HeldOutException(Fitter.FIT_JSON + ": store: expected the fitted store, to check that the "
                    + "held-out store shares no models with it, got " + fit.store() + ", which does not exist",
                    HeldOutException.Relax.ALLOW_IN_SAMPLE, " (%s skips the check)");
        }
        if (attribution == null && Files.isSameFile(fitted, heldOut.dir())) {
            return "the held-out store " + heldOut.dir() + " is the fitted store";
        }
        StoreSpec.Source source = fit.storeSpec();
        Path specFile = source != null && StoreSpec.Source.FILE.equals(source.kind()) ? Path.of(source.file()) : null;
        try (Store s = Store.open(fitted, false, specFile)) {
            NpyArray a = s.array(fit.x());
            NpyArray b = heldOut.array(fit.x());
            int m = (int) a.rowElements();
            if (b.rowElements() != m) {
                return null; // the shape check names the mismatch
            }
            long[] rows = attribution == null ? s.completedIndices()
                    : java.util.stream.LongStream.range(0, Math.min(attribution.models(), a.shape()[0])).toArray();
            Map<Long, Long> byHash = new HashMap<>();
            byte[] row = new byte[m];
            for (long i : rows) {
                byHash.putIfAbsent(maskHash(readRow(a, i, row)), i);
            }
            byte[] other = new byte[m];
            long rootA = s.meta().map(x -> x.sampling() == null ? Long.MIN_VALUE : x.sampling().seed())
                    .orElse(Long.MIN_VALUE);
            long rootB = heldOut.meta().map(x -> x.sampling() == null ? Long.MIN_VALUE : x.sampling().seed())
                    .orElse(Long.MIN_VALUE);
            return shared(fit, heldOut, byHash, (j, r) -> Arrays.equals(r, readRow(a, j, other)),
                    (attribution == null ? "fitted models" : "the masks of the " + attribution.models()
                            + " attributed models (rows 0 to " + (attribution.models() - 1) + ")") + " of " + fitted
                            + (rootA == rootB && rootA != Long.MIN_VALUE ? " (both stores have root seed " + rootA
                            + ")" : ""));
        }
    }

    /**
     * Why the completed models of {@code heldOut} are in-sample: how many have a mask whose hash is in
     * {@code byHash} and that {@code same} confirms (given the fitted row the hash maps to and the held-out mask), or
     * null when none.
     */
    private static String shared(Fitter.Summary fit, Store heldOut, Map<Long, Long> byHash,
                                 java.util.function.BiPredicate<Long, byte[]> same, String fitted) throws IOException {
        NpyArray b = heldOut.array(fit.x());
        byte[] row = new byte[(int) b.rowElements()];
        long shared = 0;
        long first = -1;
        long[] done = heldOut.completedIndices();
        for (long i : done) {
            Long j = byHash.get(maskHash(readRow(b, i, row)));
            if (j != null && same.test(j, row)) {
                shared++;
                first = first < 0 ? i : first;
            }
        }
        if (shared == 0) {
            return null;
        }
        return fit.x() + ".npy: " + shared + " of the " + done.length + " completed held-out models (first: row "
                + first + ") have masks identical to " + fitted;
    }

    /** Reads mask row {@code i} of {@code a} as 0/1 bytes into {@code row} and returns it. */
    private static byte[] readRow(NpyArray a, long i, byte[] row) {
        int m = row.length;
        long base = i * m;
        if (a.dtype() == DType.BOOL) {
            java.lang.foreign.MemorySegment.copy(a.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, base, row, 0, m);
        } else {
            for (int j = 0; j < m; j++) {
                row[j] = (byte) (a.getDouble(base + j) != 0 ? 1 : 0);
            }
        }
        return row;
    }

    /** A 64-bit hash of the 0/1 bytes of a mask row. */
    private static long maskHash(byte[] row) {
        long h = 0x9E3779B97F4A7C15L;
        for (int j = 0; j < row.length; j++) {
            h = (h ^ (row[j] != 0 ? j + 1L : 0)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    static double mean(double[] v) {
        double s = 0;
        int c = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                s += x;
                c++;
            }
        }
        return c == 0 ? Double.NaN : s / c;
    }

    /** 95% percentile bootstrap interval of the mean of the defined values, 2,000 resamples. */
    static double[] bootstrap(double[] v, long seed) {
        double[] d = Arrays.stream(v).filter(x -> !Double.isNaN(x)).toArray();
        if (d.length == 0) {
            return new double[]{Double.NaN, Double.NaN};
        }
        SeedStream r = new SeedStream(seed, 0, 21);
        double[] means = new double[2000];
        for (int b = 0; b < means.length; b++) {
            double s = 0;
            for (int i = 0; i < d.length; i++) {
                s += d[r.nextInt(d.length)];
            }
            means[b] = s / d.length;
        }
        Arrays.sort(means);
        return new double[]{means[(int) (0.025 * means.length)], means[(int) (0.975 * means.length) - 1]};
    }

    /**
     * Writes {@code lds.json}, {@code lds_per_target.npy} (T x 2: Spearman, Pearson), {@code lds_per_target.csv}
     * and {@code lds_histogram.csv} (20 bins of per-target Spearman over [-1, 1]) into {@code out}, atomically.
     */
    public static void write(Result r, int targetFrom, Path out, boolean force) throws IOException {
        int t = r.spearman().length;
        double[] table = new double[2 * t];
        StringBuilder csv = new StringBuilder("target,spearman,pearson\n");
        for (int q = 0; q < t; q++) {
            table[2 * q] = r.spearman()[q];
            table[2 * q + 1] = r.pearson()[q];
            csv.append(targetFrom + q).append(',').append(r.spearman()[q]).append(',').append(r.pearson()[q])
                    .append('\n');
        }
        int[] bins = new int[20];
        for (double s : r.spearman()) {
            if (!Double.isNaN(s)) {
                bins[Math.min(19, Math.max(0, (int) Math.floor((s + 1) / 0.1)))]++;
            }
        }
        StringBuilder hist = new StringBuilder("bin_low,bin_high,targets\n");
        for (int i = 0; i < 20; i++) {
            hist.append(String.format("%.1f,%.1f,%d%n", -1 + 0.1 * i, -1 + 0.1 * (i + 1), bins[i]));
        }
        AtomicFiles.createDirectory(out, force, dir -> {
            Npy.write(dir.resolve("lds_per_target.npy"), DType.FLOAT64, table, t, 2);
            Files.writeString(dir.resolve("lds_per_target.csv"), csv);
            Files.writeString(dir.resolve("lds_histogram.csv"), hist);
            Files.writeString(dir.resolve("lds.json"), Json.write(r.summary()));
        });
    }
}
