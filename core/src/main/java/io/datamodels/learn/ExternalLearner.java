package io.datamodels.learn;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetRef;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.store.npy.NpyFormatException;
import io.datamodels.store.npy.NpyHeader;
import io.datamodels.subset.SeedStream;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A learner whose models are trained by an outside command, e.g. a PyTorch script: step 2 of datamodels
 * (Ilyas et al. 2022), "train one model on subset S_i and record its outputs", delegated to any program that reads a
 * mask and writes {@code .npy} files. {@code python/datamodels_worker.py} implements the command's side.
 *
 * <p>Protocol, for each model, in a fresh temporary folder {@code TMP} under {@link Context#tempRoot()} (the store's
 * {@code .external/tmp/} when bound to a store):
 * <pre>
 *   TMP/mask.npy     bool (m,), written by us: element j is true iff training example j is in the model's subset
 *   TMP/out/         empty; the command writes KEY.npy here for every key the store asks for
 *   TMP/stdout.log   the command's stdout (never our own stdout)
 *   TMP/stderr.log   the command's stderr; its last line is quoted when the command fails
 * </pre>
 * The command runs as {@code /bin/sh -c COMMAND} in {@link ExternalConfig#workDir()}, stdin from {@code /dev/null}.
 * Before that, each placeholder of {@link #PLACEHOLDERS} in COMMAND is replaced by its single-quoted value; write them
 * bare ({@code --out {out}}), not inside quotes of your own. Every value is also exported as
 * {@code DATAMODELS_NAME} (upper case), with {@code DATAMODELS_KEYS} (the keys to write, comma-separated) and
 * {@code DATAMODELS_SCHEMA} (their {@code spec.json} schema, JSON):
 * <pre>
 *   {index}           the model index (the store row)
 *   {seed}            the model's own seed, SeedStream(root_seed, index, SALT_SEED).nextLong() >>> 1, in [0, 2^63)
 *   {root_seed}       the root seed of the store's sampling (per run where runs_per_mask > 1)
 *   {mask} {out}      absolute paths of TMP/mask.npy and TMP/out/
 *   {store}           the store folder
 *   {train_indices}   int64 (m,) .npy: mask position j is example train_indices[j] of {data}
 *   {target_indices}  int64 (T,) .npy: output column t is example target_indices[t] of {target_data}
 *   {data} {target_data}  the dataset specs from store.json (as --data takes them), paths made absolute
 *   {data_path}       the absolute path of the training data (files joined by ',' for cifar10)
 * </pre>
 * A placeholder the store cannot fill (a store made by another tool has no dataset) is an error when the learner is
 * made; its environment variable is then left unset.
 *
 * <p>Worker mode ({@link ExternalConfig#worker()}): one long-lived process per calling thread runs the command
 * (without the per-model placeholders), with {@code DATAMODELS_WORKER=1}, and trains model after model: for each it
 * reads one JSON line on stdin, {@code {"index": I, "seed": S, "root_seed": R, "mask": PATH, "out": FOLDER,
 * "keys": [...]}}, writes the outputs as above, and answers one JSON line on stdout, {@code {"index": I, "status":
 * "done"}} or {@code {"index": I, "status": "error", "message": "..."}}. A worker that exits, times out or writes a
 * stdout line that is not such JSON fails the model in flight and is replaced by a fresh one for the next model
 * (so it must log to stderr; its stderr goes to {@code worker-N-*}{@code /stderr.log} under the temporary root). It
 * is told to stop by the end of its stdin, at {@link #close()}.
 *
 * <p>A model fails (an {@link Outcome.Failed} with a one-line reason) when the command runs past
 * {@link ExternalConfig#timeoutSeconds()} (its whole process tree is then killed), is killed by a signal, exits
 * non-zero (or a worker answers "error"), or leaves an output that is not exactly the key's row: {@code KEY.npy}
 * must exist, have the key's dtype (no conversion: a float64 file is refused for a float32 key), have the key's row
 * shape (a scalar key, shape {@code []}, also takes shape {@code (1,)}), and hold only finite values. Rows come back
 * in C order as {@code float[]} (float16, float32), {@code double[]} (float64), {@code boolean[]} (bool), {@code int[]}
 * (int8, int16, int32, uint8) or {@code long[]} (int64).
 *
 * <p>Retries: a bad output, or a worker's stdout line that breaks the protocol, would be the same on a rerun of a
 * seeded command, so it is {@linkplain Outcome.Failed#deterministic deterministic} and not retried; a timeout, a
 * signal, a non-zero exit and a worker's "error" may be transient (a full GPU, an out-of-memory kill) and are retried
 * by the runner.
 *
 * <p>{@code TMP} is deleted afterwards, unless the system property {@value #KEEP_PROPERTY} is {@code true}.
 * Each {@link #train} call runs its tasks one after another; the runner runs several calls at once on its threads.
 */
public final class ExternalLearner implements Learner {
    /** System property that keeps each model's temporary folder, for debugging a command. */
    public static final String KEEP_PROPERTY = "datamodels.external.keep";
    /** Lines of the command's stderr kept in an {@link Attempt}. */
    public static final int STDERR_LINES = 20;
    /** {@link Attempt#exitCode()} of a command that did not exit by itself (timed out, interrupted, not started). */
    public static final int NOT_EXITED = -1;
    /** Salt of the {@link SeedStream} that gives each model's {@code {seed}}. */
    public static final long SALT_SEED = 0x4558544EL; // "EXTN"
    /** The placeholders a command may use, in the order they are documented. */
    public static final List<String> PLACEHOLDERS = List.of("index", "seed", "root_seed", "mask", "out", "store",
            "train_indices", "target_indices", "data", "target_data", "data_path");
    /** The placeholders that change from model to model, which a worker command cannot use. */
    static final Set<String> PER_MODEL = Set.of("index", "seed", "root_seed", "mask", "out");

    static final String MASK_FILE = "mask.npy";
    static final String OUT_DIR = "out";
    static final String STDOUT_FILE = "stdout.log";
    static final String STDERR_FILE = "stderr.log";
    /** Folder in a store that holds the index files and the temporary folders. */
    public static final String STORE_DIR = ".external";
    private static final int STDERR_TAIL_BYTES = 64 * 1024;
    private static final int REASON_CHARS = 300;
    private static final int LISTED_FILES = 5;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(" + String.join("|", PLACEHOLDERS) + ")}");

    private final ExternalConfig cfg;
    private final Map<String, StoreSpec.KeySpec> schema;
    private final int m;
    private final File workDir;
    private final Context ctx;
    private final boolean keep;
    private final Deque<ExternalWorker> idleWorkers = new ArrayDeque<>();
    private final Set<ExternalWorker> liveWorkers = new LinkedHashSet<>();
    private int workersStarted;
    private Thread shutdownHook;
    private boolean closed;

    /**
     * What the command is told besides the model: the store, its training and target selections, its data.
     * Null fields are unknown (the matching placeholder is then refused and its variable unset).
     *
     * @param store         the store folder, absolute
     * @param trainIndices  int64 (m,) .npy of the selected training examples' indices in {@code data}
     * @param targetIndices int64 (T,) .npy of the targets' indices in {@code targetData}
     * @param data          the training data spec, compact form, paths absolute
     * @param targetData    the target data spec, compact form, paths absolute
     * @param dataPath      the training data's absolute path(s), ',' between several
     * @param tempRoot      where the per-model temporary folders go; null for the system's
     */
    public record Context(Path store, Path trainIndices, Path targetIndices, String data, String targetData,
                          String dataPath, Path tempRoot) {
        /** Nothing known; temporary folders under {@code tempRoot} (null: the system's). */
        public static Context none(Path tempRoot) {
            return new Context(null, null, null, null, null, null, tempRoot);
        }

        /**
         * The context of {@code store}: writes {@code STORE/.external/train_indices.npy} and
         * {@code target_indices.npy} (int64, from the selections in {@code store.json}; rewritten only if they
         * differ) and puts the temporary folders in {@code STORE/.external/tmp/}. A store without a dataset record
         * gets only the folder and the temporary root.
         *
         * @throws StoreException if the recorded selections do not match the store's mask length or target count
         */
        public static Context of(Store store) throws IOException {
            Path dir = store.dir().toAbsolutePath().resolve(STORE_DIR);
            Path tmp = dir.resolve("tmp");
            Optional<StoreMeta> meta = store.meta();
            if (meta.isEmpty() || meta.get().dataset() == null) {
                return new Context(store.dir().toAbsolutePath(), null, null, null, null, null, tmp);
            }
            DatasetRef ref = meta.get().dataset();
            DataBinding b = DataBinding.of(ref);
            long m = store.array(Store.MASKS).rowElements();
            long[] train = selected(b.train(), ref.trainSize(), "train");
            if (train.length != m) {
                throw new StoreException(Store.META_FILE + ": dataset.train: expected " + m + " indices (the masks' "
                        + "length), got " + train.length + " from '" + ref.train() + "'");
            }
            long[] targets = selected(b.targets(), ref.targetCount(), "targets");
            Path trainFile = dir.resolve("train_indices.npy");
            Path targetFile = dir.resolve("target_indices.npy");
            writeIfChanged(trainFile, train);
            writeIfChanged(targetFile, targets);
            return new Context(store.dir().toAbsolutePath(), trainFile, targetFile, absolute(b.trainSource()),
                    absolute(b.targetSource()), b.trainSource().paths().isEmpty() ? null : String.join(",",
                    b.trainSource().paths().stream().map(p -> p.toAbsolutePath().normalize().toString()).toList()),
                    tmp);
        }

        private static long[] selected(Selection sel, int count, String field) throws StoreException {
            int[] idx;
            try {
                // "all" needs the dataset's size, which is the recorded count; the other forms carry their indices
                idx = sel.indices(sel instanceof Selection.All ? count : Integer.MAX_VALUE);
            } catch (IllegalArgumentException e) {
                throw new StoreException(Store.META_FILE + ": dataset." + field + ": " + e.getMessage());
            }
            if (idx.length != count) {
                throw new StoreException(Store.META_FILE + ": dataset." + field + ": expected " + count + " indices "
                        + "(the recorded count), got " + idx.length + " from '" + sel + "'");
            }
            long[] out = new long[idx.length];
            for (int k = 0; k < idx.length; k++) {
                out[k] = idx[k];
            }
            return out;
        }

        private static void writeIfChanged(Path file, long[] values) throws IOException {
            if (Files.isRegularFile(file)) {
                try {
                    if (Arrays.equals(Npy.readLongs(file), values)) {
                        return;
                    }
                } catch (IOException | RuntimeException e) {
                    // unreadable: rewrite it
                }
            }
            AtomicFiles.write(file, tmp -> Npy.write(tmp, DType.INT64, values, values.length));
        }

        private static String absolute(DatasetSpec s) {
            if (s.path() == null) {
                return s.toCompactString();
            }
            String abs = String.join(",", s.paths().stream().map(p -> p.toAbsolutePath().normalize().toString())
                    .toList());
            return new DatasetSpec(s.format(), abs, s.split(), s.labelColumn(), s.hasHeader()).toCompactString();
        }

        /** The values of the placeholders that do not change from model to model; null where unknown. */
        Map<String, String> values() {
            Map<String, String> v = new LinkedHashMap<>();
            v.put("store", store == null ? null : store.toString());
            v.put("train_indices", trainIndices == null ? null : trainIndices.toString());
            v.put("target_indices", targetIndices == null ? null : targetIndices.toString());
            v.put("data", data);
            v.put("target_data", targetData);
            v.put("data_path", dataPath);
            return v;
        }
    }

    /**
     * One model's run: what it gave, how its command ended, and the end of its stderr.
     *
     * @param outcome    the model's outputs, or why it failed
     * @param exitCode   the command's exit status, or {@link #NOT_EXITED}
     * @param stderrTail the last (up to {@link #STDERR_LINES}) lines the command wrote to stderr
     */
    public record Attempt(Outcome outcome, int exitCode, List<String> stderrTail) {
        public Attempt {
            Objects.requireNonNull(outcome, "outcome");
            stderrTail = List.copyOf(stderrTail);
        }
    }

    /**
     * Binds a learner to its command and to the rows it must produce, with no store context and temporary folders
     * in the system's temporary folder.
     *
     * @param cfg    the command, its time limit and working directory
     * @param schema the store keys the command writes, with each row's shape and dtype; a {@code masks} key (the
     *               input) is left out, so a store's whole schema may be passed
     * @param m      mask length: the number of training examples
     * @throws IllegalArgumentException if {@code m < 0}, a row does not fit in one Java array, {@code work_dir}
     *                                  is not an existing folder, or the command uses a placeholder it cannot
     */
    public ExternalLearner(ExternalConfig cfg, Map<String, StoreSpec.KeySpec> schema, int m) {
        this(cfg, schema, m, Context.none(null));
    }

    /** As {@link #ExternalLearner(ExternalConfig, Map, int)}, with what the store tells the command. */
    public ExternalLearner(ExternalConfig cfg, Map<String, StoreSpec.KeySpec> schema, int m, Context ctx) {
        this(cfg, schema, m, ctx, Boolean.getBoolean(KEEP_PROPERTY));
    }

    /** As the public constructor, with temporary folders under {@code tempRoot} (null: the system's). */
    ExternalLearner(ExternalConfig cfg, Map<String, StoreSpec.KeySpec> schema, int m, Path tempRoot, boolean keep) {
        this(cfg, schema, m, Context.none(tempRoot), keep);
    }

    ExternalLearner(ExternalConfig cfg, Map<String, StoreSpec.KeySpec> schema, int m, Context ctx, boolean keep) {
        this.cfg = Objects.requireNonNull(cfg, "cfg");
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        if (m < 0) {
            throw new IllegalArgumentException("m must be >= 0, got " + m);
        }
        Map<String, StoreSpec.KeySpec> s = new LinkedHashMap<>(schema);
        s.remove(Store.MASKS);
        for (Map.Entry<String, StoreSpec.KeySpec> e : s.entrySet()) {
            if (e.getValue().rowElements() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("schema." + e.getKey() + ": expected a row of at most 2^31 - 9 "
                        + "elements, got " + e.getValue().rowElements());
            }
        }
        this.schema = Collections.unmodifiableMap(s);
        this.m = m;
        if (cfg.workDir() != null && !Files.isDirectory(Path.of(cfg.workDir()))) {
            throw new IllegalArgumentException("work_dir: expected an existing folder, got '" + cfg.workDir() + "'");
        }
        Map<String, String> known = ctx.values();
        Matcher mt = PLACEHOLDER.matcher(cfg.command());
        while (mt.find()) {
            String name = mt.group(1);
            if (cfg.worker() && PER_MODEL.contains(name)) {
                throw new IllegalArgumentException("command: {" + name + "} changes from model to model, so a worker "
                        + "command cannot use it; the worker reads it from each request line");
            }
            if (known.containsKey(name) && known.get(name) == null) {
                throw new IllegalArgumentException("command: {" + name + "} is unknown for this store (store.json has"
                        + " no dataset record; stores made by 'datamodels init' have one)");
            }
        }
        this.workDir = cfg.workDir() == null ? null : new File(cfg.workDir());
        this.keep = keep;
    }

    /** The seed of model {@code index} under root seed {@code rootSeed}: non-negative, so any framework takes it. */
    public static long modelSeed(long rootSeed, long index) {
        return new SeedStream(rootSeed, index, SALT_SEED).nextLong() >>> 1;
    }

    @Override
    public String name() {
        return "external";
    }

    @Override
    public Set<String> outputKeys() {
        return schema.keySet();
    }

    @Override
    public int preferredBatch() {
        return 1;
    }

    public ExternalConfig config() {
        return cfg;
    }

    /** Runs the command (or a worker) once per task, in order; each task's outcome is independent of the others'. */
    @Override
    public List<Outcome> train(List<ModelTask> tasks, Set<String> keys) {
        checkKeys(keys);
        List<Outcome> out = new ArrayList<>(tasks.size());
        for (ModelTask t : tasks) {
            out.add(Thread.currentThread().isInterrupted()
                    ? new Outcome.Failed("interrupted before the command started")
                    : run(t, keys).outcome());
        }
        return out;
    }

    /**
     * Trains one model: writes its mask, runs the command (or hands the model to a worker), checks and reads
     * {@code KEY.npy} for every key in {@code keys}, and deletes the temporary folder (see the class comment).
     *
     * @param keys the keys to read, a subset of {@link #outputKeys()}
     */
    public Attempt run(ModelTask task, Set<String> keys) {
        checkKeys(keys);
        if (task.mask().size() != m) {
            return new Attempt(Outcome.Failed.deterministic(oneLine("mask: expected length " + m + ", got "
                    + task.mask().size())), NOT_EXITED, List.of());
        }
        Path tmp;
        try {
            tmp = newTempDir("datamodels-external-" + task.index() + "-");
        } catch (IOException e) {
            return new Attempt(failed("cannot create a temporary folder: " + e), NOT_EXITED, List.of());
        }
        try {
            return runIn(tmp, task, keys);
        } finally {
            if (!keep) {
                deleteTree(tmp);
            }
        }
    }

    private Path newTempDir(String prefix) throws IOException {
        if (ctx.tempRoot() == null) {
            return Files.createTempDirectory(prefix).toAbsolutePath();
        }
        Files.createDirectories(ctx.tempRoot());
        return Files.createTempDirectory(ctx.tempRoot(), prefix).toAbsolutePath();
    }

    private void checkKeys(Set<String> keys) {
        Set<String> unknown = new LinkedHashSet<>(keys);
        unknown.removeAll(schema.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("keys: expected a subset of " + schema.keySet() + ", got " + unknown);
        }
    }

    /** The values of every placeholder for {@code task}, with its files at {@code mask} and {@code out}. */
    private Map<String, String> values(ModelTask task, Path mask, Path out) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("index", Long.toString(task.index()));
        v.put("seed", Long.toString(modelSeed(task.seed(), task.index())));
        v.put("root_seed", Long.toString(task.seed()));
        v.put("mask", mask.toString());
        v.put("out", out.toString());
        v.putAll(ctx.values());
        return v;
    }

    /** Exports each known value as DATAMODELS_NAME, and the keys and their schema. */
    private void export(Map<String, String> env, Map<String, String> values, Set<String> keys) {
        values.forEach((k, v) -> {
            if (v != null) {
                env.put("DATAMODELS_" + k.toUpperCase(java.util.Locale.ROOT), v);
            }
        });
        env.put("DATAMODELS_KEYS", String.join(",", keys));
        env.put("DATAMODELS_SCHEMA", schemaJson());
    }

    /** The schema as in {@code spec.json}: {"KEY": {"shape": [...], "dtype": "float32"}, ...}. */
    String schemaJson() {
        return Json.tree(schema).toString();
    }

    private Attempt runIn(Path tmp, ModelTask task, Set<String> keys) {
        Path mask = tmp.resolve(MASK_FILE);
        Path out = tmp.resolve(OUT_DIR);
        try {
            Npy.write(mask, DType.BOOL, task.mask().toBooleans(), m);
            Files.createDirectory(out);
        } catch (IOException e) {
            return new Attempt(failed("cannot prepare " + tmp + ": " + e), NOT_EXITED, List.of());
        }
        if (cfg.worker()) {
            return viaWorker(task, mask, out, keys);
        }
        Path err = tmp.resolve(STDERR_FILE);
        Map<String, String> values = values(task, mask, out);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", expand(cfg.command(), values))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(tmp.resolve(STDOUT_FILE).toFile())
                .redirectError(err.toFile())
                .directory(workDir);
        export(pb.environment(), values, keys);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Attempt(failed("cannot start /bin/sh: " + e.getMessage()), NOT_EXITED, List.of());
        }
        boolean exited;
        try {
            exited = p.waitFor(cfg.timeoutSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            return new Attempt(failed("interrupted while waiting for the command"), NOT_EXITED, tail(err));
        }
        if (!exited) {
            killTree(p);
            return new Attempt(failed("command timed out after " + cfg.timeoutSeconds() + "s"), NOT_EXITED,
                    tail(err));
        }
        int code = p.exitValue();
        List<String> tail = tail(err);
        if (code != 0) {
            return new Attempt(failed("command " + exitDescription(code, tail)), code, tail);
        }
        return new Attempt(readOutputs(out, keys), code, tail);
    }

    /** "exited with code 3: LAST STDERR LINE", or "was killed by signal 9 (exit code 137)...". */
    static String exitDescription(int code, List<String> tail) {
        String last = lastLine(tail);
        // sh reports a child killed by signal s as 128 + s, and so does Java for sh itself
        String how = code > 128 && code < 160 ? "was killed by signal " + (code - 128) + " (exit code " + code + ")"
                : "exited with code " + code;
        return how + (last == null ? " and wrote nothing to stderr" : ": " + last);
    }

    // ---- worker mode ----

    private Attempt viaWorker(ModelTask task, Path mask, Path out, Set<String> keys) {
        ExternalWorker w;
        try {
            w = takeWorker(keys);
        } catch (IOException e) {
            return new Attempt(failed("cannot start worker '" + cfg.command() + "': " + e.getMessage()), NOT_EXITED,
                    List.of());
        }
        ObjectNode req = Json.object();
        req.put("index", task.index());
        req.put("seed", modelSeed(task.seed(), task.index()));
        req.put("root_seed", task.seed());
        req.put("mask", mask.toString());
        req.put("out", out.toString());
        ArrayNode ks = req.putArray("keys");
        keys.forEach(ks::add);
        ExternalWorker.Reply r;
        try {
            r = w.request(req.toString(), task.index(), cfg.timeoutSeconds());
        } catch (InterruptedException e) {
            retire(w);
            Thread.currentThread().interrupt();
            return new Attempt(failed("interrupted while waiting for the worker"), NOT_EXITED, w.stderrTail());
        }
        List<String> tail = w.stderrTail();
        String who = "worker '" + cfg.command() + "'";
        return switch (r) {
            case ExternalWorker.Reply.Done d -> {
                giveBack(w);
                yield new Attempt(readOutputs(out, keys), 0, tail);
            }
            case ExternalWorker.Reply.Error e -> {
                giveBack(w);
                yield new Attempt(failed("worker: model " + task.index() + ": " + e.message()), 0, tail);
            }
            case ExternalWorker.Reply.TimedOut t -> {
                retire(w);
                yield new Attempt(failed(who + " timed out after " + cfg.timeoutSeconds() + "s on model "
                        + task.index()), NOT_EXITED, tail);
            }
            case ExternalWorker.Reply.Exited x -> {
                retire(w);
                yield new Attempt(failed(who + " " + exitDescription(x.code(), tail) + " (model " + task.index()
                        + " in flight)"), x.code(), tail);
            }
            case ExternalWorker.Reply.Garbled g -> {
                retire(w);
                yield new Attempt(Outcome.Failed.deterministic(oneLine(who + ": stdout: " + g.why()
                        + "; a worker must write only protocol lines to stdout and log to stderr")), NOT_EXITED, tail);
            }
        };
    }

    private ExternalWorker takeWorker(Set<String> keys) throws IOException {
        int n;
        synchronized (idleWorkers) {
            if (closed) {
                throw new IOException("the learner is closed");
            }
            ExternalWorker w = idleWorkers.poll();
            if (w != null) {
                return w;
            }
            n = workersStarted++;
            if (shutdownHook == null) {
                shutdownHook = new Thread(this::killAll, "datamodels-external-workers");
                Runtime.getRuntime().addShutdownHook(shutdownHook);
            }
        }
        Path dir = newTempDir("worker-" + n + "-");
        Map<String, String> values = ctx.values();
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", expand(cfg.command(), values))
                .redirectError(dir.resolve(STDERR_FILE).toFile())
                .directory(workDir);
        export(pb.environment(), values, keys);
        pb.environment().put("DATAMODELS_WORKER", "1");
        ExternalWorker w = ExternalWorker.start(pb, dir);
        synchronized (idleWorkers) {
            liveWorkers.add(w);
        }
        return w;
    }

    private void giveBack(ExternalWorker w) {
        synchronized (idleWorkers) {
            if (!closed) {
                idleWorkers.push(w);
                return;
            }
        }
        retire(w);
    }

    private void retire(ExternalWorker w) {
        synchronized (idleWorkers) {
            liveWorkers.remove(w);
        }
        w.close(true);
        if (!keep) {
            deleteTree(w.dir());
        }
    }

    private void killAll() {
        List<ExternalWorker> all;
        synchronized (idleWorkers) {
            all = new ArrayList<>(liveWorkers);
        }
        for (ExternalWorker w : all) {
            w.close(true);
        }
    }

    /**
     * Stops the workers: closes their stdin (the end of the protocol), waits a few seconds for them to exit, then
     * kills what is left. A no-op in one-process-per-model mode. Later models fail.
     */
    @Override
    public void close() {
        List<ExternalWorker> all;
        Thread hook;
        synchronized (idleWorkers) {
            closed = true;
            all = new ArrayList<>(liveWorkers);
            liveWorkers.clear();
            idleWorkers.clear();
            hook = shutdownHook;
            shutdownHook = null;
        }
        for (ExternalWorker w : all) {
            w.close(false);
            if (!keep) {
                deleteTree(w.dir());
            }
        }
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down and runs the hook
            }
        }
    }

    /** Replaces each placeholder {@code {NAME}} by {@code values.get(NAME)}, single-quoted for {@code sh}. */
    static String expand(String command, Map<String, String> values) {
        // One pass, so a value that itself contains "{out}" is not expanded again.
        return PLACEHOLDER.matcher(command).replaceAll(r -> Matcher.quoteReplacement(shellQuote(values.get(r.group(1)))));
    }

    /** {@code s} as one POSIX shell word: {@code 'it'\''s'} for {@code it's}. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Kills {@code p} and every process it started. The descendants are listed before the root dies, since an
     * orphan is re-parented and no longer shows as a descendant.
     */
    static void killTree(Process p) {
        List<ProcessHandle> tree = new ArrayList<>();
        p.descendants().forEach(tree::add);
        p.destroyForcibly();
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Outcome readOutputs(Path out, Set<String> keys) {
        Map<String, Object> rows = new LinkedHashMap<>();
        for (String key : keys) {
            String file = key + ".npy";
            Path path = out.resolve(file);
            if (!Files.isRegularFile(path)) {
                return invalid(file + ": file: expected the command to write it to {out}, got " + listing(out));
            }
            StoreSpec.KeySpec spec = schema.get(key);
            try (NpyArray a = NpyArray.open(path)) {
                String why = check(file, a.dtype(), a.shape(), spec);
                if (why == null) {
                    why = firstNonFinite(file, a);
                }
                if (why != null) {
                    return invalid(why);
                }
                rows.put(key, toRow(a));
            } catch (NpyFormatException e) {
                return invalid(e.getMessage());
            } catch (IOException | RuntimeException e) {
                return invalid(file + ": cannot read: " + e);
            }
        }
        return new Outcome.Ok(rows);
    }

    private static String listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(f -> f.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                return "an empty folder";
            }
            String shown = String.join(", ", names.subList(0, Math.min(LISTED_FILES, names.size())));
            return "only " + shown + (names.size() > LISTED_FILES ? ", ... (" + names.size() + " files)" : "");
        } catch (IOException e) {
            return "an unreadable folder (" + e + ")";
        }
    }

    /** Null if the dtype and shape are the key's, else a message naming {@code file}, the field, expected and got. */
    static String check(String file, DType dtype, long[] shape, StoreSpec.KeySpec spec) {
        if (dtype != spec.type()) {
            return file + ": dtype: expected " + spec.type().numpyName() + ", got " + dtype.numpyName();
        }
        long[] want = spec.shape();
        boolean ok = Arrays.equals(want, shape) || want.length == 0 && Arrays.equals(shape, new long[]{1});
        if (!ok) {
            return file + ": shape: expected " + (want.length == 0 ? "() or (1,)" : NpyHeader.shapeString(want))
                    + ", got " + NpyHeader.shapeString(shape);
        }
        return null;
    }

    private static String firstNonFinite(String file, NpyArray a) {
        if (!a.dtype().isFloating()) {
            return null;
        }
        for (long k = 0; k < a.size(); k++) {
            double v = a.getDouble(k);
            if (!Double.isFinite(v)) {
                return file + ": values: expected finite, got " + v + " at element " + k;
            }
        }
        return null;
    }

    private static Object toRow(NpyArray a) {
        int n = Math.toIntExact(a.size());
        switch (a.dtype()) {
            case FLOAT16, FLOAT32 -> {
                float[] f = new float[n];
                a.getFloats(0, f, 0, n);
                return f;
            }
            case FLOAT64 -> {
                double[] d = new double[n];
                a.getDoubles(0, d, 0, n);
                return d;
            }
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int k = 0; k < n; k++) {
                    b[k] = a.getBoolean(k);
                }
                return b;
            }
            case INT64 -> {
                long[] l = new long[n];
                for (int k = 0; k < n; k++) {
                    l[k] = a.getLong(k);
                }
                return l;
            }
            default -> {
                int[] i = new int[n];
                for (int k = 0; k < n; k++) {
                    i[k] = (int) a.getLong(k);
                }
                return i;
            }
        }
    }

    /** The last {@link #STDERR_LINES} lines of {@code file}, reading at most its last 64 KiB. */
    static List<String> tail(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long start = Math.max(0, size - STDERR_TAIL_BYTES);
            ByteBuffer buf = ByteBuffer.allocate((int) (size - start));
            while (buf.hasRemaining() && ch.read(buf, start + buf.position()) > 0) {
                // read until full or end of file
            }
            List<String> lines = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).lines().toList();
            if (start > 0 && !lines.isEmpty()) {
                lines = lines.subList(1, lines.size()); // cut mid-line
            }
            return List.copyOf(lines.subList(Math.max(0, lines.size() - STDERR_LINES), lines.size()));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The last non-blank line, stripped, or null if there is none. */
    static String lastLine(List<String> lines) {
        for (int k = lines.size() - 1; k >= 0; k--) {
            if (!lines.get(k).isBlank()) {
                return lines.get(k).strip();
            }
        }
        return null;
    }

    /** A retryable failure whose reason is one line of at most {@value #REASON_CHARS} characters. */
    private static Outcome.Failed failed(String reason) {
        return new Outcome.Failed(oneLine(reason));
    }

    /** {@code reason} as one line of at most {@value #REASON_CHARS} characters. */
    private static String oneLine(String reason) {
        String r = reason.replaceAll("\\p{Cntrl}", " ");
        return r.length() <= REASON_CHARS ? r : r.substring(0, REASON_CHARS - 3) + "...";
    }

    /** A bad output: a rerun of the seeded command would write it again, so it is not retried. */
    private static Outcome.Failed invalid(String reason) {
        return Outcome.Failed.deterministic(oneLine(reason));
    }

    private static void deleteTree(Path dir) {
        // Best effort: a leftover temporary folder must not fail a model that trained.
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = s.sorted(Comparator.reverseOrder()).toList();
        } catch (IOException | RuntimeException e) {
            return;
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // leave it
            }
        }
    }
}
