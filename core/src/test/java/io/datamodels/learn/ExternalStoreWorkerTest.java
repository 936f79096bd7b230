package io.datamodels.learn;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.store.OutputKey;
import io.datamodels.store.Store;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.Python;
import io.datamodels.testing.SharedData;
import io.datamodels.train.InitOptions;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.StoreInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ExternalLearner} bound to a real store (made by {@link StoreInit} over the embedded sample, with an index
 * file as its training selection): what the command is told (indices, data, per-model seed), where its temporary
 * folders go, which failures are retried, worker mode, and the Python helper {@code python/datamodels_worker.py} in
 * both modes.
 *
 * <p>Oracles: the indices the test itself drew and wrote into the selection file; the per-model seed recomputed in
 * Python from SeedStream's documented SplitMix64 definition; margins as a closed form of the mask,
 * {@code margins[t] = index + t / 4 + counts[t] / 2}, {@code counts[t] = #{j in mask : j mod T = t}}.
 */
@ExtendWith(NoStdout.class)
class ExternalStoreWorkerTest {
    private static final int M = 37;
    private static final int T = 20;
    private static final int N = 8;
    private static final long SEED = 4242L;

    /** The documented SeedStream definition in Python: model_seed(root, index). */
    private static final String SPLITMIX = """
            M64 = (1 << 64) - 1
            G = 0x9E3779B97F4A7C15
            def mix(z):
                z &= M64
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
                return z ^ (z >> 31)
            def model_seed(root, index):
                state = mix((root & M64) ^ mix(index + G)) ^ mix(0x4558544E)
                return mix(state + G) >> 1
            """;

    @TempDir
    Path dir;

    private int[] trainIdx;

    /** A store over the embedded sample: training rows drawn at random into an index file, targets 100:120. */
    private Store store(List<String> extraKeys) throws IOException {
        Random r = new Random(7);
        TreeSet<Integer> picked = new TreeSet<>();
        while (picked.size() < M) {
            picked.add(r.nextInt(2000));
        }
        List<Integer> order = new ArrayList<>(picked);
        Collections.shuffle(order, r);
        trainIdx = order.stream().mapToInt(Integer::intValue).toArray();
        Path idxFile = dir.resolve("train_rows.txt");
        Files.writeString(idxFile, String.join("\n", order.stream().map(String::valueOf).toList()) + "\n");
        DataBinding b = new DataBinding(DatasetSpec.embedded("train"), Selection.parse("@" + idxFile),
                DatasetSpec.embedded("test"), Selection.range(100, 100 + T));
        List<OutputKey> keys = new ArrayList<>();
        keys.add(OutputKey.parse("margins=float32[T]"));
        for (String k : extraKeys) {
            keys.add(OutputKey.parse(k));
        }
        return StoreInit.create(dir.resolve("store"), b, init(N, keys));
    }

    private static Learner bind(Store s, String command, boolean worker, int timeout) throws IOException {
        ObjectNode o = Json.object().put("command", command).put("timeout_seconds", timeout);
        if (worker) {
            o.put("mode", "worker");
        }
        return Learners.create(s, LearnerKind.EXTERNAL, o, Kernels.gemm(), NarrowLinear.choose()).learner();
    }

    private static float[] expectedMargins(long index, BitMask mask) {
        float[] v = new float[T];
        for (int t = 0; t < T; t++) {
            int c = 0;
            for (int j = t; j < mask.size(); j += T) {
                c += mask.get(j) ? 1 : 0;
            }
            v[t] = (float) (index + 0.25 * t + 0.5 * c);
        }
        return v;
    }

    private static long[] longs(Store s, String key, long row, int len) throws IOException {
        NpyArray a = s.array(key);
        long[] out = new long[len];
        for (int k = 0; k < len; k++) {
            out[k] = a.getLong(row * len + k);
        }
        return out;
    }

    private static float[] floats(Store s, String key, long row, int len) throws IOException {
        float[] out = new float[len];
        s.array(key).getFloats(row * len, out, 0, len);
        return out;
    }

    private Path script(String name, String body) throws IOException {
        return Files.writeString(Files.createDirectories(dir.resolve("scripts")).resolve(name), body);
    }

    private static String q(Path p) {
        return ExternalLearner.shellQuote(p.toString());
    }

    private static List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The repository's python/ folder, found by walking up from the working directory. */
    private static Path pythonDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("python").resolve("datamodels_worker.py"))) {
                return p.resolve("python");
            }
        }
        throw new AssertionError("python/datamodels_worker.py not found above " + Path.of("").toAbsolutePath());
    }

    // ---- what the command is told, and where its folders go ----

    @Test
    void commandGetsTheStoresSelectionsDataAndItsOwnSeed() throws IOException {
        Python.assumeNumpy();
        Path report = dir.resolve("report.jsonl");
        Path s = script("probe.py", SPLITMIX + """
                import json, os, sys
                import numpy as np
                e = os.environ
                index, seed, root = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
                mask = np.load(sys.argv[4])
                tidx, gidx = np.load(sys.argv[5]), np.load(sys.argv[6])
                counts = np.array([int(mask[t::%d].sum()) for t in range(%d)])
                np.save(os.path.join(e['DATAMODELS_OUT'], 'margins.npy'),
                        (index + 0.25 * np.arange(%d) + 0.5 * counts).astype(np.float32))
                np.save(os.path.join(e['DATAMODELS_OUT'], 'tidx.npy'), tidx)
                np.save(os.path.join(e['DATAMODELS_OUT'], 'gidx.npy'), gidx)
                rec = dict(index=index, seed=seed, root=root, seed_py=model_seed(root, index),
                           seed_env=int(e['DATAMODELS_SEED']), data=sys.argv[7], data_env=e['DATAMODELS_DATA'],
                           target_data=e['DATAMODELS_TARGET_DATA'], store=e['DATAMODELS_STORE'],
                           tidx_env=e['DATAMODELS_TRAIN_INDICES'], tidx_arg=sys.argv[5], mask=sys.argv[4],
                           tidx_dtype=str(tidx.dtype))
                with open(sys.argv[8], 'a') as f:
                    f.write(json.dumps(rec) + '\\n')
                """.formatted(T, T, T));
        String cmd = "python3 " + q(s) + " {index} {seed} {root_seed} {mask} {train_indices} {target_indices} {data} "
                + q(report);
        try (Store st = store(List.of("tidx=int64[" + M + "]", "gidx=int64[T]"))) {
            Learner l = bind(st, cmd, false, 60);
            Runner.Report r = Runner.run(st, l, new Runner.Options(0, N, 2, 0, SEED), new Runner.Listener() {
            });
            assertEquals(List.of(), r.failures());
            long[] want = new long[M];
            for (int j = 0; j < M; j++) {
                want[j] = trainIdx[j];
            }
            long[] targets = new long[T];
            for (int t = 0; t < T; t++) {
                targets[t] = 100 + t;
            }
            Sampling sampling = st.meta().orElseThrow().sampling();
            for (long i = 0; i < N; i++) {
                assertArrayEquals(want, longs(st, "tidx", i, M), "train indices seen by model " + i);
                assertArrayEquals(targets, longs(st, "gidx", i, T), "target indices seen by model " + i);
                assertArrayEquals(expectedMargins(i, sampling.mask(i)), floats(st, "margins", i, T), "model " + i);
            }
            Path storeDir = st.dir().toAbsolutePath();
            Path tmpRoot = storeDir.resolve(".external").resolve("tmp");
            List<String> lines = Files.readAllLines(report);
            assertEquals(N, lines.size());
            Set<Long> seeds = new HashSet<>();
            for (String line : lines) {
                var n = Json.parseTree("test", line);
                long i = n.get("index").asLong();
                assertEquals(SEED, n.get("root").asLong());
                assertEquals(n.get("seed_py").asLong(), n.get("seed").asLong(), "seed = documented SplitMix64");
                assertEquals(ExternalLearner.modelSeed(SEED, i), n.get("seed").asLong());
                assertEquals(n.get("seed").asLong(), n.get("seed_env").asLong());
                seeds.add(n.get("seed").asLong());
                assertEquals("embedded#split=train", n.get("data").asText());
                assertEquals("embedded#split=train", n.get("data_env").asText());
                assertEquals("embedded#split=test", n.get("target_data").asText());
                assertEquals(storeDir.toString(), n.get("store").asText());
                assertEquals(n.get("tidx_arg").asText(), n.get("tidx_env").asText());
                assertEquals("int64", n.get("tidx_dtype").asText());
                assertEquals(tmpRoot, Path.of(n.get("mask").asText()).getParent().getParent(),
                        "the model's folder is under STORE/.external/tmp");
            }
            assertEquals(N, seeds.size(), "every model has its own seed");
            assertEquals(List.of(), listing(tmpRoot), "each model's folder is deleted");
        }
    }

    @Test
    void placeholderTheStoreCannotFillIsRefused() {
        ExternalLearner.Context none = ExternalLearner.Context.none(dir);
        Map<String, io.datamodels.store.StoreSpec.KeySpec> sc = Map.of("margins",
                io.datamodels.store.StoreSpec.KeySpec.of(io.datamodels.store.npy.DType.FLOAT32, T));
        assertEquals("command: {train_indices} is unknown for this store (store.json has no dataset record; stores "
                        + "made by 'datamodels init' have one)",
                assertThrows(IllegalArgumentException.class, () -> new ExternalLearner(new ExternalConfig(
                        "train.py {train_indices}", 5, null), sc, M, none)).getMessage());
        assertEquals("command: {mask} changes from model to model, so a worker command cannot use it; the worker "
                        + "reads it from each request line",
                assertThrows(IllegalArgumentException.class, () -> new ExternalLearner(new ExternalConfig(
                        "train.py --mask {mask}", 5, null, "worker"), sc, M, none)).getMessage());
        assertEquals("mode must be 'command' (one process per model) or 'worker' (a long-lived worker), got 'pool'",
                assertThrows(IllegalArgumentException.class, () -> new ExternalConfig("x", 5, null, "pool"))
                        .getMessage());
    }

    // ---- retries ----

    @Test
    void deterministicFailuresRunOnceTransientOnesAreRetried() throws IOException {
        Python.assumeNumpy();
        Path calls = dir.resolve("calls.txt");
        Path s = script("flaky.py", """
                import os, sys
                import numpy as np
                index, out = int(sys.argv[1]), sys.argv[2]
                with open(sys.argv[3], 'a') as f:
                    f.write('%d\\n' % index)
                if index == 0:
                    np.save(os.path.join(out, 'margins.npy'), np.zeros(20, np.float64))   # wrong dtype
                elif index == 1:
                    sys.exit('CUDA out of memory')                                       # may pass next time
                elif index == 2:
                    np.save(os.path.join(out, 'margins.npy'), np.full(20, np.nan, np.float32))
                elif index == 3:
                    pass                                                                 # missing key
                else:
                    np.save(os.path.join(out, 'margins.npy'), np.zeros(20, np.float32))
                """);
        List<String> attempts = Collections.synchronizedList(new ArrayList<>());
        try (Store st = store(List.of())) {
            Learner l = bind(st, "python3 " + q(s) + " {index} {out} " + q(calls), false, 60);
            Runner.Report r = Runner.run(st, l, new Runner.Options(0, 5, 1, 2, SEED), new Runner.Listener() {
                @Override
                public void attemptFailed(long index, String reason, boolean willRetry) {
                    attempts.add(index + " " + willRetry);
                }
            });
            assertEquals(List.of(0L, 1L, 2L, 3L), r.failures().stream().map(Runner.Failure::index).toList());
            assertEquals("margins.npy: dtype: expected float32, got float64", r.failures().get(0).reason());
            assertEquals("command exited with code 1: CUDA out of memory", r.failures().get(1).reason());
            assertEquals(1, r.stored());
        }
        List<String> runs = Files.readAllLines(calls);
        assertEquals(List.of("0", "1", "1", "1", "2", "3", "4"), runs.stream().sorted().toList(),
                "bad outputs run once; the non-zero exit runs 1 + 2 retries");
        assertEquals(List.of("0 false", "1 true", "1 true", "1 false", "2 false", "3 false"), attempts);
    }

    // ---- worker mode ----

    /** A worker written against the protocol directly; what it does depends on the model index. */
    private static final String RAW_WORKER = """
            import json, os, sys, time
            import numpy as np
            print('worker starting', file=sys.stderr, flush=True)
            for line in sys.stdin:
                r = json.loads(line)
                i = r['index']
                with open(sys.argv[1], 'a') as f:
                    f.write('%d %d\\n' % (i, os.getpid()))
                if i == 1:
                    print('about to die', file=sys.stderr, flush=True)
                    sys.exit(3)
                if i == 2:
                    time.sleep(60)
                if i == 3:
                    print('epoch 1: loss 0.5', flush=True)
                    continue
                if i == 4:
                    print(json.dumps({'index': i, 'status': 'error', 'message': 'diverged at step 7'}), flush=True)
                    continue
                mask = np.load(r['mask'])
                counts = np.array([int(mask[t::20].sum()) for t in range(20)])
                v = (i + 0.25 * np.arange(20) + 0.5 * counts).astype(np.float32)
                np.save(os.path.join(r['out'], 'margins.npy'), v)
                print(json.dumps({'index': i, 'status': 'done'}), flush=True)
            print('stdin closed, bye', file=sys.stderr, flush=True)
            """;

    @Test
    void workerTrainsManyModelsAndIsReplacedWhenItDiesHangsOrGarblesStdout() throws Exception {
        Python.assumeNumpy();
        Path log = dir.resolve("log.txt");
        Path s = script("raw_worker.py", RAW_WORKER);
        String cmd = "python3 " + q(s) + " " + q(log);
        Map<String, io.datamodels.store.StoreSpec.KeySpec> sc = new LinkedHashMap<>();
        sc.put("margins", io.datamodels.store.StoreSpec.KeySpec.of(io.datamodels.store.npy.DType.FLOAT32, T));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Sampling sampling = new Sampling(Sampling.BERNOULLI, 0.5, SEED, M);
        ExternalLearner l = new ExternalLearner(new ExternalConfig(cmd, 3, null, "worker"), sc, M,
                ExternalLearner.Context.none(tmp), false);
        long[] order = {0, 5, 4, 6, 1, 7, 3, 0, 2, 5};
        List<Outcome> got = new ArrayList<>();
        for (long i : order) {
            got.add(l.run(new ModelTask(i, sampling.mask(i), SEED), Set.of("margins")).outcome());
        }
        List<String> lines = Files.readAllLines(log);
        List<Long> pids = lines.stream().map(x -> Long.parseLong(x.split(" ")[1])).toList();
        assertEquals(order.length, lines.size());
        for (int k = 0; k < order.length; k++) {
            assertEquals(order[k], Long.parseLong(lines.get(k).split(" ")[0]));
        }
        // worker A serves 0, 5, 4 (error), 6, dies on 1; B serves 7, garbles 3; C serves 0, hangs on 2; D serves 5
        assertEquals(List.of(pids.get(0), pids.get(0), pids.get(0), pids.get(0), pids.get(0)), pids.subList(0, 5));
        assertEquals(pids.get(5), pids.get(6));
        assertEquals(pids.get(7), pids.get(8));
        assertEquals(4, new HashSet<>(pids).size(), pids.toString());
        for (int k : new int[]{0, 1, 3, 5, 7, 9}) {
            long i = order[k];
            Map<String, Object> row = assertInstanceOf(Outcome.Ok.class, got.get(k), got.get(k)::toString).outputs();
            assertArrayEquals(expectedMargins(i, sampling.mask(i)), (float[]) row.get("margins"), "model " + i);
        }
        Outcome.Failed err = assertInstanceOf(Outcome.Failed.class, got.get(2));
        assertEquals(new Outcome.Failed("worker: model 4: diverged at step 7", true), err);
        Outcome.Failed died = assertInstanceOf(Outcome.Failed.class, got.get(4));
        assertEquals(new Outcome.Failed("worker '" + cmd + "' exited with code 3: about to die (model 1 in flight)",
                true), died);
        Outcome.Failed garbled = assertInstanceOf(Outcome.Failed.class, got.get(6));
        assertEquals(new Outcome.Failed("worker '" + cmd + "': stdout: line 2: expected a JSON object {\"index\": "
                + "..., \"status\": ...}, got 'epoch 1: loss 0.5'; a worker must write only protocol lines to stdout "
                + "and log to stderr", false), garbled);
        Outcome.Failed hung = assertInstanceOf(Outcome.Failed.class, got.get(8));
        assertEquals(new Outcome.Failed("worker '" + cmd + "' timed out after 3s on model 2", true), hung);
        for (long pid : List.of(pids.get(0), pids.get(5), pids.get(7))) {
            assertTrue(waitGone(pid), "worker " + pid + " still runs");
        }
        long last = pids.getLast();
        assertTrue(ProcessHandle.of(last).map(ProcessHandle::isAlive).orElse(false), "the live worker waits");
        l.close();
        assertTrue(waitGone(last), "close() ends the worker");
        assertEquals(List.of(), listing(tmp), "model and worker folders deleted");
        Outcome after = l.run(new ModelTask(0, sampling.mask(0), SEED), Set.of("margins")).outcome();
        assertFalse(after instanceof Outcome.Ok, "a closed learner trains nothing");
    }

    private static boolean waitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            var h = ProcessHandle.of(pid);
            if (h.isEmpty() || !h.get().isAlive() || zombie(pid)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    // ---- the Python helper ----

    /** A training function on the helper: the closed-form margins, the indices it was told, and a log line. */
    private String helperScript(Path log) throws IOException {
        return script("helper_train.py", SPLITMIX + """
                import os, sys
                import numpy as np
                sys.path.insert(0, %s)
                from datamodels_worker import run

                def train(mask, seed, ctx):
                    assert seed == model_seed(ctx.root_seed, ctx.index), (seed, ctx.root_seed, ctx.index)
                    print('training model', ctx.index)      # must not break the protocol
                    with open(%s, 'a') as f:
                        f.write('%%d %%d\\n' %% (ctx.index, os.getpid()))
                    T = len(ctx.target_indices)
                    counts = np.array([mask[t::T].sum() for t in range(T)])
                    return {'margins': ctx.index + 0.25 * np.arange(T) + 0.5 * counts,   # float64, stored float32
                            'tidx': ctx.train_indices, 'seed': seed}

                run(train)
                """.formatted(pyString(pythonDir().toString()), pyString(log.toString()))).toString();
    }

    private static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void pythonHelperFillsTheStoreInBothModes() throws IOException {
        Python.assumeNumpy();
        for (boolean worker : new boolean[]{false, true}) {
            Path log = dir.resolve("log-" + worker + ".txt");
            String cmd = "python3 " + ExternalLearner.shellQuote(helperScript(log));
            Path storeDir = dir.resolve("store");
            if (Files.exists(storeDir)) {
                io.datamodels.store.AtomicFiles.deleteRecursively(storeDir);
            }
            try (Store st = store(List.of("tidx=int64[" + M + "]", "seed=int64[]"));
                 Learner l = bind(st, cmd, worker, 60)) {
                Runner.Report r = Runner.run(st, l, new Runner.Options(0, N, 2, 0, SEED), new Runner.Listener() {
                });
                assertEquals(List.of(), r.failures(), "worker = " + worker);
                Sampling sampling = st.meta().orElseThrow().sampling();
                long[] want = new long[M];
                for (int j = 0; j < M; j++) {
                    want[j] = trainIdx[j];
                }
                for (long i = 0; i < N; i++) {
                    assertArrayEquals(expectedMargins(i, sampling.mask(i)), floats(st, "margins", i, T),
                            "worker = " + worker + ", model " + i);
                    assertArrayEquals(want, longs(st, "tidx", i, M));
                    assertArrayEquals(new long[]{ExternalLearner.modelSeed(SEED, i)}, longs(st, "seed", i, 1));
                }
            }
            Set<String> pids = new HashSet<>();
            for (String line : Files.readAllLines(log)) {
                pids.add(line.split(" ")[1]);
            }
            if (worker) {
                assertTrue(pids.size() <= 2, "one worker per thread, got pids " + pids);
            } else {
                assertEquals(N, pids.size(), "one process per model");
            }
        }
    }

    @Test
    void pythonHelperRefusesAMissingKeyOrWrongShapeWithoutRetry() throws IOException {
        Python.assumeNumpy();
        Path calls = dir.resolve("calls.txt");
        Path s = script("bad_helper.py", """
                import sys
                import numpy as np
                sys.path.insert(0, %s)
                from datamodels_worker import run

                def train(mask, seed, ctx):
                    with open(%s, 'a') as f:
                        f.write('%%d\\n' %% ctx.index)
                    if ctx.index == 0:
                        return {'margins': np.zeros(3)}
                    if ctx.index == 1:
                        return {'margins': np.zeros(20, np.complex64)}
                    return {'loss': 1.0}

                run(train)
                """.formatted(pyString(pythonDir().toString()), pyString(calls.toString())));
        for (boolean worker : new boolean[]{false, true}) {
            Files.deleteIfExists(calls);
            Path storeDir = dir.resolve("store");
            if (Files.exists(storeDir)) {
                io.datamodels.store.AtomicFiles.deleteRecursively(storeDir);
            }
            try (Store st = store(List.of()); Learner l = bind(st, "python3 " + q(s), worker, 60)) {
                Runner.Report r = Runner.run(st, l, new Runner.Options(0, 3, 1, 2, SEED), new Runner.Listener() {
                });
                assertEquals(List.of(new Runner.Failure(0, "margins.npy: shape: expected (20,), got (3,)"),
                        new Runner.Failure(1, "margins.npy: descr: expected one of |b1 |u1 |i1 <i2 <i4 <i8 <f2 <f4 <f8 "
                                + "(either byte order), got '<c8'"),
                        new Runner.Failure(2, "margins.npy: file: expected the command to write it to {out}, got an "
                                + "empty folder")), r.failures(), "worker = " + worker);
            }
            // the helper leaves bad outputs to the learner's checks, so they are deterministic: one run each
            assertEquals(List.of("0", "1", "2"), Files.readAllLines(calls).stream().sorted().toList(),
                    "worker = " + worker);
        }
    }

    @Test
    void torchExampleTrainsOnRealData() throws IOException, InterruptedException {
        String py = torchPython();
        assumeTrue(py != null, "skipped: no python3 with torch (tried python3 and /usr/bin/python3); the torch "
                + "example is tested where torch is installed");
        Path fm = SharedData.require("fashion-mnist");
        DataBinding b = new DataBinding(DatasetSpec.idx(fm.toString(), "train"), Selection.first(600),
                DatasetSpec.idx(fm.toString(), "test"), Selection.first(50));
        List<OutputKey> keys = new ArrayList<>(Outputs.keys(List.of("margins", "correct", "probs",
                "train_accuracy", "train_loss")));
        try (Store st = StoreInit.create(dir.resolve("store"), b, init(4, keys));
             Learner l = bind(st, "DATAMODELS_TORCH_EPOCHS=10 " + py + " "
                     + q(pythonDir().resolve("examples").resolve("train_torch.py")), true, 300)) {
            Runner.Report r = Runner.run(st, l, new Runner.Options(0, 4, 1, 0, SEED), new Runner.Listener() {
            });
            assertEquals(List.of(), r.failures());
            for (long i = 0; i < 4; i++) {
                float[] margins = floats(st, "margins", i, 50);
                NpyArray correct = st.array("correct");
                int right = 0;
                for (int t = 0; t < 50; t++) {
                    assertEquals(margins[t] > 0, correct.getBoolean(i * 50 + t), "correct = margin > 0, target " + t);
                    right += margins[t] > 0 ? 1 : 0;
                }
                assertTrue(right >= 25, "model " + i + " got " + right + "/50 targets right");
                float acc = floats(st, "train_accuracy", i, 1)[0];
                assertTrue(acc > 0.8f, "model " + i + " fits its subset: train accuracy " + acc);
            }
        }
    }

    @Test
    void numpyExampleTrainsOnRealDataInBothModesAlike() throws IOException {
        Python.assumeNumpy();
        Path fm = SharedData.require("fashion-mnist");
        DataBinding b = new DataBinding(DatasetSpec.idx(fm.toString(), "train"), Selection.range(1000, 1400),
                DatasetSpec.idx(fm.toString(), "test"), Selection.first(40));
        List<OutputKey> keys = new ArrayList<>(Outputs.keys(List.of("margins", "correct", "probs",
                "train_accuracy")));
        float[][] margins = new float[2][];
        for (int k = 0; k < 2; k++) {
            boolean worker = k == 1;
            Path storeDir = dir.resolve("store-" + worker);
            try (Store st = StoreInit.create(storeDir, b, init(2, keys));
                 Learner l = bind(st, "python3 " + q(pythonDir().resolve("examples").resolve("train_numpy.py")),
                         worker, 300)) {
                Runner.Report r = Runner.run(st, l, new Runner.Options(0, 2, 1, 0, SEED), new Runner.Listener() {
                });
                assertEquals(List.of(), r.failures(), "worker = " + worker);
                margins[k] = floats(st, "margins", 0, 2 * 40);
                int right = 0;
                for (int t = 0; t < 2 * 40; t++) {
                    assertEquals(margins[k][t] > 0, st.array("correct").getBoolean(t), "correct = margin > 0");
                    float p = st.array("probs").getFloat(t);
                    assertTrue(p >= 0 && p <= 1, "probs in [0, 1]: " + p);
                    right += margins[k][t] > 0 ? 1 : 0;
                }
                assertTrue(right >= 40, right + "/80 targets right");
                float acc = floats(st, "train_accuracy", 0, 1)[0];
                assertTrue(acc > 0.8f, "fits its subset: train accuracy " + acc);
            }
        }
        assertArrayEquals(margins[0], margins[1], "one process per model and a worker train the same models");
    }

    /** A python3 that imports torch, or null. */
    private static String torchPython() throws InterruptedException {
        for (String py : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import torch, numpy").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return py;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // not installed
            }
        }
        return null;
    }

    private static InitOptions init(long models, List<OutputKey> keys) {
        return InitOptions.builder(models).seed(SEED).outputs(keys).command("test").build();
    }
}
