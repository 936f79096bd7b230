package io.datamodels.cli;

import io.datamodels.store.Store;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.NpyArray;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers of the {@code train} tests: the CLI run in-process or as a separate JVM (so that it can be killed with
 * SIGKILL), a store's completion state, and row-by-row comparison of two stores.
 */
final class TrainProcesses {
    /** Tolerance for float results that may legitimately differ in the last bits (STYLE.md: 1e-4 for float). */
    static final double FLOAT_TOL = 1e-4;

    /** The summary line TrainCommand prints at the end of every run. */
    static final Pattern SUMMARY = Pattern.compile("(?m)^trained (\\d+) models in .*store has (\\d+)/(\\d+) completed$");

    private TrainProcesses() {
    }

    /** Exit code and both streams of one in-process run. */
    record Result(int code, String out, String err) {
        /** Both streams, for assertion messages. */
        String all() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code datamodels ARGS} in this JVM through {@link Main#run}. */
    static Result cli(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8), args);
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code datamodels ARGS} in-process and fails unless it exits 0. */
    static Result cliOk(String... args) {
        Result r = cli(args);
        assertEquals(ExitCodes.OK, r.code(), () -> String.join(" ", args) + "\n" + r.all());
        return r;
    }

    /** {@code init} of an embedded-sample store with {@code models} rows, {@code train} examples, {@code targets}. */
    static void initEmbedded(Path store, int models, int train, int targets, String... outputs) {
        List<String> a = new ArrayList<>(List.of("init", "--store", store.toString(), "--data", "embedded",
                "--train", Integer.toString(train), "--targets", Integer.toString(targets),
                "--models", Integer.toString(models), "--seed", "1"));
        for (String o : outputs) {
            a.add("--output");
            a.add(o);
        }
        cliOk(a.toArray(String[]::new));
    }

    /** The "trained K models" count of a run's output; fails if the summary line is missing. */
    static long trainedCount(String out) {
        Matcher m = SUMMARY.matcher(out);
        if (!m.find()) {
            fail("no 'trained K models ... store has C/N completed' line in:\n" + out);
        }
        long k = Long.parseLong(m.group(1));
        if (m.find()) {
            fail("two summary lines in:\n" + out);
        }
        return k;
    }

    /** Number of completed rows of the store at {@code dir}. */
    static long completed(Path dir) throws IOException {
        try (Store s = Store.open(dir, false)) {
            return s.completedCount();
        }
    }

    /** The completion flags of the store at {@code dir}. */
    static boolean[] completedFlags(Path dir) throws IOException {
        try (Store s = Store.open(dir, false)) {
            boolean[] f = new boolean[(int) s.numModels()];
            for (int i = 0; i < f.length; i++) {
                f[i] = s.isCompleted(i);
            }
            return f;
        }
    }

    /** Row {@code i} of float key {@code key}. */
    static float[] row(Store s, String key, long i) throws IOException {
        NpyArray a = s.array(key);
        float[] r = new float[(int) a.rowElements()];
        a.getFloats(i * a.rowElements(), r, 0, r.length);
        return r;
    }

    /**
     * Checks that two stores hold the same rows for every key: bit for bit when {@code tol} is 0, else each element
     * within {@code tol * max(1, |expected|)}. Both must be complete.
     */
    static void assertSameRows(Path expected, Path actual, double tol) throws IOException {
        try (Store e = Store.open(expected, false); Store a = Store.open(actual, false)) {
            assertEquals(e.numModels(), a.numModels(), "num_models");
            assertEquals(e.numModels(), e.completedCount(), expected + ": completed");
            assertEquals(a.numModels(), a.completedCount(), actual + ": completed");
            assertEquals(e.spec().schema().keySet(), a.spec().schema().keySet(), "keys");
            for (String key : e.spec().schema().keySet()) {
                if (key.equals(Store.MASKS)) {
                    assertTrue(e.array(key).data().mismatch(a.array(key).data()) < 0, "masks differ");
                    continue;
                }
                for (long i = 0; i < e.numModels(); i++) {
                    float[] want = row(e, key, i);
                    float[] got = row(a, key, i);
                    for (int j = 0; j < want.length; j++) {
                        boolean same = tol == 0 ? Float.floatToRawIntBits(want[j]) == Float.floatToRawIntBits(got[j])
                                : Math.abs(want[j] - got[j]) <= tol * Math.max(1, Math.abs(want[j]));
                        if (!same) {
                            fail(key + " row " + i + " element " + j + ": expected " + want[j]
                                    + " (fresh recompute), got " + got[j] + " (killed and resumed)"
                                    + (tol == 0 ? "" : ", tolerance " + tol));
                        }
                    }
                }
            }
        }
        if (tol == 0) {
            // Whole files, headers included, byte for byte.
            for (String f : fileNames(expected)) {
                assertTrue(Arrays.equals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f))),
                        f + ": files differ");
            }
        }
    }

    /** The {@code .npy} files of a store, completion flags included. */
    private static List<String> fileNames(Path store) throws IOException {
        try (Stream<Path> s = Files.list(store)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npy"))
                    .sorted().toList());
            assertTrue(names.contains(StoreSpec.COMPLETED + ".npy"), "completion flags file");
            return names;
        }
    }

    /** A {@code datamodels} JVM started by {@link #start}, with its output captured in files. */
    record Child(Process process, Path stdout, Path stderr) {
        String out() throws IOException {
            return Files.exists(stdout) ? Files.readString(stdout) : "";
        }

        String err() throws IOException {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        }

        String all() throws IOException {
            return "--- stdout\n" + out() + "--- stderr\n" + err();
        }

        /** Waits for a normal exit and returns the exit code; fails after {@code seconds}. */
        int await(long seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("datamodels did not finish in " + seconds + " s\n" + all());
            }
            return process.exitValue();
        }

        /** SIGKILL (on Linux), then waits until the process is gone so its file locks are dropped. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                fail("process " + process.pid() + " did not die after SIGKILL");
            }
        }

        /**
         * Waits until the child has printed its "train: ..." header (printed just before training starts), or has
         * exited; true if the header appeared.
         */
        boolean awaitHeader(long seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (out().lines().anyMatch(l -> l.startsWith("train: ") && l.contains(" threads"))) {
                    return true;
                }
                if (!process.isAlive()) {
                    return false;
                }
                Thread.sleep(5);
            }
            fail("no train header within " + seconds + " s\n" + all());
            return false;
        }
    }

    /**
     * Starts {@code datamodels ARGS} as a separate JVM on this test's class path, stdin from /dev/null and stdout and
     * stderr into {@code logs/NAME.out} and {@code logs/NAME.err}.
     */
    static Child start(Path logs, String name, List<String> args) throws IOException {
        Files.createDirectories(logs);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-XX:+UseSerialGC"));
        String kernel = System.getProperty("datamodels.kernel");
        if (kernel != null) {
            cmd.add("-Ddatamodels.kernel=" + kernel);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        return new Child(pb.start(), out, err);
    }

    /** Fails if {@code text} holds a control character other than newline and tab (a progress bar's \r, ESC). */
    static void assertPlainLines(String what, String text) {
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f) {
                fail(what + ": control character U+" + String.format("%04X", (int) c) + " at " + k + " in:\n" + text);
            }
        }
    }

    /**
     * Fails a test that prints to {@code System.out} (the equivalent of core's {@code NoStdout}, which this module
     * cannot see): the CLI writes only to the streams {@link Main#run} is given. Use with {@code @ExtendWith}.
     */
    static final class NoStdout implements BeforeEachCallback, AfterEachCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoStdout.class);

        private record Saved(PrintStream original, ByteArrayOutputStream captured) {
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            context.getStore(NS).put("saved", new Saved(System.out, captured));
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        }

        @Override
        public void afterEach(ExtensionContext context) {
            Saved s = context.getStore(NS).remove("saved", Saved.class);
            if (s == null) {
                return;
            }
            System.out.flush();
            System.setOut(s.original());
            String text = s.captured().toString(StandardCharsets.UTF_8);
            if (!text.isEmpty()) {
                fail("test printed to stdout: " + text.strip().lines().findFirst().orElse(""));
            }
        }
    }
}
