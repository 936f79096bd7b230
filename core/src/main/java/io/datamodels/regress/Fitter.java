package io.datamodels.regress;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.IndexRange;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns a store into datamodels (Ilyas et al. 2022, section 2): checks the store's masks and outputs, leaves out
 * models not completed (and outliers, when asked), runs {@link LassoPath}'s regression on the store's rows (read in
 * place, not copied) and writes the result with its provenance.
 *
 * <p>Outputs in the folder (all .npy, written to a temporary folder renamed into place when complete):
 * {@code weights} (m x T, float32, raw 0/1 mask space: prediction = bias + mask . w), {@code weights_standardized},
 * {@code bias} (T), {@code lambda} (T), {@code lambda_path}, {@code val_mse}, {@code nnz} and {@code kkt} (T x K;
 * NaN or -1 past a target's early stop), and {@code fit.json} with config, data, counts and provenance.
 */
public final class Fitter {
    public static final String FIT_JSON = "fit.json";

    private Fitter() {
    }

    /**
     * What a fit was made from and how it went; written as {@code fit.json}. {@code method} is null for a LASSO fit
     * (and absent from its {@code fit.json}), else the attribution method of an {@code attribute} folder; there the
     * LASSO fields hold what applies (no validation models, no config, no lambda path).
     */
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
                          @JsonProperty("provenance") Provenance provenance,
                          @JsonProperty("method") @JsonInclude(JsonInclude.Include.NON_NULL) String method) {
        /** The method of a LASSO fit, as {@link #method()} reads it where {@code fit.json} names none. */
        public static final String LASSO = "lasso";

        /** A LASSO fit's summary: {@code fit.json} without a method field (as every fit folder before it had). */
        public Summary(String store, StoreSpec.Source storeSpec, String x, String y, int targetFrom, int targetTo,
                       int trainSize, int modelsCompleted, long modelsLeftOut, int[] modelsOutliers, int modelsTrain,
                       int modelsVal, int[] constantColumns, double maxKkt, int targetsAtPathEnd, double seconds,
                       LassoConfig config, io.datamodels.data.DatasetRef dataset, Provenance provenance) {
            this(store, storeSpec, x, y, targetFrom, targetTo, trainSize, modelsCompleted, modelsLeftOut,
                    modelsOutliers, modelsTrain, modelsVal, constantColumns, maxKkt, targetsAtPathEnd, seconds, config,
                    dataset, provenance, null);
        }

        /**
         * What made the folder: {@value #LASSO} for a LASSO fit (no {@code method} field, as in folders written
         * before the field existed), or the attribution method that {@code attribute} wrote it with ({@code trak},
         * {@code influence}, {@code gradient-dot}; its {@code attribute.json} says how).
         */
        @JsonIgnore
        public String methodName() {
            return method == null ? LASSO : method;
        }

        /** Whether a LASSO fit made the folder (not an attribution method). */
        @JsonIgnore
        public boolean isLasso() {
            return LASSO.equals(methodName());
        }
    }

    /** The fewest completed models a fit accepts ({@link LassoPath#MIN_MODELS}). */
    public static final int MIN_MODELS = LassoPath.MIN_MODELS;

    /** {@link #fit(Store, Path, FitRequest)} with {@link FitRequest#defaults()}. */
    public static Summary fit(Store store, Path out) throws IOException {
        return fit(store, out, FitRequest.defaults());
    }

    /**
     * Fits datamodels for the targets and models of {@code req} and writes them to the new folder {@code out}.
     *
     * @throws FitException for a non-binary masks key, non-finite outputs (with their rows), too few completed
     *                      models, or a target range out of bounds (field {@link FitRequest#TARGETS})
     * @throws java.nio.file.FileAlreadyExistsException when {@code out} exists and {@code req.force()} is not set
     */
    public static Summary fit(Store store, Path out, FitRequest req) throws IOException {
        long t0 = System.nanoTime();
        Checked c = check(store, req);
        // What the output folder was at the start: a fit that finds it created or replaced by another process when
        // done fails.
        AtomicFiles.Snapshot outAtStart = AtomicFiles.requireAbsent(out, req.force());
        Files.createDirectories(out.toAbsolutePath().getParent());
        FitResult r = run(c.rows(), c.split(), req);
        Summary summary = summary(store, req, c.a(), c.b(), c.models().length, c.outliers(), c.leftOut(),
                c.split().train().length, c.split().validation().length, r.trainSize(), r.constantColumns(),
                r.maxKkt(), r.targetsAtPathEnd(), (System.nanoTime() - t0) / 1e9);
        write(r, summary, out, req.force(), outAtStart);
        return summary;
    }

    /**
     * A store and request checked for a fit: the rows of targets {@code [a, b)}, the completed models in the model
     * range less the outliers, and their validation split.
     */
    record Checked(NpyArray x, NpyArray y, int a, int b, StoreRows rows, int[] models, int[] outliers, long leftOut,
                   ValidationSplit split) {
    }

    /** The checks of {@link #fit(Store, Path, FitRequest)} before any output is made; see there. */
    static Checked check(Store store, FitRequest req) throws IOException {
        String xKey = req.masksKey();
        String yKey = req.outputsKey();
        LassoConfig cfg = req.config();
        NpyArray x = store.array(xKey);
        NpyArray y = store.array(yKey);
        requireShapes(x, xKey, y, yKey);
        int tAll = (int) y.rowElements();
        int a = req.targetRange().map(IndexRange::from).orElse(0);
        int b = req.targetRange().map(IndexRange::to).orElse(tAll);
        if (b > tAll || a >= b) {
            throw new FitException(FitRequest.TARGETS, "expected a range within [0, " + tAll + ") of " + yKey
                    + ", got " + a + ":" + b);
        }
        long modelFrom = req.modelRange().map(IndexRange::from).orElse(0);
        long modelTo = req.modelRange().map(range -> (long) range.to()).orElse(Long.MAX_VALUE);
        int[] completed = Arrays.stream(store.completedIndices()).filter(i -> i >= modelFrom && i < modelTo)
                .mapToInt(Math::toIntExact).toArray();
        long leftOut = Math.max(0, Math.min(store.numModels(), modelTo) - modelFrom) - completed.length;
        StoreRows rows = new StoreRows(x, y, a, b);
        String nonBinary = rows.firstNonBinary(completed);
        if (nonBinary != null) {
            throw new FitException(xKey + ".npy: " + nonBinary);
        }
        int[] bad = OutputChecks.nonFinite(completed, rows.t(), rows.reader());
        if (bad.length > 0) {
            throw new FitException(yKey + ".npy: rows " + OutputChecks.list(bad) + ": expected finite values in "
                    + "targets " + a + ":" + b + ", got NaN or infinity");
        }
        int[] outliers = new int[0];
        if (cfg.outlierZ() > 0) {
            outliers = OutputChecks.outliers(completed, rows.t(), cfg.outlierZ(), rows.reader());
            completed = OutputChecks.without(completed, outliers);
        }
        int n = completed.length;
        if (n < MIN_MODELS) {
            throw new FitException("_completed.npy: completed models: expected at least " + MIN_MODELS + ", got " + n
                    + (outliers.length > 0 ? " (after leaving out " + outliers.length + " outliers)" : ""));
        }
        return new Checked(x, y, a, b, rows, completed, outliers, leftOut, ValidationSplit.draw(completed, cfg));
    }

    /** The {@code fit.json} of a fit of {@code models} models (outliers not counted) of targets a:b. */
    static Summary summary(Store store, FitRequest req, int a, int b, int models, int[] outliers, long leftOut,
                           int nTrain, int nVal, int m, int[] constant, double maxKkt, int atPathEnd, double seconds) {
        return new Summary(store.dir().toAbsolutePath().toString(), store.specSource(), req.masksKey(),
                req.outputsKey(), a, b, m, models + outliers.length, leftOut, outliers, nTrain, nVal, constant,
                maxKkt, atPathEnd, seconds,
                req.config(), store.meta().map(StoreMeta::dataset).orElse(null),
                Provenance.now(req.gemm().name(), req.command()));
    }

    /** The shapes and dtypes a fit needs: masks (N, m) of integers or bools, outputs (N, T). */
    private static void requireShapes(NpyArray x, String xKey, NpyArray y, String yKey) throws FitException {
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
    }

    /** Writes the fit folder {@code out} (see the class comment), all at once. */
    private static void write(FitResult r, Summary summary, Path out, boolean force, AtomicFiles.Snapshot atStart)
            throws IOException {
        int m = r.trainSize();
        int t = r.targets();
        int k = r.lambdas();
        AtomicFiles.createDirectory(out, force, atStart, dir -> {
            Npy.write(dir.resolve(WEIGHTS), DType.FLOAT32, r.weights(), m, t);
            Npy.write(dir.resolve(WEIGHTS_STANDARDIZED), DType.FLOAT32, r.weightsStandardized(), m, t);
            writeSmall(dir, r.bias(), r.lambda(), r.lambdaPath(), r.valMse(), r.nnz(), r.kkt(), t, k, summary);
        });
    }

    /** The weights of a fit folder, m x T float32. */
    public static final String WEIGHTS = "weights.npy";
    /** The biases of a fit folder, T float32. */
    public static final String BIAS = "bias.npy";
    static final String WEIGHTS_STANDARDIZED = "weights_standardized.npy";

    /** The per-target files and {@code fit.json} of a fit folder (all but the two weight matrices). */
    static void writeSmall(Path dir, float[] bias, double[] lambda, double[] lambdaPath, double[] valMse, int[] nnz,
                           float[] kkt, int t, int k, Summary summary) throws IOException {
        Npy.write(dir.resolve(BIAS), DType.FLOAT32, bias, t);
        Npy.write(dir.resolve("lambda.npy"), DType.FLOAT64, lambda, t);
        Npy.write(dir.resolve("lambda_path.npy"), DType.FLOAT64, lambdaPath, t, k);
        Npy.write(dir.resolve("val_mse.npy"), DType.FLOAT64, valMse, t, k);
        Npy.write(dir.resolve("nnz.npy"), DType.INT32, nnz, t, k);
        Npy.write(dir.resolve("kkt.npy"), DType.FLOAT32, kkt, t, k);
        Files.writeString(dir.resolve(FIT_JSON), Json.write(summary));
    }

    /** {@link LassoPath#run}; an interruption is an {@link IOException}, as for the reads and writes around it. */
    private static FitResult run(StoreRows rows, ValidationSplit split, FitRequest req) throws IOException {
        try {
            return LassoPath.run(rows, split, req.config(), req.gemm(), req.listener());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
