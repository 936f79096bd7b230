package io.datamodels.store.npy;

import io.datamodels.internal.NpyCodec;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.Python;
import io.datamodels.testing.TestValues;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.datamodels.testing.TestValues.count;
import static io.datamodels.testing.TestValues.tag;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code .npy} compatibility with numpy in both directions: files we write load in numpy (memory mapped) with the
 * right dtype, shape and values; files numpy writes in either byte order and header versions 1.0, 2.0 and 3.0 read
 * back right here. Skipped where python3 with numpy is missing.
 */
@ExtendWith(NoStdout.class)
class NpyPythonInteropTest {
    static final List<long[]> SHAPES = List.of(new long[]{}, new long[]{0}, new long[]{1}, new long[]{7},
            new long[]{3, 5}, new long[]{2, 0, 4}, new long[]{2, 3, 4});

    @TempDir
    Path dir;

    @BeforeEach
    void needNumpy() {
        Python.assumeNumpy();
    }

    /** Writes the reference array of {@code t} and {@code shape} with {@link Npy#write}. */
    static void writeReference(Path f, DType t, long[] shape) throws IOException {
        int n = count(shape);
        if (t == DType.BOOL) {
            boolean[] b = new boolean[n];
            for (int k = 0; k < n; k++) {
                b[k] = TestValues.integer(t, k) == 1;
            }
            Npy.write(f, t, b, shape);
        } else if (t.isFloating()) {
            Npy.write(f, t, TestValues.reals(t, n), shape);
        } else {
            Npy.write(f, t, TestValues.integers(t, n), shape);
        }
    }

    /** Writes the reference array row by row into a file made by {@link NpyArray#create}. */
    static void createReference(Path f, DType t, long[] shape, boolean preallocate) throws IOException {
        try (NpyArray a = NpyArray.create(f, t, shape, preallocate)) {
            int row = Math.toIntExact(a.rowElements());
            for (long r = 0; r < a.rows(); r++) {
                long start = r * row;
                a.write(start, t.isFloating()
                        ? NpyCodec.encode(t, ByteOrder.LITTLE_ENDIAN, TestValues.reals(t, start, row))
                        : NpyCodec.encode(t, ByteOrder.LITTLE_ENDIAN, TestValues.integers(t, start, row)));
            }
            a.force();
        }
    }

    private static final String CHECK_JAVA_WRITTEN = TestValues.PYTHON + """
            import os, sys
            d = sys.argv[1]
            n = 0
            for fn in sorted(os.listdir(d)):
                name, tag, how = fn[:-4].split('-')
                shape = () if tag == 'scalar' else tuple(int(x) for x in tag.split('x'))
                path = os.path.join(d, fn)
                with open(path, 'rb') as f:
                    version = np.lib.format.read_magic(f)
                    header = np.lib.format.read_array_header_1_0(f)
                assert version == (1, 0), (fn, version)
                assert header[1] is False, (fn, 'fortran_order', header)
                a = np.load(path, mmap_mode='r')
                assert isinstance(a, np.memmap), (fn, type(a))
                assert a.dtype == np.dtype(getattr(np, name)), (fn, a.dtype)
                assert a.shape == shape, (fn, a.shape, shape)
                want = ref_values(name, int(np.prod(shape))).reshape(shape)
                assert np.array_equal(np.asarray(a), want), (fn, np.asarray(a).tolist(), want.tolist())
                n += 1
            print(n)
            """;

    @Test
    void numpyLoadsEveryDtypeAndShapeWeWrite() throws Exception {
        int files = 0;
        for (DType t : DType.values()) {
            for (long[] shape : SHAPES) {
                writeReference(dir.resolve(t.numpyName() + "-" + tag(shape) + "-write.npy"), t, shape);
                files++;
            }
            long[] s = {2, 3, 4};
            createReference(dir.resolve(t.numpyName() + "-" + tag(s) + "-create.npy"), t, s, true);
            createReference(dir.resolve(t.numpyName() + "-" + tag(s) + "-sparse.npy"), t, s, false);
            files += 2;
        }
        String out = Python.run(CHECK_JAVA_WRITTEN, dir.toString());
        assertEquals(files, Integer.parseInt(out.strip()), "files numpy checked");
    }

