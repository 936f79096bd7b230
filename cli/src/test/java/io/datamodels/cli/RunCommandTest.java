package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** run: one config through every stage, resumable, with config errors refused up front. */
class RunCommandTest {
    @TempDir
    Path tmp;

    private static final String CONFIG = """
            {"data": "embedded", "train": "120", "targets": "10", "learner": "softmax",
             "learner_config": {"epochs": 2}, "alpha": 0.5, "seed": 4, "models": 120, "held_out_models": 30,
             "lambdas": 20, "lambda_ratio": 0.01, "val_fraction": 0.1,
             "counterfactual": {"targets": "0:3", "k": [5, 10], "base": "full", "retrains": 2},
             "support": {"targets": "0:3", "max_k": 40, "grid": [10, 40], "retrains": 2}}
            """;

    @Test
    void runsEveryStageThenResumesWithoutRedoingThem() throws Exception {
        Path cfg = tmp.resolve("exp.json");
        Files.writeString(cfg, CONFIG);
        Path dir = tmp.resolve("exp");
        CliTest.Result r = CliTest.run("run", "--config", cfg.toString(), "--dir", dir.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("LDS (held-out models): mean Spearman"), r.out());
        assertTrue(r.out().contains("counterfactual (remove top-k, retrain 2 x)"), r.out());
        for (String f : new String[]{"run.json", "store/spec.json", "held-out/spec.json", "datamodels/weights.npy",
                "eval/lds/lds.json", "eval/counterfactual/counterfactual.json", "eval/support/support.json"}) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        long mtime = Files.getLastModifiedTime(dir.resolve("datamodels/weights.npy")).toMillis();
        CliTest.Result again = CliTest.run("run", "--config", cfg.toString(), "--dir", dir.toString());
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("fit: done before, skipped"), again.out());
        assertFalse(again.out().contains("models to go"), again.out());
        assertEquals(mtime, Files.getLastModifiedTime(dir.resolve("datamodels/weights.npy")).toMillis());
    }

    @Test
    void configErrors() throws Exception {
        Path unknown = tmp.resolve("unknown.json");
        Files.writeString(unknown, CONFIG.replace("\"alpha\": 0.5", "\"alpha\": 0.5, \"alfa\": 1"));
        CliTest.Result r = CliTest.run("run", "--config", unknown.toString(), "--dir", tmp.resolve("a").toString());
        assertEquals(ExitCodes.INPUT, r.code());
        assertTrue(r.err().contains("alfa: unknown field"), r.err());
        Path range = tmp.resolve("range.json");
        Files.writeString(range, CONFIG.replace("\"alpha\": 0.5", "\"alpha\": 1.5"));
        CliTest.Result r2 = CliTest.run("run", "--config", range.toString(), "--dir", tmp.resolve("b").toString());
        assertEquals(ExitCodes.INPUT, r2.code());
        assertTrue(r2.err().contains("alpha must be in (0, 1), got 1.5"), r2.err());
        Path badLearner = tmp.resolve("learner.json");
        Files.writeString(badLearner, CONFIG.replace("{\"epochs\": 2}", "{\"epochs\": 0}"));
        CliTest.Result r3 = CliTest.run("run", "--config", badLearner.toString(), "--dir", tmp.resolve("c").toString());
        assertEquals(ExitCodes.INPUT, r3.code());
        assertTrue(r3.err().contains("epochs must be >= 1, got 0"), r3.err());
        assertFalse(Files.exists(tmp.resolve("c/store")), "nothing trained for a bad learner config");
        // A folder keeps its experiment: another config there is refused.
        Path cfg = tmp.resolve("exp.json");
        Files.writeString(cfg, CONFIG);
        Path dir = tmp.resolve("d");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.json"), "{\"config\": {\"data\": \"other\"}, \"provenance\": null}");
        CliTest.Result r4 = CliTest.run("run", "--config", cfg.toString(), "--dir", dir.toString());
        assertEquals(ExitCodes.INPUT, r4.code());
        assertTrue(r4.err().contains("run.json: config"), r4.err());
    }
}
