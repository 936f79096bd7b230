package io.datamodels.learn;

import io.datamodels.Json;
import io.datamodels.data.Dataset;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fields dattri's recipes need: dropout and a fixed input normalisation. */
class RecipeOptionsTest {
    static MlpConfig cfg(int[] hidden, boolean normalize, Double dropout, Double mean, Double std) {
        return new MlpConfig(hidden, 3, 32, 0.05, 0.9, 0, MlpConfig.Schedule.CONSTANT, normalize,
                MlpConfig.Mode.GATHER, 4, MlpConfig.Sharing.PER_MODEL, MlpConfig.Sharing.PER_MODEL, dropout, mean, std);
    }

    @Test
    void defaultsKeepTheirJsonSoOldTrainRecordsStillMatch() throws Exception {
        String json = Json.write(MlpConfig.mlp());
        assertFalse(json.contains("dropout") || json.contains("input_mean"), json);
        MlpConfig c = cfg(new int[]{8}, false, 0.1, 0.1307, 0.3081);
        assertEquals(c, Json.convert("cfg", Json.tree(c), MlpConfig.class));
    }

    @Test
    void contradictionsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cfg(new int[0], false, 0.1, null, null))
                .getMessage().contains("softmax regression"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cfg(new int[]{4}, false, 1.0, null, null))
                .getMessage().contains("dropout must be in [0, 1), got 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cfg(new int[]{4}, false, null, 0.1, null))
                .getMessage().contains("expected both or neither"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cfg(new int[]{4}, true, null, 0.1, 0.3))
                .getMessage().contains("normalize: expected false"));
    }

    @Test
    void fixedNormalisationIsAppliedToTrainingAndTargetInputs() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(30));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(5));
        MlpLearner l = new MlpLearner(train, test, cfg(new int[0], false, null, 0.1307, 0.3081), Kernels.gemm(),
                NarrowLinear.choose(), 0.5);
        float[] raw = train.features();
        float[] got = l.trainInputs();
        for (int i = 0; i < raw.length; i++) {
            assertEquals((raw[i] - 0.1307) / 0.3081, got[i], 1e-5);
        }
        assertEquals((test.features()[7] - 0.1307) / 0.3081, l.targetInputs()[7], 1e-5);
    }

    /** Dropout changes the trained model, is deterministic per task, and the models still learn. */
    @Test
    void dropoutIsSeededAndStillLearns() {
        Dataset train = EmbeddedSample.loadTrain().select(Selection.first(400));
        Dataset test = EmbeddedSample.loadTest().select(Selection.first(100));
        ModelTask task = MlpLearnerTest.tasks(train.rows(), 1, 0.9, 3).getFirst();
        MlpLearner with = new MlpLearner(train, test, cfg(new int[]{32}, true, 0.1, null, null), Kernels.gemm(),
                NarrowLinear.choose(), 0.9);
        MlpLearner without = new MlpLearner(train, test, cfg(new int[]{32}, true, null, null, null), Kernels.gemm(),
                NarrowLinear.choose(), 0.9);
        Network a = with.trainNetwork(task);
        Network b = with.trainNetwork(task);
        Network c = without.trainNetwork(task);
        assertArrayEquals(a.weights()[0], b.weights()[0]);
        assertFalse(java.util.Arrays.equals(a.weights()[0], c.weights()[0]));
        double acc = MlpLearnerTest.meanAccuracy(with.train(List.of(task), Set.of(Outputs.CORRECT)));
        double plain = MlpLearnerTest.meanAccuracy(without.train(List.of(task), Set.of(Outputs.CORRECT)));
        assertTrue(acc > 0.6 && acc > plain - 0.1, "test accuracy with dropout " + acc + ", without " + plain);
    }
}
