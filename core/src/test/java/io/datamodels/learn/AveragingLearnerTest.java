package io.datamodels.learn;

import io.datamodels.data.Dataset;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.subset.SeedStream;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Averaging R runs per mask: the documented seeds, exact means of the plain learner's runs, less noise. */
@ExtendWith(NoStdout.class)
class AveragingLearnerTest {
    private static final Dataset TRAIN = EmbeddedSample.loadTrain().select(Selection.first(400));
    private static final Dataset TEST = EmbeddedSample.loadTest().select(Selection.first(60));
    private static final Set<String> KEYS = Set.of(Outputs.MARGINS, Outputs.CORRECT, Outputs.TRAIN_LOSS);

    private static MlpConfig softmax(String mode, String sharing) {
        return new MlpConfig(new int[0], 3, 32, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.of(mode), 4,
                MlpConfig.Sharing.of(sharing), MlpConfig.Sharing.of(sharing));
    }

    private static Map<String, Object> ok(Outcome o) {
        return assertInstanceOf(Outcome.Ok.class, o).outputs();
    }

    @Test
    void oneRunIsThePlainLearnerAndRunSeedsAreAsDocumented() {
        Learner plain = new MlpLearner(TRAIN, TEST, softmax("gather", "per_model"), Kernels.gemm(),
                NarrowLinear.choose(), 0.5);
        assertSame(plain, AveragingLearner.of(plain, 1));
        assertThrows(IllegalArgumentException.class, () -> AveragingLearner.of(plain, 0));
        assertEquals(77L, AveragingLearner.runSeed(77, 0));
        assertEquals(new SeedStream(77, 2, AveragingLearner.SALT_RUNS).nextLong(), AveragingLearner.runSeed(77, 2));
        assertNotEquals(AveragingLearner.runSeed(77, 1), AveragingLearner.runSeed(77, 2));
    }

    /** Gather mode trains each model independently of its batch, so the mean is exact to the last bit. */
    @Test
    void outputsAreTheMeanOfThePlainLearnersRunsWithTheRunSeeds() {
        for (String mode : List.of("gather", "shared")) {
            MlpLearner plain = new MlpLearner(TRAIN, TEST, softmax(mode, "per_model"), Kernels.gemm(),
                    NarrowLinear.choose(), 0.5);
            int runs = 3;
            Learner avg = AveragingLearner.of(plain, runs);
            List<ModelTask> tasks = MlpLearnerTest.tasks(TRAIN.rows(), 5, 0.5, 21);
            List<Outcome> got = avg.train(tasks, KEYS);
            assertEquals(tasks.size(), got.size());
            for (int i = 0; i < tasks.size(); i++) {
                ModelTask t = tasks.get(i);
                double[] sum = new double[TEST.rows()];
                int[] votes = new int[TEST.rows()];
                double loss = 0;
                for (int r = 0; r < runs; r++) {
                    ModelTask run = new ModelTask(t.index(), t.mask(), AveragingLearner.runSeed(t.seed(), r));
                    // Shared mode batches the run with the others of its seed, as the averaging learner does.
                    List<ModelTask> batch = new ArrayList<>();
                    for (ModelTask u : tasks) {
                        batch.add(new ModelTask(u.index(), u.mask(), run.seed()));
                    }
                    Map<String, Object> one = ok(plain.train(batch, KEYS).get(i));
                    float[] m = (float[]) one.get(Outputs.MARGINS);
                    boolean[] c = (boolean[]) one.get(Outputs.CORRECT);
                    for (int j = 0; j < m.length; j++) {
                        sum[j] += m[j];
                        votes[j] += c[j] ? 1 : 0;
                    }
                    loss += ((float[]) one.get(Outputs.TRAIN_LOSS))[0];
                }
                Map<String, Object> out = ok(got.get(i));
                float[] mean = (float[]) out.get(Outputs.MARGINS);
                boolean[] maj = (boolean[]) out.get(Outputs.CORRECT);
                for (int j = 0; j < mean.length; j++) {
                    assertEquals((float) (sum[j] / runs), mean[j], mode + " model " + i + " target " + j);
                    assertEquals(2 * votes[j] > runs, maj[j], mode + " model " + i + " target " + j);
                }
                assertEquals((float) (loss / runs), ((float[]) out.get(Outputs.TRAIN_LOSS))[0]);
            }
        }
    }

