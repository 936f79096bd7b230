package io.datamodels.regress;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.NpyArray;

import java.io.IOException;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The fit of {@link Fitter} cut into pieces that can run on different machines and still write the same bytes, for
 * a cluster (the {@code spark} module) when one machine cannot hold or compute the statistics of m training examples
 * (m = 50,000: a 10 GB Gram matrix). The pieces, in order:
 * <ol>
 *   <li>{@link #plan} (one machine, the driver): the checks of {@link Fitter#fit}, the validation split, and the
 *   output sums of both parts; a value with a JSON form ({@link #toJson}) to ship to the others.</li>
 *   <li>{@link #gramRows}: rows {@code [j0, j1)} of the counts C = X^T X summed over a range of one part's models.
 *   C holds integer counts, exact in float, so the partial sums of any row partitions add up to the same bits.</li>
 *   <li>{@link #crossTiles}: the float tiles of the cross products D = X^T (Y - yref) of one block of
 *   {@link #CROSS_BLOCK_ROWS} models, one per panel of {@link #PANEL} columns. D is their sum in double, in block
 *   order, train blocks then validation blocks ({@link #addTile}): the same sequence of additions as
 *   {@link Fitter}'s, wherever each tile was computed.</li>
 *   <li>{@link #writeStatistics}: the summed rows into the statistics folder ({@link #createStatistics}): counts of
 *   the train part and of all models (m x m float32), cross products of both (m x T float64).</li>
 *   <li>{@link #solve}: the lasso paths and refits of a slice of targets from the statistics folder (memory-mapped:
 *   a solver reads the rows of C of its targets' supports only), and {@link #writeSlice}: its columns of the weight
 *   files ({@link #createOutput}). Targets are independent, so a slice gives the bits the whole fit gives.</li>
 *   <li>{@link #finish} (the driver): the per-target files and {@code fit.json}.</li>
 * </ol>
 * Every piece is idempotent (it writes the same bytes when run again), so a retried or duplicated task is harmless.
 * The result equals {@link Fitter#fit} on the same store and request byte for byte in every {@code .npy} file, given
 * the same kernel ({@link Plan#gemm()}) on every machine.
 */
public final class FitPieces {
    /** Counts C of the train part, m x m float32, in the statistics folder. */
    public static final String GRAM_TRAIN = "gram_train.npy";
    /** Counts C of all models, m x m float32. */
    public static final String GRAM_ALL = "gram_all.npy";
    /** Cross products D of the train part, m x T float64. */
    public static final String CROSS_TRAIN = "cross_train.npy";
    /** Cross products D of all models, m x T float64. */
    public static final String CROSS_ALL = "cross_all.npy";
    /** Models per block of the cross products. */
    public static final int CROSS_BLOCK_ROWS = Design.CROSS_BLOCK_ROWS;
    /** Columns per panel of the cross products; column blocks of {@link #gramRows} may be any size. */
    public static final int PANEL = Design.PANEL;

    private FitPieces() {
    }

    /** The two parts of the fitted models: the path is solved on the train part, lambda chosen on validation. */
    public enum Part {
        TRAIN, VALIDATION
    }

    /**
     * What every piece needs, worked out once by {@link #plan}.
     *
     * @param masksKey   store key of the masks
     * @param outputsKey store key of the outputs
     * @param targetFrom first target column of the outputs
     * @param targetTo   end of the target columns, exclusive
     * @param m          mask columns
     * @param train      the train part's models (store rows), ascending
     * @param validation the validation part's models, ascending
     * @param outliers   models left out as outliers
     * @param leftOut    rows of the model range not completed
     * @param yref       per target, the train part's mean output (centres every sum)
     * @param ySumTrain  per target, sum over the train part of y - yref
     * @param yySumTrain per target, sum over the train part of (y - yref)^2
     * @param ySumAll    the same over all models (train part first)
     * @param yySumAll   the same over all models
     * @param config     the regression settings
     * @param gemm       the name of the kernel every piece uses ({@link Kernels#gemm(String)})
     */
    public record Plan(@JsonProperty("masks_key") String masksKey,
                       @JsonProperty("outputs_key") String outputsKey,
                       @JsonProperty("target_from") int targetFrom,
                       @JsonProperty("target_to") int targetTo,
                       @JsonProperty("m") int m,
                       @JsonProperty("train") int[] train,
                       @JsonProperty("validation") int[] validation,
                       @JsonProperty("outliers") int[] outliers,
                       @JsonProperty("left_out") long leftOut,
                       @JsonProperty("yref") double[] yref,
                       @JsonProperty("y_sum_train") double[] ySumTrain,
                       @JsonProperty("yy_sum_train") double[] yySumTrain,
                       @JsonProperty("y_sum_all") double[] ySumAll,
                       @JsonProperty("yy_sum_all") double[] yySumAll,
                       @JsonProperty("config") LassoConfig config,
                       @JsonProperty("gemm") String gemm) {
        /** Number of targets T. */
        public int t() {
            return targetTo - targetFrom;
        }

        /** The models of {@code part}. */
        public int[] rows(Part part) {
            return part == Part.TRAIN ? train : validation;
        }

        /** Blocks of {@link #CROSS_BLOCK_ROWS} models in {@code part}. */
        public int crossBlocks(Part part) {
            return Design.crossBlocks(rows(part).length);
        }

        /** Panels of {@link #PANEL} columns in m. */
        public int panels() {
            return Design.panels(m);
        }

        /** The kernel of every piece. */
        public Gemm kernel() {
            return Kernels.gemm(gemm);
        }
    }

    /**
     * The result of {@link #solve} for targets {@code [from, to)} (w = to - from of them), laid out as in
     * {@link FitResult} for those targets alone.
     */
    public record Slice(int from, int to, float[] weights, float[] weightsStandardized, float[] bias, double[] lambda,
                        double[] lambdaPath, double[] valMse, int[] nnz, float[] kkt, double maxKkt,
                        int targetsAtPathEnd, int[] constantColumns) implements Serializable {
        /** The slice without its two m x w weight matrices, once they are written ({@link #writeSlice}). */
        public Slice withoutWeights() {
            return new Slice(from, to, new float[0], new float[0], bias, lambda, lambdaPath, valMse, nnz, kkt, maxKkt,
                    targetsAtPathEnd, constantColumns);
        }
    }

    /**
     * Checks {@code store} and {@code req} as {@link Fitter#fit} does, draws the validation split and sums the
     * outputs. Reads every completed model's outputs (not its mask, unless the masks' dtype is not bool).
     *
     * @throws FitException as {@link Fitter#fit}
     */
    public static Plan plan(Store store, FitRequest req) throws IOException {
        Fitter.Checked c = Fitter.check(store, req);
        int[] train = c.split().train();
        int[] val = c.split().validation();
        int t = c.b() - c.a();
        double[] yref = Design.outputMeans(c.rows(), train);
        double[] ySumT = new double[t];
        double[] yySumT = new double[t];
        Design.addOutputSums(c.rows(), train, yref, ySumT, yySumT);
        double[] ySumA = ySumT.clone();
        double[] yySumA = yySumT.clone();
        Design.addOutputSums(c.rows(), val, yref, ySumA, yySumA);
        return new Plan(req.masksKey(), req.outputsKey(), c.a(), c.b(), c.rows().m(), train, val, c.outliers(),
                c.leftOut(), yref, ySumT, yySumT, ySumA, yySumA, req.config(), req.gemm().name());
    }

    /** {@code plan} as JSON: every double written so that it reads back to the same bits. */
    public static String toJson(Plan plan) {
        return Json.write(plan);
    }

    /** The plan of {@link #toJson}. */
    public static Plan fromJson(String json) throws IOException {
        return Json.parse("fit plan", json, Plan.class);
    }

    /** Rows of a plan whose mask and output bytes {@link #inputsFingerprint} reads, at most. */
    static final int FINGERPRINT_ROWS = 8;

    /**
     * A SHA-256 (lower-case hex) of what identifies the store state that {@code plan} was made from, so that a piece
     * run later or on another machine can check that it reads that store: the spec (rows, keys, shapes, dtypes), the
     * store's own record {@code store.json} where it has one (sampling, data fingerprints, time of creation), the
     * plan's keys, its model rows (train, validation, outliers) each with its completion flag, and the mask and
     * output bytes of up to {@value #FINGERPRINT_ROWS} of those rows spread over them (all of them would cost as much
     * as the fit). The folder's path is not part of it: a byte copy of the store elsewhere gives the same value. A
     * replaced or re-initialised store, one with other rows, one where a row of the plan is not completed, or one
     * whose sampled rows hold other bytes gives another.
     *
     * @throws StoreException where the store lacks the plan's keys
     */
    public static String inputsFingerprint(Store store, Plan plan) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        long n = store.numModels();
        StringBuilder head = new StringBuilder();
        head.append("spec ").append(Json.write(store.spec())).append('\n');
        head.append("meta ").append(store.meta().map(Json::write).orElse("none")).append('\n');
        head.append("keys ").append(plan.masksKey()).append(' ').append(plan.outputsKey()).append('\n');
        sha.update(head.toString().getBytes(StandardCharsets.UTF_8));
        ByteBuffer flags = ByteBuffer.allocate(5);
        for (int[] part : List.of(plan.train(), plan.validation(), plan.outliers())) {
            flags.clear().putInt(part.length);
            sha.update(flags.array(), 0, 4);
            for (int i : part) {
                flags.clear().putInt(i).put((byte) (i < n && store.isCompleted(i) ? 1 : 0));
                sha.update(flags.array());
            }
        }
        NpyArray x = store.array(plan.masksKey());
        NpyArray y = store.array(plan.outputsKey());
        int total = plan.train().length + plan.validation().length;
        int k = Math.min(FINGERPRINT_ROWS, total);
        for (int s = 0; s < k; s++) {
            int at = k == 1 ? 0 : (int) ((long) (total - 1) * s / (k - 1));
            int row = at < plan.train().length ? plan.train()[at] : plan.validation()[at - plan.train().length];
            for (NpyArray a : List.of(x, y)) {
                if (row < a.rows()) {
                    long bytes = a.rowElements() * a.dtype().size();
                    sha.update(a.data().asSlice(row * bytes, bytes).asByteBuffer());
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static StoreRows rows(Store store, Plan plan) throws IOException {
        return new StoreRows(store.array(plan.masksKey()), store.array(plan.outputsKey()), plan.targetFrom(),
                plan.targetTo());
    }

    /**
     * Rows {@code [j0, j1)} of the counts C = X^T X over the models {@code rows(part)[rowFrom .. rowTo)}:
     * (j1 - j0) x m floats, row-major, exact integer counts.
     */
    public static float[] gramRows(Store store, Plan plan, Part part, int rowFrom, int rowTo, int j0, int j1)
            throws IOException {
        int m = plan.m();
        if (j0 < 0 || j1 > m || j0 >= j1 || rowFrom < 0 || rowTo > plan.rows(part).length || rowFrom > rowTo) {
            throw new IllegalArgumentException("gram rows: expected 0 <= j0 < j1 <= " + m + " and a row range within "
                    + "[0, " + plan.rows(part).length + "], got " + j0 + ":" + j1 + " and " + rowFrom + ":" + rowTo);
        }
        StoreRows src = rows(store, plan);
        int[] rows = plan.rows(part);
        int w = j1 - j0;
        int block = (int) Math.max(1, Math.min(Math.max(1, rowTo - rowFrom), (64L << 20) / (4L * m)));
        float[] xb = new float[Math.multiplyExact(block, m)];
        float[] out = new float[Math.multiplyExact(w, m)];
        MemorySegment xs = MemorySegment.ofArray(xb);
        Gemm gemm = plan.kernel();
        for (int s = rowFrom; s < rowTo; s += block) {
            int rws = Math.min(block, rowTo - s);
            src.masks(rows, s, rws, xb);
            gemm.sgemm(true, false, w, m, rws, 1f, xs.asSlice(4L * j0), m, xs, m, s == rowFrom ? 0f : 1f,
                    MemorySegment.ofArray(out), m);
        }
        return out;
    }

    /** {@code into[i] += add[i]}: partial counts of two row ranges (exact). */
    public static void addCounts(float[] into, float[] add) {
        if (into.length != add.length) {
            throw new IllegalArgumentException("counts: expected " + into.length + " values, got " + add.length);
        }
        for (int i = 0; i < into.length; i++) {
            into[i] += add[i];
        }
    }

    /**
     * The float tiles of the cross products of block {@code block} of {@code part} for panels {@code [p0, p1)}: tile
     * p is (width of panel p) x T floats, row-major, for rows {@code [p * PANEL, ...)} of D.
     */
    public static float[][] crossTiles(Store store, Plan plan, Part part, int block, int p0, int p1)
            throws IOException {
        if (block < 0 || block >= plan.crossBlocks(part) || p0 < 0 || p1 > plan.panels() || p0 >= p1) {
            throw new IllegalArgumentException("cross tiles: expected a block in [0, " + plan.crossBlocks(part)
                    + ") and panels within [0, " + plan.panels() + "], got " + block + " and " + p0 + ":" + p1);
        }
        StoreRows src = rows(store, plan);
        int[] rows = plan.rows(part);
        int t = plan.t();
        float[] e = new float[Math.multiplyExact(Math.min(CROSS_BLOCK_ROWS, rows.length), t)];
        int rws = Design.centredBlock(src, rows, block, plan.yref(), e);
        float[] x = new float[CROSS_BLOCK_ROWS * PANEL];
        float[] tile = new float[PANEL * t];
        float[][] out = new float[p1 - p0][];
        Gemm gemm = plan.kernel();
        for (int p = p0; p < p1; p++) {
            Design.crossTile(src, rows, block, rws, e, p, gemm, x, tile);
            out[p - p0] = Arrays.copyOf(tile, (Math.min(plan.m(), (p + 1) * PANEL) - p * PANEL) * t);
        }
        return out;
    }

    /**
     * Adds tile {@code tile} of panel {@code p} to {@code acc}, the rows {@code [j0, ...)} of D (from a panel boundary
     * {@code j0}, T columns, row-major). Call it for one block after another in order: train blocks 0, 1, ..., then
     * validation blocks; after the last train block {@code acc} holds D of the train part, after the last validation
     * block D of all models.
     */
    public static void addTile(double[] acc, int j0, int t, int p, float[] tile) {
        int o = (p * PANEL - j0) * t;
        if (j0 % PANEL != 0 || o < 0 || o + tile.length > acc.length) {
            throw new IllegalArgumentException("tile of panel " + p + ": expected within the rows of acc from " + j0
                    + " (a multiple of " + PANEL + ")");
        }
        for (int i = 0; i < tile.length; i++) {
            acc[o + i] += tile[i];
        }
    }

    /** Creates the statistics folder {@code dir} (on storage every solver reaches) with its four files, zeroed. */
    public static void createStatistics(Path dir, Plan plan) throws IOException {
        Files.createDirectories(dir);
        long m = plan.m();
        long t = plan.t();
        for (String f : List.of(GRAM_TRAIN, GRAM_ALL)) {
            NpyArray.create(dir.resolve(f), DType.FLOAT32, new long[]{m, m}, false).close();
        }
        for (String f : List.of(CROSS_TRAIN, CROSS_ALL)) {
            NpyArray.create(dir.resolve(f), DType.FLOAT64, new long[]{m, t}, false).close();
        }
    }

    /**
     * Writes rows {@code [j0, j0 + r)} of the statistics: counts of the train part {@code gramTrain} and of the
     * validation part {@code gramVal} (r x m each; all = their sum), cross products {@code crossTrain} and
     * {@code crossAll} (r x T each), and forces them to disk.
     */
    public static void writeStatistics(Path dir, Plan plan, int j0, float[] gramTrain, float[] gramVal,
                                       double[] crossTrain, double[] crossAll) throws IOException {
        int m = plan.m();
        float[] all = gramTrain.clone();
        addCounts(all, gramVal);
        try (NpyArray gt = NpyArray.open(dir.resolve(GRAM_TRAIN), true);
             NpyArray ga = NpyArray.open(dir.resolve(GRAM_ALL), true);
             NpyArray ct = NpyArray.open(dir.resolve(CROSS_TRAIN), true);
             NpyArray ca = NpyArray.open(dir.resolve(CROSS_ALL), true)) {
            gt.writeFloats((long) j0 * m, gramTrain);
            ga.writeFloats((long) j0 * m, all);
            ct.writeDoubles((long) j0 * plan.t(), crossTrain);
            ca.writeDoubles((long) j0 * plan.t(), crossAll);
            for (NpyArray a : List.of(gt, ga, ct, ca)) {
                a.force();
            }
        }
    }

    /**
     * The paths and refits of targets {@code [from, to)} (indices into the plan's targets) from the statistics in
     * {@code dir}, with the validation models' masks and outputs read from {@code store}, on {@code threads} threads.
     * Memory: the slice's cross products and weights (a few times m x w doubles) and the validation masks
     * (nVal x m floats); the counts stay in the mapped files.
     */
    public static Slice solve(Store store, Plan plan, Path dir, int from, int to, int threads)
            throws IOException {
        if (from < 0 || to > plan.t() || from >= to) {
            throw new IllegalArgumentException("targets: expected a range within [0, " + plan.t() + "), got " + from
                    + ":" + to);
        }
        int m = plan.m();
        int t = plan.t();
        int w = to - from;
        LassoConfig cfg = plan.config();
        try (NpyArray gt = NpyArray.open(dir.resolve(GRAM_TRAIN));
             NpyArray ga = NpyArray.open(dir.resolve(GRAM_ALL));
             NpyArray ct = NpyArray.open(dir.resolve(CROSS_TRAIN));
             NpyArray ca = NpyArray.open(dir.resolve(CROSS_ALL))) {
            double[] dt = new double[Math.multiplyExact(m, w)];
            double[] da = new double[dt.length];
            for (int j = 0; j < m; j++) {
                ct.getDoubles((long) j * t + from, dt, j * w, w);
                ca.getDoubles((long) j * t + from, da, j * w, w);
            }
            int nTrain = plan.train().length;
            int nAll = nTrain + plan.validation().length;
            Design train = Design.ofSums(nTrain, m, w, gt.data(), dt, part(plan.yref(), from, to),
                    part(plan.ySumTrain(), from, to), part(plan.yySumTrain(), from, to));
            Design all = Design.ofSums(nAll, m, w, ga.data(), da, part(plan.yref(), from, to),
                    part(plan.ySumAll(), from, to), part(plan.yySumAll(), from, to));
            StoreRows src = new StoreRows(store.array(plan.masksKey()), store.array(plan.outputsKey()),
                    plan.targetFrom() + from, plan.targetFrom() + to);
            LassoPath.Solved out = new LassoPath.Solved(m, w, cfg.lambdas());
            try {
                LassoPath.paths(train, LassoPath.Validation.of(src, plan.validation()), cfg, out, threads);
                LassoPath.refits(all, cfg, out, threads, FitListener.NONE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Slice(from, to, out.wRaw, out.wStd, out.bias, out.chosen, out.lambdaPath, out.valMse, out.nnz,
                    out.kkt, out.maxKkt(), out.atPathEnd.get(), all.constantColumns());
        }
    }

    private static double[] part(double[] a, int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    /** Creates the two weight files of a fit folder {@code dir} (m x T float32, zeroed) for {@link #writeSlice}. */
    public static void createOutput(Path dir, Plan plan) throws IOException {
        for (String f : List.of(Fitter.WEIGHTS, Fitter.WEIGHTS_STANDARDIZED)) {
            NpyArray.create(dir.resolve(f), DType.FLOAT32, new long[]{plan.m(), plan.t()}, true).close();
        }
    }

    /** Writes the slice's columns of the weight files in {@code dir} and forces them to disk. */
    public static void writeSlice(Path dir, Plan plan, Slice s) throws IOException {
        int w = s.to() - s.from();
        try (NpyArray raw = NpyArray.open(dir.resolve(Fitter.WEIGHTS), true);
             NpyArray std = NpyArray.open(dir.resolve(Fitter.WEIGHTS_STANDARDIZED), true)) {
            for (int j = 0; j < plan.m(); j++) {
                long at = (long) j * plan.t() + s.from();
                raw.writeFloats(at, Arrays.copyOfRange(s.weights(), j * w, j * w + w));
                std.writeFloats(at, Arrays.copyOfRange(s.weightsStandardized(), j * w, j * w + w));
            }
            raw.force();
            std.force();
        }
    }

    /**
     * Writes the per-target files and {@code fit.json} of the fit into {@code dir} (where {@link #writeSlice} wrote
     * the weights of {@code slices}, which must cover every target once), and returns the summary.
     *
     * @param seconds the fit's wall-clock time, for {@code fit.json}
     */
    public static Fitter.Summary finish(Store store, FitRequest req, Plan plan, Path dir, List<Slice> slices,
                                        double seconds) throws IOException {
        int t = plan.t();
        int k = plan.config().lambdas();
        float[] bias = new float[t];
        double[] lambda = new double[t];
        double[] lambdaPath = new double[t * k];
        double[] valMse = new double[t * k];
        int[] nnz = new int[t * k];
        float[] kkt = new float[t * k];
        boolean[] seen = new boolean[t];
        double maxKkt = 0;
        int atEnd = 0;
        int[] constant = slices.isEmpty() ? new int[0] : slices.getFirst().constantColumns();
        for (Slice s : slices) {
            int w = s.to() - s.from();
            for (int q = s.from(); q < s.to(); q++) {
                if (seen[q]) {
                    throw new IllegalArgumentException("slices: target " + q + " is in two slices");
                }
                seen[q] = true;
            }
            System.arraycopy(s.bias(), 0, bias, s.from(), w);
            System.arraycopy(s.lambda(), 0, lambda, s.from(), w);
            System.arraycopy(s.lambdaPath(), 0, lambdaPath, s.from() * k, w * k);
            System.arraycopy(s.valMse(), 0, valMse, s.from() * k, w * k);
            System.arraycopy(s.nnz(), 0, nnz, s.from() * k, w * k);
            System.arraycopy(s.kkt(), 0, kkt, s.from() * k, w * k);
            maxKkt = Math.max(maxKkt, s.maxKkt());
            atEnd += s.targetsAtPathEnd();
        }
        for (int q = 0; q < t; q++) {
            if (!seen[q]) {
                throw new IllegalArgumentException("slices: target " + q + " is in none");
            }
        }
        Fitter.Summary summary = Fitter.summary(store, req, plan.targetFrom(), plan.targetTo(),
                plan.train().length + plan.validation().length, plan.outliers(), plan.leftOut(), plan.train().length,
                plan.validation().length, plan.m(), constant, maxKkt, atEnd, seconds);
        Fitter.writeSmall(dir, bias, lambda, lambdaPath, valMse, nnz, kkt, t, k, summary);
        return summary;
    }
}
