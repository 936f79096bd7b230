package io.datamodels.regress;

import io.datamodels.IndexRange;
import io.datamodels.Provenance;
import io.datamodels.kernel.Kernels;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;
import io.datamodels.subset.SeedStream;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole fit on stores: planted truth, left-out rows, outputs, prediction and every bad input. */
@ExtendWith(NoStdout.class)
class FitterTest {
    @TempDir
    Path tmp;

    static LassoConfig cfg() {
        return LassoConfig.defaults().with(60, 1e-2, 0.1, 3).withThreads(2);
    }

    /** The acceptance check: at N = 5m the top-s weights are the planted ones and predictions are near the noise. */
    @Test
    void recoversPlantedTruth() throws Exception {
        int m = 200;
        int s = 5;
        double noise = 1.0;
        Synthetic syn = new Synthetic(m, 12, s, 0.7, noise, 0.5, 21);
        Path store = tmp.resolve("store");
        Synthetic.Truth truth = syn.writeStore(store, 5 * m, Set.of());
        Path out = tmp.resolve("dm");
        try (Store st = Store.open(store, false)) {
            Fitter.Summary sum = Fitter.fit(st, out, FitRequest.builder().outputsKey("y").config(cfg())
                    .command("test").build());
            // Features outside the solved set satisfy KKT exactly; inside, coordinate descent stops at the tolerance.
            assertTrue(sum.maxKkt() < 1e-2, "KKT " + sum.maxKkt());
        }
        Datamodels dm = Datamodels.load(out);
        double precision = 0;
        for (int q = 0; q < 12; q++) {
            Integer[] order = new Integer[m];
            for (int j = 0; j < m; j++) {
                order[j] = j;
            }
            int qq = q;
            Arrays.sort(order, (a, b) -> Float.compare(Math.abs(dm.weight(b, qq)), Math.abs(dm.weight(a, qq))));
            Set<Integer> top = Set.of(Arrays.copyOf(order, s));
            int hit = 0;
            for (int j : truth.support()[q]) {
                hit += top.contains(j) ? 1 : 0;
            }
            precision += (double) hit / s;
        }
        precision /= 12;
        assertTrue(precision >= 0.9, "mean precision of the top-s weights " + precision);
        // Fresh masks: mean squared error against the noiseless truth, relative to the noise variance.
        Sampling fresh = new Sampling(Sampling.BERNOULLI, 0.5, 999, m);
        double excess = 0;
        int count = 0;
        for (int i = 0; i < 400; i++) {
            BitMask mask = fresh.mask(i);
            double[] want = Synthetic.expected(truth, mask);
            float[] got = dm.predict(mask);
            for (int q = 0; q < 12; q++) {
                excess += (got[q] - want[q]) * (got[q] - want[q]);
                count++;
            }
        }
        excess /= count;
        assertTrue(excess <= 0.1 * noise * noise, "prediction error beyond the noise " + excess);
    }

