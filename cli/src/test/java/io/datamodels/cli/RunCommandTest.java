package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** run: one config through every stage, resumable, with config errors refused up front. */
class RunCommandTest {
    @TempDir
    Path tmp;

    /** Support looks at 10 targets so that it predicts a flip and retrains (on every kernel). */
    private static final String CONFIG = """
            {"data": "embedded", "train": "120", "targets": "10", "learner": "softmax",
             "learner_config": {"epochs": 2}, "alpha": 0.5, "seed": 4, "models": 120, "held_out_models": 30,
             "lambdas": 20, "lambda_ratio": 0.01, "val_fraction": 0.1, "outlier_z": 50,
             "counterfactual": {"targets": "0:3", "k": [5, 10], "base": "full", "retrains": 2},
             "support": {"targets": "0:10", "max_k": 40, "grid": [10, 40], "retrains": 2}}
            """;

    @Test
    void runsEveryStageThenResumesWithoutRedoingThem() throws Exception {
        Path cfg = tmp.resolve("exp.json");
        Files.writeString(cfg, CONFIG);
        Path dir = tmp.resolve("exp");
        CliTest.Result r = CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("LDS (30 held-out models, mean over "), r.out());
        assertTrue(r.out().contains("What the figures mean:\n  LDS: "), r.out());
        assertTrue(r.out().contains("train: models (120 completed): mean training accuracy "), r.out());
        assertTrue(r.out().contains("counterfactual (remove top-k, retrain 2 x)"), r.out());
        for (String f : new String[]{"run.json", "store/spec.json", "held-out/spec.json", "datamodels/weights.npy",
                "eval/lds/lds.json", "eval/counterfactual/counterfactual.json", "eval/support/support.json",
                "explore/neighbours/neighbours.json", "explore/embed/embed.json", "explore/leakage/leakage.json"}) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        // Each training stage ends with its final progress line, just before the next stage speaks.
        List<String> lines = r.out().lines().toList();
        assertStageEnds(lines, "train", "120", "train: models (120 completed): ");
        assertStageEnds(lines, "train held-out models", "30", "train held-out models: models (30 completed): ");
        assertStageEnds(lines, "retrain (counterfactual)", "\\d+", "eval support: ");
        assertStageEnds(lines, "retrain (support)", "\\d+", "explore neighbours: the nearest target in datamodel "
                + "space has the same class for ");
        assertTrue(r.out().contains("\nexplore embed: 10 principal components explain "), r.out());
        assertTrue(r.out().contains("\nexplore leakage: "), r.out());
        long explored = Files.getLastModifiedTime(dir.resolve("explore/embed/embed.json")).toMillis();
        long mtime = Files.getLastModifiedTime(dir.resolve("datamodels/weights.npy")).toMillis();
        CliTest.Result again = CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("fit: done before, skipped"), again.out());
        assertFalse(again.out().contains("models to go"), again.out());
        assertEquals(mtime, Files.getLastModifiedTime(dir.resolve("datamodels/weights.npy")).toMillis());
        assertFalse(again.out().contains("explore"), again.out());
        assertEquals(explored, Files.getLastModifiedTime(dir.resolve("explore/embed/embed.json")).toMillis());
    }

    /** One line says all {@code n} models of {@code stage} are done, and the line after it starts with {@code next}. */
    private static void assertStageEnds(List<String> lines, String stage, String n, String next) {
        Pattern end = Pattern.compile(Pattern.quote(stage) + ": (" + n + ")/\\1 models \\(100\\.0%\\), [0-9.]+ "
                + "models/s, elapsed \\d+m\\d\\ds, ETA \\d+m\\d\\ds");
        List<Integer> ends = IntStream.range(0, lines.size()).filter(i -> end.matcher(lines.get(i)).matches())
                .boxed().toList();
        assertEquals(1, ends.size(), stage + ": one final line in\n" + String.join("\n", lines));
        int at = ends.getFirst();
        assertTrue(at + 1 < lines.size() && lines.get(at + 1).startsWith(next),
                stage + ": final line followed by '" + next + "' in\n" + String.join("\n", lines));
    }

    /** CONFIG with {@code from} replaced by {@code to} is an input error saying {@code message}, before any work. */
    private void refused(String from, String to, String message) throws Exception {
        assertTrue(CONFIG.contains(from), from);
        Path cfg = Files.createTempFile(tmp, "config", ".json");
        Files.writeString(cfg, CONFIG.replace(from, to));
        Path dir = tmp.resolve(cfg.getFileName() + ".run");
        CliTest.Result r = CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertFalse(Files.exists(dir.resolve("store")), "nothing trained for " + to);
    }

    @Test
    void configErrors() throws Exception {
        refused("\"alpha\": 0.5", "\"alpha\": 0.5, \"alfa\": 1", "alfa: unknown field");
        refused("\"alpha\": 0.5", "\"alpha\": 1.5", "alpha must be in (0, 1), got 1.5");
        refused("\"outlier_z\": 50", "\"outlier_z\": 0.5",
                "outlier_z must be 0 (keep every model) or a finite value >= 1, got 0.5");
        refused("{\"epochs\": 2}", "{\"epochs\": 0}", "epochs must be >= 1, got 0");
        refused("{\"targets\": \"0:3\", \"k\"", "{\"targets\": \"3:0\", \"k\"",
                "counterfactual.targets: expected A:B with 0 <= A <= B, got '3:0'");
        // Sizes the evaluations need are checked against the data before any training, not hours later.
        refused("{\"targets\": \"0:3\", \"k\"", "{\"targets\": \"0:30\", \"k\"",
                "run.json: counterfactual.targets: expected a range within [0, 10) of the experiment's targets, got 0:30");
        refused("\"k\": [5, 10]", "\"k\": [5, 121]",
                "run.json: counterfactual.k: expected values up to 120 (the full base set's size), got 121");
        refused("\"max_k\": 40", "\"max_k\": 100", "run.json: support.max_k: expected at most ");
        refused("\"retrains\": 2}}", "\"retrains\": 0}}", "support: retrains must be >= 1, got 0");
        refused("\"lambdas\": 20", "\"lambdas\": 0", "lambdas must be >= 1, got 0");
        refused("\"alpha\": 0.5", "\"alpha\": \"0.5\"", "alpha: expected a number, got \"0.5\"");
        // A folder keeps its experiment: another config there is refused.
        Path cfg = tmp.resolve("exp.json");
        Files.writeString(cfg, CONFIG);
        Path dir = tmp.resolve("d");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.json"), "{\"config\": {\"data\": \"other\"}, \"provenance\": null}");
        CliTest.Result r = CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(ExitCodes.INPUT, r.code());
        assertTrue(r.err().contains("run.json: config"), r.err());
    }
}
