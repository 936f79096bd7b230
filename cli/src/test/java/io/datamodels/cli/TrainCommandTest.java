package io.datamodels.cli;

import io.datamodels.store.Store;
import io.datamodels.train.TrainRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.datamodels.cli.TrainProcesses.assertPlainLines;
import static io.datamodels.cli.TrainProcesses.cli;
import static io.datamodels.cli.TrainProcesses.cliOk;
import static io.datamodels.cli.TrainProcesses.completed;
import static io.datamodels.cli.TrainProcesses.completedFlags;
import static io.datamodels.cli.TrainProcesses.initEmbedded;
import static io.datamodels.cli.TrainProcesses.row;
import static io.datamodels.cli.TrainProcesses.trainedCount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code datamodels train} run in-process: it fills every row of a store (Ilyas et al. 2022, step 2), resumes by
 * skipping completed rows, trains only the range asked for, refuses bad options and configs with the documented
 * exit codes and one-line messages, and reports external-learner failures without losing the other rows.
 */
@ExtendWith(TrainProcesses.NoStdout.class)
class TrainCommandTest {
    private static final int N = 12;
    private static final int TARGETS = 20;
    /** Small, fast MLP: a few ms per model. */
    private static final String[] FAST = {"--set", "epochs=2", "--set", "hidden=[8]", "--set", "mode=gather"};

    @TempDir
    Path tmp;

    private Path store() {
        Path s = tmp.resolve("store");
        initEmbedded(s, N, 200, TARGETS, "margins", "train_accuracy", "train_loss");
        return s;
    }