    @Test
    void outputsArePresentConsistentAndDeterministic() throws Exception {
        Synthetic syn = new Synthetic(40, 5, 3, 1, 0.5, 0.5, 4);
        Path store = tmp.resolve("store");
        syn.writeStore(store, 300, Set.of(3, 17, 250));
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        try (Store st = Store.open(store, false)) {
            Fitter.Summary sa = Fitter.fit(st, a, FitRequest.builder().outputsKey("y").targets(new IndexRange(1, 4))
                    .config(cfg()).command("test").build());
            Fitter.fit(st, b, FitRequest.builder().outputsKey("y").targets(new IndexRange(1, 4)).config(cfg())
                    .command("test").build());
            assertEquals(3, sa.modelsLeftOut());
            assertEquals(297, sa.modelsCompleted());
            assertEquals(sa.modelsCompleted(), sa.modelsTrain() + sa.modelsVal());
        }
        for (String f : List.of("weights.npy", "weights_standardized.npy", "bias.npy", "lambda.npy", "val_mse.npy",
                "nnz.npy", "lambda_path.npy", "kkt.npy")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        assertTrue(Files.exists(a.resolve("fit.json")));
        Datamodels dm = Datamodels.load(a);
        assertEquals(40, dm.trainSize());
        assertEquals(3, dm.targets());
        // predict(mask) is bias + mask . w, and the GEMM form agrees.
        BitMask mask = new Sampling(Sampling.BERNOULLI, 0.5, 5, 40).mask(0);
        float[] got = dm.predict(mask);
        float[] batch = dm.predict(toFloats(mask), 1, Kernels.gemm());
        for (int q = 0; q < 3; q++) {
            double want = dm.bias(q);
            for (int j : mask.indices()) {
                want += dm.weight(j, q);
            }
            assertEquals(want, got[q], 1e-4);
            assertEquals(want, batch[q], 1e-4);
        }
        // Standardised and raw weights agree through the column deviations: w_raw * sigma = w_std.
        float[] raw = Npy.readFloats(a.resolve("weights.npy"));
        float[] std = Npy.readFloats(a.resolve("weights_standardized.npy"));
        for (int i = 0; i < raw.length; i++) {
            assertEquals(raw[i] == 0, std[i] == 0, "support differs at " + i);
        }
        long[] nnz = Npy.readLongs(a.resolve("nnz.npy"));
        assertEquals(0, nnz[0], "lambda_max gives w = 0");
    }

    private static float[] toFloats(BitMask m) {
        float[] f = new float[m.size()];
        for (int j : m.indices()) {
            f[j] = 1;
        }
        return f;
    }

    /** A store with masks of dtype {@code xType} whose values come from {@code x}, and outputs {@code y}. */
    private Path store(String name, DType xType, int n, int m, int t, java.util.function.BiFunction<Integer, Integer, Double> x,
                       java.util.function.BiFunction<Integer, Integer, Double> y) throws Exception {
        Path dir = tmp.resolve(name);
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put("x", StoreSpec.KeySpec.of(xType, m));
        schema.put("y", StoreSpec.KeySpec.of(DType.FLOAT32, t));
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, null, null, Provenance.now("none", "test"));
        try (Store st = Store.init(dir, new StoreSpec((long) n, schema), meta, false)) {
            for (int i = 0; i < n; i++) {
                double[] xr = new double[m];
                float[] yr = new float[t];
                for (int j = 0; j < m; j++) {
                    xr[j] = x.apply(i, j);
                }
                for (int q = 0; q < t; q++) {
                    yr[q] = (float) (double) y.apply(i, q);
                }
                st.writeRow(i, Map.of("x", xr, "y", yr));
            }
        }
        return dir;
    }

    private static double bit(int i, int j) {
        return new SeedStream(5, i).nextInt(1 << 20) >> j & 1;
    }

    /** A path cut off well above the best lambda leaves every target at its end, and the summary says so. */
    @Test
    void targetsWhoseBestLambdaIsTheLastOnThePathAreCounted() throws Exception {
        Synthetic syn = new Synthetic(60, 6, 4, 1, 0.1, 0.5, 9);
        Path store = tmp.resolve("store");
        syn.writeStore(store, 600, Set.of());
        try (Store st = Store.open(store, false)) {
            Fitter.Summary cut = Fitter.fit(st, tmp.resolve("cut"), FitRequest.builder().outputsKey("y")
                    .config(cfg().with(10, 0.5, 0.2, 0)).command("test").build());
            assertEquals(6, cut.targetsAtPathEnd());
            Fitter.Summary full = Fitter.fit(st, tmp.resolve("full"), FitRequest.builder().outputsKey("y")
                    .config(cfg().with(100, 1e-5, 0.2, 0)).command("test").build());
            assertTrue(full.targetsAtPathEnd() < 6, "a path to 1e-5 lambda_max: " + full.targetsAtPathEnd());
        }
    }

