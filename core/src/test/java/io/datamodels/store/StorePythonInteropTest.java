package io.datamodels.store;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.Python;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stores move between MadryLab's Python {@code datamodels} and us: a store made and partly filled the way its
 * {@code initialize_store} and worker do opens here, and a store we make and fill loads in numpy, memory mapped.
 * Skipped where python3 with numpy is missing.
 */
@ExtendWith(NoStdout.class)
class StorePythonInteropTest {
    private static final int N = 12;
    private static final int M = 70;
    private static final int T = 5;

    @TempDir
    Path parent;

    @BeforeEach
    void needNumpy() {
        Python.assumeNumpy();
    }

    /** As MadryLab's initialize_store (spec.json, open_memmap per key and _completed) and worker (r+ rows). */
    private static final String MAKE_MADRYLAB_STORE = StoreRows.PYTHON + """
            import json, os, sys
            d, N, m, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
            # MadryLab's initialize_store reads the spec from --logging.spec=FILE, wherever the user keeps it
            spec_path = sys.argv[5] if len(sys.argv) > 5 else os.path.join(d, 'spec.json')
            os.makedirs(d)
            spec = {"num_models": N, "schema": {"masks": {"shape": [m], "dtype": "bool_"},
                                                "margins": {"shape": [T], "dtype": "float16"},
                                                "logits": {"shape": [T, 10], "dtype": "float32"}}}
            with open(spec_path, 'w') as f:
                json.dump(spec, f)
            schema = dict(spec['schema'])
            schema['_completed'] = {'dtype': 'bool_', 'shape': []}
            for key, md in schema.items():
                mm = np.lib.format.open_memmap(os.path.join(d, f'{key}.npy'), mode='w+',
                                               dtype=getattr(np, md['dtype']), shape=(N,) + tuple(md['shape']))
                mm.flush()
                del mm

            def kv_log(key, index, value):
                mm = np.load(os.path.join(d, f'{key}.npy'), mmap_mode='r+')
                mm[index] = value
                mm.flush()

            done = [i for i in range(N) if i % 3 != 1]
            for i in done:
                os.makedirs(os.path.join(d, 'workers', str(i)), exist_ok=True)
                kv_log('masks', i, (np.arange(m) * 7 + i) % 3 == 0)
                kv_log('margins', i, margins(i, T))
                kv_log('logits', i, logits(i, T))
                kv_log('_completed', i, 1)
                with open(os.path.join(d, 'cmds.txt'), 'a') as f:
                    f.write('python -m datamodels.training.worker --worker.index=%d\\n' % i)
            print(len(done))
            """;

    /** Checks a store in numpy: spec.json, dtypes by getattr(np, name), shapes, rows, flags, masks. */
    private static final String CHECK_STORE = StoreRows.PYTHON + """
            import json, os, sys
            d, N, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            done = sorted(int(x) for x in sys.argv[4].split(',') if x)
            expected_masks = sys.argv[5]
            with open(os.path.join(d, 'spec.json')) as f:
                spec = json.load(f)
            assert spec['num_models'] == N, spec
            arrays = {}
            for key, md in spec['schema'].items():
                dt = getattr(np, md['dtype'])
                a = np.load(os.path.join(d, f'{key}.npy'), mmap_mode='r')
                assert isinstance(a, np.memmap), (key, type(a))
                assert a.dtype == np.dtype(dt), (key, a.dtype, md['dtype'])
                assert a.shape == (N,) + tuple(md['shape']), (key, a.shape, md['shape'])
                arrays[key] = a
            c = np.load(os.path.join(d, '_completed.npy'), mmap_mode='r')
            assert c.dtype == np.bool_ and c.shape == (N,), (c.dtype, c.shape)
            assert np.nonzero(c)[0].tolist() == done, (np.nonzero(c)[0].tolist(), done)
            for i in range(N):
                if i in done:
                    assert np.array_equal(arrays['margins'][i], margins(i, T)), (i, arrays['margins'][i])
                    assert np.array_equal(arrays['logits'][i], logits(i, T)), (i, arrays['logits'][i])
                else:
                    assert not arrays['margins'][i].any() and not arrays['logits'][i].any(), i
            want = np.load(expected_masks)
            assert np.array_equal(np.asarray(arrays['masks']), want), 'masks differ'
            print('ok')
            """;

    private static String join(long[] xs) {
        StringJoiner j = new StringJoiner(",");
        for (long x : xs) {
            j.add(Long.toString(x));
        }
        return j.toString();
    }

