package io.datamodels.explore;

import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.pipeline.Experiment;
import io.datamodels.pipeline.Fitted;
import io.datamodels.store.npy.Npy;
import io.datamodels.train.InitOptions;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.TrainOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real datamodels: 300 softmax-regression models on random halves of 500 embedded Fashion-MNIST images, 50 test
 * targets. A target's nearest target in datamodel space should share its class far more often than chance, and the
 * source rows and labels must be those of the embedded sample.
 */
class ExploreSampleTest {
    @TempDir
    Path tmp;

    @Test
    void nearestTargetsShareTheirClassFarMoreOftenThanChance() throws Exception {
        DataBinding data = DataBinding.of("embedded", "100:600", "0:50");
        Fitted fit;
        try (Experiment store = Experiment.create(tmp.resolve("store"), data, InitOptions.builder(300).seed(0).build())) {
            store.train(TrainOptions.builder(LearnerKind.SOFTMAX).build());
            fit = store.fit(tmp.resolve("fit"));
        }
        FitData d = FitData.of(fit.summary(), fit.datamodels().trainSize(), fit.datamodels().targets());
        assertTrue(d.known());
        var test = EmbeddedSample.loadTest();
        for (int q = 0; q < 50; q++) {
            assertEquals(q, d.targetRow(q));
            assertEquals(test.label(q), d.label(q), "label of target " + q);
        }
        assertEquals(100, d.trainRow(0));
        assertEquals(599, d.trainRow(499));

        Neighbours n = Neighbours.of(fit.datamodels(), 0, Neighbours.Options.defaults());
        double same = n.nearestSameClass(d.labels());
        double chance = Neighbours.sameClassChance(d.labels());
        // measured 0.771 (chance 0.088) when written, ARI 0.418; a mix-up of rows and labels would sit near chance
        assertTrue(same >= 0.6 && same >= 4 * chance, "nearest same class " + same + ", chance " + chance);

        Neighbours.Summary s = n.write(tmp.resolve("neighbours"), false, tmp.resolve("fit"), d, io.datamodels.Provenance.now("none", "test"));
        assertEquals(same, s.nearestSameClass(), 0);
        String csv = Files.readString(tmp.resolve("neighbours/neighbours.csv"));
        int[] sup = n.supporters();
        assertTrue(csv.contains("\n0,0,supporter,0," + sup[0] + "," + (100 + sup[0]) + ","), csv.substring(0, 200));
        assertArrayEquals(sup, toInts(Npy.readLongs(tmp.resolve("neighbours/supporters.npy"))));

        Embedding e = Embedding.of(fit.datamodels(), 0, Embedding.Options.defaults());
        Embedding.Summary es = e.write(tmp.resolve("embed"), false, tmp.resolve("fit"), d, io.datamodels.Provenance.now("none", "test"));
        assertEquals(e.ari(d.labels()), es.ari(), 0);
        assertTrue(es.ari() > 0.2, "ARI " + es.ari());
        assertEquals(10, Json.read(tmp.resolve("embed/embed.json"), com.fasterxml.jackson.databind.JsonNode.class)
                .get("explained_variance_ratio").size());
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.toIntExact(v[i]);
        }
        return out;
    }
}
