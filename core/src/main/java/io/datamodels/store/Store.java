package io.datamodels.store;

import io.datamodels.Json;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.internal.NpyCodec;
import io.datamodels.store.npy.NpyHeader;
import io.datamodels.subset.Sampling;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An experiment store: one row per model, in the layout of MadryLab's {@code datamodels} (Ilyas et al. 2022), so
 * stores move between the Python tool and ours.
 *
 * <pre>
 *   DIR/spec.json        {"num_models": N, "schema": {KEY: {"shape": [...], "dtype": "float32"}}}
 *   DIR/KEY.npy          shape (N, *shape), C order; row i = model i
 *   DIR/_completed.npy   bool (N,); true once row i of every key is on disk
 *   DIR/store.json       ours: sampling, dataset and provenance (absent in Python-made stores)
 * </pre>
 *
 * <p>MadryLab's {@code initialize_store} keeps {@code spec.json} outside the folder; {@link #open(Path, boolean, Path)}
 * takes it from there, or infers the schema from the {@code .npy} headers ({@link #inferSpec}).
 *
 * <p>The key {@code masks} (bool, (N, m)) holds each model's training subset; {@link #init} fills it from the
 * store's {@link Sampling} for every index up front, since a mask depends on {@code (seed, index)} alone.
 *
 * <p>{@link #writeRow} is safe from many threads and many processes at once for distinct indices: it writes each
 * key's row with positional writes, forces every file it wrote to disk, and only then sets and forces the row's
 * completion flag, so a crash never leaves a row marked complete that is not.
 */
public final class Store implements AutoCloseable {
    public static final String SPEC_FILE = "spec.json";
    public static final String META_FILE = "store.json";
    public static final String MASKS = "masks";
    /** The lock file of a store: runners lock byte {@code index} to claim a model, and {@link #IN_USE_BYTE}. */
    public static final String CLAIMS_FILE = "_claims.lock";
    /**
     * Byte of {@link #CLAIMS_FILE} that every runner holds with a shared lock for its whole run, and that
     * {@code init --force} locks exclusively while it replaces the store: neither happens during the other.
     */
    public static final long IN_USE_BYTE = Long.MAX_VALUE - 1;

    private final Path dir;
    private final StoreSpec spec;
    private final StoreSpec.Source specSource;
    private final StoreMeta meta;
    private final Map<String, NpyArray> arrays;
    private final NpyArray completed;
    private final Identity identity;

    private Store(Path dir, StoreSpec spec, StoreSpec.Source specSource, StoreMeta meta, Map<String, NpyArray> arrays,
                  NpyArray completed) throws IOException {
        this.dir = dir;
        this.spec = spec;
        this.specSource = specSource;
        this.meta = meta;
        this.arrays = arrays;
        this.completed = completed;
        this.identity = Identity.of(dir);
    }

    /** File keys (device and inode) of the store folder and its completion flags, as opened. */
    private record Identity(Object dirKey, Object completedKey) {
        static Identity of(Path dir) throws IOException {
            return new Identity(key(dir), key(dir.resolve(StoreSpec.COMPLETED + ".npy")));
        }

        private static Object key(Path p) throws IOException {
            try {
                return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (java.nio.file.NoSuchFileException e) {
                return null;
            }
        }
    }

    /**
     * Fails if the store folder at {@link #dir} is no longer the one this object opened (another process replaced
     * or removed it, e.g. {@code init --force}): rows written now would go to deleted files.
     *
     * @throws java.nio.file.FileSystemException naming the folder; not a {@link StoreException}, so a runner stops
     */
    public void checkNotReplaced() throws IOException {
        Identity now = Identity.of(dir);
        if (!now.equals(identity)) {
            throw new java.nio.file.FileSystemException(dir.toString(), null, (now.dirKey() == null
                    ? "the store was removed" : "the store was replaced") + " by another process while this one was"
                    + " writing to it; rows written since are not marked completed in the new store");
        }
    }

    /**
     * Creates a store at {@code dir}: all key files zero-filled (blocks allocated), masks filled from
     * {@code meta.sampling()} when the schema has a {@code masks} key, no row completed. The folder appears
     * complete or not at all.
     *
     * @param force replace an existing {@code dir}; without it an existing path is an error
     */
    public static Store init(Path dir, StoreSpec spec, StoreMeta meta, boolean force) throws IOException {
        StoreSpec.KeySpec maskSpec = spec.schema().get(MASKS);
        if (maskSpec != null) {
            if (maskSpec.type() != DType.BOOL || maskSpec.shape().length != 1) {
                throw new StoreException(SPEC_FILE + ": schema.masks: expected bool_ with shape [m], got " + maskSpec);
            }
            if (meta == null || meta.sampling() == null) {
                throw new StoreException(META_FILE + ": sampling: required to fill masks, got none");
            }
            if (maskSpec.shape()[0] != meta.sampling().trainSize()) {
                throw new StoreException(SPEC_FILE + ": schema.masks.shape: expected [" + meta.sampling().trainSize()
                        + "] (train_size), got " + maskSpec);
            }
        }
        Sampling sampling = meta == null ? null : meta.sampling();
        return init(dir, spec, meta, force, sampling == null ? null : sampling::mask);
    }

    /**
     * Creates a store whose {@code masks} rows are given by {@code masks} (model index to subset) instead of a
     * sampler: for counterfactual experiments that train on chosen subsets.
     */
    public static Store init(Path dir, StoreSpec spec, StoreMeta meta, boolean force,
                             java.util.function.LongFunction<io.datamodels.subset.BitMask> masks) throws IOException {
        StoreSpec.KeySpec maskSpec = spec.schema().get(MASKS);
        if (maskSpec != null && masks == null) {
            throw new StoreException(META_FILE + ": sampling: required to fill masks, got none");
        }
        requireSpace(dir, spec);
        try (java.nio.channels.FileChannel inUse = force ? lockNotInUse(dir) : null) {
            AtomicFiles.createDirectory(dir, force, tmp -> {
            Files.writeString(tmp.resolve(SPEC_FILE), Json.write(spec));
            if (meta != null) {
                Files.writeString(tmp.resolve(META_FILE), Json.write(meta));
            }
            long n = spec.numModels();
            for (Map.Entry<String, StoreSpec.KeySpec> e : spec.schema().entrySet()) {
                StoreSpec.KeySpec k = e.getValue();
                boolean isMask = e.getKey().equals(MASKS);
                try (NpyArray a = NpyArray.create(tmp.resolve(e.getKey() + ".npy"), k.type(), rowsShape(n, k.shape()),
                        !isMask)) {
                    if (isMask) {
                        fillMasks(a, masks, (int) k.shape()[0], n);
                    }
                    a.force();
                }
            }
            try (NpyArray c = NpyArray.create(tmp.resolve(StoreSpec.COMPLETED + ".npy"), DType.BOOL, new long[]{n},
                    true)) {
                c.force();
            }
            });
        }
        return open(dir, true);
    }

    /**
     * Before {@code init --force} replaces {@code dir}: locks {@link #IN_USE_BYTE} of its claims file exclusively,
     * so that no runner is training into it now or starts to until the lock is closed. Null if {@code dir} has no
     * claims file (no runner ever ran there); else the channel that holds the lock until it is closed.
     *
     * @throws java.nio.file.FileSystemException if a runner holds it
     */
    private static java.nio.channels.FileChannel lockNotInUse(Path dir) throws IOException {
        Path f = dir.resolve(CLAIMS_FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock l;
        try {
            l = ch.tryLock(IN_USE_BYTE, 1, false);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new java.nio.file.FileSystemException(dir.toString(), null, "a train is running on this store "
                    + "(another process holds " + CLAIMS_FILE + "); stop it before replacing the store");
        }
        return ch;
    }

    /**
     * Fails before writing anything (not even a parent folder) if the store's files, {@code spec} in full, do not
     * fit in the free space of the file system that {@code dir} will be on.
     */
    private static void requireSpace(Path dir, StoreSpec spec) throws IOException {
        long need = 0;
        long n = spec.numModels();
        try {
            for (StoreSpec.KeySpec k : spec.schema().values()) {
                need = Math.addExact(need, fileBytes(k.type(), rowsShape(n, k.shape())));
            }
            need = Math.addExact(need, fileBytes(DType.BOOL, new long[]{n}));
        } catch (ArithmeticException e) {
            throw new IOException(dir + ": no space for the store: its size overflows 64 bits (" + n + " models)");
        }
        Path existing = dir.toAbsolutePath();
        while (!Files.exists(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        long free = Files.getFileStore(existing).getUsableSpace();
        if (need > free) {
            throw new IOException(dir + ": no space for the store: its files need " + need + " bytes ("
                    + gigabytes(need) + "), the file system has " + free + " bytes (" + gigabytes(free) + ") free");
        }
    }

    private static long fileBytes(DType dtype, long[] shape) {
        long b = dtype.size();
        for (long d : shape) {
            b = Math.multiplyExact(b, d);
        }
        return Math.addExact(b, NpyHeader.encode(dtype, shape).length);
    }

    private static String gigabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.3f GB", bytes / 1e9);
    }

    private static void fillMasks(NpyArray a, java.util.function.LongFunction<io.datamodels.subset.BitMask> s, int m,
                                  long n) throws IOException {
        int rowsPerChunk = Math.max(1, (1 << 22) / Math.max(1, m));
        for (long i0 = 0; i0 < n; i0 += rowsPerChunk) {
            int rows = (int) Math.min(rowsPerChunk, n - i0);
            byte[] buf = new byte[Math.multiplyExact(rows, m)];
            long first = i0;
            // Each mask depends on (seed, index) alone, so rows can be drawn in parallel.
            java.util.stream.IntStream.range(0, rows).parallel()
                    .forEach(r -> {
                        byte[] row = s.apply(first + r).toBytes();
                        if (row.length != m) {
                            throw new IllegalArgumentException("masks: row " + (first + r) + ": expected length " + m
                                    + ", got " + row.length);
                        }
                        System.arraycopy(row, 0, buf, r * m, m);
                    });
            a.write(i0 * m, MemorySegment.ofArray(buf));
        }
    }

    private static long[] rowsShape(long n, long[] shape) {
        long[] full = new long[shape.length + 1];
        full[0] = n;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return full;
    }

    /**
     * Opens an existing store and checks every key file against {@code spec.json}, or, where the folder has none
     * (as MadryLab's {@code initialize_store} leaves it), against the schema read from the {@code .npy} headers
     * ({@link #inferSpec}).
     *
     * @throws StoreException naming the file and the field that disagree
     */
    public static Store open(Path dir, boolean writable) throws IOException {
        return open(dir, writable, null);
    }

    /**
     * Opens an existing store with its spec from {@code specFile}, a file outside the store as MadryLab's
     * {@code initialize_store --logging.spec=FILE} reads it; null means the store's own {@code spec.json}, or, where
     * there is none, the schema inferred from the {@code .npy} headers. Every key file is checked against the spec;
     * a {@code spec.json} in the store must then equal {@code specFile}'s. Other files and folders in the store
     * (MadryLab's {@code workers/} and {@code cmds.txt}) are ignored.
     *
     * @throws StoreException naming the file and the field that disagree
     */
    public static Store open(Path dir, boolean writable, Path specFile) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new StoreException(dir + ": store folder does not exist");
        }
        Path inside = dir.resolve(SPEC_FILE);
        StoreSpec spec;
        StoreSpec.Source source;
        if (specFile != null) {
            if (!Files.isRegularFile(specFile)) {
                throw new StoreException(specFile + ": spec file does not exist");
            }
            spec = Json.read(specFile, StoreSpec.class);
            source = new StoreSpec.Source(StoreSpec.Source.FILE, specFile.toAbsolutePath().normalize().toString());
            if (Files.exists(inside)) {
                StoreSpec own = Json.read(inside, StoreSpec.class);
                if (!own.equals(spec)) {
                    throw new StoreException(SPEC_FILE + ": expected the spec given in " + specFile + " ("
                            + describe(spec) + "), got " + describe(own));
                }
            }
        } else if (Files.exists(inside)) {
            spec = Json.read(inside, StoreSpec.class);
            source = new StoreSpec.Source(StoreSpec.Source.STORE, null);
        } else {
            spec = inferSpec(dir);
            source = new StoreSpec.Source(StoreSpec.Source.INFERRED, null);
        }
        String from = switch (source.kind()) {
            case StoreSpec.Source.STORE -> " from spec.json";
            case StoreSpec.Source.FILE -> " from " + specFile;
            default -> " from the other .npy headers";
        };
        String lists = source.kind().equals(StoreSpec.Source.FILE) ? specFile.toString() : SPEC_FILE;
        StoreMeta meta = readMeta(dir);
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        List<NpyArray> opened = new ArrayList<>();
        try {
            long n = spec.numModels();
            for (Map.Entry<String, StoreSpec.KeySpec> e : spec.schema().entrySet()) {
                NpyArray a = openChecked(dir, e.getKey(), e.getValue().type(), rowsShape(n, e.getValue().shape()),
                        writable, from, lists + " lists key '" + e.getKey() + "'");
                opened.add(a);
                arrays.put(e.getKey(), a);
            }
            NpyArray c = openChecked(dir, StoreSpec.COMPLETED, DType.BOOL, new long[]{n}, writable,
                    source.kind().equals(StoreSpec.Source.FILE) ? " (num_models" + from + ")" : "",
                    "every store has one: bool (N,) completion flags");
            opened.add(c);
            return new Store(dir, spec, source, meta, arrays, c);
        } catch (IOException | RuntimeException e) {
            for (NpyArray a : opened) {
                a.close();
            }
            throw e;
        }
    }

    private static StoreMeta readMeta(Path dir) throws IOException {
        Path metaFile = dir.resolve(META_FILE);
        return Files.exists(metaFile) ? Json.read(metaFile, StoreMeta.class) : null;
    }

    private static String describe(StoreSpec s) {
        StringBuilder b = new StringBuilder("num_models " + s.numModels() + ", schema {");
        String sep = "";
        for (Map.Entry<String, StoreSpec.KeySpec> e : new java.util.TreeMap<>(s.schema()).entrySet()) {
            b.append(sep).append(e.getKey()).append(": ").append(e.getValue());
            sep = ", ";
        }
        return b.append('}').toString();
    }

    /** How the error of a store without spec.json or _completed.npy ends: what the caller can do about it. */
    public static final String GIVE_SPEC = "give the store's spec file";

    /**
     * The schema of a store folder without a spec, as MadryLab's tools leave it: N is the length of
     * {@code _completed.npy} (bool, (N,)); every other regular {@code KEY.npy} (names starting with a dot are
     * skipped) is key {@code KEY} with its header's dtype and shape (N, *shape), keys in name order. Folders and other
     * files are ignored.
     *
     * @throws StoreException naming the file: no {@code _completed.npy}, a malformed one, a key name we cannot
     *                        use, or a key whose first dimension is not N
     */
    public static StoreSpec inferSpec(Path dir) throws IOException {
        Path c = dir.resolve(StoreSpec.COMPLETED + ".npy");
        if (!Files.isRegularFile(c)) {
            throw new StoreException(c.getFileName() + ": file does not exist in " + dir + " (a store without "
                    + SPEC_FILE + " needs it for the number of models; " + GIVE_SPEC + ")");
        }
        long n;
        try (NpyArray a = NpyArray.open(c, false)) {
            if (a.shape().length != 1 || a.dtype() != DType.BOOL) {
                throw new StoreException(c.getFileName() + ": expected bool_ (N,) completion flags, got "
                        + a.dtype().numpyName() + " " + NpyHeader.shapeString(a.shape()));
            }
            n = a.shape()[0];
        }
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(dir)) {
            list.filter(f -> {
                String name = f.getFileName().toString();
                return name.endsWith(".npy") && !name.startsWith(".") && Files.isRegularFile(f) && !f.equals(c);
            }).sorted().forEach(files::add);
        }
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String key = name.substring(0, name.length() - ".npy".length());
            if (!key.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
                throw new StoreException(name + ": expected a key name matching [A-Za-z0-9][A-Za-z0-9_.-]* before .npy,"
                        + " got '" + key + "'");
            }
            try (NpyArray a = NpyArray.open(f, false)) {
                long[] shape = a.shape();
                if (shape.length == 0 || shape[0] != n) {
                    throw new StoreException(name + ": shape: expected first dimension " + n + " (the models in "
                            + c.getFileName() + "), got " + NpyHeader.shapeString(shape));
                }
                schema.put(key, StoreSpec.KeySpec.of(a.dtype(), java.util.Arrays.copyOfRange(shape, 1, shape.length)));
            }
        }
        return new StoreSpec(n, schema);
    }

    /**
     * Opens {@code KEY.npy} and checks its shape and dtype; {@code from} says where the expectation comes from and
     * {@code why} why the file must exist, for the messages.
     */
    private static NpyArray openChecked(Path dir, String key, DType dtype, long[] shape, boolean writable,
                                        String from, String why) throws IOException {
        Path f = dir.resolve(key + ".npy");
        if (!Files.exists(f)) {
            throw new StoreException(f.getFileName() + ": file does not exist (" + why + ")");
        }
        NpyArray a = NpyArray.open(f, writable);
        try {
            if (!java.util.Arrays.equals(a.shape(), shape)) {
                throw new StoreException(f.getFileName() + ": shape: expected " + NpyHeader.shapeString(shape)
                        + from + ", got " + NpyHeader.shapeString(a.shape()));
            }
            if (a.dtype() != dtype) {
                throw new StoreException(f.getFileName() + ": dtype: expected " + dtype.numpyName()
                        + from + ", got " + a.dtype().numpyName());
            }
        } catch (StoreException e) {
            a.close();
            throw e;
        }
        return a;
    }

    public Path dir() {
        return dir;
    }

    public StoreSpec spec() {
        return spec;
    }

    /** Where {@link #spec()} came from: the store's spec.json, a file outside it, or the .npy headers. */
    public StoreSpec.Source specSource() {
        return specSource;
    }

    /** Our metadata, absent for a store the Python tool made. */
    public Optional<StoreMeta> meta() {
        return Optional.ofNullable(meta);
    }

    /** Number of model rows N. */
    public long numModels() {
        return spec.numModels();
    }

    /** The open array of {@code key}. */
    public NpyArray array(String key) throws StoreException {
        NpyArray a = arrays.get(key);
        if (a == null) {
            String where = switch (specSource.kind()) {
                case StoreSpec.Source.STORE -> SPEC_FILE;
                case StoreSpec.Source.FILE -> specSource.file();
                default -> dir + " (schema inferred from the .npy headers)";
            };
            throw new StoreException(where + ": schema: expected a key '" + key + "', keys are " + arrays.keySet());
        }
        return a;
    }

    /** True once row {@code index} has been written and forced to disk. */
    public boolean isCompleted(long index) {
        return completed.getBoolean(index);
    }

    /** Number of completed rows. */
    public long completedCount() {
        long c = 0;
        for (long i = 0; i < numModels(); i++) {
            if (completed.getBoolean(i)) {
                c++;
            }
        }
        return c;
    }

    /** Indices of the completed rows, increasing. */
    public long[] completedIndices() {
        long[] out = new long[(int) Math.min(Integer.MAX_VALUE - 8, completedCount())];
        int k = 0;
        for (long i = 0; i < numModels() && k < out.length; i++) {
            if (completed.getBoolean(i)) {
                out[k++] = i;
            }
        }
        return out;
    }

    /**
     * Writes row {@code index} of each key in {@code values} (float[], double[], int[], long[] or boolean[] of the
     * key's row length, converted to its dtype), forces those files to disk, then marks the row completed and
     * forces the flag. Keys not in {@code values} keep their current row (e.g. masks written at init).
     *
     * @throws StoreException for an unknown key, a wrong row length or an index out of range
     */
    public void writeRow(long index, Map<String, ?> values) throws IOException {
        writeRows(new long[]{index}, List.of(values));
    }

    /**
     * Writes several rows as {@link #writeRow} does, with one force per file for the whole batch: all rows' data is
     * written and forced first, then all their completion flags are set and forced.
     *
     * @param indices model indices, one per entry of {@code rows}
     * @param rows    each row's values by key
     */
    public void writeRows(long[] indices, List<? extends Map<String, ?>> rows) throws IOException {
        if (indices.length != rows.size()) {
            throw new IllegalArgumentException("rows: expected " + indices.length + " rows, got " + rows.size());
        }
        for (long index : indices) {
            if (index < 0 || index >= numModels()) {
                throw new StoreException("model index: expected in [0, " + numModels() + "), got " + index);
            }
            if (completed.getBoolean(index)) {
                throw new StoreException(StoreSpec.COMPLETED + ".npy: row " + index
                        + ": expected an incomplete row, got a completed one");
            }
        }
        // Encode everything before writing anything, so a bad value leaves no row touched.
        List<NpyArray> targets = new ArrayList<>();
        List<Long> starts = new ArrayList<>();
        List<MemorySegment> encoded = new ArrayList<>();
        for (int r = 0; r < indices.length; r++) {
            for (Map.Entry<String, ?> e : rows.get(r).entrySet()) {
                NpyArray a = array(e.getKey());
                targets.add(a);
                starts.add(indices[r] * a.rowElements());
                encoded.add(encode(a, e.getKey(), e.getValue()));
            }
        }
        java.util.Set<NpyArray> touched = new java.util.LinkedHashSet<>();
        for (int k = 0; k < targets.size(); k++) {
            targets.get(k).write(starts.get(k), encoded.get(k));
            touched.add(targets.get(k));
        }
        for (NpyArray a : touched) {
            a.force();
        }
        checkNotReplaced();
        MemorySegment one = MemorySegment.ofArray(new byte[]{1});
        for (long index : indices) {
            completed.write(index, one);
        }
        completed.force();
    }

    private static MemorySegment encode(NpyArray a, String key, Object v) throws StoreException {
        long want = a.rowElements();
        DType t = a.dtype();
        ByteOrder o = a.header().order();
        int len;
        MemorySegment enc;
        try {
            switch (v) {
                case float[] f -> {
                    len = f.length;
                    enc = len == want ? NpyCodec.encode(t, o, f) : null;
                }
                case double[] d -> {
                    len = d.length;
                    enc = len == want ? NpyCodec.encode(t, o, d) : null;
                }
                case int[] d -> {
                    len = d.length;
                    enc = len == want ? NpyCodec.encode(t, o, d) : null;
                }
                case long[] d -> {
                    len = d.length;
                    enc = len == want ? NpyCodec.encode(t, o, d) : null;
                }
                case boolean[] d -> {
                    len = d.length;
                    enc = len == want ? NpyCodec.encode(t, o, d) : null;
                }
                default -> throw new StoreException(key + ": expected a primitive array, got "
                        + (v == null ? "null" : v.getClass().getSimpleName()));
            }
        } catch (IllegalArgumentException e) {
            throw new StoreException(key + ".npy: " + e.getMessage());
        }
        if (enc == null) {
            throw new StoreException(key + ".npy: row length: expected " + want + ", got " + len);
        }
        return enc;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        List<NpyArray> all = new ArrayList<>(arrays.values());
        all.add(completed);
        for (NpyArray a : all) {
            try {
                a.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