    @Test
    void madryLabStoreOpensHereAndWeCanFinishIt() throws Exception {
        Path dir = parent.resolve("py-store");
        int done = Integer.parseInt(Python.run(MAKE_MADRYLAB_STORE, dir.toString(), Integer.toString(N),
                Integer.toString(M), Integer.toString(T)).strip());
        assertEquals(8, done);
        boolean[] expectedMasks = new boolean[N * M];
        try (Store st = Store.open(dir, true)) {
            assertTrue(st.meta().isEmpty(), "a Python store has no store.json");
            assertEquals(N, st.numModels());
            assertEquals(done, st.completedCount());
            assertEquals(DType.FLOAT16, st.array("margins").dtype());
            for (long i = 0; i < N; i++) {
                boolean complete = i % 3 != 1;
                assertEquals(complete, st.isCompleted(i), "row " + i);
                for (int j = 0; j < M; j++) {
                    boolean want = complete && (j * 7 + i) % 3 == 0;
                    assertEquals(want, st.array(Store.MASKS).getBoolean(i * M + j), "mask " + i + ", " + j);
                }
                if (complete) {
                    StoreRows.assertRow(st, i, T);
                } else {
                    assertEquals(0.0, st.array("logits").getDouble(i * T * 10));
                }
            }
            // finish the rows Python left, masks included
            for (long i = 1; i < N; i += 3) {
                Map<String, Object> row = new LinkedHashMap<>(StoreRows.row(i, T));
                boolean[] mask = new boolean[M];
                for (int j = 0; j < M; j++) {
                    mask[j] = (j * 7 + i) % 3 == 0;
                }
                row.put(Store.MASKS, mask);
                st.writeRow(i, row);
            }
            assertEquals(N, st.completedCount());
        }
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < M; j++) {
                expectedMasks[i * M + j] = (j * 7 + i) % 3 == 0;
            }
        }
        Path want = parent.resolve("expected-masks.npy");
        Npy.write(want, DType.BOOL, expectedMasks, N, M);
        long[] all = new long[N];
        for (int i = 0; i < N; i++) {
            all[i] = i;
        }
        assertEquals("ok", Python.run(CHECK_STORE, dir.toString(), Integer.toString(N), Integer.toString(T),
                join(all), want.toString()).strip());
    }

    @Test
    void madryLabStoreWithTheSpecOutsideOpensHere() throws Exception {
        Path dir = parent.resolve("py-store");
        Path spec = parent.resolve("spec.json");
        assertEquals(8, Integer.parseInt(Python.run(MAKE_MADRYLAB_STORE, dir.toString(), Integer.toString(N),
                Integer.toString(M), Integer.toString(T), spec.toString()).strip()));
        assertTrue(Files.isDirectory(dir.resolve("workers")) && Files.exists(dir.resolve("cmds.txt")));
        for (Path given : new Path[]{null, spec}) {
            try (Store st = Store.open(dir, false, given)) {
                assertEquals(given == null ? StoreSpec.Source.INFERRED : StoreSpec.Source.FILE, st.specSource().kind());
                assertEquals(StoreRows.spec(N, M, T), st.spec());
                assertEquals(8, st.completedCount());
                for (long i = 0; i < N; i++) {
                    boolean complete = i % 3 != 1;
                    assertEquals(complete, st.isCompleted(i), "row " + i);
                    for (int j = 0; j < M; j++) {
                        assertEquals(complete && (j * 7 + i) % 3 == 0, st.array(Store.MASKS).getBoolean(i * M + j));
                    }
                    if (complete) {
                        StoreRows.assertRow(st, i, T);
                    }
                }
            }
        }
    }

    @Test
    void ourStoreLoadsInNumpy() throws Exception {
        Sampling s = new Sampling(Sampling.EXACT, 0.3, 2022, M);
        Path dir = parent.resolve("java-store");
        long[] done = {0, 3, 4, 11};
        try (Store st = Store.init(dir, StoreRows.spec(N, M, T), StoreRows.meta(s), false)) {
            for (long i : done) {
                st.writeRow(i, StoreRows.row(i, T));
            }
            assertArrayEquals(done, st.completedIndices());
        }
        boolean[] masks = new boolean[N * M];
        for (int i = 0; i < N; i++) {
            System.arraycopy(s.mask(i).toBooleans(), 0, masks, i * M, M);
        }
        Path want = parent.resolve("expected-masks.npy");
        Npy.write(want, DType.BOOL, masks, N, M);
        assertEquals("ok", Python.run(CHECK_STORE, dir.toString(), Integer.toString(N), Integer.toString(T),
                join(done), want.toString()).strip());
    }

    @Test
    void everyDtypeNameWeWriteIsANumpyAttribute() throws Exception {
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        for (DType t : DType.values()) {
            schema.put("k_" + t.numpyName(), StoreSpec.KeySpec.of(t, 2, 3));
        }
        Path dir = parent.resolve("dtypes");
        try (Store st = Store.init(dir, new StoreSpec(4L, schema), null, false)) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (DType t : DType.values()) {
                row.put("k_" + t.numpyName(), new int[]{0, 1, 0, 1, 1, 0});
            }
            st.writeRow(2, row);
        }
        String out = Python.run("""
                import json, os, sys
                import numpy as np
                d = sys.argv[1]
                with open(os.path.join(d, 'spec.json')) as f:
                    spec = json.load(f)
                names = []
                for key, md in spec['schema'].items():
                    dt = getattr(np, md['dtype'])
                    a = np.load(os.path.join(d, key + '.npy'), mmap_mode='r')
                    assert a.dtype == np.dtype(dt) and a.shape == (4, 2, 3), (key, a.dtype, a.shape)
                    assert a[2].ravel().tolist() == [0, 1, 0, 1, 1, 0], (key, a[2])
                    assert not a[[0, 1, 3]].any(), key
                    names.append(md['dtype'])
                assert np.load(os.path.join(d, '_completed.npy')).tolist() == [False, False, True, False]
                print(' '.join(names))
                """, dir.toString());
        StringJoiner names = new StringJoiner(" ");
        for (DType t : DType.values()) {
            names.add(t.numpyName());
        }
        assertEquals(names.toString(), out.strip());
    }
}
