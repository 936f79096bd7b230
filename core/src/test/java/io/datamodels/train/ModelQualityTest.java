package io.datamodels.train;

import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.learn.Outputs;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What train and fit tell the user: accuracies over completed rows, and warnings that say what to tune. */
@ExtendWith(NoStdout.class)
class ModelQualityTest {
    @TempDir
    Path tmp;

    /** Oracle: hand-computed means over the completed rows only (row 2 is never written). */
    @Test
    void accuraciesAreMeansOverCompletedRows() throws Exception {
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put(Outputs.MARGINS, StoreSpec.KeySpec.of(DType.FLOAT32, 3));
        schema.put(Outputs.TRAIN_ACCURACY, StoreSpec.KeySpec.of(DType.FLOAT32));
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, null, null, Provenance.now("none", "test"));
        try (Store s = Store.init(tmp.resolve("s"), new StoreSpec(3L, schema), meta, false)) {
            s.writeRow(0, Map.of(Outputs.MARGINS, new float[]{1, -1, 2}, Outputs.TRAIN_ACCURACY, new float[]{0.5f}));
            s.writeRow(1, Map.of(Outputs.MARGINS, new float[]{-3, 0, 4}, Outputs.TRAIN_ACCURACY, new float[]{0.25f}));
            ModelQuality q = ModelQuality.of(s, 10);
            assertEquals(2, q.models());
            assertEquals(0.375, q.trainAcc(), 1e-12);
            assertEquals(3 / 6.0, q.targetAcc(), 1e-12); // margins > 0: 1, 2, 4; 0 is not correct
            assertEquals("models (2 completed): mean training accuracy 0.375; mean target accuracy 0.500; chance 1/10"
                    + " = 0.100", q.line());
            assertEquals(1, q.warnings().size());
            assertTrue(q.warnings().getFirst().startsWith("warning: the models fit only 38% of their own training "
                    + "examples (they underfit)"), q.warnings().getFirst());
        }
        assertEquals(List.of(), new ModelQuality(5, 0.9, 0.8, 10).warnings());
        assertTrue(new ModelQuality(5, 0.9, 0.12, 10).warnings().getFirst().startsWith("warning: accuracy near chance"
                + " (1/10 = 0.100)"));
        assertEquals(List.of(), new ModelQuality(5, Double.NaN, Double.NaN, 0).warnings());
    }

    /**
     * Real data: default softmax on the letter CSV (26 classes) fits about a quarter of its training subsets and is
     * warned about; a larger learning rate and more epochs, as the warning suggests, reach about 70% and are not.
     */
    @Test
    void defaultSoftmaxOnLetterIsWarnedAboutAndTheSuggestedTuningIsNot() throws Exception {
        Path csv = SharedData.require("tabular/letter-recognition.data");
        DataBinding binding = new DataBinding(DatasetSpec.parse("csv:" + csv + "#label=0"), Selection.parse("2000"),
                DatasetSpec.parse("csv:" + csv + "#label=0"), Selection.parse("2000:2200"));
        ModelQuality def = train(binding, "default", "{}");
        assertEquals(26, def.classes());
        assertTrue(def.trainAcc() < 0.4, def.line());
        assertTrue(def.warnings().getFirst().contains("(e.g. config fields lr=0.1, epochs=30)"),
                def.warnings().toString());
        ModelQuality tuned = train(binding, "tuned", "{\"lr\": 0.1, \"epochs\": 30}");
        assertTrue(tuned.trainAcc() > 0.6 && tuned.targetAcc() > 0.6, tuned.line());
        assertEquals(List.of(), tuned.warnings());
    }

    private ModelQuality train(DataBinding binding, String name, String config) throws Exception {
        Path dir = tmp.resolve(name);
        StoreInit.create(dir, binding, InitOptions.builder(6).command("test").build()).close();
        try (Store s = Store.open(dir, true)) {
            TrainOptions o = TrainOptions.builder(LearnerKind.SOFTMAX).config(Json.parseTree("test", config)).threads(2)
                    .retries(0).build();
            return Training.run(s, o, new Runner.Listener() {
            }).quality();
        }
    }

    /** Oracle: 6 of 10 weight columns are zero by construction; 1 of 10 is not enough to warn. */
    @Test
    void fitWarnsWhenManyTargetsHaveNoWeight() throws Exception {
        int m = 5;
        int t = 10;
        float[] w = new float[m * t];
        for (int q = 6; q < t; q++) {
            w[2 * t + q] = 0.5f;
        }
        Path dir = Files.createDirectories(tmp.resolve("fit"));
        Npy.write(dir.resolve("weights.npy"), DType.FLOAT32, w, m, t);
        Npy.write(dir.resolve("bias.npy"), DType.FLOAT32, new float[t], t);
        Datamodels dm = Datamodels.load(dir);
        assertEquals(6, dm.targetsWithoutWeights());
        assertEquals("warning: 6 of 10 targets have no non-zero weight: too few models (1,200) for m = 5 training "
                + "examples? Train more models (the paper uses tens of thousands) and fit again",
                dm.fewModelsWarning(1200));
        for (int q = 1; q < 6; q++) {
            w[q] = 1;
        }
        Npy.write(dir.resolve("weights.npy"), DType.FLOAT32, w, m, t);
        assertNull(Datamodels.load(dir).fewModelsWarning(1200));
    }
}
