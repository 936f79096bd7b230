package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line, run in-process: exit codes, output and one-line errors. */
class CliTest {
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
                args);
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @TempDir
    Path tmp;

    @Test
    void helpWorksOnEveryCommand() {
        for (String[] a : new String[][]{{"--help"}, {"init", "--help"}, {"info", "--help"}, {"demo", "--help"},
                {"make-sample", "--help"}, {"bench", "--help"}, {"bench", "store", "--help"}, {"--version"}}) {
            Result r = run(a);
            assertEquals(ExitCodes.OK, r.code, String.join(" ", a) + ": " + r.err);
            assertFalse(r.out.isBlank(), String.join(" ", a));
        }
    }

    @Test
    void initThenInfoOnTheEmbeddedSample() {
        Path store = tmp.resolve("s");
        Result r = run("init", "--store", store.toString(), "--data", "embedded", "--train", "300", "--targets", "10:30",
                "--models", "16", "--alpha", "0.3", "--sampler", "exact", "--seed", "7",
                "--output", "margins=float32[T]", "--output", "logits=float32[T,C]");
        assertEquals(ExitCodes.OK, r.code, r.err);
        Result info = run("info", "--store", store.toString());
        assertEquals(ExitCodes.OK, info.code, info.err);
        assertTrue(info.out.contains("(16, 300)"), info.out);
        assertTrue(info.out.contains("(16, 20, 10)"), info.out);
        assertTrue(info.out.contains("exact, alpha 0.3, seed 7, train size 300 (subset size 90)"), info.out);
        Result json = run("info", "--store", store.toString(), "--json");
        assertEquals(ExitCodes.OK, json.code, json.err);
        assertTrue(json.out.contains("\"completed\" : 0"), json.out);
    }

    @Test
    void initRefusesAnExistingStoreUnlessForced() {
        Path store = tmp.resolve("s");
        assertEquals(ExitCodes.OK, run("init", "--store", store.toString(), "--data", "embedded", "--models", "2").code);
        Result again = run("init", "--store", store.toString(), "--data", "embedded", "--models", "3");
        assertEquals(ExitCodes.OUTPUT, again.code);
        assertTrue(again.err.contains("already exists") && again.err.contains("--force"), again.err);
        assertEquals(1, again.err.lines().count(), again.err);
        assertEquals(ExitCodes.OK, run("init", "--store", store.toString(), "--data", "embedded", "--models", "3",
                "--force").code);
        assertTrue(run("info", "--store", store.toString()).out.contains("models     3,"));
    }

    @Test
    void badInputGivesOneLineAndNoOutput() throws Exception {
        Path store = tmp.resolve("bad");
        String[][] cases = {
                {"--alpha", "1.5"},
                {"--alpha", "0"},
                {"--sampler", "poisson"},
                {"--train", "999999"},
                {"--targets", "5:2"},
                {"--output", "margins=complex64[T]"},
        };
        String[] expect = {"alpha must be in (0, 1), got 1.5", "alpha must be in (0, 1), got 0.0", "poisson", "999999",
                "5:2", "complex64"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = Stream.concat(Stream.of("init", "--store", store.toString(), "--data", "embedded",
                    "--models", "4"), Stream.of(cases[i])).toArray(String[]::new);
            Result r = run(args);
            assertEquals(ExitCodes.INPUT, r.code, String.join(" ", cases[i]) + ": " + r.err);
            assertTrue(r.err.contains(expect[i]), r.err);
            assertEquals(1, r.err.lines().count(), r.err);
            assertFalse(Files.exists(store), "no partial store for " + String.join(" ", cases[i]));
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no temporary folders left behind");
        }
    }

    @Test
    void missingDataFileIsAnInputError() {
        Result r = run("init", "--store", tmp.resolve("s").toString(), "--data", "idx:" + tmp.resolve("nope"),
                "--models", "4");
        assertEquals(ExitCodes.INPUT, r.code, r.err);
        assertTrue(r.err.contains("nope"), r.err);
    }

    @Test
    void usageErrorsExitWithTwo() {
        Result r = run("init", "--store", tmp.toString());
        assertEquals(ExitCodes.USAGE, r.code);
        assertTrue(r.err.contains("--help"), r.err);
        assertEquals(ExitCodes.USAGE, run("no-such-command").code);
        assertEquals(ExitCodes.USAGE, run("info", "--store", "x", "--bogus").code);
    }

    @Test
    void infoOnACorruptStoreNamesTheFile() throws Exception {
        Path store = tmp.resolve("s");
        assertEquals(ExitCodes.OK, run("init", "--store", store.toString(), "--data", "embedded", "--models", "2").code);
        Files.writeString(store.resolve("spec.json"), "{\"num_models\": -2, \"schema\": {}}");
        Result r = run("info", "--store", store.toString());
        assertEquals(ExitCodes.INPUT, r.code);
        assertTrue(r.err.contains("spec.json") && r.err.contains("num_models") && r.err.contains("-2"), r.err);
    }

    @Test
    void demoRunsOnTheEmbeddedSample() {
        Path out = tmp.resolve("demo");
        Result r = run("demo", "--out", out.toString(), "--models", "30", "--held-out", "10");
        assertEquals(ExitCodes.OK, r.code, r.err);
        for (String f : new String[]{"run.json", "store/spec.json", "held-out/spec.json", "datamodels/weights.npy",
                "eval/lds/lds.json", "eval/counterfactual/counterfactual.json", "eval/support/support.json"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        assertTrue(r.out.contains("LDS (10 held-out models, mean over "), r.out);
        assertTrue(r.out.contains("What the figures mean:"), r.out);
        assertTrue(r.out.contains("Training images that push a target's margin up the most"), r.out);
        // Rerunning replaces the demo's own folder.
        assertEquals(ExitCodes.OK, run("demo", "--out", out.toString(), "--models", "20", "--held-out", "5").code);
    }

    @Test
    void benchStoreSmall() {
        Result r = run("bench", "store", "--dir", tmp.resolve("b").toString(), "--gib", "0.002", "--train-size", "100",
                "--targets", "10", "--batch", "7");
        assertEquals(ExitCodes.OK, r.code, r.err + r.out);
        assertTrue(r.out.contains("mismatches: 0"), r.out);
        assertFalse(Files.exists(tmp.resolve("b")));
    }
}
