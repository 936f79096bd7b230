package io.datamodels.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.store.Store;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Outputs and stores shared between processes and folders: predict keeps an existing file unless --force, init
 * --force does not replace a store a train is writing, a train whose store is replaced stops, and a store made with
 * a relative data path works from any working directory.
 */
class OutputSharingTest {
    @TempDir
    Path tmp;

    @Test
    void predictRefusesAnExistingOutUnlessForced() throws Exception {
        Path store = tmp.resolve("store");
        TrainProcesses.initEmbedded(store, 60, 50, 4);
        TrainProcesses.cliOk("train", "--store", store.toString(), "--learner", "softmax", "--set", "epochs=1");
        Path dm = tmp.resolve("dm");
        TrainProcesses.cliOk("fit", "--store", store.toString(), "--out", dm.toString(), "--lambdas", "10");
        boolean[] mask = new boolean[50];
        for (int j = 0; j < 50; j += 2) {
            mask[j] = true;
        }
        Path masks = tmp.resolve("masks.npy");
        Npy.write(masks, DType.BOOL, mask, 1, 50);
        Path pred = tmp.resolve("pred.npy");
        Npy.write(pred, DType.FLOAT32, new float[]{42f}, 1);

        TrainProcesses.Result r = TrainProcesses.cli("predict", "--model", dm.toString(), "--masks", masks.toString(),
                "--out", pred.toString());
        assertEquals(ExitCodes.OUTPUT, r.code(), r.all());
        assertTrue(r.err().contains(pred.toString()) && r.err().contains("--force"), r.err());
        assertArrayEquals(new float[]{42f}, Npy.readFloats(pred), "kept as it was");

        TrainProcesses.cliOk("predict", "--model", dm.toString(), "--masks", masks.toString(), "--out",
                pred.toString(), "--force");
        float[] w = Npy.readFloats(dm.resolve("weights.npy"));
        float[] b = Npy.readFloats(dm.resolve("bias.npy"));
        float[] got = Npy.readFloats(pred);
        assertEquals(4, got.length);
        for (int q = 0; q < 4; q++) {
            double want = b[q];
            for (int j = 0; j < 50; j += 2) {
                want += w[j * 4 + q];
            }
            assertEquals(want, got[q], 1e-4);
        }
    }

