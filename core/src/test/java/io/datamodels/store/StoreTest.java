package io.datamodels.store;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static io.datamodels.store.StoreRows.assertRow;
import static io.datamodels.store.StoreRows.meta;
import static io.datamodels.store.StoreRows.row;
import static io.datamodels.store.StoreRows.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Store}: creation, replacement, masks at init, row writes and their checks, writes from many threads. */
@ExtendWith(NoStdout.class)
class StoreTest {
    private static final int M = 65;
    private static final int T = 3;

    @TempDir
    Path parent;

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private Store newStore(long n, Sampling s) throws IOException {
        return Store.init(parent.resolve("store"), spec(n, s.trainSize(), T), meta(s), false);
    }

    @Test
    void initWritesMadryLabLayout() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        try (Store st = newStore(6, s)) {
            assertEquals(6, st.numModels());
            assertEquals(0, st.completedCount());
            assertArrayEquals(new long[0], st.completedIndices());
            assertEquals(s, st.meta().orElseThrow().sampling());
            assertArrayEquals(new long[]{6, T, 10}, st.array("logits").shape());
            assertEquals(DType.FLOAT16, st.array("margins").dtype());
        }
        assertEquals(List.of("_completed.npy", "logits.npy", "margins.npy", "masks.npy", "spec.json", "store.json"),
                listing(parent.resolve("store")));
        assertEquals(List.of("store"), listing(parent), "no temporary folders left");
        String specJson = Files.readString(parent.resolve("store/spec.json"));
        assertTrue(specJson.contains("\"num_models\" : 6"), specJson);
        assertTrue(specJson.contains("\"dtype\" : \"bool_\""), specJson);
        assertTrue(specJson.contains("\"dtype\" : \"float16\""), specJson);
    }

    @Test
    void initRefusesAnExistingPathWithoutForce() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        Path dir = Files.createDirectory(parent.resolve("store"));
        Files.writeString(dir.resolve("keep.txt"), "mine");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> newStore(4, s));
        assertEquals(AtomicFiles.NOT_REPLACED, e.getReason(), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertEquals(List.of("keep.txt"), listing(dir));

        Path file = Files.writeString(parent.resolve("plain"), "x");
        FileAlreadyExistsException f = assertThrows(FileAlreadyExistsException.class,
                () -> Store.init(file, spec(4, M, T), meta(s), false));
        assertEquals(AtomicFiles.NOT_REPLACED, f.getReason(), f.getMessage());
        assertEquals("x", Files.readString(file));
        assertEquals(List.of("plain", "store"), listing(parent));
    }

    @Test
    void initWithForceReplaces() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        try (Store st = newStore(4, s)) {
            st.writeRow(1, row(1, T));
        }
        Path dir = parent.resolve("store");
        Files.writeString(dir.resolve("stale.txt"), "old");
        Sampling s2 = new Sampling(Sampling.EXACT, 0.25, 12, M);
        try (Store st = Store.init(dir, spec(9, M, T), meta(s2), true)) {
            assertEquals(9, st.numModels());
            assertEquals(0, st.completedCount());
            assertEquals(s2, st.meta().orElseThrow().sampling());
        }
        assertFalse(Files.exists(dir.resolve("stale.txt")));
        assertEquals(List.of("store"), listing(parent), "no temporary or old folders left");
    }

    @Test
    void masksAtInitEqualSamplingForEveryIndex() throws IOException {
        // m = 1000 and N = 5000 make the mask fill take two chunks of rows
        for (Sampling s : List.of(new Sampling(Sampling.BERNOULLI, 0.3, 5, M), new Sampling(Sampling.EXACT, 0.5, 6, 1),
                new Sampling(Sampling.EXACT, 0.1, 7, 1000), new Sampling(Sampling.BERNOULLI, 0.5, 8, 1000))) {
            long n = s.trainSize() == 1000 ? 5000 : 37;
            Path dir = parent.resolve("masks-" + s.sampler() + s.trainSize());
            try (Store st = Store.init(dir, spec(n, s.trainSize(), T), meta(s), false)) {
                NpyArray masks = st.array(Store.MASKS);
                byte[] row = new byte[s.trainSize()];
                for (long i = 0; i < n; i++) {
                    java.lang.foreign.MemorySegment.copy(masks.data(), java.lang.foreign.ValueLayout.JAVA_BYTE,
                            i * s.trainSize(), row, 0, row.length);
                    assertArrayEquals(s.mask(i).toBytes(), row, s + " index " + i);
                }
                assertEquals(0, st.completedCount());
            }
        }
    }

    @Test
    void initChecksMasksAgainstSampling() {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        StoreException wrongM = assertThrows(StoreException.class,
                () -> Store.init(parent.resolve("a"), spec(3, M + 1, T), meta(s), false));
        assertEquals("spec.json: schema.masks.shape: expected [65] (train_size), got bool_[66]", wrongM.getMessage());
        StoreException noSampling = assertThrows(StoreException.class,
                () -> Store.init(parent.resolve("b"), spec(3, M, T), null, false));
        assertEquals("store.json: sampling: required to fill masks, got none", noSampling.getMessage());
        Map<String, StoreSpec.KeySpec> schema = new HashMap<>(StoreRows.schema(M, T));
        schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.UINT8, M));
        StoreException wrongType = assertThrows(StoreException.class,
                () -> Store.init(parent.resolve("c"), new StoreSpec(3L, schema), meta(s), false));
        assertEquals("spec.json: schema.masks: expected bool_ with shape [m], got uint8[65]", wrongType.getMessage());
        assertTrue(Files.notExists(parent.resolve("a")) && Files.notExists(parent.resolve("b"))
                && Files.notExists(parent.resolve("c")));
    }

    @Test
    void storeWithoutMasksNeedsNoMeta() throws IOException {
        Map<String, StoreSpec.KeySpec> schema = Map.of("y", StoreSpec.KeySpec.of(DType.INT32, 2));
        try (Store st = Store.init(parent.resolve("plain"), new StoreSpec(3L, schema), null, false)) {
            assertTrue(st.meta().isEmpty());
            st.writeRow(2, Map.of("y", new int[]{-4, 9}));
            assertEquals(-4, st.array("y").getLong(4));
            assertArrayEquals(new long[]{2}, st.completedIndices());
        }
        assertFalse(Files.exists(parent.resolve("plain/store.json")));
    }

    @Test
    void rowsPersistAcrossReopen() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        try (Store st = newStore(8, s)) {
            st.writeRow(5, row(5, T));
            st.writeRows(new long[]{0, 7}, List.of(row(0, T), row(7, T)));
        }
        try (Store st = Store.open(parent.resolve("store"), false)) {
            assertArrayEquals(new long[]{0, 5, 7}, st.completedIndices());
            assertEquals(3, st.completedCount());
            for (long i : new long[]{0, 5, 7}) {
                assertRow(st, i, T);
            }
            assertFalse(st.isCompleted(1));
            assertEquals(0.0, st.array("margins").getDouble(T));
            assertEquals(spec(8, M, T), st.spec());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> st.writeRow(1, row(1, T)));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertFalse(st.isCompleted(1));
        }
    }

    @Test
    void writeRowRejectsBadRowsAndLeavesThemIncomplete() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        try (Store st = newStore(4, s)) {
            record Bad(long index, Map<String, ?> values, String message) {
            }
            Map<String, Object> shortRow = new HashMap<>(row(1, T));
            shortRow.put("margins", new double[T - 1]);
            Map<String, Object> unknown = new HashMap<>(row(1, T));
            unknown.put("loss", new float[1]);
            Map<String, Object> boxed = Map.of("margins", new ArrayList<>(List.of(1.0, 2.0, 3.0)));
            List<Bad> bad = List.of(
                    new Bad(1, shortRow, "margins.npy: row length: expected 3, got 2"),
                    new Bad(1, unknown, "spec.json: schema: expected a key 'loss', keys are [masks, margins, logits]"),
                    new Bad(4, row(4, T), "model index: expected in [0, 4), got 4"),
                    new Bad(-1, row(1, T), "model index: expected in [0, 4), got -1"),
                    new Bad(1, boxed, "margins: expected a primitive array, got ArrayList"),
                    new Bad(1, Map.of("logits", new double[]{1e300}), "logits.npy: row length: expected 30, got 1"));
            for (Bad b : bad) {
                StoreException e = assertThrows(StoreException.class, () -> st.writeRow(b.index(), b.values()));
                assertEquals(b.message(), e.getMessage());
                assertEquals(0, st.completedCount(), b.message());
            }
            // a fraction into an integer key
            Map<String, StoreSpec.KeySpec> schema = Map.of("count", StoreSpec.KeySpec.of(DType.INT16, 2));
            try (Store ints = Store.init(parent.resolve("ints"), new StoreSpec(2L, schema), null, false)) {
                StoreException e = assertThrows(StoreException.class,
                        () -> ints.writeRow(0, Map.of("count", new double[]{1, 2.5})));
                assertEquals("count.npy: value: expected a whole number in [-32768, 32767] for int16, got 2.5",
                        e.getMessage());
                assertFalse(ints.isCompleted(0));
            }
            // one bad row in a batch: nothing of the batch is written
            Map<String, Object> good = row(2, T);
            assertThrows(StoreException.class, () -> st.writeRows(new long[]{2, 3}, List.of(good, shortRow)));
            assertFalse(st.isCompleted(2));
            assertEquals(0.0, st.array("margins").getDouble(2L * T + 1), "row 2 untouched");
            IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                    () -> st.writeRows(new long[]{1, 2}, List.of(good)));
            assertEquals("rows: expected 2 rows, got 1", n.getMessage());
        }
    }

    @Test
    void aCompletedRowIsNotOverwritten() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        try (Store st = newStore(3, s)) {
            st.writeRow(1, row(1, T));
            StoreException e = assertThrows(StoreException.class, () -> st.writeRow(1, row(2, T)));
            assertEquals("_completed.npy: row 1: expected an incomplete row, got a completed one", e.getMessage());
            assertRow(st, 1, T);
            assertThrows(StoreException.class, () -> st.writeRows(new long[]{0, 1}, List.of(row(0, T), row(1, T))));
            assertFalse(st.isCompleted(0), "a batch with a completed row writes nothing");
        }
    }

    @Test
    void eightThreadsWriteDistinctRows() throws Exception {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        int n = 200;
        int threads = 8;
        try (Store st = newStore(n, s)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < threads; w++) {
                    int id = w;
                    fs.add(pool.submit(() -> {
                        for (long i = id; i < n; i += threads) {
                            if (i % 3 == 0) {
                                st.writeRows(new long[]{i}, List.of(row(i, T)));
                            } else {
                                st.writeRow(i, row(i, T));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(n, st.completedCount());
        }
        try (Store st = Store.open(parent.resolve("store"), false)) {
            for (long i = 0; i < n; i++) {
                assertRow(st, i, T);
                assertArrayEquals(s.mask(i).toBytes(), rowBytes(st.array(Store.MASKS), i, M), "mask " + i);
            }
        }
    }

    static byte[] rowBytes(NpyArray a, long i, int len) {
        byte[] b = new byte[len];
        java.lang.foreign.MemorySegment.copy(a.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, i * len, b, 0, len);
        return b;
    }

    @Test
    void openOfAMissingFolder() {
        StoreException e = assertThrows(StoreException.class, () -> Store.open(parent.resolve("none"), false));
        assertTrue(e.getMessage().endsWith("none: store folder does not exist"), e.getMessage());
    }

    @Test
    void zeroModelStore() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 11, M);
        try (Store st = newStore(0, s)) {
            assertEquals(0, st.completedCount());
            assertEquals(0, st.array("logits").size());
            assertThrows(StoreException.class, () -> st.writeRow(0, row(0, T)));
        }
        assertArrayEquals(new long[0], Npy.readLongs(parent.resolve("store/_completed.npy")));
    }
}