    /** Two diverged "models" with huge outputs on one target: outlier_z leaves them out and lists them. */
    @Test
    void outlierModelsAreLeftOutAndListed() throws Exception {
        java.util.function.BiFunction<Integer, Integer, Double> y = (i, q) -> bit(i, 0) * 2 - bit(i, 1) + q
                + 0.1 * new SeedStream(8, i).nextGaussian() + ((i == 17 || i == 250) && q == 1 ? 1e4 * bit(i, 2) + 5e3 : 0);
        Path dir = store("outliers", DType.BOOL, 400, 10, 2, FitterTest::bit, y);
        try (Store st = Store.open(dir, false)) {
            Fitter.Summary kept = Fitter.fit(st, tmp.resolve("all"), FitRequest.builder().masksKey("x").outputsKey("y")
                    .config(cfg()).command("t").build());
            assertArrayEquals(new int[0], kept.modelsOutliers());
            Fitter.Summary s = Fitter.fit(st, tmp.resolve("robust"), FitRequest.builder().masksKey("x").outputsKey("y")
                    .config(cfg().withOutlierZ(50)).command("t").build());
            assertArrayEquals(new int[]{17, 250}, s.modelsOutliers());
            assertEquals(400, s.modelsCompleted());
            assertEquals(398, s.modelsTrain() + s.modelsVal());
        }
        Datamodels all = Datamodels.load(tmp.resolve("all"));
        Datamodels robust = Datamodels.load(tmp.resolve("robust"));
        assertEquals(2, robust.weight(0, 1), 0.1, "planted weight recovered without the outliers");
        assertEquals(-1, robust.weight(1, 1), 0.1);
        assertTrue(Math.abs(all.weight(0, 1) - 2) > 0.1 || Math.abs(all.weight(2, 1)) > 0.1,
                "with the outliers the fit of target 1 is off: " + all.weight(0, 1) + ", " + all.weight(2, 1));
        assertThrows(IllegalArgumentException.class, () -> cfg().withOutlierZ(0.5));
    }

    @Test
    void constantColumnsGetZeroWeightAndAreReported() throws Exception {
        Path dir = store("const", DType.BOOL, 120, 12, 2, (i, j) -> j == 4 ? 1.0 : j == 9 ? 0.0 : bit(i, j),
                (i, q) -> bit(i, 0) * 2 - bit(i, 1) + q + 0.1 * new SeedStream(8, i).nextGaussian());
        try (Store st = Store.open(dir, false)) {
            Fitter.Summary s = Fitter.fit(st, tmp.resolve("o"), FitRequest.builder().masksKey("x").outputsKey("y")
                    .config(cfg()).command("t").build());
            assertArrayEquals(new int[]{4, 9}, s.constantColumns());
        }
        Datamodels dm = Datamodels.load(tmp.resolve("o"));
        assertEquals(0f, dm.weight(4, 0));
        assertEquals(0f, dm.weight(9, 1));
        assertTrue(dm.weight(0, 0) > 1.5, "planted weight 2 recovered roughly: " + dm.weight(0, 0));
    }