    /**
     * While a train runs on a store: init --force on it fails and the train goes on; a store put in its place by
     * other means (moved away, a new one made) stops the train with an error, and none of its rows is marked
     * completed in the new store.
     */
    /**
     * Waits until the store has a completed model: its runner, which takes the store's in-use lock before it trains
     * anything, has started. (Probing the lock itself would take it exclusively for a moment, and a runner starting
     * in that moment would refuse the store.)
     */
    private static boolean awaitFirstModel(Path store, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try (Store s = Store.open(store, false)) {
                if (s.completedCount() > 0) {
                    return true;
                }
            }
            Thread.sleep(10);
        }
        return false;
    }

    @Test
    void aRunningTrainKeepsItsStoreOrStops() throws Exception {
        Path store = tmp.resolve("store");
        TrainProcesses.initEmbedded(store, 30_000, 2000, 50);
        TrainProcesses.Child c = TrainProcesses.start(tmp.resolve("logs"), "train", List.of("train", "--store",
                store.toString(), "--learner", "softmax", "--threads", "1"));
        try {
            assertTrue(c.awaitHeader(120), c.all());
            // train prints its header before its runner takes the store's in-use lock
            assertTrue(awaitFirstModel(store, 120), c.all());
            TrainProcesses.Result r = TrainProcesses.cli("init", "--store", store.toString(), "--data", "embedded",
                    "--train", "100", "--targets", "5", "--models", "10", "--seed", "9", "--force");
            assertEquals(ExitCodes.OUTPUT, r.code(), r.all());
            assertTrue(r.err().contains(store.toString()) && r.err().contains("a train is running"), r.err());
            try (Store s = Store.open(store, false)) {
                assertEquals(30_000, s.numModels(), "the store is still the one being trained");
            }
            assertTrue(c.process().isAlive(), c.all());

            Files.move(store, tmp.resolve("moved"));
            TrainProcesses.initEmbedded(store, 10, 100, 5);
            assertEquals(ExitCodes.OUTPUT, c.await(120), c.all());
            // whether the runner sees the folder gone or the new store first depends on timing
            assertTrue(c.err().contains(store.toString()) && (c.err().contains("replaced by another process")
                    || c.err().contains("removed by another process")), c.all());
            assertEquals(0, TrainProcesses.completed(store), "no row of the old store marked in the new one");
        } finally {
            c.kill();
        }
    }

    /**
     * Two fit processes started together into one --out: one writes it, the other fails (exit 4) naming the path,
     * and the folder holds the winner's result, the same as a fit run alone.
     */
    @Test
    void twoFitProcessesIntoOneOut() throws Exception {
        Path store = tmp.resolve("store");
        TrainProcesses.initEmbedded(store, 300, 400, 40);
        TrainProcesses.cliOk("train", "--store", store.toString(), "--learner", "softmax", "--set", "epochs=1");
        Path out = tmp.resolve("dm");
        Path logs = tmp.resolve("logs");
        List<TrainProcesses.Child> fits = new ArrayList<>();
        for (String seed : List.of("1", "2")) {
            fits.add(TrainProcesses.start(logs, "fit" + seed, List.of("fit", "--store", store.toString(), "--out",
                    out.toString(), "--seed", seed, "--threads", "1")));
        }
        int won = -1;
        for (int k = 0; k < 2; k++) {
            int code = fits.get(k).await(300);
            if (code == ExitCodes.OK) {
                assertEquals(-1, won, "both fits say they wrote " + out);
                won = k;
            } else {
                assertEquals(ExitCodes.OUTPUT, code, fits.get(k).all());
                String err = fits.get(k).err();
                assertTrue(err.contains(out.toString()) && (err.contains("another process")
                        || err.contains("already exists")), err);
            }
        }
        assertTrue(won >= 0, fits.get(0).all() + fits.get(1).all());
        Path alone = tmp.resolve("alone");
        TrainProcesses.cliOk("fit", "--store", store.toString(), "--out", alone.toString(), "--seed",
                List.of("1", "2").get(won), "--threads", "1");
        for (String f : List.of("weights.npy", "bias.npy", "lambda.npy")) {
            assertArrayEquals(Files.readAllBytes(alone.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
    }

    /** The half-written store of a killed init is removed by the next init of that path. */
    @Test
    void aKilledInitsLeftoversGoWithTheNextInit() throws Exception {
        Path store = tmp.resolve("store");
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        TrainProcesses.Child c = TrainProcesses.start(logs, "init", List.of("init", "--store", store.toString(),
                "--data", "embedded", "--train", "2000", "--targets", "500", "--models", "100000", "--seed", "1"));
        Path working;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                working = leftover(tmp);
                if (working != null && Files.exists(working.resolve("masks.npy"))) {
                    break;
                }
                assertTrue(c.process().isAlive() && System.nanoTime() < deadline, "init did not start writing\n"
                        + c.all());
                Thread.sleep(5);
            }
        } finally {
            c.kill();
        }
        assertTrue(Files.isDirectory(working), "the killed init left its working folder");
        TrainProcesses.initEmbedded(store, 7, 30, 3);
        assertEquals(null, leftover(tmp), "nothing left beside the store");
        try (var names = Files.list(tmp)) {
            assertEquals(List.of("logs", "store"), names.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Store s = Store.open(store, false)) {
            assertEquals(7, s.numModels());
        }
    }

    /** The working folder ({@code .dm-*.new}) in {@code dir}, or null. */
    private static Path leftover(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".dm-")
                    && p.getFileName().toString().endsWith(".new")).findFirst().orElse(null);
        }
    }

    /**
     * init in one folder with a relative --data path, then train from another folder (a separate JVM, since a JVM
     * cannot change its working directory): store.json holds the absolute path and the path as given, and the data
     * is found. A store of an older version (relative path only) is found through the folders above the store, and
     * where none holds the data, the error names store.json and the path.
     */
    @Test
    void relativeDataPathWorksFromAnotherFolder() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path data = Files.createDirectories(home.resolve("data"));
        StringBuilder csv = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 60; i++) {
            csv.append(String.format(Locale.ROOT, "%d,%d,%d,%d%n", i % 7, (i * 3) % 5, i % 2, i % 3));
        }
        Files.writeString(data.resolve("t.csv"), csv);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));

        assertEquals(0, runIn(home, "init", "--store", "st", "--data", "csv:data/t.csv", "--train", "40",
                "--targets", "40:60", "--models", "4", "--seed", "2"));
        JsonNode ds = Json.parseTree("test", java.nio.file.Files.readString(home.resolve("st/store.json"))).get("dataset");
        assertEquals(data.resolve("t.csv").toString(), ds.get("source").get("path").asText());
        assertEquals("data/t.csv", ds.get("source_as_given").get("path").asText());
        assertEquals(0, runIn(elsewhere, "train", "--store", home.resolve("st").toString(), "--learner", "softmax",
                "--set", "epochs=1"));
        assertEquals(4, TrainProcesses.completed(home.resolve("st")));

        // A store as older versions wrote it: the path relative to the folder init ran in, nothing else.
        assertEquals(0, runIn(home, "init", "--store", "runs/old", "--data", "csv:data/t.csv", "--train", "40",
                "--targets", "40:60", "--models", "3", "--seed", "2"));
        Path meta = home.resolve("runs/old/store.json");
        ObjectNode root = (ObjectNode) Json.parseTree("test", java.nio.file.Files.readString(meta));
        ObjectNode d = (ObjectNode) root.get("dataset");
        for (String k : List.of("source", "target_source")) {
            ((ObjectNode) d.get(k)).put("path", "data/t.csv");
        }
        d.remove("source_as_given");
        d.remove("target_source_as_given");
        Files.writeString(meta, Json.write(root));
        assertEquals(0, runIn(elsewhere, "train", "--store", home.resolve("runs/old").toString(), "--learner",
                "softmax", "--set", "epochs=1"));
        assertEquals(3, TrainProcesses.completed(home.resolve("runs/old")));

        Files.move(data, home.resolve("gone"));
        assertEquals(0, runIn(home, "init", "--store", "runs/old2", "--data", "csv:gone/t.csv", "--train", "40",
                "--targets", "40:60", "--models", "3", "--seed", "2"));
        Files.move(home.resolve("runs/old2/store.json"), home.resolve("x.json"));
        String text = Files.readString(home.resolve("x.json")).replace(home.resolve("gone/t.csv").toString(),
                "data/t.csv");
        Files.writeString(home.resolve("runs/old2/store.json"), text);
        Path err = tmp.resolve("err.txt");
        assertEquals(ExitCodes.INPUT, runIn(elsewhere, err, "train", "--store", home.resolve("runs/old2").toString(),
                "--learner", "softmax"));
        String e = Files.readString(err);
        assertTrue(e.contains("store.json: dataset.source.path: 'data/t.csv'") && e.contains("relative"), e);
    }

    private static int runIn(Path cwd, String... args) throws Exception {
        return runIn(cwd, null, args);
    }

    /** Runs {@code datamodels ARGS} as a separate JVM in folder {@code cwd}; stderr into {@code err} if given. */
    private static int runIn(Path cwd, Path err, String... args) throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-XX:+UseSerialGC", "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("dm-cwd-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError((err == null ? log : err).toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("datamodels " + String.join(" ", args) + " did not finish in 120 s");
            }
            if (p.exitValue() != 0 && err == null) {
                System.err.println(Files.readString(log));
            }
            return p.exitValue();
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