    private static String[] train(Path store, String... more) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("train", "--store", store.toString(),
                "--learner", "mlp"), java.util.stream.Stream.concat(java.util.stream.Stream.of(FAST),
                java.util.stream.Stream.of(more))).toArray(String[]::new);
    }

    @Test
    void fillsEveryRowWithFiniteValuesThenResumeTrainsNothing() throws Exception {
        Path s = store();
        TrainProcesses.Result r = cliOk(train(s, "--threads", "2"));
        assertEquals(N, trainedCount(r.out()), r.all());
        assertTrue(r.out().contains("store has " + N + "/" + N + " completed"), r.out());
        assertTrue(r.out().contains("models (" + N + " completed): mean training accuracy "), r.out());
        // These tiny models (2 epochs of 8 hidden units) underfit, and train says so; nothing else is warned about.
        assertEquals(List.of("train: warning: the models fit only"), r.err().lines()
                .map(l -> l.substring(0, Math.min(l.length(), 35))).toList(), r.err());

        TrainProcesses.Result info = cliOk("info", "--store", s.toString());
        assertTrue(info.out().contains("models     " + N + ", completed " + N + " (100.0%)"), info.out());
        assertTrue(Files.exists(s.resolve(TrainRecord.FILE)), "train.json recorded");

        try (Store st = Store.open(s, false)) {
            for (long i = 0; i < N; i++) {
                float[] margins = row(st, "margins", i);
                assertEquals(TARGETS, margins.length);
                for (float v : margins) {
                    assertTrue(Float.isFinite(v), "margins row " + i + ": " + v);
                }
                float acc = row(st, "train_accuracy", i)[0];
                assertTrue(acc > 0 && acc <= 1, "train_accuracy row " + i + ": expected in (0, 1], got " + acc);
                float loss = row(st, "train_loss", i)[0];
                assertTrue(Float.isFinite(loss) && loss >= 0, "train_loss row " + i + ": " + loss);
            }
        }

        TrainProcesses.Result again = cliOk(train(s));
        assertEquals(0, trainedCount(again.out()), again.all());
        assertTrue(again.out().contains(N + " already completed"), again.out());
        assertEquals(N, completed(s));
    }

    @Test
    void softmaxLearnerFillsEveryRow() throws Exception {
        Path s = store();
        TrainProcesses.Result r = cliOk("train", "--store", s.toString(), "--learner", "softmax", "--set", "epochs=2");
        assertTrue(r.out().startsWith("train: softmax "), r.out());
        assertEquals(N, trainedCount(r.out()), r.all());
        try (Store st = Store.open(s, false)) {
            assertEquals(N, st.completedCount());
            for (long i = 0; i < N; i++) {
                for (float v : row(st, "margins", i)) {
                    assertTrue(Float.isFinite(v), "margins row " + i + ": " + v);
                }
                float acc = row(st, "train_accuracy", i)[0];
                assertTrue(acc > 0 && acc <= 1, "train_accuracy row " + i + ": expected in (0, 1], got " + acc);
            }
        }
    }

    @Test
    void aMissingStoreIsAnInputError() {
        Path nowhere = tmp.resolve("nope");
        TrainProcesses.Result r = cli(train(nowhere));
        assertEquals(ExitCodes.INPUT, r.code(), r.all());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(nowhere + ": store folder does not exist"), r.err());
        assertFalse(Files.exists(nowhere), "train does not create a store");
    }

    @Test
    void rangeTrainsOnlyThatRangeAndModelsTheFirstN() throws Exception {
        Path s = store();
        TrainProcesses.Result r = cliOk(train(s, "--rows", "3:7"));
        assertEquals(4, trainedCount(r.out()), r.all());
        assertTrue(r.out().contains("indices 3..6"), r.out());
        boolean[] done = completedFlags(s);
        for (int i = 0; i < N; i++) {
            assertEquals(i >= 3 && i < 7, done[i], "row " + i);
        }
        // --rows N trains 0..N-1: 0..2 are new, 3..4 already done.
        TrainProcesses.Result m = cliOk(train(s, "--rows", "5"));
        assertEquals(3, trainedCount(m.out()), m.all());
        assertTrue(m.out().contains("2 already completed"), m.out());
        done = completedFlags(s);
        for (int i = 0; i < N; i++) {
            assertEquals(i < 7, done[i], "row " + i);
        }
        // An empty range trains nothing and succeeds.
        assertEquals(0, trainedCount(cliOk(train(s, "--rows", "9:9")).out()));
        assertEquals(7, completed(s));
    }

    @Test
    void rangesOutsideTheStoreAreUsageErrors() throws Exception {
        Path s = store();
        for (String[] bad : new String[][]{{"--rows", Integer.toString(N + 1)}, {"--rows", "5:" + (N + 1)},
                {"--rows", "7:3"}, {"--rows", "-1:3"}, {"--rows", "3:"}, {"--rows", "a:b"}, {"--range", "0:3"},
                {"--models", "3"}}) {
            TrainProcesses.Result r = cli(train(s, bad));
            assertEquals(ExitCodes.USAGE, r.code(), String.join(" ", bad) + "\n" + r.all());
            assertTrue(r.err().contains("--help"), r.err());
            assertEquals("", r.out().lines().filter(l -> l.startsWith("trained")).findFirst().orElse(""), r.out());
        }
        TrainProcesses.Result big = cli(train(s, "--rows", Integer.toString(N + 1)));
        assertTrue(big.err().contains("<= " + N) && big.err().contains("0:" + (N + 1)), big.err());
        TrainProcesses.Result reversed = cli(train(s, "--rows", "7:3"));
        assertTrue(reversed.err().startsWith("train: --rows: expected A:B with 0 <= A <= B, or N, got '7:3'\n"),
                reversed.err());
        assertEquals(0, completed(s), "no row trained by a refused command");
        assertFalse(Files.exists(s.resolve(TrainRecord.FILE)), "no train.json written by a refused command");
    }

    @Test
    void threadsAndRetriesAreCheckedBeforeAnythingIsWritten() throws Exception {
        Path s = store();
        for (String[] bad : new String[][]{{"--threads", "0"}, {"--retries", "-1"}}) {
            TrainProcesses.Result r = cli(train(s, bad));
            assertEquals(ExitCodes.USAGE, r.code(), String.join(" ", bad) + "\n" + r.all());
            assertEquals("", r.out(), "nothing printed by a refused command");
            assertFalse(Files.exists(s.resolve(TrainRecord.FILE)), "no train.json written by a refused command");
        }
        // A refused command must not stop a later run with another config.
        assertEquals(N, trainedCount(cliOk(train(s, "--set", "epochs=3")).out()));
    }

    @Test
    void unknownLearnerIsAnInputErrorOnOneLine() throws Exception {
        Path s = store();
        TrainProcesses.Result r = cli("train", "--store", s.toString(), "--learner", "xgboost");
        assertEquals(ExitCodes.INPUT, r.code(), r.all());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("learner must be one of [mlp, softmax, external], got 'xgboost'"), r.err());
        assertEquals(0, completed(s));
    }

    @Test
    void badConfigFieldsAreInputErrorsNamingTheField() throws Exception {
        Path s = store();
        TrainProcesses.Result unknown = cli(train(s, "--set", "epochz=3"));
        assertEquals(ExitCodes.INPUT, unknown.code(), unknown.all());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("epochz") && unknown.err().contains("unknown field"), unknown.err());

        TrainProcesses.Result zero = cli(train(s, "--set", "epochs=0"));
        assertEquals(ExitCodes.INPUT, zero.code(), zero.all());
        assertEquals(1, zero.err().lines().count(), zero.err());
        assertTrue(zero.err().contains("epochs must be >= 1, got 0"), zero.err());

        TrainProcesses.Result width = cli(train(s, "--set", "hidden=[8,0]"));
        assertEquals(ExitCodes.INPUT, width.code(), width.all());
        assertTrue(width.err().contains("hidden must hold widths >= 1, got [8, 0]"), width.err());

        TrainProcesses.Result noEq = cli(train(s, "--set", "epochs"));
        assertEquals(ExitCodes.USAGE, noEq.code(), noEq.all());
        assertTrue(noEq.err().contains("KEY=VALUE"), noEq.err());

        assertEquals(0, completed(s));
        assertFalse(Files.exists(s.resolve(TrainRecord.FILE)));
    }

    @Test
    void aSecondRunWithAnotherConfigOrLearnerIsRefused() throws Exception {
        Path s = store();
        cliOk(train(s, "--rows", "0:2"));
        String recorded = Files.readString(s.resolve(TrainRecord.FILE));

        TrainProcesses.Result other = cli(train(s, "--set", "epochs=3"));
        assertEquals(ExitCodes.INPUT, other.code(), other.all());
        assertEquals(1, other.err().lines().count(), other.err());
        assertTrue(other.err().contains("train.json: config:") && other.err().contains("use a new store"), other.err());

        TrainProcesses.Result learner = cli("train", "--store", s.toString(), "--learner", "softmax", "--set",
                "epochs=2");
        assertEquals(ExitCodes.INPUT, learner.code(), learner.all());
        assertTrue(learner.err().contains("train.json: learner: expected 'mlp'") && learner.err().contains("'softmax'"),
                learner.err());

        assertEquals(recorded, Files.readString(s.resolve(TrainRecord.FILE)), "train.json unchanged");
        assertEquals(2, completed(s), "no row trained by a refused run");
        // The same config again (other threads, other range) is accepted.
        assertEquals(N - 2, trainedCount(cliOk(train(s, "--threads", "1")).out()));
    }

    @Test
    void runsPerMaskIsValidatedRecordedAndStoresOlderThanItStillResume() throws Exception {
        Path s = store();
        for (String bad : List.of("0", "1001", "1.5", "\"two\"")) {
            TrainProcesses.Result r = cli(train(s, "--set", "runs_per_mask=" + bad));
            assertEquals(ExitCodes.INPUT, r.code(), r.all());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("runs_per_mask: expected an integer in [1, 1000], got " + bad), r.err());
        }
        assertEquals(0, completed(s));

        cliOk(train(s, "--rows", "0:2", "--set", "runs_per_mask=2"));
        String recorded = Files.readString(s.resolve(TrainRecord.FILE));
        assertTrue(recorded.contains("\"runs_per_mask\" : 2"), recorded);
        TrainProcesses.Result single = cli(train(s));
        assertEquals(ExitCodes.INPUT, single.code(), single.all());
        assertTrue(single.err().contains("train.json: config:"), single.err());

        // A train.json written before runs_per_mask existed means one run per mask.
        Path t = tmp.resolve("old");
        initEmbedded(t, N, 200, TARGETS, "margins", "train_accuracy", "train_loss");
        cliOk(train(t, "--rows", "0:2"));
        String withField = Files.readString(t.resolve(TrainRecord.FILE));
        assertTrue(withField.contains("\"runs_per_mask\" : 1"), withField);
        Files.writeString(t.resolve(TrainRecord.FILE), withField.replaceAll(",\\s*\"runs_per_mask\" : 1", ""));
        assertFalse(Files.readString(t.resolve(TrainRecord.FILE)).contains("runs_per_mask"));
        assertEquals(N - 2, trainedCount(cliOk(train(t)).out()));
    }

    @Test
    void aStoreWithoutStoreJsonNeedsAnExternalLearner() throws Exception {
        Path s = store();
        Files.delete(s.resolve(Store.META_FILE));
        TrainProcesses.Result r = cli(train(s));
        assertEquals(ExitCodes.INPUT, r.code(), r.all());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("store.json: file does not exist") && r.err().contains("learner mlp")
                && r.err().contains("datamodels init"), r.err());
        assertEquals(0, completed(s));

        TrainProcesses.Result info = cliOk("info", "--store", s.toString());
        assertTrue(info.out().contains("no store.json"), info.out());
    }

    @Test
    void outputIsPlainLinesWhenNotOnATerminal() throws Exception {
        assumeTrue(System.console() == null || !System.console().isTerminal(), "the test JVM is on a terminal");
        Path s = store();
        // The progress bar, if wrongly chosen, writes to System.err directly: watch it too.
        PrintStream savedErr = System.err;
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        TrainProcesses.Result r;
        System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
        try {
            r = cliOk(train(s, "--threads", "2"));
        } finally {
            System.setErr(savedErr);
        }
        assertEquals("", sysErr.toString(StandardCharsets.UTF_8), "nothing written to System.err");
        assertPlainLines("stdout", r.out());
        assertPlainLines("stderr", r.err());
        assertTrue(r.out().endsWith("\n"), r.out());
        Pattern header = Pattern.compile("train: mlp \\(\\w+ kernel\\) on .*, indices 0\\.\\." + (N - 1) + ", 2 threads");
        Pattern progress = Pattern.compile("train: " + N + "/" + N + " models \\(100\\.0%\\), [0-9.]+ models/s, "
                + "elapsed \\d+m\\d\\ds, ETA \\d+m\\d\\ds");
        List<String> lines = r.out().lines().toList();
        assertEquals(4, lines.size(), r.out());
        assertTrue(header.matcher(lines.get(0)).matches(), lines.get(0));
        assertTrue(progress.matcher(lines.get(1)).matches(), lines.get(1));
        assertTrue(TrainProcesses.SUMMARY.matcher(lines.get(2)).matches(), lines.get(2));
        assertTrue(lines.get(3).matches("models \\(" + N + " completed\\): mean training accuracy [0-9.]+; mean target "
                + "accuracy [0-9.]+; chance 1/10 = 0\\.100"), lines.get(3));
    }

    // ---- external learner -------------------------------------------------------------------------------------

    /**
     * A python3 training script following the external protocol: margins = index + mean(mask) for every target,
     * train_accuracy = mean(mask); {@code mode} makes chosen indices misbehave.
     */
    private static final String SCRIPT = """
            import sys
            import numpy as np
            mask_path, out, index, targets, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
            mask = np.load(mask_path)
            assert mask.dtype == np.bool_ and mask.ndim == 1, (mask.dtype, mask.shape)
            if mode == "fail" and index == 3:
                sys.stderr.write("warming up\\n")
                sys.stderr.write("CUDA out of memory for model 3\\n")
                sys.exit(7)
            margins = np.full(targets, index + mask.mean(), dtype=np.float32)
            if mode == "bad" and index == 1:
                margins = np.zeros(targets + 1, dtype=np.float32)
            if mode == "bad" and index == 2:
                margins[5] = np.nan
            np.save(out + "/margins.npy", margins)
            np.save(out + "/train_accuracy.npy", np.array(mask.mean(), dtype=np.float32))
            """;

    private static boolean hasNumpy() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Path externalStore(int models) throws IOException {
        assumeTrue(hasNumpy(), "skipped: python3 with numpy is not available");
        Path s = tmp.resolve("ext");
        initEmbedded(s, models, 200, TARGETS, "margins", "train_accuracy");
        Files.writeString(tmp.resolve("train.py"), SCRIPT);
        return s;
    }

    private String command(String mode) {
        return "python3 '" + tmp.resolve("train.py") + "' {mask} {out} {index} " + TARGETS + " " + mode;
    }

    /** Row i of margins must be i + mean(mask i) in every element: the right model's output in the right row. */
    private static void assertExternalRow(Store st, long i) throws IOException {
        boolean[] mask = new boolean[(int) st.array(Store.MASKS).rowElements()];
        int ones = 0;
        for (int j = 0; j < mask.length; j++) {
            if (st.array(Store.MASKS).getBoolean(i * mask.length + j)) {
                ones++;
            }
        }
        float mean = (float) ((double) ones / mask.length);
        float want = (float) (i + (double) ones / mask.length);
        for (float v : row(st, "margins", i)) {
            assertEquals(want, v, 1e-6f * Math.max(1, want), "margins row " + i);
        }
        assertEquals(mean, row(st, "train_accuracy", i)[0], 1e-6f, "train_accuracy row " + i);
    }

    @Test
    void externalLearnerFailureIsReportedAndTheOtherRowsComplete() throws Exception {
        int n = 6;
        Path s = externalStore(n);
        TrainProcesses.Result r = cli("train", "--store", s.toString(), "--learner", "external", "--command",
                command("fail"), "--retries", "1", "--threads", "2", "--timeout", "120");
        assertEquals(ExitCodes.PARTIAL_FAILURE, r.code(), r.all());
        assertEquals(n - 1, trainedCount(r.out()), r.all());
        String reason = "command exited with code 7: CUDA out of memory for model 3";
        assertTrue(r.out().contains("model 3 failed (will retry): " + reason), r.out());
        assertTrue(r.out().contains("1 models failed after 1 retries"), r.out());
        assertTrue(r.out().contains("  model 3: " + reason), r.out());
        assertPlainLines("stdout", r.out());
        boolean[] done = completedFlags(s);
        try (Store st = Store.open(s, false)) {
            for (int i = 0; i < n; i++) {
                assertEquals(i != 3, done[i], "row " + i);
                if (i != 3) {
                    assertExternalRow(st, i);
                }
            }
        }
        // Once the script is fixed, the same command again trains only model 3.
        Files.writeString(tmp.resolve("train.py"), SCRIPT.replace("index == 3", "index == -1"));
        TrainProcesses.Result fixed = cli("train", "--store", s.toString(), "--learner", "external", "--command",
                command("fail"), "--retries", "1", "--threads", "2", "--timeout", "120");
        assertEquals(ExitCodes.OK, fixed.code(), fixed.all());
        assertEquals(1, trainedCount(fixed.out()), fixed.all());
        try (Store st = Store.open(s, false)) {
            assertEquals(n, st.completedCount());
            assertExternalRow(st, 3);
        }
        // Another command is another config: refused, so the store stays one experiment.
        TrainProcesses.Result other = cli("train", "--store", s.toString(), "--learner", "external", "--command",
                command("ok"), "--timeout", "120");
        assertEquals(ExitCodes.INPUT, other.code(), other.all());
        assertTrue(other.err().contains("train.json: config:"), other.err());
    }

    @Test
    void externalOutputsWithNanOrTheWrongShapeAreReportedFailures() throws Exception {
        int n = 4;
        Path s = externalStore(n);
        TrainProcesses.Result r = cli("train", "--store", s.toString(), "--learner", "external", "--command",
                command("bad"), "--retries", "0", "--threads", "2", "--timeout", "120");
        assertEquals(ExitCodes.PARTIAL_FAILURE, r.code(), r.all());
        assertEquals(n - 2, trainedCount(r.out()), r.all());
        assertTrue(r.out().contains("2 models failed after 0 retries"), r.out());
        assertTrue(r.out().contains("  model 1: margins.npy: shape: expected (20,), got (21,)"), r.out());
        assertTrue(r.out().contains("  model 2: margins.npy: values: expected finite, got NaN at element 5"), r.out());
        boolean[] done = completedFlags(s);
        try (Store st = Store.open(s, false)) {
            for (int i = 0; i < n; i++) {
                assertEquals(i == 0 || i == 3, done[i], "row " + i);
                if (done[i]) {
                    assertExternalRow(st, i);
                }
            }
        }
    }

    @Test
    void externalLearnerWorksOnAStoreWithoutStoreJson() throws Exception {
        int n = 3;
        Path s = externalStore(n);
        Files.delete(s.resolve(Store.META_FILE));
        TrainProcesses.Result r = cli("train", "--store", s.toString(), "--learner", "external", "--command",
                command("ok"), "--threads", "2", "--timeout", "120");
        assertEquals(ExitCodes.OK, r.code(), r.all());
        assertEquals(n, trainedCount(r.out()));
        try (Store st = Store.open(s, false)) {
            for (int i = 0; i < n; i++) {
                assertExternalRow(st, i);
            }
        }
    }
}