    @Test
    void numpyReadsFloatSpecialsWeWrite() throws Exception {
        for (DType t : List.of(DType.FLOAT16, DType.FLOAT32, DType.FLOAT64)) {
            double tiny = t == DType.FLOAT16 ? 0x1p-24 : t == DType.FLOAT32 ? Float.MIN_VALUE : Double.MIN_VALUE;
            double max = t == DType.FLOAT16 ? 65504 : t == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
            double normal = t == DType.FLOAT16 ? 0x1p-14 : t == DType.FLOAT32 ? Float.MIN_NORMAL : Double.MIN_NORMAL;
            double[] v = {0.0, -0.0, 1.0, -2.5, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, tiny,
                    max, -normal};
            Npy.write(dir.resolve(t.numpyName() + ".npy"), t, v, v.length);
        }
        String out = Python.run("""
                import os, sys
                import numpy as np
                d = sys.argv[1]
                for name in ['float16', 'float32', 'float64']:
                    dt = np.dtype(getattr(np, name))
                    fi = np.finfo(dt)
                    want = np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, fi.smallest_subnormal, fi.max,
                                     -fi.smallest_normal], dtype=dt)
                    a = np.load(os.path.join(d, name + '.npy'), mmap_mode='r')
                    assert a.dtype == dt, (name, a.dtype)
                    assert np.array_equal(np.asarray(a), want, equal_nan=True), (name, a.tolist(), want.tolist())
                    assert not np.signbit(a[0]) and np.signbit(a[1]), (name, 'sign of zero')
                print('ok')
                """, dir.toString());
        assertEquals("ok", out.strip());
    }

