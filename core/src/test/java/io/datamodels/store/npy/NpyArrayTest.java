package io.datamodels.store.npy;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.NpyBytes;
import io.datamodels.testing.TestValues;
import io.datamodels.testing.Tolerances;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.datamodels.store.npy.NpyPythonInteropTest.SHAPES;
import static io.datamodels.testing.TestValues.count;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Npy} and {@link NpyArray} on their own: round trips, layout, creation, writes and their checks. */
@ExtendWith(NoStdout.class)
class NpyArrayTest {
    @TempDir
    Path dir;

    @Test
    void roundTripEveryDtypeAndShape() throws IOException {
        for (DType t : DType.values()) {
            for (long[] shape : SHAPES) {
                Path f = dir.resolve(t.numpyName() + "-" + TestValues.tag(shape) + ".npy");
                NpyPythonInteropTest.writeReference(f, t, shape);
                try (NpyArray a = NpyArray.open(f)) {
                    assertArrayEquals(shape, a.shape());
                    assertEquals(t, a.dtype());
                    assertEquals(1, a.header().major());
                    assertEquals(ByteOrder.LITTLE_ENDIAN, a.header().order());
                    assertEquals(0, a.header().dataOffset() % 64, "data is 64-byte aligned");
                    assertEquals(a.header().dataOffset() + (long) count(shape) * t.size(), Files.size(f));
                    assertEquals(count(shape), a.size());
                    assertEquals(shape.length == 0 ? 1 : shape[0], a.rows());
                    NpyPythonInteropTest.assertValues(a, t, f.getFileName().toString());
                }
                if (!t.isFloating()) {
                    assertArrayEquals(TestValues.integers(t, count(shape)), Npy.readLongs(f));
                }
                assertArrayEquals(TestValues.reals(t, count(shape)), Npy.readDoubles(f), Tolerances.DOUBLE);
            }
        }
    }

