package io.datamodels.learn;

import io.datamodels.data.Dataset;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import io.datamodels.testing.Tolerances;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batched learner against the one-model reference, across kernels, modes and on real data. */
@ExtendWith(NoStdout.class)
class MlpLearnerTest {
    private static final Set<String> ACC = Set.of(Outputs.CORRECT);

    static List<ModelTask> tasks(int m, int count, double alpha, long seed) {
        Sampling s = new Sampling(Sampling.BERNOULLI, alpha, seed, m);
        List<ModelTask> t = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            t.add(new ModelTask(i, s.mask(i), seed));
        }
        return t;
    }

    static double meanAccuracy(List<Outcome> outs) {
        double sum = 0;
        for (Outcome o : outs) {
            boolean[] c = (boolean[]) assertInstanceOf(Outcome.Ok.class, o).outputs().get(Outputs.CORRECT);
            int n = 0;
            for (boolean b : c) {
                n += b ? 1 : 0;
            }
            sum += (double) n / c.length;
        }
        return sum / outs.size();
    }

    static double referenceAccuracy(Dataset train, Dataset test, MlpConfig cfg, List<ModelTask> tasks) {
        float[][] xs = ReferenceMlp.standardised(train, test);
        int classes = Math.max(train.numClasses(), test.numClasses());
        return tasks.parallelStream().mapToDouble(t -> ReferenceMlp.train(xs[0], train.labels(), train.cols(), classes,
                cfg, t).accuracy(xs[1], test.labels(), test.cols())).average().orElseThrow();
    }

    /** The acceptance check: batching changes mean test accuracy by less than 0.5 points on the same seeds. */
    @Test
    void batchedMatchesTheReferenceOnFashionMnist() throws Exception {
        SharedData.require("fashion-mnist");
        Dataset train = DatasetSpec.parse("idx:" + SharedData.require("fashion-mnist")).load().select(Selection.first(5000));
        Dataset test = DatasetSpec.parse("idx:" + SharedData.require("fashion-mnist") + "#split=test").load()
                .select(Selection.first(2000));
        for (MlpConfig cfg : List.of(MlpConfig.softmax(), MlpConfig.mlp())) {
            List<ModelTask> tasks = tasks(train.rows(), 8, 0.5, 11);
            double ref = referenceAccuracy(train, test, cfg, tasks);
            for (String mode : List.of("gather", "shared")) {
                MlpLearner l = new MlpLearner(train, test, cfg.withMode(MlpConfig.Mode.of(mode)), Kernels.gemm(), NarrowLinear.choose(),
                        0.5);
                double got = meanAccuracy(l.train(tasks, ACC));
                assertEquals(ref, got, 0.005, cfg.hidden().length + " hidden layers, " + mode + " mode");
            }
        }
    }

    @Test
    void defaultsReachEightyPercentOnFashionMnistWith2500Images() throws Exception {
        Dataset full = DatasetSpec.parse("idx:" + SharedData.require("fashion-mnist")).load();
        Dataset train = full.select(Selection.first(2500));
        Dataset test = DatasetSpec.parse("idx:" + SharedData.require("fashion-mnist") + "#split=test").load();
        // Subsets of all 2,500 images: masks with every bit set.
        List<ModelTask> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            io.datamodels.subset.BitMask all = new io.datamodels.subset.BitMask(train.rows());
            IntStream.range(0, train.rows()).forEach(all::set);
            tasks.add(new ModelTask(i, all, 3));
        }
        for (MlpConfig cfg : List.of(MlpConfig.softmax(), MlpConfig.mlp())) {
            double acc = meanAccuracy(new MlpLearner(train, test, cfg, Kernels.gemm(), NarrowLinear.choose(), 1.0)
                    .train(tasks, ACC));
            assertTrue(acc >= 0.80, cfg + ": test accuracy " + acc);
        }
    }

    @Test
    void gatherModeEqualsTheReferenceModelByModel() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(300));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(50));
        MlpConfig cfg = new MlpConfig(new int[]{16}, 3, 32, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.GATHER, 4, MlpConfig.Sharing.PER_MODEL,
                MlpConfig.Sharing.PER_MODEL);
        List<ModelTask> tasks = tasks(train.rows(), 3, 0.5, 5);
        float[][] xs = ReferenceMlp.standardised(train, test);
        List<Outcome> outs = new MlpLearner(train, test, cfg, Kernels.scalarGemm(), NarrowLinear.scalar(), 0.5)
                .train(tasks, Set.of(Outputs.LOGITS));
        for (int k = 0; k < tasks.size(); k++) {
            ReferenceMlp ref = ReferenceMlp.train(xs[0], train.labels(), train.cols(), 10, cfg, tasks.get(k));
            float[] logits = (float[]) ((Outcome.Ok) outs.get(k)).outputs().get(Outputs.LOGITS);
            for (int t = 0; t < test.rows(); t++) {
                float[] want = ref.logits(java.util.Arrays.copyOfRange(xs[1], t * test.cols(), (t + 1) * test.cols()));
                for (int c = 0; c < 10; c++) {
                    assertEquals(want[c], logits[t * 10 + c], 1e-3, "model " + k + " target " + t);
                }
            }
        }
    }

    /**
     * {@link MlpLearner#trainNetwork} returns the very model {@link MlpLearner#train} trains for the same task (softmax
     * through the narrow kernel, the MLP through GEMMs): its logits on the prepared targets, computed plainly by
     * {@link Network#logits}, equal the learner's stored logits.
     */
    @Test
    void trainNetworkReturnsTheModelThatTrainTrains() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(200));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(20));
        for (int[] hidden : new int[][]{{}, {8}}) {
            MlpConfig cfg = new MlpConfig(hidden, 2, 32, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true,
                    MlpConfig.Mode.GATHER, 4, MlpConfig.Sharing.PER_MODEL, MlpConfig.Sharing.PER_MODEL);
            MlpLearner l = new MlpLearner(train, test, cfg, Kernels.gemm(), NarrowLinear.choose(), 0.5);
            ModelTask task = tasks(train.rows(), 1, 0.5, 9).getFirst();
            float[] stored = (float[]) ((Outcome.Ok) l.train(List.of(task), Set.of(Outputs.LOGITS)).getFirst())
                    .outputs().get(Outputs.LOGITS);
            Network net = l.trainNetwork(task);
            assertArrayEquals(l.sizes(), net.sizes());
            double[] z = net.logits(l.targetInputs(), test.rows());
            for (int i = 0; i < stored.length; i++) {
                assertEquals(stored[i], z[i], 1e-3, "hidden " + java.util.Arrays.toString(hidden) + " entry " + i);
            }
        }
    }

    /**
     * Softmax regression in gather mode runs its layer through the {@link NarrowLinear} it is given, not one it looks
     * up: an injected scalar kernel (counting its calls) is used, and the models equal the reference trainer's, as
     * they do with this JVM's default kernel.
     */
    @Test
    void softmaxUsesTheInjectedNarrowKernelAndEqualsTheReference() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(300));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(50));
        MlpConfig cfg = new MlpConfig(new int[0], 3, 32, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.GATHER, 4, MlpConfig.Sharing.PER_MODEL,
                MlpConfig.Sharing.PER_MODEL);
        List<ModelTask> tasks = tasks(train.rows(), 3, 0.5, 6);
        float[][] xs = ReferenceMlp.standardised(train, test);
        NarrowLinear scalar = NarrowLinear.scalar();
        int[] calls = {0};
        NarrowLinear counting = new NarrowLinear() {
            @Override
            public String name() {
                return scalar.name();
            }

            @Override
            public void forward(float[] x, int d, int[] rows, int n, float[] wt, float[] bias, int outputs,
                                float[] out, int ldo) {
                synchronized (calls) {
                    calls[0]++;
                }
                scalar.forward(x, d, rows, n, wt, bias, outputs, out, ldo);
            }

            @Override
            public void weightGrad(float[] x, int d, int[] rows, int n, float[] g, int ldg, int outputs, float beta,
                                   float[] gt) {
                synchronized (calls) {
                    calls[0]++;
                }
                scalar.weightGrad(x, d, rows, n, g, ldg, outputs, beta, gt);
            }
        };
        for (NarrowLinear narrow : List.of(counting, NarrowLinear.choose())) {
            List<Outcome> outs = new MlpLearner(train, test, cfg, Kernels.gemm(), narrow, 0.5)
                    .train(tasks, Set.of(Outputs.LOGITS));
            for (int k = 0; k < tasks.size(); k++) {
                ReferenceMlp ref = ReferenceMlp.train(xs[0], train.labels(), train.cols(), 10, cfg, tasks.get(k));
                float[] logits = (float[]) ((Outcome.Ok) outs.get(k)).outputs().get(Outputs.LOGITS);
                for (int t = 0; t < test.rows(); t++) {
                    float[] want = ref.logits(java.util.Arrays.copyOfRange(xs[1], t * test.cols(),
                            (t + 1) * test.cols()));
                    for (int c = 0; c < 10; c++) {
                        assertEquals(want[c], logits[t * 10 + c], 1e-3, narrow.name() + ": model " + k + " target "
                                + t);
                    }
                }
            }
        }
        assertTrue(calls[0] > 0, "the injected kernel was not used");
    }

    /** Shared mode trains each model of a group independently: one alone (softmax too) equals it in a group. */
    @Test
    void sharedModeGivesTheSameModelAloneAsInAGroup() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(300));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(40));
        for (int[] hidden : List.of(new int[0], new int[]{8})) {
            MlpConfig cfg = new MlpConfig(hidden, 2, 16, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.SHARED, 3, MlpConfig.Sharing.PER_MODEL,
                    MlpConfig.Sharing.PER_MODEL);
            MlpLearner l = new MlpLearner(train, test, cfg, Kernels.gemm(), NarrowLinear.choose(), 0.5);
            List<ModelTask> tasks = tasks(train.rows(), 3, 0.5, 4);
            List<Outcome> group = l.train(tasks, Set.of(Outputs.MARGINS));
            for (int k = 0; k < tasks.size(); k++) {
                float[] alone = margins(l.train(List.of(tasks.get(k)), Set.of(Outputs.MARGINS)));
                assertArrayEquals(margins(List.of(group.get(k))), alone, 1e-3f, hidden.length + " hidden, model " + k);
            }
        }
    }

    @Test
    void everyKernelTrainsTheSameModels() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(200));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(40));
        MlpConfig cfg = new MlpConfig(new int[]{8}, 2, 16, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.SHARED, 3, MlpConfig.Sharing.PER_MODEL,
                MlpConfig.Sharing.PER_MODEL);
        List<ModelTask> tasks = tasks(train.rows(), 3, 0.5, 9);
        float[] ref = margins(new MlpLearner(train, test, cfg, Kernels.scalarGemm(), NarrowLinear.scalar(), 0.5)
                .train(tasks, Set.of(Outputs.MARGINS)));
        for (var g : List.of(Kernels.gemm("vector"), Kernels.gemm())) {
            float[] got = margins(new MlpLearner(train, test, cfg, g, NarrowLinear.choose(), 0.5)
                    .train(tasks, Set.of(Outputs.MARGINS)));
            assertArrayEquals(ref, got, 1e-3f, g.name());
        }
    }

    private static float[] margins(List<Outcome> outs) {
        float[] all = new float[0];
        for (Outcome o : outs) {
            float[] m = (float[]) ((Outcome.Ok) o).outputs().get(Outputs.MARGINS);
            float[] n = java.util.Arrays.copyOf(all, all.length + m.length);
            System.arraycopy(m, 0, n, all.length, m.length);
            all = n;
        }
        return all;
    }

    @Test
    void aModelsOutputsDependOnlyOnItsIndex() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(300));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(30));
        for (String mode : List.of("gather", "shared")) {
            MlpConfig cfg = new MlpConfig(new int[]{8}, 2, 32, 0.05, 0.9, 5e-4, MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.of(mode), 4, MlpConfig.Sharing.PER_MODEL,
                    MlpConfig.Sharing.PER_MODEL);
            MlpLearner l = new MlpLearner(train, test, cfg, Kernels.gemm(), NarrowLinear.choose(), 0.5);
            List<ModelTask> tasks = tasks(train.rows(), 4, 0.5, 2);
            List<Outcome> together = l.train(tasks, Set.of(Outputs.MARGINS));
            List<Outcome> alone = l.train(List.of(tasks.get(2)), Set.of(Outputs.MARGINS));
            List<Outcome> again = l.train(tasks, Set.of(Outputs.MARGINS));
            float[] a = (float[]) ((Outcome.Ok) together.get(2)).outputs().get(Outputs.MARGINS);
            assertArrayEquals(a, (float[]) ((Outcome.Ok) again.get(2)).outputs().get(Outputs.MARGINS), mode);
            assertArrayEquals(a, (float[]) ((Outcome.Ok) alone.getFirst()).outputs().get(Outputs.MARGINS),
                    (float) Tolerances.FLOAT, mode);
        }
    }

    @Test
    void outputsHaveTheirDocumentedMeaning() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(200));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(25));
        MlpLearner l = new MlpLearner(train, test, MlpConfig.softmax(), Kernels.gemm(), NarrowLinear.choose(),
                0.5);
        var out = ((Outcome.Ok) l.train(tasks(train.rows(), 1, 0.5, 1), Outputs.names()).getFirst()).outputs();
        float[] logits = (float[]) out.get(Outputs.LOGITS);
        float[] margins = (float[]) out.get(Outputs.MARGINS);
        float[] probs = (float[]) out.get(Outputs.PROBS);
        float[] losses = (float[]) out.get(Outputs.LOSSES);
        float[] logodds = (float[]) out.get(Outputs.LOGODDS);
        boolean[] correct = (boolean[]) out.get(Outputs.CORRECT);
        for (int t = 0; t < test.rows(); t++) {
            int y = test.label(t);
            float other = Float.NEGATIVE_INFINITY;
            double z = 0;
            for (int c = 0; c < 10; c++) {
                if (c != y) {
                    other = Math.max(other, logits[t * 10 + c]);
                }
                z += Math.exp(logits[t * 10 + c]);
            }
            assertEquals(logits[t * 10 + y] - other, margins[t], 1e-5);
            assertEquals(Math.exp(logits[t * 10 + y]) / z, probs[t], 1e-4);
            assertEquals(-Math.log(probs[t]), losses[t], 1e-3);
            double zy = Math.exp(logits[t * 10 + y]);
            assertEquals(Math.log(zy / (z - zy)), logodds[t], 1e-3 * (1 + Math.abs(logodds[t])));
            // a decreasing function of the loss: f = -loss - log(1 - exp(-loss))
            assertEquals(-losses[t] - Math.log(-Math.expm1(-losses[t])), logodds[t], 2e-3 * (1 + Math.abs(logodds[t])));
            assertEquals(margins[t] > 0, correct[t]);
        }
        float acc = ((float[]) out.get(Outputs.TRAIN_ACCURACY))[0];
        assertTrue(acc > 0.5 && acc <= 1, "train accuracy " + acc);
        assertTrue(((float[]) out.get(Outputs.TRAIN_LOSS))[0] > 0);
    }

    @Test
    void badConfigAndMaskLength() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MlpConfig(new int[]{64}, 10, 128, 0.05, 1.5, 0,
                MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.AUTO, 16, MlpConfig.Sharing.PER_MODEL, MlpConfig.Sharing.PER_MODEL));
        assertEquals("momentum must be in [0, 1), got 1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MlpConfig(new int[]{0}, 10, 128, 0.05, 0.9, 0,
                MlpConfig.Schedule.COSINE, true, MlpConfig.Mode.AUTO, 16, MlpConfig.Sharing.PER_MODEL, MlpConfig.Sharing.PER_MODEL));
        assertThrows(IllegalArgumentException.class, () -> new MlpConfig(new int[]{}, 10, 128, 0.05, 0.9, 0,
                MlpConfig.Schedule.of("step"), true, MlpConfig.Mode.AUTO, 16, MlpConfig.Sharing.PER_MODEL, MlpConfig.Sharing.PER_MODEL));
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(100));
        MlpLearner l = new MlpLearner(train, train, MlpConfig.softmax(), Kernels.gemm(), NarrowLinear.choose(),
                0.5);
        var m = assertThrows(IllegalArgumentException.class, () -> l.train(tasks(99, 1, 0.5, 1), ACC));
        assertEquals("mask of model 0: expected length 100, got 99", m.getMessage());
    }
}
