package io.datamodels.learn;

import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.Python;
import io.datamodels.train.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ExternalLearner}: config checks, placeholder quoting, and real {@code python3} training scripts (written
 * into a temporary folder at run time) that succeed, fail, hang or write bad outputs, alone and through
 * {@link Runner}.
 *
 * <p>The scripts (called with {@code {index} {root_seed} {mask} {out}}) write, for model {@code index} with root
 * seed {@code seed} and mask {@code mask} (all exact in
 * float32):
 * <pre>
 *   margins[t] = index + t / 4 + counts[t] / 2 - seed mod 7,  counts[t] = #{j in mask : j mod T = t}
 *   seen       = mask (bool, (m,))
 *   count      = |mask| (int64, shape ())
 *   counts     = counts (int32, (T,))
 *   loss       = index / 3 (float64, shape (1,) for a scalar key)
 * </pre>
 */
@ExtendWith(NoStdout.class)
class ExternalLearnerTest {
    private static final int M = 37;
    private static final int T = 20;
    private static final long SEED = 20220315L;
    private static final Sampling SAMPLING = new Sampling(Sampling.BERNOULLI, 0.5, SEED, M);

    /** Loads the mask and defines {@code margins()}, {@code counts()}, {@code save(key, array)}. */
    private static final String PRELUDE = """
            import os, sys
            import numpy as np
            index, seed, mask_path, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
            mask = np.load(mask_path)
            assert mask.dtype == np.bool_ and mask.ndim == 1, (mask.dtype, mask.shape)
            T = $T

            def counts():
                return np.array([int(mask[t::T].sum()) for t in range(T)], dtype=np.int32)

            def margins():
                return (index + 0.25 * np.arange(T) + 0.5 * counts() - seed % 7).astype(np.float32)

            def save(key, arr):
                np.save(os.path.join(out, key + '.npy'), arr)
            """.replace("$T", Integer.toString(T));

    /** Writes every key of {@link #schema()}, and talks on stdout and stderr. */
    private static final String GOOD = PRELUDE + """
            save('margins', margins())
            save('seen', mask)
            save('count', np.int64(mask.sum()))
            save('counts', counts())
            save('loss', np.array([index / 3.0]))
            print('epoch 1: loss 0.693')
            print('warning: training on', int(mask.sum()), 'examples', file=sys.stderr)
            """;

    @TempDir
    Path dir;

    private static void assumeNumpy() {
        assumeTrue(Python.hasNumpy(), "skipped: python3 with numpy is not available (python3 -c \"import numpy\" "
                + "failed); ExternalLearnerTest runs python3 training scripts");
    }

