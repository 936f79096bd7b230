package io.datamodels.spark;

import io.datamodels.data.DataBinding;
import io.datamodels.learn.Outputs;
import io.datamodels.store.Store;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.train.InitOptions;
import io.datamodels.train.StoreInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code datamodels spark train} as a command: bad input is one line on stderr with exit code 3, found on the driver
 * before a Spark context exists; a model that fails the same way on every attempt is reported with its index and
 * exit code 1 after one job, the other rows completed.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SparkMainTest {
    @TempDir
    Path tmp;

    /** A run's exit code, output, time, and the Spark contexts it made. */
    record Run(int code, String out, String err, double seconds, int contexts) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int contexts = SparkMain.CONTEXTS.get();
        int code = SparkMain.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - t0) / 1e9, SparkMain.CONTEXTS.get() - contexts);
    }

    /** Exit code 3, one line on stderr holding {@code expected}, and no Spark context was made. */
    private static void assertInputError(Run r, String expected) {
        assertEquals(3, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(0, r.contexts(), "no Spark context was started");
    }

    @Test
    void aStoreTheExecutorsCannotReachIsRefusedOnTheDriver() throws IOException {
        Path missing = tmp.resolve("no-such-store");
        assertInputError(run("train", "--store", missing.toString(), "--learner", "softmax", "--master", "local[2]"),
                "store folder does not exist");
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertInputError(run("train", "--store", empty.toString(), "--learner", "softmax", "--master", "local[2]"),
                "_completed.npy: file does not exist");
    }

    @Test
    void aLearnerConfigErrorIsRefusedOnTheDriver() throws IOException {
        Path s = Stores.init(tmp.resolve("s"), 4);
        assertInputError(run("train", "--store", s.toString(), "--learner", "softmax", "--set", "epochs=-1",
                "--master", "local[2]"), "epochs");
        assertInputError(run("train", "--store", s.toString(), "--learner", "softmax", "--set", "no_such_field=1",
                "--master", "local[2]"), "no_such_field");
        assertInputError(run("train", "--store", s.toString(), "--learner", "svm", "--master", "local[2]"),
                "learner must be one of [mlp, softmax, external], got 'svm'");
        try (Store st = Store.open(s, false)) {
            assertEquals(0, st.completedCount());
        }
    }

    @Test
    void aMasterThatCannotBeReachedIsRefusedWithinSeconds() throws IOException {
        Path s = Stores.init(tmp.resolve("s"), 4);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Run r = run("train", "--store", s.toString(), "--learner", "softmax", "--master", "spark://127.0.0.1:" + port);
        assertInputError(r, "cannot connect to the Spark master at 127.0.0.1:" + port);
        assertTrue(r.seconds() < Masters.CONNECT_TIMEOUT_MILLIS / 1000.0 + 5, r.seconds() + " s");
        assertInputError(run("train", "--store", s.toString(), "--learner", "softmax", "--master", "mesos://h:5050"),
                "--master: expected local[N], local[N,F], spark://HOST:PORT, yarn or k8s://URL, got 'mesos://h:5050'");
    }

    @Test
    void aFitThatCannotBeMadeIsRefusedOnTheDriver() throws IOException {
        Path s = Stores.init(tmp.resolve("s"), 4);
        assertInputError(run("fit", "--store", s.toString(), "--out", tmp.resolve("dm").toString(), "--master",
                "local[2]"), "_completed.npy: completed models: expected at least 10, got 0");
        assertInputError(run("fit", "--store", s.toString(), "--out", tmp.resolve("dm").toString(), "--y", "logits",
                "--master", "local[2]"), "expected a key 'logits'");
        assertFalse(Files.exists(tmp.resolve("dm")));
    }

    /**
     * The options {@code spark train} and {@code spark fit} share with {@code train} and {@code fit} (picocli mixins of
     * the CLI) are read the same way: {@code --rows N} means 0:N, and a bad value gets the CLI's message (exit 2).
     */
    @Test
    void sharedOptionsAreReadAsTheCliReadsThem() throws IOException {
        Path s = Stores.init(tmp.resolve("s"), 4);
        String[][] cases = {
                {"fit", "--store", s.toString(), "--out", tmp.resolve("dm").toString(), "--rows", "9"},
                {"fit", "--store", s.toString(), "--out", tmp.resolve("dm").toString(), "--target-range", "3-5"},
                {"train", "--store", s.toString(), "--learner", "softmax", "--rows", "2:x"},
                {"train", "--store", s.toString(), "--learner", "softmax", "--rows", "5"},
                {"train", "--store", s.toString(), "--learner", "softmax", "--retries", "-1"},
        };
        for (String[] args : cases) {
            ByteArrayOutputStream cliErr = new ByteArrayOutputStream();
            int cliCode = io.datamodels.cli.Main.run(new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), new PrintStream(cliErr, true, StandardCharsets.UTF_8), args);
            String cliLine = cliErr.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
            String[] sparkArgs = java.util.Arrays.copyOf(args, args.length + 2);
            sparkArgs[args.length] = "--master";
            sparkArgs[args.length + 1] = "local[2]";
            Run r = run(sparkArgs);
            assertEquals(2, cliCode, String.join(" ", args) + ": " + cliLine);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            String message = cliLine.substring(cliLine.indexOf(": ") + 2);
            assertTrue(message.startsWith("--"), cliLine);
            assertEquals("spark " + args[0] + ": " + message, r.err().lines().findFirst().orElse(""), cliLine);
            assertEquals(0, r.contexts(), "no Spark context was started");
        }
        assertFalse(Files.exists(tmp.resolve("dm")));
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void aDeterministicModelFailureIsReportedWithItsIndexAfterOneJob() throws Exception {
        Path s = tmp.resolve("ext");
        try (Store st = StoreInit.create(s, DataBinding.of("embedded", "300", "50"), InitOptions.builder(8)
                .outputs(Outputs.keys(List.of(Outputs.MARGINS, Outputs.TRAIN_ACCURACY))).build())) {
            assertEquals(8, st.numModels());
        }
        // Each model's outputs, ready: the command copies them; model 3's margins are float64, not the store's
        // float32, a failure that every attempt repeats.
        Path outputs = tmp.resolve("outputs");
        for (int i = 0; i < 8; i++) {
            Path d = Files.createDirectories(outputs.resolve(Integer.toString(i)));
            float[] margins = new float[50];
            java.util.Arrays.fill(margins, i);
            if (i == 3) {
                Npy.write(d.resolve("margins.npy"), DType.FLOAT64, new double[50], 50);
            } else {
                Npy.write(d.resolve("margins.npy"), DType.FLOAT32, margins, 50);
            }
            Npy.write(d.resolve("train_accuracy.npy"), DType.FLOAT32, new float[]{0.5f});
        }
        Run r = run("train", "--store", s.toString(), "--learner", "external", "--command",
                "cp '" + outputs + "'/{index}/*.npy {out}/", "--master", "local[2,4]", "--tasks", "2");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("1 models failed after 2 retries"), r.out());
        assertTrue(r.out().matches("(?s).*\n  model 3: margins\\.npy: [^\n]*dtype[^\n]*float32[^\n]*float64.*"), r.out());
        assertFalse(r.out().contains("model 3 failed"), r.out());
        try (Store st = Store.open(s, false)) {
            for (long i = 0; i < 8; i++) {
                assertEquals(i != 3, st.isCompleted(i), "row " + i);
            }
        }
    }
}
