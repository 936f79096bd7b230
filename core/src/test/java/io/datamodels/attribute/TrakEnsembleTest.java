package io.datamodels.attribute;

import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.MlpLearner;
import io.datamodels.learn.ModelTask;
import io.datamodels.learn.Network;
import io.datamodels.store.Store;
import io.datamodels.store.npy.Npy;
import io.datamodels.subset.BitMask;
import io.datamodels.testing.NoStdout;
import io.datamodels.train.InitOptions;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.StoreInit;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TRAK's ensemble as the paper and the reference code define it: each model has its own random projection, the
 * per-model terms {@code Phi_t (Phi^T Phi)^-1 Phi^T} are averaged, and so, separately, are the {@code Q = 1 - p} of
 * the training examples. The oracle recomputes every model's term from its own network and its own projection
 * ({@link Projector#forModel}) and compares with what {@link Attributor} wrote; a projection shared by the models,
 * Q on the wrong side or a missing average fails it. The sum over models is also in model order, so the written
 * weights are bit-identical for any thread count.
 */
@ExtendWith(NoStdout.class)
class TrakEnsembleTest {
    private static final int M_TRAIN = 60;
    private static final int T = 5;
    private static final int MODELS = 3;
    private static final int K = 16;
    private static final long SEED = 21;

    @TempDir
    Path tmp;

    private Store trainedStore() throws IOException {
        DataBinding b = new DataBinding(DatasetSpec.embedded("train"), Selection.parse(Integer.toString(M_TRAIN)),
                DatasetSpec.embedded("test"), Selection.parse(Integer.toString(T)));
        Store s = StoreInit.create(tmp.resolve("store"), b, InitOptions.builder(2).seed(3).command("test").build());
        Training.run(s, TrainOptions.builder(LearnerKind.SOFTMAX).set("epochs", 3).set("batch_size", 16).threads(1)
                .build(), new Runner.Listener() {
                }).requireNoFailures("test");
        return s;
    }

    private static AttributeOptions options(int threads) {
        return AttributeOptions.builder(Method.TRAK).models(MODELS).projDim(K).seed(SEED).threads(threads)
                .gemm(Kernels.scalarGemm()).build();
    }

    @Test
    void ensembleAveragesPerModelProjectionsAndIsThreadCountIndependent() throws Exception {
        Store s = trainedStore();
        AttributeOptions o = options(1);
        Attributor.run(s, tmp.resolve("one"), o, new Attributor.Listener() {
        });
        Attributor.run(s, tmp.resolve("two"), options(2), new Attributor.Listener() {
        });
        float[] w1 = Npy.readFloats(tmp.resolve("one/weights.npy"));
        float[] w2 = Npy.readFloats(tmp.resolve("two/weights.npy"));
        assertArrayEquals(w1, w2, "weights must not depend on the thread count");

        var rec = Json.read(s.dir().resolve(io.datamodels.train.TrainRecord.FILE),
                io.datamodels.train.TrainRecord.class);
        var fields = rec.config().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) fields).remove(Learners.RUNS_PER_MASK);
        double[] term = new double[M_TRAIN * T];
        double[] q = new double[M_TRAIN];
        float[][] perModel = new float[MODELS][];
        try (var l = Learners.create(s, LearnerKind.SOFTMAX, fields, o.gemm(), o.narrow()).learner()) {
            MlpLearner learner = (MlpLearner) l;
            BitMask all = new BitMask(M_TRAIN);
            for (int j = 0; j < M_TRAIN; j++) {
                all.set(j);
            }
            for (int i = 0; i < MODELS; i++) {
                Network net = learner.trainNetwork(new ModelTask(i, all, SEED));
                ExampleGradients g = ExampleGradients.of(net, learner.trainInputs(), learner.trainLabels(), M_TRAIN,
                        ExampleGradients.Fn.LOG_ODDS, o.gemm());
                ExampleGradients gt = ExampleGradients.of(net, learner.targetInputs(), learner.targetLabels(), T,
                        ExampleGradients.Fn.LOG_ODDS, o.gemm());
                Projector proj = Projector.forModel(SEED, i, K, o.projection());
                perModel[i] = Scores.trak(g.project(proj, o.gemm()), M_TRAIN, gt.project(proj, o.gemm()), T, K, 0,
                        o.gemm());
                for (int c = 0; c < term.length; c++) {
                    term[c] += perModel[i][c] / MODELS;
                }
                for (int j = 0; j < M_TRAIN; j++) {
                    q[j] += (1 - g.p[j]) / MODELS;
                }
            }
        }
        double maxAbs = 0;
        for (int j = 0; j < M_TRAIN; j++) {
            for (int c = 0; c < T; c++) {
                double want = term[j * T + c] * q[j];
                maxAbs = Math.max(maxAbs, Math.abs(want));
                assertEquals(want, w1[j * T + c], 1e-5 * (1 + Math.abs(want)), "weight of example " + j
                        + " on target " + c);
            }
        }
        assertTrue(maxAbs > 1e-3, "the weights must not be trivially zero: " + maxAbs);
        // The models' terms differ (their projections differ), so the average is not any one of them.
        double diff = 0;
        for (int c = 0; c < term.length; c++) {
            diff = Math.max(diff, Math.abs(perModel[0][c] - perModel[1][c]));
        }
        assertTrue(diff > 1e-3 * maxAbs, "models 0 and 1 gave the same term: a projection shared by the models?");
    }

    @Test
    void eachModelHasItsOwnProjectionAndItIsReproducible() {
        float[] a = new float[3 * K];
        float[] b = new float[3 * K];
        float[] c = new float[3 * K];
        Projector.forModel(SEED, 0, K, AttributeOptions.Projection.RADEMACHER).rows(5, 3, a);
        Projector.forModel(SEED, 0, K, AttributeOptions.Projection.RADEMACHER).rows(5, 3, b);
        Projector.forModel(SEED, 1, K, AttributeOptions.Projection.RADEMACHER).rows(5, 3, c);
        assertArrayEquals(a, b);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == c[i] ? 1 : 0;
        }
        // independent +-1 entries agree about half the time; identical rows would agree everywhere
        assertTrue(same > a.length / 4 && same < 3 * a.length / 4, same + " of " + a.length + " entries equal");
    }
}