    private static Map<String, StoreSpec.KeySpec> schema() {
        Map<String, StoreSpec.KeySpec> s = new LinkedHashMap<>();
        s.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, M));
        s.put("margins", StoreSpec.KeySpec.of(DType.FLOAT32, T));
        s.put("seen", StoreSpec.KeySpec.of(DType.BOOL, M));
        s.put("count", StoreSpec.KeySpec.of(DType.INT64));
        s.put("counts", StoreSpec.KeySpec.of(DType.INT32, T));
        s.put("loss", StoreSpec.KeySpec.of(DType.FLOAT64));
        return s;
    }

    private static float[] expectedMargins(long index, long seed, BitMask mask) {
        float[] v = new float[T];
        for (int t = 0; t < T; t++) {
            int c = 0;
            for (int j = t; j < mask.size(); j += T) {
                c += mask.get(j) ? 1 : 0;
            }
            v[t] = (float) (index + 0.25 * t + 0.5 * c - Math.floorMod(seed, 7));
        }
        return v;
    }

    private static int[] expectedCounts(BitMask mask) {
        int[] c = new int[T];
        for (int j : mask.indices()) {
            c[j % T]++;
        }
        return c;
    }

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve("scripts").resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, body);
    }

    private static String command(Path script) {
        return "python3 " + ExternalLearner.shellQuote(script.toString()) + " {index} {root_seed} {mask} {out}";
    }

    /** A learner whose temporary folders go under {@code dir/tmp}, so tests can see what is left. */
    private ExternalLearner learner(String command, int timeoutSeconds) throws IOException {
        return new ExternalLearner(new ExternalConfig(command, timeoutSeconds, null), schema(), M, tmpRoot(), false);
    }

    private Path tmpRoot() throws IOException {
        return Files.createDirectories(dir.resolve("tmp"));
    }

    private static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static ModelTask task(long index) {
        return new ModelTask(index, SAMPLING.mask(index), SEED);
    }

    private static String reason(Outcome o) {
        return assertInstanceOf(Outcome.Failed.class, o, () -> "expected a failure, got " + o).reason();
    }

    // ---- config and plumbing (no python needed) ----

    @Test
    void configChecksEachField() {
        assertEquals("timeout_seconds must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new ExternalConfig("true", 0, null)).getMessage());
        assertEquals("command must be a non-blank shell command, got ' '",
                assertThrows(IllegalArgumentException.class, () -> new ExternalConfig(" ", 5, null)).getMessage());
        assertEquals("command: required field is missing",
                assertThrows(IllegalArgumentException.class, () -> new ExternalConfig(null, 5, null)).getMessage());
        assertEquals("work_dir must be null (the current folder) or a non-blank path, got ''",
                assertThrows(IllegalArgumentException.class, () -> new ExternalConfig("true", 5, "")).getMessage());
    }

    @Test
    void configHasSnakeCaseJson() throws ConfigException {
        ExternalConfig c = new ExternalConfig("python3 train.py --out {out}", 3600, "/srv/models");
        String json = Json.write(c);
        assertTrue(json.contains("\"timeout_seconds\" : 3600"), json);
        assertTrue(json.contains("\"work_dir\" : \"/srv/models\""), json);
        assertEquals(c, Json.parse("external.json", json, ExternalConfig.class));
        ConfigException e = assertThrows(ConfigException.class, () -> Json.parse("external.json",
                "{\"command\": \"true\", \"timeout_seconds\": -5}", ExternalConfig.class));
        assertTrue(e.getMessage().contains("timeout_seconds must be >= 1, got -5"), e.getMessage());
    }

    @Test
    void learnerDescribesItselfAndChecksItsInputs() throws IOException {
        ExternalLearner l = learner("true", 5);
        assertEquals("external", l.name());
        assertEquals(1, l.preferredBatch());
        assertEquals(List.of("margins", "seen", "count", "counts", "loss"), List.copyOf(l.outputKeys()),
                "the masks key is the input, not an output");
        assertEquals("keys: expected a subset of [margins, seen, count, counts, loss], got [logits]",
                assertThrows(IllegalArgumentException.class,
                        () -> l.train(List.of(task(0)), Set.of("logits"))).getMessage());
        assertEquals("mask: expected length 37, got 5",
                reason(l.train(List.of(new ModelTask(0, new BitMask(5), SEED)), Set.of()).getFirst()));
        String missing = dir.resolve("no such dir").toString();
        assertEquals("work_dir: expected an existing folder, got '" + missing + "'",
                assertThrows(IllegalArgumentException.class, () -> new ExternalLearner(
                        new ExternalConfig("true", 5, missing), schema(), M)).getMessage());
    }

    @Test
    void placeholdersAreShellQuotedInOnePass() {
        assertEquals("'it'\\''s'", ExternalLearner.shellQuote("it's"));
        Map<String, String> v = Map.of("index", "7", "seed", "-3", "mask", "/a b/it's/mask.npy", "out", "/x/{out}");
        assertEquals("run '7' '-3' '/a b/it'\\''s/mask.npy' '/x/{out}' '/x/{out}' {foo} ${HOME} {index",
                ExternalLearner.expand("run {index} {seed} {mask} {out} {out} {foo} ${HOME} {index", v));
    }

    @Test
    void keptFolderHoldsMaskLogsAndOutputs() throws IOException {
        ExternalConfig c = new ExternalConfig("echo to-stdout; echo to-stderr >&2; touch {out}/extra.txt", 5, null);
        ExternalLearner l = new ExternalLearner(c, schema(), M, tmpRoot(), true);
        ModelTask t = task(4);
        ExternalLearner.Attempt a = l.run(t, Set.of());
        assertEquals(new Outcome.Ok(Map.of()), a.outcome());
        assertEquals(0, a.exitCode());
        assertEquals(List.of("to-stderr"), a.stderrTail());
        List<String> kept = listing(tmpRoot());
        assertEquals(1, kept.size(), kept.toString());
        assertTrue(kept.getFirst().startsWith("datamodels-external-4-"), kept.toString());
        Path tmp = tmpRoot().resolve(kept.getFirst());
        assertEquals(List.of("mask.npy", "out", "stderr.log", "stdout.log"), listing(tmp));
        assertEquals("to-stdout\n", Files.readString(tmp.resolve("stdout.log")));
        assertEquals(List.of("extra.txt"), listing(tmp.resolve("out")));
        long[] bits = Npy.readLongs(tmp.resolve("mask.npy"));
        boolean[] mask = new boolean[bits.length];
        for (int j = 0; j < bits.length; j++) {
            mask[j] = bits[j] != 0;
        }
        assertArrayEquals(t.mask().toBooleans(), mask);
    }

    @Test
    void exitStatusAndLastStderrLineAreReported() throws IOException {
        ExternalLearner l = learner("echo first >&2; echo model {index} diverged >&2; echo >&2; exit 3", 5);
        ExternalLearner.Attempt a = l.run(task(5), Set.of("margins"));
        assertEquals(new Outcome.Failed("command exited with code 3: model 5 diverged"), a.outcome());
        assertEquals(3, a.exitCode());
        assertEquals(List.of("first", "model 5 diverged", ""), a.stderrTail());
        assertEquals("command exited with code 7 and wrote nothing to stderr",
                reason(learner("exit 7", 5).train(List.of(task(0)), Set.of("margins")).getFirst()));
        assertEquals(List.of(), listing(tmpRoot()), "temporary folders are deleted");
    }

    @Test
    void aSignalIsNamedAndRetryableABadOutputIsNot() throws IOException {
        ExternalLearner.Attempt a = learner("echo out of memory >&2; kill -9 $$", 5).run(task(0), Set.of());
        assertEquals(new Outcome.Failed("command was killed by signal 9 (exit code 137): out of memory", true),
                a.outcome());
        Outcome bad = learner("true", 5).run(task(0), Set.of("margins")).outcome();
        assertEquals(new Outcome.Failed("margins.npy: file: expected the command to write it to {out}, got an empty "
                + "folder", false), bad);
    }

    // ---- python scripts ----

    @Test
    void goodScriptGivesExactRowsFromTheTasksMask() throws IOException {
        assumeNumpy();
        ExternalLearner l = learner(command(script("good.py", GOOD)), 30);
        List<ModelTask> tasks = List.of(task(0), task(1), new ModelTask(9, SAMPLING.mask(9), -12));
        List<Outcome> out = l.train(tasks, l.outputKeys());
        assertEquals(3, out.size());
        for (int k = 0; k < tasks.size(); k++) {
            ModelTask t = tasks.get(k);
            Map<String, Object> row = assertInstanceOf(Outcome.Ok.class, out.get(k), () -> out.toString()).outputs();
            assertEquals(List.of("margins", "seen", "count", "counts", "loss"), List.copyOf(row.keySet()));
            assertArrayEquals(expectedMargins(t.index(), t.seed(), t.mask()), (float[]) row.get("margins"));
            assertArrayEquals(t.mask().toBooleans(), (boolean[]) row.get("seen"), "the mask the script loaded");
            assertArrayEquals(new long[]{t.mask().cardinality()}, (long[]) row.get("count"));
            assertArrayEquals(expectedCounts(t.mask()), (int[]) row.get("counts"));
            assertArrayEquals(new double[]{t.index() / 3.0}, (double[]) row.get("loss"));
        }
        ExternalLearner.Attempt a = l.run(task(2), Set.of("margins"));
        assertEquals(Set.of("margins"), ((Outcome.Ok) a.outcome()).outputs().keySet(), "only the keys asked for");
        assertEquals(List.of("warning: training on " + task(2).mask().cardinality() + " examples"), a.stderrTail());
        assertEquals(List.of(), listing(tmpRoot()), "temporary folders are deleted");
    }

    @Test
    void zeroAndOneSizedMasksAndRows() throws IOException {
        assumeNumpy();
        Path s = script("tiny.py", """
                import os, sys
                import numpy as np
                mask = np.load(sys.argv[1])
                np.save(os.path.join(sys.argv[2], 'margins.npy'), np.array([mask.size + 0.5], dtype=np.float32))
                np.save(os.path.join(sys.argv[2], 'seen.npy'), mask)
                """);
        for (int m : new int[]{0, 1}) {
            Map<String, StoreSpec.KeySpec> sc = Map.of("margins", StoreSpec.KeySpec.of(DType.FLOAT32, 1),
                    "seen", StoreSpec.KeySpec.of(DType.BOOL, m));
            ExternalLearner l = new ExternalLearner(new ExternalConfig("python3 " + ExternalLearner.shellQuote(
                    s.toString()) + " {mask} {out}", 30, null), sc, m, tmpRoot(), false);
            BitMask mask = new BitMask(m);
            if (m == 1) {
                mask.set(0);
            }
            Outcome o = l.train(List.of(new ModelTask(0, mask, SEED)), Set.of("margins", "seen")).getFirst();
            Map<String, Object> row = assertInstanceOf(Outcome.Ok.class, o, o::toString).outputs();
            assertArrayEquals(new float[]{m + 0.5f}, (float[]) row.get("margins"), "m = " + m);
            assertArrayEquals(mask.toBooleans(), (boolean[]) row.get("seen"), "m = " + m);
        }
    }

    @Test
    void awkwardPathsAndEnvironmentReachTheCommand() throws IOException {
        assumeNumpy();
        Path tmp = Files.createDirectories(dir.resolve("tmp dir's \"q\" $HOME"));
        Path work = Files.createDirectories(dir.resolve("work dir's"));
        Path report = dir.resolve("report.txt");
        Path s = script("it's a probe.py", GOOD + """
                lines = [str(index), str(seed), mask_path, out, os.getcwd()]
                lines += [os.environ[k] for k in
                          ('DATAMODELS_INDEX', 'DATAMODELS_ROOT_SEED', 'DATAMODELS_MASK', 'DATAMODELS_OUT')]
                with open(sys.argv[5], 'w') as f:
                    f.write('\\n'.join(lines) + '\\n')
                """);
        String cmd = command(s) + " " + ExternalLearner.shellQuote(report.toString());
        ExternalLearner l = new ExternalLearner(new ExternalConfig(cmd, 30, work.toString()), schema(), M, tmp,
                false);
        ModelTask t = new ModelTask(11, SAMPLING.mask(11), SEED);
        Outcome o = l.train(List.of(t), Set.of("margins")).getFirst();
        assertArrayEquals(expectedMargins(11, SEED, t.mask()),
                (float[]) assertInstanceOf(Outcome.Ok.class, o, o::toString).outputs().get("margins"));
        List<String> got = Files.readAllLines(report);
        assertEquals(9, got.size(), got.toString());
        assertEquals("11", got.get(0));
        assertEquals(Long.toString(SEED), got.get(1));
        Path mask = Path.of(got.get(2));
        Path out = Path.of(got.get(3));
        assertEquals(tmp.toAbsolutePath(), mask.getParent().getParent(), "mask.npy is in a fresh folder under tmp");
        assertEquals("mask.npy", mask.getFileName().toString());
        assertEquals(mask.resolveSibling("out"), out);
        assertEquals(work.toRealPath(), Path.of(got.get(4)).toRealPath(), "working directory");
        assertEquals(got.subList(0, 4), got.subList(5, 9), "DATAMODELS_* equal the placeholders");
        assertEquals(List.of(), listing(tmp), "temporary folder deleted");
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws IOException, InterruptedException {
        assumeNumpy();
        Path pids = dir.resolve("pids.txt");
        Path s = script("hang.py", """
                import os, subprocess, sys, time
                child = subprocess.Popen(['sleep', '30'])
                with open(sys.argv[1] + '.tmp', 'w') as f:
                    f.write('%d %d\\n' % (os.getpid(), child.pid))
                os.replace(sys.argv[1] + '.tmp', sys.argv[1])
                time.sleep(30)
                """);
        ExternalLearner l = new ExternalLearner(new ExternalConfig("python3 " + ExternalLearner.shellQuote(
                s.toString()) + " " + ExternalLearner.shellQuote(pids.toString()), 1, null), schema(), M, tmpRoot(),
                false);
        long t0 = System.nanoTime();
        ExternalLearner.Attempt a = l.run(task(0), Set.of("margins"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(new Outcome.Failed("command timed out after 1s"), a.outcome());
        assertEquals(ExternalLearner.NOT_EXITED, a.exitCode());
        assertTrue(seconds < 10, "took " + seconds + " s");
        String[] ids = Files.readString(pids).strip().split(" ");
        for (String id : ids) {
            long pid = Long.parseLong(id);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!gone(pid) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(gone(pid), "process " + pid + " still runs");
        }
        assertEquals(List.of(), listing(tmpRoot()), "temporary folder deleted");
    }

    /** True if {@code pid} has exited (a zombie waiting for a parent that does not reap it counts as exited). */
    private static boolean gone(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void pythonErrorReportsItsLastStderrLine() throws IOException {
        assumeNumpy();
        Path s = script("raise.py", PRELUDE + """
                for k in range(100):
                    print('step', k, file=sys.stderr)
                raise ValueError('bad index %d' % index)
                """);
        ExternalLearner.Attempt a = learner(command(s), 30).run(task(5), Set.of("margins"));
        assertEquals(new Outcome.Failed("command exited with code 1: ValueError: bad index 5"), a.outcome());
        assertEquals(ExternalLearner.STDERR_LINES, a.stderrTail().size());
        assertEquals("ValueError: bad index 5", a.stderrTail().getLast());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "short row      | save('margins', margins()[:19])"
                    + "                | margins.npy: shape: expected (20,), got (19,)",
            "extra axis     | save('margins', margins()[None, :])"
                    + "            | margins.npy: shape: expected (20,), got (1, 20)",
            "float64        | save('margins', margins().astype(np.float64))"
                    + "  | margins.npy: dtype: expected float32, got float64",
            "NaN            | v = margins(); v[3] = np.nan; save('margins', v)"
                    + " | margins.npy: values: expected finite, got NaN at element 3",
            "-inf           | v = margins(); v[0] = -np.inf; save('margins', v)"
                    + " | margins.npy: values: expected finite, got -Infinity at element 0",
            "missing file   | save('margin', margins())"
                    + "                      | margins.npy: file: expected the command to write it to {out}, got only "
                    + "margin.npy",
            "nothing        | pass"
                    + "                                           | margins.npy: file: expected the command to write "
                    + "it to {out}, got an empty folder",
            "bool as uint8  | save('margins', margins()); save('seen', mask.astype(np.uint8))"
                    + " | seen.npy: dtype: expected bool_, got uint8",
            "scalar (2,)    | save('margins', margins()); save('seen', mask); save('count', np.zeros(2, np.int64))"
                    + " | count.npy: shape: expected () or (1,), got (2,)",
            "not npy        | save('margins', margins()); open(os.path.join(out, 'seen.npy'), 'w').write('hello, this is not numpy')"
                    + " | seen.npy: magic: expected",
    })
    void badOutputFailsNamingFileFieldAndValues(String name, String body, String expected) throws IOException {
        assumeNumpy();
        Path s = script("bad.py", PRELUDE + body + "\n");
        Outcome o = learner(command(s), 30).train(List.of(task(1)), new LinkedHashSet<>(List.of("margins", "seen", "count"))).getFirst();
        assertTrue(reason(o).startsWith(expected), () -> name + ": " + reason(o));
        assertEquals(List.of(), listing(tmpRoot()), "temporary folder deleted");
    }

    @Test
    void runnerStoresEveryRowButTheFailingOne() throws IOException {
        assumeNumpy();
        int n = 9;
        long failing = 6;
        Map<String, StoreSpec.KeySpec> sc = new LinkedHashMap<>();
        sc.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, M));
        sc.put("margins", StoreSpec.KeySpec.of(DType.FLOAT32, T));
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, SAMPLING, null, Provenance.now("none", "test"));
        Path s = script("train.py", PRELUDE + """
                if index == %d:
                    sys.exit('index %d is cursed')
                save('margins', margins())
                """.formatted(failing, failing));
        List<String> attempts = Collections.synchronizedList(new ArrayList<>());
        try (Store store = Store.init(dir.resolve("store"), new StoreSpec((long) n, sc), meta, false)) {
            ExternalLearner l = new ExternalLearner(new ExternalConfig(command(s), 30, null), store.spec().schema(),
                    M, tmpRoot(), false);
            Runner.Report r = Runner.run(store, l, new Runner.Options(0, n, 2, 1, SEED), new Runner.Listener() {
                @Override
                public void attemptFailed(long index, String reason, boolean willRetry) {
                    attempts.add(index + " " + willRetry + " " + reason);
                }
            });
            String why = "command exited with code 1: index 6 is cursed";
            assertEquals(List.of(new Runner.Failure(failing, why)), r.failures());
            assertEquals(List.of("6 true " + why, "6 false " + why), attempts);
            assertEquals(n - 1, r.stored());
            assertEquals(0, r.skipped());
            assertEquals(n - 1, store.completedCount());
            assertFalse(store.isCompleted(failing));
            for (long i = 0; i < n; i++) {
                float[] got = new float[T];
                store.array("margins").getFloats(i * T, got, 0, T);
                float[] want = i == failing ? new float[T] : expectedMargins(i, SEED, SAMPLING.mask(i));
                assertArrayEquals(want, got, "margins[" + i + "]");
            }
        }
        assertEquals(List.of(), listing(tmpRoot()), "temporary folders deleted");
    }
}
