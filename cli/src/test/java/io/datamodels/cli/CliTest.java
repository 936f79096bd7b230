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
        assertEquals("init: error: " + store + ": already exists (pass --force to replace it)", again.err.strip());
        assertEquals(1, again.err.lines().count(), again.err);
        assertEquals(ExitCodes.OK, run("init", "--store", store.toString(), "--data", "embedded", "--models", "3",
                "--force").code);
        assertTrue(run("info", "--store", store.toString()).out.contains("models     3,"));
    }

    /** The library's messages name fields in plain words; the command line adds its own option names. */
    @Test
    void theCommandLineNamesItsOptionsInLibraryErrors() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Result r = run("info", "--store", empty.toString());
        assertEquals(ExitCodes.INPUT, r.code, r.err);
        assertEquals("info: error: _completed.npy: file does not exist in " + empty + " (a store without spec.json "
                + "needs it for the number of models; give the spec with --spec FILE)", r.err.strip());
    }

    @Test
    void benchFitRefusesMorePlantedWeightsThanFeatures() {
        Result r = run("bench", "fit", "--out", tmp.resolve("b").toString(), "--train-size", "40", "--nonzeros", "50",
                "--models", "60", "--targets", "2");
        assertEquals(ExitCodes.INPUT, r.code, r.err);
        assertTrue(r.err.contains("planted non-zeros must be in [0, train size 40], got 50"), r.err);
        assertFalse(Files.exists(tmp.resolve("b").resolve("fit")));
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
        Result r = run("demo", "--out", out.toString(), "--models", "30", "--held-out-models", "10");
        assertEquals(ExitCodes.OK, r.code, r.err);
        for (String f : new String[]{"run.json", "store/spec.json", "held-out/spec.json", "datamodels/weights.npy",
                "eval/lds/lds.json", "eval/counterfactual/counterfactual.json", "eval/support/support.json"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        assertTrue(r.out.contains("LDS (10 held-out models, mean over "), r.out);
        assertTrue(r.out.contains("What the figures mean:"), r.out);
        assertTrue(r.out.contains("Training images that push a target's margin up the most"), r.out);
        // Rerunning replaces the demo's own folder.
        assertEquals(ExitCodes.OK, run("demo", "--out", out.toString(), "--models", "20", "--held-out-models", "5").code);
    }

    @Test
    void benchStoreSmall() {
        Result r = run("bench", "store", "--out", tmp.resolve("b").toString(), "--gib", "0.002", "--train-size", "100",
                "--targets", "10", "--batch", "7");
        assertEquals(ExitCodes.OK, r.code, r.err + r.out);
        assertTrue(r.out.contains("mismatches: 0"), r.out);
        assertFalse(Files.exists(tmp.resolve("b")));
    }

    /** store.json's training or target selection and fingerprint. */
    static io.datamodels.data.DatasetRef dataset(Path store) throws Exception {
        try (io.datamodels.store.Store s = io.datamodels.store.Store.open(store, false)) {
            return s.meta().orElseThrow().dataset();
        }
    }

    @Test
    void atFileSelectionsReachTheSelectionParser() throws Exception {
        io.datamodels.data.Dataset train = io.datamodels.data.EmbeddedSample.loadTrain();
        io.datamodels.data.Dataset test = io.datamodels.data.EmbeddedSample.loadTest();
        // A file holding one number: picocli's argument-file expansion read it as '--train 250' (the first 250).
        Path one = tmp.resolve("one.txt");
        Files.writeString(one, "250\n");
        Path txt = tmp.resolve("rows.txt");
        Files.writeString(txt, "17\n3\n250\n1999\n");
        Path npy = tmp.resolve("targets.npy");
        io.datamodels.store.npy.Npy.write(npy, io.datamodels.store.npy.DType.INT64, new long[]{42, 7, 499}, 3);
        Path ttxt = tmp.resolve("t.txt");
        Files.writeString(ttxt, "# targets\n9\n0\n");
        int k = 0;
        for (String[] form : new String[][]{{"--train", "@" + one, "--targets", "@" + npy},
                {"--train=@" + one, "--targets=@" + npy}, {"--train", "@" + txt, "--targets", "@" + ttxt},
                {"--train=@" + txt, "--targets=@" + ttxt}}) {
            Path store = tmp.resolve("at" + k++);
            String[] args = Stream.concat(Stream.of("init", "--store", store.toString(), "--data", "embedded",
                    "--models", "2"), Stream.of(form)).toArray(String[]::new);
            Result r = run(args);
            assertEquals(ExitCodes.OK, r.code, String.join(" ", form) + ": " + r.err);
            var d = dataset(store);
            boolean trainOne = String.join(" ", form).contains("one.txt");
            int[] wantTrain = trainOne ? new int[]{250} : new int[]{17, 3, 250, 1999};
            boolean targetsNpy = String.join(" ", form).contains("targets.npy");
            int[] wantTargets = targetsNpy ? new int[]{42, 7, 499} : new int[]{9, 0};
            assertEquals(wantTrain.length, d.trainSize(), String.join(" ", form));
            assertEquals(train.select(wantTrain).fingerprint(), d.trainFingerprint(), String.join(" ", form));
            assertEquals(wantTargets.length, d.targetCount(), String.join(" ", form));
            assertEquals(test.select(wantTargets).fingerprint(), d.targetsFingerprint(), String.join(" ", form));
            assertTrue(d.train().startsWith("@") && d.train().endsWith(trainOne ? "one.txt" : "rows.txt"), d.train());
        }
        Path dup = tmp.resolve("dup.txt");
        Files.writeString(dup, "5\n6\n5\n");
        Path store = tmp.resolve("dup");
        Result r = run("init", "--store", store.toString(), "--data", "embedded", "--models", "2", "--train",
                "@" + dup);
        assertEquals(ExitCodes.INPUT, r.code, r.err);
        assertEquals("init: error: dup.txt: index 5: expected each index at most once, got it at lines 1 and 3",
                r.err.strip());
        assertFalse(Files.exists(store));
    }

    @Test
    void randomAndStratifiedSelectionsAreRecordedWithTheirSeed() throws Exception {
        io.datamodels.data.Dataset train = io.datamodels.data.EmbeddedSample.loadTrain();
        Path store = tmp.resolve("strat");
        Result r = run("init", "--store", store.toString(), "--data", "embedded", "--models", "2", "--train",
                "stratified:200:5", "--targets", "random:30");
        assertEquals(ExitCodes.OK, r.code, r.err);
        var d = dataset(store);
        assertEquals("stratified:200:5", d.train());
        assertEquals("random:30:0", d.targets());
        assertEquals(200, d.trainSize());
        assertEquals(30, d.targetCount());
        // The recorded selection alone gives back the same rows (what every later stage re-reads and verifies).
        int[] idx = io.datamodels.data.Selection.parse(d.train()).indicesFor(train.labels());
        assertEquals(train.select(idx).fingerprint(), d.trainFingerprint());
        int[] perClass = new int[train.numClasses()];
        for (int i : idx) {
            perClass[train.label(i)]++;
        }
        int[] all = new int[train.numClasses()];
        for (int l : train.labels()) {
            all[l]++;
        }
        for (int c = 0; c < all.length; c++) {
            double quota = 200.0 * all[c] / train.rows();
            assertTrue(Math.abs(perClass[c] - quota) < 1, "class " + c + ": " + perClass[c] + " vs " + quota);
        }
        for (String bad : new String[]{"random:0", "random:2001", "stratified:-3", "random:5:x"}) {
            Path s = tmp.resolve("bad");
            Result b = run("init", "--store", s.toString(), "--data", "embedded", "--models", "2", "--train", bad);
            assertEquals(ExitCodes.INPUT, b.code, bad + ": " + b.err);
            assertEquals(1, b.err.lines().count(), b.err);
            assertFalse(Files.exists(s));
        }
    }

    @Test
    void initRefusesZeroOrNegativeModels() throws Exception {
        for (String n : new String[]{"0", "-1"}) {
            Path store = tmp.resolve("m" + n);
            Result r = run("init", "--store", store.toString(), "--data", "embedded", "--models", n);
            assertEquals(ExitCodes.USAGE, r.code, r.err);
            assertTrue(r.err.startsWith("init: --models: expected >= 1, got " + n + "\n"), r.err);
            assertFalse(Files.exists(store));
        }
    }

    @Test
    void nestedHelpShowsTheNamedSubcommand() {
        Result lds = run("help", "eval", "lds");
        assertEquals(ExitCodes.OK, lds.code, lds.err);
        assertTrue(lds.out.startsWith("Usage: datamodels eval lds"), lds.out);
        assertTrue(lds.out.contains("--held-out=DIR"), lds.out);
        Result eval = run("help", "eval");
        assertTrue(eval.out.startsWith("Usage: datamodels eval "), eval.out);
        assertTrue(eval.out.contains("counterfactual"), eval.out);
        Result top = run("help");
        assertTrue(top.out.startsWith("Usage: datamodels "), top.out);
        Result bad = run("help", "eval", "nope");
        assertEquals(ExitCodes.USAGE, bad.code, bad.err);
        assertTrue(bad.err.contains("expected a subcommand of 'datamodels eval' (lds, counterfactual, support), got "
                + "'nope'"), bad.err);
    }
}
