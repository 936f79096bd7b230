package io.datamodels.learn;

import io.datamodels.store.Store;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.store.npy.NpyFormatException;
import io.datamodels.store.npy.NpyHeader;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A learner whose models are trained by an outside command, e.g. a PyTorch script: step 2 of datamodels
 * (Ilyas et al. 2022), "train one model on subset S_i and record its outputs", delegated to any program that reads a
 * mask and writes {@code .npy} files.
 *
 * <p>Protocol, for each model, in a fresh temporary folder {@code TMP}:
 * <pre>
 *   TMP/mask.npy     bool (m,), written by us: element j is true iff training example j is in the model's subset
 *   TMP/out/         empty; the command writes KEY.npy here for every key the store asks for
 *   TMP/stdout.log   the command's stdout (never our own stdout)
 *   TMP/stderr.log   the command's stderr; its last line is quoted when the command fails
 * </pre>
 * The command runs as {@code /bin/sh -c COMMAND} in {@link ExternalConfig#workDir()}, stdin from {@code /dev/null}.
 * Before that, every {@code {index}}, {@code {seed}}, {@code {mask}} and {@code {out}} in COMMAND is replaced by the
 * single-quoted model index, root seed, absolute path of {@code mask.npy} and absolute path of {@code out/}; write
 * them bare ({@code --out {out}}), not inside quotes of your own. The same four values are exported as
 * {@code DATAMODELS_INDEX}, {@code DATAMODELS_SEED}, {@code DATAMODELS_MASK} and {@code DATAMODELS_OUT}. The command
 * should derive its randomness from {@code (seed, index)} so that a rerun gives the same model.
 *
 * <p>A model fails (an {@link Outcome.Failed} with a one-line reason; the runner retries it) when the command runs
 * past {@link ExternalConfig#timeoutSeconds()} (its whole process tree is then killed), exits non-zero, or leaves an
 * output that is not exactly the key's row: {@code KEY.npy} must exist, have the key's dtype (no conversion: a
 * float64 file is refused for a float32 key), have the key's row shape (a scalar key, shape {@code []}, also takes
 * shape {@code (1,)}), and hold only finite values. Rows come back in C order as {@code float[]} (float16, float32),
 * {@code double[]} (float64), {@code boolean[]} (bool), {@code int[]} (int8, int16, int32, uint8) or {@code long[]}
 * (int64).
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

    static final String MASK_FILE = "mask.npy";
    static final String OUT_DIR = "out";
    static final String STDOUT_FILE = "stdout.log";
    static final String STDERR_FILE = "stderr.log";
    private static final int STDERR_TAIL_BYTES = 64 * 1024;
    private static final int REASON_CHARS = 300;
    private static final int LISTED_FILES = 5;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(index|seed|mask|out)}");

    private final ExternalConfig cfg;
    private final Map<String, StoreSpec.KeySpec> schema;
    private final int m;
    private final File workDir;
    private final Path tempRoot;
    private final boolean keep;

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
     * Binds a learner to its command and to the rows it must produce.
     *
     * @param cfg    the command, its time limit and working directory
     * @param schema the store keys the command writes, with each row's shape and dtype; a {@code masks} key (the
     *               input) is left out, so a store's whole schema may be passed
     * @param m      mask length: the number of training examples
     * @throws IllegalArgumentException if {@code m < 0}, a row does not fit in one Java array, or {@code work_dir}
     *                                  is not an existing folder
     */
    public ExternalLearner(ExternalConfig cfg, Map<String, StoreSpec.KeySpec> schema, int m) {
        this(cfg, schema, m, null, Boolean.getBoolean(KEEP_PROPERTY));
    }

    /** As the public constructor, with temporary folders under {@code tempRoot} (null: the system's). */
    ExternalLearner(ExternalConfig cfg, Map<String, StoreSpec.KeySpec> schema, int m, Path tempRoot, boolean keep) {
        this.cfg = Objects.requireNonNull(cfg, "cfg");
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
        this.workDir = cfg.workDir() == null ? null : new File(cfg.workDir());
        this.tempRoot = tempRoot;
        this.keep = keep;
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

    /** Runs the command once per task, in order; each task's outcome is independent of the others'. */
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
     * Trains one model: writes its mask, runs the command, checks and reads {@code KEY.npy} for every key in
     * {@code keys}, and deletes the temporary folder (see the class comment).
     *
     * @param keys the keys to read, a subset of {@link #outputKeys()}
     */
    public Attempt run(ModelTask task, Set<String> keys) {
        checkKeys(keys);
        if (task.mask().size() != m) {
            return new Attempt(failed("mask: expected length " + m + ", got " + task.mask().size()), NOT_EXITED,
                    List.of());
        }
        Path tmp;
        try {
            String prefix = "datamodels-external-" + task.index() + "-";
            tmp = (tempRoot == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(tempRoot, prefix))
                    .toAbsolutePath();
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

    private void checkKeys(Set<String> keys) {
        Set<String> unknown = new LinkedHashSet<>(keys);
        unknown.removeAll(schema.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("keys: expected a subset of " + schema.keySet() + ", got " + unknown);
        }
    }

    private Attempt runIn(Path tmp, ModelTask task, Set<String> keys) {
        Path mask = tmp.resolve(MASK_FILE);
        Path out = tmp.resolve(OUT_DIR);
        Path err = tmp.resolve(STDERR_FILE);
        try {
            Npy.write(mask, DType.BOOL, task.mask().toBooleans(), m);
            Files.createDirectory(out);
        } catch (IOException e) {
            return new Attempt(failed("cannot prepare " + tmp + ": " + e), NOT_EXITED, List.of());
        }
        Map<String, String> values = new LinkedHashMap<>();
        values.put("index", Long.toString(task.index()));
        values.put("seed", Long.toString(task.seed()));
        values.put("mask", mask.toString());
        values.put("out", out.toString());
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", expand(cfg.command(), values))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(tmp.resolve(STDOUT_FILE).toFile())
                .redirectError(err.toFile())
                .directory(workDir);
        values.forEach((k, v) -> pb.environment().put("DATAMODELS_" + k.toUpperCase(java.util.Locale.ROOT), v));
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
            String last = lastLine(tail);
            return new Attempt(failed("command exited with code " + code
                    + (last == null ? " and wrote nothing to stderr" : ": " + last)), code, tail);
        }
        return new Attempt(readOutputs(out, keys), code, tail);
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
                return failed(file + ": file: expected the command to write it to {out}, got " + listing(out));
            }
            StoreSpec.KeySpec spec = schema.get(key);
            try (NpyArray a = NpyArray.open(path)) {
                String why = check(file, a.dtype(), a.shape(), spec);
                if (why == null) {
                    why = firstNonFinite(file, a);
                }
                if (why != null) {
                    return failed(why);
                }
                rows.put(key, toRow(a));
            } catch (NpyFormatException e) {
                return failed(e.getMessage());
            } catch (IOException | RuntimeException e) {
                return failed(file + ": cannot read: " + e);
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

    /** A failure whose reason is one line of at most {@value #REASON_CHARS} characters. */
    private static Outcome.Failed failed(String reason) {
        String r = reason.replaceAll("\\p{Cntrl}", " ");
        return new Outcome.Failed(r.length() <= REASON_CHARS ? r : r.substring(0, REASON_CHARS - 3) + "...");
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