    /**
     * float64 to float16 and float32 must round to nearest once, as numpy's {@code astype} does; rounding through
     * float32 first would be wrong just above a float16 midpoint.
     */
    @Test
    void narrowingFromDoubleMatchesNumpyAstype() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20220201);
        int n = 6000;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = i % 4;
            short h = (short) rnd.nextInt(0x7BFF); // a finite positive float16 below the largest
            double lo = Float.float16ToFloat(h);
            double hi = Float.float16ToFloat((short) (h + 1));
            double mid = (lo + hi) / 2;
            double sign = rnd.nextBoolean() ? 1 : -1;
            v[i] = sign * switch (kind) {
                case 0 -> mid;
                case 1 -> Math.nextUp(mid);
                case 2 -> Math.nextDown(mid);
                default -> Math.scalb(rnd.nextDouble(), rnd.nextInt(-30, 18));
            };
        }
        Npy.write(dir.resolve("x.f64.npy"), DType.FLOAT64, v, n);
        Npy.write(dir.resolve("x.f32.npy"), DType.FLOAT32, v, n);
        Npy.write(dir.resolve("x.f16.npy"), DType.FLOAT16, v, n);
        String out = Python.run("""
                import os, sys
                import numpy as np
                d = sys.argv[1]
                x = np.load(os.path.join(d, 'x.f64.npy'))
                for name, dt, view in [('f32', np.float32, np.uint32), ('f16', np.float16, np.uint16)]:
                    got = np.load(os.path.join(d, 'x.' + name + '.npy')).view(view)
                    with np.errstate(over='ignore'):
                        want = x.astype(dt).view(view)
                    bad = np.nonzero(got != want)[0]
                    assert bad.size == 0, (name, bad.size, [(float(x[i]).hex(), int(got[i]), int(want[i])) for i in bad[:5]])
                print('ok')
                """, dir.toString());
        assertEquals("ok", out.strip());
    }

    private static final String WRITE_NUMPY_FILES = TestValues.PYTHON + """
            import io, os, sys
            d = sys.argv[1]
            names = ['bool_', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']
            shapes = [(), (0,), (7,), (3, 5), (2, 3, 4)]
            def tag(s):
                return 'scalar' if len(s) == 0 else 'x'.join(str(x) for x in s)
            n = 0
            for name in names:
                base = np.dtype(getattr(np, name))
                for o in (['|'] if base.itemsize == 1 else ['<', '>']):
                    dt = base if o == '|' else base.newbyteorder(o)
                    for v in [(1, 0), (2, 0), (3, 0)]:
                        for s in shapes:
                            a = ref_values(name, int(np.prod(s))).astype(dt).reshape(s)
                            buf = io.BytesIO()
                            try:
                                np.lib.format.write_array(buf, a, version=v)
                                b = buf.getvalue()
                            except ValueError:
                                # numpy may refuse 3.0 for a latin-1 header: same file as 2.0 but version 3,0
                                if v != (3, 0):
                                    raise
                                np.lib.format.write_array(buf, a, version=(2, 0))
                                b = buf.getvalue()
                                b = b[:6] + bytes([3, 0]) + b[8:]
                            assert b[6:8] == bytes(v), (name, v, b[:12])
                            oname = {'|': 'na', '<': 'le', '>': 'be'}[o]
                            with open(os.path.join(d, f'{name}-{oname}-{v[0]}-{tag(s)}.npy'), 'wb') as f:
                                f.write(b)
                            n += 1
            # Fortran order: numpy saves an F-contiguous 2-D array with fortran_order True; a 1-D array it would
            # save as C order, so that header is written by hand.
            np.save(os.path.join(d, 'fortran2d.npy'), np.asfortranarray(np.arange(15, dtype='<i4').reshape(3, 5)))
            with open(os.path.join(d, 'fortran1d.npy'), 'wb') as f:
                np.lib.format.write_array_header_1_0(f, {'descr': '<i4', 'fortran_order': True, 'shape': (7,)})
                f.write(np.arange(7, dtype='<i4').tobytes())
            assert np.array_equal(np.load(os.path.join(d, 'fortran1d.npy')), np.arange(7))
            print(n)
            """;

    @Test
    void weReadWhatNumpyWritesInBothByteOrdersAndAllVersions() throws Exception {
        Path src = Files.createDirectory(dir.resolve("numpy"));
        int written = Integer.parseInt(Python.run(WRITE_NUMPY_FILES, src.toString()).strip());
        assertEquals(3 * (3 + 6 * 2) * 5, written, "files python wrote");
        List<Path> files;
        try (Stream<Path> s = Files.list(src)) {
            files = s.filter(p -> p.getFileName().toString().contains("-")).sorted().toList();
        }
        assertEquals(written, files.size());
        int[] perVersion = new int[4];
        int bigEndian = 0;
        for (Path f : files) {
            String[] p = f.getFileName().toString().replace(".npy", "").split("-");
            DType t = DType.fromName(p[0]);
            int major = Integer.parseInt(p[2]);
            long[] shape = TestValues.parseTag(p[3]);
            try (NpyArray a = NpyArray.open(f)) {
                String where = f.getFileName().toString();
                assertEquals(t, a.dtype(), where);
                assertEquals(major, a.header().major(), where);
                assertArrayEquals(shape, a.shape(), where);
                if (p[1].equals("be")) {
                    assertEquals(ByteOrder.BIG_ENDIAN, a.header().order(), where);
                    bigEndian++;
                } else if (p[1].equals("le")) {
                    assertEquals(ByteOrder.LITTLE_ENDIAN, a.header().order(), where);
                }
                assertValues(a, t, where);
            }
            perVersion[major]++;
        }
        assertEquals(written / 3, perVersion[1]);
        assertEquals(written / 3, perVersion[2]);
        assertEquals(written / 3, perVersion[3]);
        assertEquals(3 * 6 * 5, bigEndian);

        NpyFormatException e = assertThrows(NpyFormatException.class,
                () -> NpyArray.open(src.resolve("fortran2d.npy")).close());
        assertTrue(e.getMessage().startsWith("fortran2d.npy: fortran_order: expected False"), e.getMessage());
        assertTrue(e.getMessage().endsWith("got True"), e.getMessage());
        assertArrayEquals(new long[]{0, 1, 2, 3, 4, 5, 6}, Npy.readLongs(src.resolve("fortran1d.npy")));
    }

    static void assertValues(NpyArray a, DType t, String where) throws IOException {
        int n = Math.toIntExact(a.size());
        double[] all = new double[n];
        a.getDoubles(0, all, 0, n);
        float[] allF = new float[n];
        a.getFloats(0, allF, 0, n);
        for (int k = 0; k < n; k++) {
            String at = where + " element " + k;
            if (t == DType.BOOL) {
                assertEquals(TestValues.integer(t, k) == 1, a.getBoolean(k), at);
            } else if (!t.isFloating()) {
                assertEquals(TestValues.integer(t, k), a.getLong(k), at);
            }
            if (t != DType.INT64) {
                double want = TestValues.real(t, k);
                // reference values are exact in their dtype, so equality is the right check
                assertEquals(want, a.getDouble(k), at);
                assertEquals(want, all[k], at);
                assertEquals((float) want, allF[k], at);
                assertEquals((float) want, a.getFloat(k), at);
            }
        }
    }
}
