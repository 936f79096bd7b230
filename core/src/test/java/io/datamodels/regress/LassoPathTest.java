package io.datamodels.regress;

import io.datamodels.store.Store;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.SeedStream;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-memory fit: the same numbers as the store fit, a planted problem recovered, and the edge cases. */
@ExtendWith(NoStdout.class)
class LassoPathTest {
    @TempDir
    Path tmp;

    private static LassoConfig cfg() {
        return LassoConfig.defaults().withLambdas(40).withSeed(5).withThreads(2);
    }

    /**
     * The same data fitted through a store and in memory (as bytes and as bits; m = 70 spans two words per row)
     * gives bit-identical weights, biases, lambdas and path, and the split the store fit recorded.
     */
    @Test
    void inMemoryFitIsBitIdenticalToTheStoreFit() throws Exception {
        int m = 70;
        int t = 5;
        int n = 300;
        Path store = tmp.resolve("store");
        new Synthetic(m, t, 4, 0.7, 0.5, 0.5, 31).writeStore(store, n, Set.of());
        Path out = tmp.resolve("fit");
        byte[] bytes = new byte[n * m];
        float[] y = new float[n * t];
        Fitter.Summary sum;
        try (Store st = Store.open(store, false)) {
            sum = Fitter.fit(st, out, FitRequest.builder().outputsKey("y").config(cfg()).build());
            NpyArray x = st.array(Store.MASKS);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) x.getDouble(i);
            }
            st.array("y").getFloats(0, y, 0, y.length);
        }
        List<BitMask> masks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean[] row = new boolean[m];
            for (int j = 0; j < m; j++) {
                row[j] = bytes[i * m + j] != 0;
            }
            masks.add(BitMask.of(row));
        }
        for (ArrayRows data : List.of(ArrayRows.ofBytes(bytes, m, y, t), ArrayRows.of(masks, y, t))) {
            FitResult r = LassoPath.fit(data, cfg());
            assertArrayEquals(Npy.readFloats(out.resolve("weights.npy")), r.weights());
            assertArrayEquals(Npy.readFloats(out.resolve("weights_standardized.npy")), r.weightsStandardized());
            assertArrayEquals(Npy.readFloats(out.resolve("bias.npy")), r.bias());
            assertArrayEquals(Npy.readDoubles(out.resolve("lambda.npy")), r.lambda());
            assertArrayEquals(Npy.readDoubles(out.resolve("lambda_path.npy")), r.lambdaPath());
            assertArrayEquals(Npy.readDoubles(out.resolve("val_mse.npy")), r.valMse());
            assertArrayEquals(Arrays.stream(r.nnz()).asLongStream().toArray(),
                    Npy.readLongs(out.resolve("nnz.npy")));
            assertEquals(sum.modelsTrain(), r.split().train().length);
            assertEquals(sum.modelsVal(), r.split().validation().length);
            assertEquals(sum.maxKkt(), r.maxKkt());
            assertArrayEquals(sum.constantColumns(), r.constantColumns());
            assertEquals(ValidationSplit.draw(IntStream.range(0, n).toArray(), cfg()).train().length,
                    r.split().train().length);
            assertArrayEquals(ValidationSplit.draw(IntStream.range(0, n).toArray(), cfg()).validation(),
                    r.split().validation());
        }
    }

    /**
     * A planted sparse linear problem with little noise: the non-zero weights are exactly the planted support and
     * each lies within 0.05 of its planted value (shrinkage at the smallest lambdas is below that); the bias too.
     */
    @Test
    void recoversAPlantedSparseProblem() throws Exception {
        int m = 40;
        int t = 3;
        int n = 600;
        int[][] support = {{3, 17, 29}, {0, 39}, {5, 6, 7, 8}};
        double[][] w = {{1.5, -2.0, 0.8}, {-1.2, 2.5}, {0.7, 0.9, -1.1, 1.3}};
        double[] b = {0.5, -1.0, 2.0};
        byte[] x = new byte[n * m];
        float[] y = new float[n * t];
        SeedStream r = new SeedStream(77, 0, 1);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                x[i * m + j] = (byte) (r.nextDouble() < 0.5 ? 1 : 0);
            }
            for (int q = 0; q < t; q++) {
                double v = b[q] + 0.02 * r.nextGaussian();
                for (int k = 0; k < support[q].length; k++) {
                    v += w[q][k] * x[i * m + support[q][k]];
                }
                y[i * t + q] = (float) v;
            }
        }
        FitResult fit = LassoPath.fit(ArrayRows.ofBytes(x, m, y, t), cfg().withLambdaRatio(1e-4).withLambdas(60));
        for (int q = 0; q < t; q++) {
            int[] found = new int[0];
            for (int j = 0; j < m; j++) {
                if (Math.abs(fit.weight(j, q)) > 0.1) {
                    found = Arrays.copyOf(found, found.length + 1);
                    found[found.length - 1] = j;
                }
            }
            assertArrayEquals(support[q], found, "support of target " + q);
            for (int k = 0; k < support[q].length; k++) {
                assertEquals(w[q][k], fit.weight(support[q][k], q), 0.05, "target " + q + ", column " + support[q][k]);
            }
            assertEquals(b[q], fit.bias()[q], 0.05, "bias of target " + q);
        }
        // The datamodels view predicts the planted noiseless outcome of a fresh mask.
        BitMask mask = new BitMask(m);
        mask.set(3);
        mask.set(29);
        mask.set(39);
        assertEquals(0.5 + 1.5 + 0.8, fit.datamodels().predict(mask)[0], 0.1);
    }

    /** One target and one column: y = 2 + 3 x recovered; a constant column gets weight 0 and is reported. */
    @Test
    void oneTargetOneColumnAndConstantColumns() throws Exception {
        int n = 50;
        byte[] x = new byte[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (byte) (i % 3 == 0 ? 1 : 0);
            y[i] = 2f + 3f * x[i] + (i % 2 == 0 ? 1e-3f : -1e-3f);
        }
        FitResult r = LassoPath.fit(ArrayRows.ofBytes(x, 1, y, 1), cfg().withLambdaRatio(1e-4));
        assertEquals(1, r.trainSize());
        assertEquals(1, r.targets());
        assertEquals(3, r.weight(0, 0), 0.01);
        assertEquals(2, r.bias()[0], 0.01);

        byte[] x3 = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            x3[i * 3] = x[i];
            x3[i * 3 + 1] = (byte) (i % 5 == 0 ? 1 : 0);
            x3[i * 3 + 2] = 1;
        }
        FitResult c = LassoPath.fit(ArrayRows.ofBytes(x3, 3, y, 1), cfg().withLambdaRatio(1e-4));
        assertArrayEquals(new int[]{2}, c.constantColumns());
        assertEquals(0f, c.weight(2, 0));
        assertEquals(3, c.weight(0, 0), 0.01);
    }

    /** Too few models, shapes that disagree, values that are not 0/1 or not finite: one clear message each. */
    @Test
    void badInputIsRefusedWithAClearMessage() {
        byte[] nine = new byte[9 * 2];
        var few = assertThrows(FitException.class, () -> LassoPath.fit(ArrayRows.ofBytes(nine, 2, new float[9], 1),
                cfg()));
        assertEquals("models: expected at least 10, got 9", few.getMessage());
        var shape = assertThrows(IllegalArgumentException.class, () -> ArrayRows.ofBytes(new byte[20], 2,
                new float[21], 2));
        assertEquals("outputs: expected 10 x 2 = 20 values (n models from the masks x T targets), got 21",
                shape.getMessage());
        assertEquals("masks: expected a multiple of 3 values (n rows), got 20", assertThrows(
                IllegalArgumentException.class, () -> ArrayRows.ofBytes(new byte[20], 3, new float[6], 1))
                .getMessage());
        assertEquals("m: expected at least 1 training example, got 0", assertThrows(IllegalArgumentException.class,
                () -> ArrayRows.ofBytes(new byte[0], 0, new float[0], 1)).getMessage());
        assertEquals("t: expected at least 1 target, got 0", assertThrows(IllegalArgumentException.class,
                () -> ArrayRows.ofBytes(new byte[4], 2, new float[0], 0)).getMessage());
        byte[] two = new byte[20];
        two[3] = 2;
        assertEquals("masks: row 1, column 1: expected 0 or 1, got 2", assertThrows(IllegalArgumentException.class,
                () -> ArrayRows.ofBytes(two, 2, new float[10], 1)).getMessage());
        long[] words = new long[10];
        words[4] = 1L << 5;
        assertEquals("masks: row 4: expected no bits set past column 4, got word 20", assertThrows(
                IllegalArgumentException.class, () -> ArrayRows.ofBits(words, 5, new float[10], 1)).getMessage());
        float[] y = new float[12];
        y[3] = Float.NaN;
        y[7] = Float.POSITIVE_INFINITY;
        var nan = assertThrows(FitException.class, () -> LassoPath.fit(ArrayRows.ofBytes(new byte[12], 1, y, 1),
                cfg()));
        assertEquals("outputs: rows [3, 7]: expected finite values, got NaN or infinity", nan.getMessage());
        var val = assertThrows(FitException.class, () -> LassoPath.fit(ArrayRows.ofBytes(new byte[10], 1,
                new float[10], 1), cfg().withValFraction(0.01)));
        assertTrue(val.getMessage().startsWith("val_fraction: expected a value that leaves at least 1 validation"),
                val.getMessage());
    }

    /** A diverged model is left out with outlier_z, reported, and in neither part of the split. */
    @Test
    void outliersAreLeftOutAndReported() throws Exception {
        int n = 40;
        byte[] x = new byte[n * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i * 2] = (byte) (i % 2);
            x[i * 2 + 1] = (byte) (i / 2 % 2);
            y[i] = x[i * 2] + 0.1f * (i % 7);
        }
        y[13] = 1e6f;
        FitResult r = LassoPath.fit(ArrayRows.ofBytes(x, 2, y, 1), cfg().withOutlierZ(5));
        assertArrayEquals(new int[]{13}, r.outliers());
        assertEquals(n - 1, r.split().train().length + r.split().validation().length);
        assertTrue(Arrays.binarySearch(r.split().train(), 13) < 0
                && Arrays.binarySearch(r.split().validation(), 13) < 0);
    }

    /** The split: sorted, disjoint, covering the models, round(fraction n) validating, fixed by the seed. */
    @Test
    void validationSplitIsDrawnBySeed() throws Exception {
        int[] models = IntStream.range(100, 200).toArray();
        ValidationSplit a = ValidationSplit.draw(models, 0.1, 4);
        assertEquals(10, a.validation().length);
        assertEquals(90, a.train().length);
        int[] all = IntStream.concat(Arrays.stream(a.train()), Arrays.stream(a.validation())).sorted().toArray();
        assertArrayEquals(models, all);
        assertTrue(IntStream.range(1, a.train().length).allMatch(i -> a.train()[i - 1] < a.train()[i]));
        assertArrayEquals(a.validation(), ValidationSplit.draw(models, 0.1, 4).validation());
        assertTrue(!Arrays.equals(a.validation(), ValidationSplit.draw(models, 0.1, 5).validation()));
    }
}
