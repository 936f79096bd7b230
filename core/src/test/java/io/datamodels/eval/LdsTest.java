package io.datamodels.eval;

import io.datamodels.Json;
import io.datamodels.data.DatasetRef;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.regress.Synthetic;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoStdout.class)
class LdsTest {
    @TempDir
    Path tmp;

    @Test
    void correlationsMatchHandComputedValues() {
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {2, 4, 5, 4, 5};
        assertEquals(0.7745966692414834, Correlation.pearson(x, y), 1e-12);
        // ranks of y with ties: 1, 2.5, 4.5, 2.5, 4.5
        assertEquals(0.7378647873726218, Correlation.spearman(x, y), 1e-12);
        assertEquals(-1, Correlation.spearman(x, new double[]{9, 7, 5, 3, 1}), 1e-12);
        assertTrue(Double.isNaN(Correlation.pearson(x, new double[]{1, 1, 1, 1, 1})));
        assertTrue(Double.isNaN(Correlation.pearson(new double[]{1}, new double[]{2})));
    }

    @Test
    void heldOutModelsOfAPlantedLinearTruthScoreHigh() throws Exception {
        Synthetic fitSet = new Synthetic(60, 6, 4, 1, 0.3, 0.5, 8);
        Synthetic heldOut = new Synthetic(60, 6, 4, 1, 0.3, 0.5, 8);
        Path a = tmp.resolve("a");
        fitSet.writeStore(a, 400, Set.of());
        Path fit = tmp.resolve("fit");
        try (Store s = Store.open(a, false)) {
            Fitter.fit(s, fit, FitRequest.builder().outputsKey("y")
                    .config(LassoConfig.defaults().with(40, 1e-2, 0.1, 0).withThreads(2)).command("test").build());
        }
        // Held-out: the same truth on fresh masks, rows 400..599 of the same mask stream (0..399 were fitted).
        Path fresh = tmp.resolve("fresh");
        heldOut.writeStore(fresh, 600, java.util.stream.IntStream.range(0, 400).boxed()
                .collect(java.util.stream.Collectors.toSet()));
        try (Store s = Store.open(fresh, false)) {
            // Synthetic stores record no dataset fingerprints: refused unless the caller vouches for the data.
            var e = assertThrows(StoreException.class, () -> Lds.run(fit, s, Kernels.gemm(), 1));
            assertEquals(fresh.resolve("store.json") + ": dataset: expected SHA-256 fingerprints of the training set "
                    + "and targets on both sides, to show the held-out models are of the fitted data, got none (stores "
                    + "made by MadryLab's tools record none); assuming the same data evaluates anyway, on your word",
                    e.getMessage());
            Lds.Result r = Lds.run(fit, s, Kernels.gemm(), 1, true, false);
            assertEquals("assumed", r.summary().dataMatch());
            assertEquals(200, r.summary().models());
            assertEquals(6, r.summary().targets());
            assertTrue(r.summary().meanSpearman() > 0.9, "mean Spearman " + r.summary().meanSpearman());
            assertTrue(r.summary().spearmanCi()[0] <= r.summary().meanSpearman()
                    && r.summary().meanSpearman() <= r.summary().spearmanCi()[1]);
            Lds.write(r, 0, tmp.resolve("out"), false);
        }
        assertTrue(Files.readString(tmp.resolve("out/lds_per_target.csv")).startsWith("target,spearman,pearson\n0,"));
        assertEquals(21, Files.readAllLines(tmp.resolve("out/lds_histogram.csv")).size());
    }

    @Test
    void refusesAHeldOutStoreOfOtherData() throws Exception {
        DatasetRef ref = new DatasetRef(null, "100", null, "10", 100, 10, "aaa", "bbb");
        Fitter.Summary fit = new Fitter.Summary("s", null, "masks", "y", 0, 10, 100, 50, 0, new int[0], 45, 5, new int[0], 0, 0, 1,
                LassoConfig.defaults(), ref, null);
        Synthetic syn = new Synthetic(100, 10, 2, 1, 0.1, 0.5, 1);
        Path other = tmp.resolve("other");
        syn.writeStore(other, 5, Set.of());
        try (Store s = Store.open(other, false)) {
            var e = assertThrows(StoreException.class, () -> FitFolder.checkSameData(fit, s));
            assertTrue(e.getMessage().contains("dataset: expected the fitted store's dataset"), e.getMessage());
        }
        // Json round trip of the fit summary, as eval reads fit.json.
        Fitter.Summary back = Json.parse("fit.json", Json.write(fit), Fitter.Summary.class);
        assertEquals(fit.dataset(), back.dataset());
    }

    /**
     * The fitted store itself, or a store repeating some of its masks (same root seed, overlapping rows), is refused;
     * with allowInSample it is evaluated and the summary says why it is in-sample. Oracle: rows 300..399 of the same
     * mask stream are the fitted rows 300..399, so exactly 100 of the 300 completed held-out rows repeat a fitted mask.
     */
    @Test
    void refusesAHeldOutStoreThatSharesModelsWithTheFit() throws Exception {
        Synthetic syn = new Synthetic(60, 6, 4, 1, 0.3, 0.5, 8);
        Path a = tmp.resolve("a");
        syn.writeStore(a, 400, Set.of());
        Path fit = tmp.resolve("fit");
        try (Store s = Store.open(a, false)) {
            Fitter.fit(s, fit, FitRequest.builder().outputsKey("y")
                    .config(LassoConfig.defaults().with(40, 1e-2, 0.1, 0).withThreads(2)).command("test").build());
            var e = assertThrows(StoreException.class, () -> Lds.run(fit, s, Kernels.gemm(), 1, true, false));
            assertTrue(e.getMessage().startsWith("the held-out store " + a + " is the fitted store: an LDS on them is "
                    + "in-sample"), e.getMessage());
            Lds.Result r = Lds.run(fit, s, Kernels.gemm(), 1, true, true);
            assertEquals("the held-out store " + a + " is the fitted store", r.summary().inSample());
        }
        Path overlap = tmp.resolve("overlap");
        syn.writeStore(overlap, 600, java.util.stream.IntStream.range(0, 300).boxed()
                .collect(java.util.stream.Collectors.toSet()));
        try (Store s = Store.open(overlap, false)) {
            String why = "masks.npy: 100 of the 300 completed held-out models (first: row 300) have masks identical to "
                    + "fitted models of " + a + " (both stores have root seed 8)";
            var e = assertThrows(StoreException.class, () -> Lds.run(fit, s, Kernels.gemm(), 1, true, false));
            assertEquals(why + ": an LDS on them is in-sample, not held-out; use a store initialised with another seed"
                    + " (allowing an in-sample score evaluates it anyway, and says so)", e.getMessage());
            Lds.Result r = Lds.run(fit, s, Kernels.gemm(), 1, true, true);
            assertEquals(why, r.summary().inSample());
            Lds.write(r, 0, tmp.resolve("in-sample"), false);
            assertEquals(why, Json.parseTree("test", java.nio.file.Files.readString(tmp.resolve("in-sample/lds.json"))).get("in_sample")
                    .asText());
        }
        // A true held-out store (same stream, disjoint rows) passes and says nothing.
        Path fresh = tmp.resolve("fresh");
        syn.writeStore(fresh, 600, java.util.stream.IntStream.range(0, 400).boxed()
                .collect(java.util.stream.Collectors.toSet()));
        try (Store s = Store.open(fresh, false)) {
            assertNull(Lds.run(fit, s, Kernels.gemm(), 1, true, false).summary().inSample());
        }
    }
}