    /**
     * The point of the control: two root seeds disagree less on a mask's margins after averaging. With R runs the
     * mask-independent noise in a margin has about 1/R of its variance.
     */
    @Test
    void averagingShrinksTheSeedToSeedSpreadOfMargins() {
        MlpLearner plain = new MlpLearner(TRAIN, TEST, softmax("gather", "per_model"), Kernels.gemm(),
                NarrowLinear.choose(), 0.5);
        double[] spread = new double[2];
        int[] runs = {1, 4};
        for (int k = 0; k < 2; k++) {
            Learner l = AveragingLearner.of(plain, runs[k]);
            List<ModelTask> a = MlpLearnerTest.tasks(TRAIN.rows(), 6, 0.5, 5);
            List<ModelTask> b = new ArrayList<>();
            for (ModelTask t : a) {
                b.add(new ModelTask(t.index(), t.mask(), 6)); // same masks, another root seed for training
            }
            List<Outcome> oa = l.train(a, Set.of(Outputs.MARGINS));
            List<Outcome> ob = l.train(b, Set.of(Outputs.MARGINS));
            double ss = 0;
            int n = 0;
            for (int i = 0; i < a.size(); i++) {
                float[] x = (float[]) ok(oa.get(i)).get(Outputs.MARGINS);
                float[] y = (float[]) ok(ob.get(i)).get(Outputs.MARGINS);
                for (int j = 0; j < x.length; j++) {
                    ss += (x[j] - y[j]) * (double) (x[j] - y[j]);
                    n++;
                }
            }
            spread[k] = ss / n;
        }
        // Expected ratio 1/4; allow for the small sample.
        assertTrue(spread[1] < 0.5 * spread[0], "variance of seed-to-seed differences: 1 run " + spread[0]
                + ", 4 runs " + spread[1]);
    }

    @Test
    void aFailedRunFailsItsTaskOnlyAndNonFloatRowsAreRefused() {
        Learner flaky = new Learner() {
            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public Set<String> outputKeys() {
                return Set.of("y", "n");
            }

            @Override
            public List<Outcome> train(List<ModelTask> tasks, Set<String> keys) {
                List<Outcome> out = new ArrayList<>();
                for (ModelTask t : tasks) {
                    if (t.index() == 1 && t.seed() != 9) {
                        out.add(new Outcome.Failed("boom"));
                    } else if (keys.contains("n")) {
                        out.add(new Outcome.Ok(Map.of("n", new int[]{1})));
                    } else {
                        out.add(new Outcome.Ok(Map.of("y", new float[]{t.index(), t.seed() == 9 ? 1 : 3})));
                    }
                }
                return out;
            }
        };
        Learner avg = AveragingLearner.of(flaky, 2);
        List<ModelTask> tasks = List.of(new ModelTask(0, new io.datamodels.subset.BitMask(3), 9),
                new ModelTask(1, new io.datamodels.subset.BitMask(3), 9));
        List<Outcome> got = avg.train(tasks, Set.of("y"));
        assertArrayEquals(new float[]{0, 2}, (float[]) ok(got.get(0)).get("y"));
        Outcome.Failed f = assertInstanceOf(Outcome.Failed.class, got.get(1));
        assertEquals("run 2 of 2: boom", f.reason());
        Outcome.Failed ints = assertInstanceOf(Outcome.Failed.class, avg.train(tasks.subList(0, 1), Set.of("n")).get(0));
        assertTrue(ints.reason().contains("output 'n': expected float or bool rows"), ints.reason());
    }
}