    @Test
    void badInputIsRefusedWithNoOutputFolder() throws Exception {
        Path nan = store("nan", DType.BOOL, 50, 6, 3, FitterTest::bit,
                (i, q) -> (i == 7 || i == 31) && q == 2 ? Double.NaN : i == 12 && q == 0 ? Double.POSITIVE_INFINITY : bit(i, q));
        Path nonBinary = store("nb", DType.INT8, 50, 6, 1, (i, j) -> i == 9 && j == 2 ? 2.0 : bit(i, j), (i, q) -> 1.0 * i);
        Path few = store("few", DType.BOOL, 2, 6, 1, FitterTest::bit, (i, q) -> 1.0 * i);
        Path ok = store("ok", DType.BOOL, 50, 6, 3, FitterTest::bit, (i, q) -> bit(i, q));
        Path out = tmp.resolve("out");
        try (Store st = Store.open(nan, false)) {
            var e = assertThrows(FitException.class, () -> Fitter.fit(st, out, FitRequest.builder().masksKey("x")
                    .outputsKey("y").config(cfg()).command("t").build()));
            assertEquals("y.npy: rows [7, 12, 31]: expected finite values in targets 0:3, got NaN or infinity",
                    e.getMessage());
            // Restricting to targets without NaN works.
            Fitter.fit(st, tmp.resolve("sub"), FitRequest.builder().masksKey("x").outputsKey("y")
                    .targets(new IndexRange(1, 2)).config(cfg()).command("t").build());
        }
        try (Store st = Store.open(nonBinary, false)) {
            var e = assertThrows(FitException.class, () -> Fitter.fit(st, out, FitRequest.builder().masksKey("x")
                    .outputsKey("y").config(cfg()).command("t").build()));
            assertEquals("x.npy: row 9, column 2: expected 0 or 1, got 2.0", e.getMessage());
            var f = assertThrows(FitException.class, () -> Fitter.fit(st, out, FitRequest.builder().masksKey("y")
                    .outputsKey("y").config(cfg()).command("t").build()));
            assertTrue(f.getMessage().startsWith("y.npy: dtype: expected bool or an integer type"), f.getMessage());
        }
        try (Store st = Store.open(few, false)) {
            var e = assertThrows(FitException.class, () -> Fitter.fit(st, out, FitRequest.builder().masksKey("x")
                    .outputsKey("y").config(cfg()).command("t").build()));
            assertTrue(e.getMessage().contains("got 2"), e.getMessage());
        }
        try (Store st = Store.open(ok, false)) {
            for (int[] r : new int[][]{{0, 4}, {2, 2}, {3, 3}}) {
                var e = assertThrows(FitException.class, () -> Fitter.fit(st, out, FitRequest.builder().masksKey("x")
                        .outputsKey("y").targets(new IndexRange(r[0], r[1])).config(cfg()).command("t").build()));
                assertEquals("targets: expected a range within [0, 3) of y, got " + r[0] + ":" + r[1],
                        e.getMessage());
                assertEquals(FitRequest.TARGETS, e.field());
            }
            Fitter.fit(st, out, FitRequest.builder().masksKey("x").outputsKey("y").config(cfg()).command("t").build());
            assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> Fitter.fit(st, out,
                    FitRequest.builder().masksKey("x").outputsKey("y").config(cfg()).command("t").build()));
            Files.delete(out.resolve("fit.json"));
            Fitter.fit(st, out, FitRequest.builder().masksKey("x").outputsKey("y").config(cfg()).force(true)
                    .command("t").build());
            assertTrue(Files.exists(out.resolve("fit.json")));
        }
        assertFalse(Files.list(tmp).anyMatch(p -> p.getFileName().toString().startsWith(".out")),
                "no temporary folders left behind");
    }

    /** Fewer than 10 completed models are refused with one consistent count; 10 fit; a tiny val_fraction is named. */
    @Test
    void tooFewModelsAreRefusedWithAConsistentMessage() throws Exception {
        for (int n : new int[]{3, 4, 9}) {
            Path dir = store("few" + n, DType.BOOL, n, 6, 1, FitterTest::bit, (i, q) -> 1.0 * i);
            try (Store st = Store.open(dir, false)) {
                var e = assertThrows(FitException.class, () -> Fitter.fit(st, tmp.resolve("out" + n),
                        FitRequest.builder().masksKey("x")
                        .outputsKey("y").config(cfg()).command("t").build()));
                assertEquals("_completed.npy: completed models: expected at least 10, got " + n, e.getMessage());
            }
            assertFalse(Files.exists(tmp.resolve("out" + n)));
        }
        Path ten = store("ten", DType.BOOL, 10, 6, 1, FitterTest::bit, (i, q) -> bit(i, 0) + bit(i, 3));
        try (Store st = Store.open(ten, false)) {
            Fitter.Summary sum = Fitter.fit(st, tmp.resolve("ten-out"), FitRequest.builder().masksKey("x")
                    .outputsKey("y").config(cfg()).command("t").build());
            assertEquals(1, sum.modelsVal());
            var e = assertThrows(FitException.class, () -> Fitter.fit(st, tmp.resolve("tiny-val"),
                    FitRequest.builder().masksKey("x")
                    .outputsKey("y").config(cfg().with(60, 1e-2, 0.01, 3)).command("t").build()));
            assertEquals("val_fraction: expected a value that leaves at least 1 validation and 2 training models of the"
                    + " 10 completed ones, got 0.01 (0 validation models)", e.getMessage());
        }
    }
}
