package io.datamodels.internal;

import io.datamodels.store.npy.DType;

import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NpyCodec}: range and whole-number checks for integer dtypes, float16 rounding, bool, byte order. */
@ExtendWith(NoStdout.class)
class NpyCodecTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    private record Range(DType type, double lo, double hi) {
    }

    private static final List<Range> RANGES = List.of(
            new Range(DType.UINT8, 0, 255),
            new Range(DType.INT8, -128, 127),
            new Range(DType.INT16, -32768, 32767),
            new Range(DType.INT32, Integer.MIN_VALUE, Integer.MAX_VALUE),
            new Range(DType.INT64, -0x1p63, 0x1p63 - 1024));

    @Test
    void floatToIntegerDtypeRejectsNonIntegers() {
        for (Range r : RANGES) {
            for (double bad : new double[]{2.5, -0.5, 1e-9, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> NpyCodec.encode(r.type(), LE, new double[]{1, bad}), r.type() + " " + bad);
                assertTrue(e.getMessage().contains("expected a whole number in [")
                        && e.getMessage().contains(r.type().numpyName())
                        && e.getMessage().contains("got " + bad), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> NpyCodec.encode(r.type(), LE, new float[]{0.25f}));
        }
    }

    @Test
    void floatToIntegerDtypeRejectsOutOfRange() {
        for (Range r : RANGES) {
            double below = r.type() == DType.INT64 ? -0x1p63 - 2048 : r.lo() - 1;
            double above = r.type() == DType.INT64 ? 0x1p63 : r.hi() + 1;
            for (double bad : new double[]{below, above, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> NpyCodec.encode(r.type(), LE, new double[]{bad}), r.type() + " " + bad);
                assertTrue(e.getMessage().startsWith("value: expected a whole number in [" + (long) r.lo() + ", "),
                        e.getMessage());
                assertTrue(e.getMessage().endsWith("got " + bad), e.getMessage());
            }
        }
        // int[] and long[] go through the same checks
        assertThrows(IllegalArgumentException.class, () -> NpyCodec.encode(DType.INT8, LE, new int[]{200}));
        assertThrows(IllegalArgumentException.class, () -> NpyCodec.encode(DType.UINT8, LE, new long[]{-1}));
        assertThrows(IllegalArgumentException.class, () -> NpyCodec.encode(DType.INT16, LE, new int[]{40000}));
    }

    @Test
    void integerBoundsAreAccepted() {
        assertArrayEquals(new byte[]{0, (byte) 255}, bytes(NpyCodec.encode(DType.UINT8, LE, new double[]{0, 255})));
        assertArrayEquals(new byte[]{-128, 127}, bytes(NpyCodec.encode(DType.INT8, LE, new double[]{-128, 127})));
        assertArrayEquals(new byte[]{0}, bytes(NpyCodec.encode(DType.INT8, LE, new double[]{-0.0})));
        MemorySegment s = NpyCodec.encode(DType.INT16, BE, new double[]{-32768, 32767});
        assertArrayEquals(new byte[]{(byte) 0x80, 0, 0x7F, (byte) 0xFF}, bytes(s));
        s = NpyCodec.encode(DType.INT32, LE, new double[]{Integer.MIN_VALUE, Integer.MAX_VALUE});
        assertEquals(Integer.MIN_VALUE, s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE), 0));
        assertEquals(Integer.MAX_VALUE, s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE), 4));
        s = NpyCodec.encode(DType.INT64, LE, new double[]{-0x1p63, 0x1p62});
        assertEquals(Long.MIN_VALUE, s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE), 0));
        assertEquals(1L << 62, s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE), 8));
        // long[] to int64 is exact, also beyond 2^53
        s = NpyCodec.encode(DType.INT64, BE, new long[]{Long.MAX_VALUE, (1L << 53) + 1});
        assertEquals(Long.MAX_VALUE, s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(BE), 0));
        assertEquals((1L << 53) + 1, s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(BE), 8));
    }

    /** Every float16 value survives decode then encode, from float[] and from double[], in both byte orders. */
    @Test
    void float16RoundTripsEveryBitPattern() {
        float[] f = new float[1 << 16];
        double[] d = new double[1 << 16];
        for (int bits = 0; bits < 1 << 16; bits++) {
            f[bits] = Float.float16ToFloat((short) bits);
            d[bits] = f[bits];
        }
        for (ByteOrder o : List.of(LE, BE)) {
            var layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(o);
            MemorySegment fromF = NpyCodec.encode(DType.FLOAT16, o, f);
            MemorySegment fromD = NpyCodec.encode(DType.FLOAT16, o, d);
            for (int bits = 0; bits < 1 << 16; bits++) {
                short a = fromF.get(layout, 2L * bits);
                short b = fromD.get(layout, 2L * bits);
                if (Float.isNaN(f[bits])) {
                    assertTrue(Float.isNaN(Float.float16ToFloat(a)) && Float.isNaN(Float.float16ToFloat(b)));
                } else {
                    assertEquals((short) bits, a, "float16 bits " + Integer.toHexString(bits));
                    assertEquals((short) bits, b, "float16 bits " + Integer.toHexString(bits));
                }
            }
        }
    }

    /**
     * double to float16 rounds once to nearest, ties to even: just above the midpoint of two neighbouring float16
     * values goes up, just below goes down, the midpoint itself goes to the even one. Checked for every pair of
     * finite positive neighbours and their negatives.
     */
    @Test
    void float16FromDoubleRoundsOnceToNearestEven() {
        for (int lo = 0; lo < 0x7BFF; lo++) {
            short hiBits = (short) (lo + 1);
            double a = Float.float16ToFloat((short) lo);
            double b = Float.float16ToFloat(hiBits);
            double mid = (a + b) / 2;
            short even = (lo & 1) == 0 ? (short) lo : hiBits;
            for (double sign : new double[]{1, -1}) {
                short s = (short) (sign < 0 ? 0x8000 : 0);
                double[] x = {sign * Math.nextUp(mid), sign * Math.nextDown(mid), sign * mid};
                MemorySegment enc = NpyCodec.encode(DType.FLOAT16, LE, x);
                var layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
                String at = "between float16 " + a + " and " + b;
                assertEquals((short) (hiBits | s), enc.get(layout, 0), "just above midpoint " + at);
                assertEquals((short) (lo | s), enc.get(layout, 2), "just below midpoint " + at);
                assertEquals((short) (even | s), enc.get(layout, 4), "midpoint " + at);
            }
        }
        // overflow: 65520 is the midpoint between 65504 and 2^16, and rounds to infinity; below it to 65504
        MemorySegment enc = NpyCodec.encode(DType.FLOAT16, LE,
                new double[]{65520, Math.nextDown(65520.0), 1e300, -1e300, 1e-300, -1e-300, Double.NaN});
        var layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
        assertEquals(Float.floatToFloat16(Float.POSITIVE_INFINITY), enc.get(layout, 0));
        assertEquals(Float.floatToFloat16(65504f), enc.get(layout, 2));
        assertEquals(Float.floatToFloat16(Float.POSITIVE_INFINITY), enc.get(layout, 4));
        assertEquals(Float.floatToFloat16(Float.NEGATIVE_INFINITY), enc.get(layout, 6));
        assertEquals((short) 0, enc.get(layout, 8));
        assertEquals((short) 0x8000, enc.get(layout, 10));
        assertTrue(Float.isNaN(Float.float16ToFloat(enc.get(layout, 12))));
    }

    @Test
    void float32FromDoubleRoundsToNearest() {
        double[] x = {0.1, -1.0 / 3, 1e39, 1e-50, Math.nextUp(1.0 + 0x1p-24)};
        MemorySegment enc = NpyCodec.encode(DType.FLOAT32, BE, x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits((float) x[i]),
                    enc.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(BE), 4L * i), "element " + i);
        }
        float[] f = {1.5f, -0f, Float.MIN_VALUE};
        enc = NpyCodec.encode(DType.FLOAT32, BE, f);
        assertArrayEquals(new byte[]{0x3F, (byte) 0xC0, 0, 0, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1}, bytes(enc));
    }

    @Test
    void boolIsOneForEveryNonZeroValue() {
        assertArrayEquals(new byte[]{0, 1, 1, 1, 0, 1, 1},
                bytes(NpyCodec.encode(DType.BOOL, LE, new double[]{0, 2.5, -1, Double.NaN, -0.0, 1e-300,
                        Double.NEGATIVE_INFINITY})));
        assertArrayEquals(new byte[]{0, 1, 1}, bytes(NpyCodec.encode(DType.BOOL, LE, new float[]{0, 0.5f, 255})));
        assertArrayEquals(new byte[]{1, 0, 1}, bytes(NpyCodec.encode(DType.BOOL, LE, new int[]{-7, 0, 1 << 30})));
        assertArrayEquals(new byte[]{1, 0}, bytes(NpyCodec.encode(DType.BOOL, LE, new long[]{Long.MIN_VALUE, 0})));
        assertArrayEquals(new byte[]{1, 0, 1}, bytes(NpyCodec.encode(DType.BOOL, LE,
                new boolean[]{true, false, true})));
        // booleans into other dtypes are 1 and 0
        MemorySegment s = NpyCodec.encode(DType.FLOAT64, BE, new boolean[]{true, false});
        assertEquals(1.0, s.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(BE), 0));
        assertEquals(0.0, s.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(BE), 8));
    }

    @Test
    void byteOrderIsHonouredForEveryMultiByteDtype() {
        for (DType t : DType.values()) {
            if (t.size() == 1) {
                continue;
            }
            byte[] le = bytes(NpyCodec.encode(t, LE, new int[]{-3, 1000}));
            byte[] be = bytes(NpyCodec.encode(t, BE, new int[]{-3, 1000}));
            assertEquals(2 * t.size(), le.length);
            for (int e = 0; e < 2; e++) {
                for (int k = 0; k < t.size(); k++) {
                    assertEquals(le[e * t.size() + k], be[e * t.size() + t.size() - 1 - k], t + " element " + e);
                }
            }
        }
    }

    @Test
    void emptyInputsEncodeToNothing() {
        for (DType t : DType.values()) {
            assertEquals(0, NpyCodec.encode(t, LE, new double[0]).byteSize());
            assertEquals(0, NpyCodec.encode(t, LE, new float[0]).byteSize());
        }
    }
}