    @Test
    void randomShapesRoundTripThroughFloatsAndDoubles() throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 20; trial++) {
            long[] shape = new long[rnd.nextInt(1, 4)];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = rnd.nextInt(0, 70);
            }
            int n = count(shape);
            double[] d = new double[n];
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                d[i] = rnd.nextGaussian() * 100;
                f[i] = (float) d[i];
            }
            Path p64 = dir.resolve("d" + trial + ".npy");
            Path p32 = dir.resolve("f" + trial + ".npy");
            Npy.write(p64, DType.FLOAT64, d, shape);
            Npy.write(p32, DType.FLOAT32, f, shape);
            assertArrayEquals(d, Npy.readDoubles(p64), Tolerances.DOUBLE);
            assertArrayEquals(f, Npy.readFloats(p32), (float) Tolerances.FLOAT);
            assertArrayEquals(f, Npy.readFloats(p64), (float) Tolerances.FLOAT);
        }
    }

    @Test
    void rowsAndRowElementsFollowTheShape() throws IOException {
        record Case(long[] shape, long rows, long rowElements) {
        }
        for (Case c : new Case[]{new Case(new long[]{}, 1, 1), new Case(new long[]{0}, 0, 1),
                new Case(new long[]{7}, 7, 1), new Case(new long[]{3, 5}, 3, 5), new Case(new long[]{2, 0, 4}, 2, 0),
                new Case(new long[]{2, 3, 4}, 2, 12)}) {
            try (NpyArray a = NpyArray.create(dir.resolve("r.npy"), DType.INT16, c.shape(), true)) {
                assertEquals(c.rows(), a.rows(), NpyHeader.shapeString(c.shape()));
                assertEquals(c.rowElements(), a.rowElements(), NpyHeader.shapeString(c.shape()));
            }
        }
    }

    @Test
    void createIsZeroFilledAndWritesAreVisibleAtOnce() throws IOException {
        for (boolean preallocate : new boolean[]{true, false}) {
            Path f = dir.resolve("c" + preallocate + ".npy");
            try (NpyArray a = NpyArray.create(f, DType.FLOAT64, new long[]{4, 3}, preallocate)) {
                for (long i = 0; i < a.size(); i++) {
                    assertEquals(0.0, a.getDouble(i));
                }
                a.writeDoubles(3, new double[]{1.5, -2.5, 3.25});
                // reads go through the mapping: the positional write is visible without reopening
                assertEquals(-2.5, a.getDouble(4));
                a.writeFloats(9, new float[]{7f, 8f, 9f});
                a.force();
            }
            assertArrayEquals(new double[]{0, 0, 0, 1.5, -2.5, 3.25, 0, 0, 0, 7, 8, 9}, Npy.readDoubles(f));
            // create truncates an existing file
            try (NpyArray a = NpyArray.create(f, DType.UINT8, new long[]{2}, preallocate)) {
                assertEquals(2, a.size());
            }
            assertEquals(128 + 2, Files.size(f));
        }
    }

    @Test
    void writeChecksItsArguments() throws IOException {
        Path f = dir.resolve("w.npy");
        Npy.write(f, DType.INT32, new int[]{1, 2, 3, 4}, 2, 2);
        try (NpyArray ro = NpyArray.open(f)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ro.writeDoubles(0, new double[]{1}));
            assertEquals("w.npy is open read-only", e.getMessage());
        }
        try (NpyArray a = NpyArray.open(f, true)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> a.writeDoubles(3, new double[]{1, 2}));
            assertEquals("w.npy: elements [3, 5) outside [0, 4)", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> a.writeDoubles(-1, new double[]{1}));
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                    () -> a.write(0, MemorySegment.ofArray(new byte[6])));
            assertEquals("encoded bytes: expected a multiple of 4, got 6", g.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.writeDoubles(0, new double[]{0.5}));
            assertThrows(IndexOutOfBoundsException.class, () -> a.getDoubles(2, new double[3], 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> a.getFloats(-1, new float[1], 0, 1));
        }
        assertArrayEquals(new long[]{1, 2, 3, 4}, Npy.readLongs(f), "failed writes changed nothing");
    }

    @Test
    void writesToABigEndianFileKeepItsByteOrder() throws IOException {
        byte[] data = new byte[12];
        ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN).asIntBuffer().put(new int[]{10, -20, 30});
        Path f = NpyBytes.write(dir.resolve("be.npy"), 1, 0, NpyBytes.dict(">i4", false, "(3,)"), data);
        try (NpyArray a = NpyArray.open(f, true)) {
            assertEquals(ByteOrder.BIG_ENDIAN, a.header().order());
            assertEquals(-20, a.getLong(1));
            a.writeDoubles(1, new double[]{-7, 0x12345678});
            a.force();
        }
        byte[] b = Files.readAllBytes(f);
        assertArrayEquals(new byte[]{0, 0, 0, 10, -1, -1, -1, -7, 0x12, 0x34, 0x56, 0x78},
                java.util.Arrays.copyOfRange(b, b.length - 12, b.length));
        assertArrayEquals(new long[]{10, -7, 0x12345678}, Npy.readLongs(f));
    }

    @Test
    void nativeOrderDescrReadsInThisMachinesOrder() throws IOException {
        byte[] data = new byte[8];
        ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()).putDouble(0, 6.25);
        Path f = NpyBytes.write(dir.resolve("native.npy"), 1, 0, NpyBytes.dict("=f8", false, "()"), data);
        assertArrayEquals(new double[]{6.25}, Npy.readDoubles(f));
    }

    @Test
    void npyWriteChecksCountAndReplacesAtomically() throws IOException {
        Path f = dir.resolve("a.npy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npy.write(f, DType.FLOAT32, new float[5], 2, 3));
        assertEquals("a.npy: data: expected 6 elements for shape (2, 3), got 5", e.getMessage());
        assertTrue(Files.notExists(f));
        Npy.write(f, DType.FLOAT32, new float[]{1, 2}, 2);
        Npy.write(f, DType.INT8, new int[]{3, 4, 5}, 3);
        assertArrayEquals(new long[]{3, 4, 5}, Npy.readLongs(f));
        // a bad value fails before anything is written: the old file stays
        assertThrows(IllegalArgumentException.class, () -> Npy.write(f, DType.INT8, new double[]{1000}, 1));
        assertArrayEquals(new long[]{3, 4, 5}, Npy.readLongs(f));
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> Npy.writeEncoded(f, DType.INT16, new long[]{3}, MemorySegment.ofArray(new byte[4])));
        assertEquals("a.npy: data: expected 6 bytes for shape (3,), got 4", g.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of(f), s.toList(), "no temporary files left");
        }
    }

    @Test
    void headerEncodingIsWhatNumpyWrites() {
        byte[] h = NpyHeader.encode(DType.FLOAT16, new long[]{3, 4});
        assertEquals(128, h.length);
        String text = new String(h, 10, h.length - 10, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("{'descr': '<f2', 'fortran_order': False, 'shape': (3, 4), }"), text);
        assertTrue(text.endsWith(" \n"), text);
        assertEquals(118, (h[8] & 0xFF) | (h[9] & 0xFF) << 8, "header length field");
        assertEquals("()", NpyHeader.shapeString(new long[]{}));
        assertEquals("(5,)", NpyHeader.shapeString(new long[]{5}));
        assertEquals("|b1", DType.BOOL.descr(ByteOrder.BIG_ENDIAN));
        assertEquals(">i8", DType.INT64.descr(ByteOrder.BIG_ENDIAN));
        assertThrows(IllegalArgumentException.class, () -> new NpyHeader(DType.BOOL, ByteOrder.LITTLE_ENDIAN, false,
                new long[]{2, -1}, 128, 1));
    }

    @Test
    void dtypeNamesParseAsNumpySpellsThem() {
        for (DType t : DType.values()) {
            assertEquals(t, DType.fromName(t.numpyName()));
            assertEquals(t, DType.fromName(t.descr(ByteOrder.LITTLE_ENDIAN)));
            assertEquals(t, DType.fromName(t.descr(ByteOrder.BIG_ENDIAN)));
            assertEquals(t, DType.fromName("np." + t.numpyName()));
        }
        assertEquals(DType.BOOL, DType.fromName("bool"));
        assertEquals(DType.BOOL, DType.fromName("?"));
        assertEquals(DType.FLOAT32, DType.fromName("single"));
        assertEquals(DType.FLOAT64, DType.fromName("double"));
        assertEquals(DType.FLOAT16, DType.fromName("half"));
        // as np.dtype(name) reads them: 'float' is float64, and case matters ('U1' is a string, 'F4' nothing)
        assertEquals(DType.FLOAT64, DType.fromName("float"));
        for (String notOurs : new String[]{"U1", "<U1", "F4", "Float32", "BOOL"}) {
            assertThrows(IllegalArgumentException.class, () -> DType.fromName(notOurs), notOurs);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.fromName("complex64"));
        assertTrue(e.getMessage().startsWith("dtype: expected one of bool_, uint8,"), e.getMessage());
        assertTrue(e.getMessage().endsWith("got 'complex64'"), e.getMessage());
    }
}
