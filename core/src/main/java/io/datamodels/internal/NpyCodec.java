package io.datamodels.internal;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.NpyFormatException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts Java primitive arrays into the bytes of a numpy dtype.
 *
 * <p>Floats to an integer dtype must be whole numbers within the dtype's range; to bool, non-zero becomes 1.
 * float64 to float32 and float16 rounds to nearest.
 */
public final class NpyCodec {
    private NpyCodec() {
    }

    /** Encodes {@code v} as {@code dtype} elements in {@code order}. */
    public static MemorySegment encode(DType dtype, ByteOrder order, float[] v) {
        MemorySegment out = MemorySegment.ofArray(new byte[Math.multiplyExact(v.length, dtype.size())]);
        if (dtype == DType.FLOAT32) {
            MemorySegment.copy(v, 0, out, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), 0, v.length);
            return out;
        }
        for (int i = 0; i < v.length; i++) {
            put(out, dtype, order, i, v[i]);
        }
        return out;
    }

    /** Encodes {@code v} as {@code dtype} elements in {@code order}. */
    public static MemorySegment encode(DType dtype, ByteOrder order, double[] v) {
        MemorySegment out = MemorySegment.ofArray(new byte[Math.multiplyExact(v.length, dtype.size())]);
        for (int i = 0; i < v.length; i++) {
            put(out, dtype, order, i, v[i]);
        }
        return out;
    }

    /** Encodes {@code v} as {@code dtype} elements in {@code order}. */
    public static MemorySegment encode(DType dtype, ByteOrder order, long[] v) {
        MemorySegment out = MemorySegment.ofArray(new byte[Math.multiplyExact(v.length, dtype.size())]);
        for (int i = 0; i < v.length; i++) {
            if (dtype == DType.INT64) {
                out.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), 8L * i, v[i]);
            } else {
                put(out, dtype, order, i, (double) v[i]);
            }
        }
        return out;
    }

    /** Encodes {@code v} as {@code dtype} elements in {@code order}. */
    public static MemorySegment encode(DType dtype, ByteOrder order, int[] v) {
        MemorySegment out = MemorySegment.ofArray(new byte[Math.multiplyExact(v.length, dtype.size())]);
        for (int i = 0; i < v.length; i++) {
            put(out, dtype, order, i, v[i]);
        }
        return out;
    }

    /** Encodes {@code v} as {@code dtype} elements (1 for true, 0 for false) in {@code order}. */
    public static MemorySegment encode(DType dtype, ByteOrder order, boolean[] v) {
        MemorySegment out = MemorySegment.ofArray(new byte[Math.multiplyExact(v.length, dtype.size())]);
        for (int i = 0; i < v.length; i++) {
            put(out, dtype, order, i, v[i] ? 1 : 0);
        }
        return out;
    }

    /** Stores {@code x} as element {@code i} of {@code seg}. */
    public static void put(MemorySegment seg, DType dtype, ByteOrder order, long i, double x) {
        long b = i * dtype.size();
        switch (dtype) {
            case BOOL -> seg.set(ValueLayout.JAVA_BYTE, b, (byte) (x != 0 ? 1 : 0));
            case UINT8 -> seg.set(ValueLayout.JAVA_BYTE, b, (byte) checkInt(x, 0, 255, dtype));
            case INT8 -> seg.set(ValueLayout.JAVA_BYTE, b, (byte) checkInt(x, Byte.MIN_VALUE, Byte.MAX_VALUE, dtype));
            case INT16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), b,
                    (short) checkInt(x, Short.MIN_VALUE, Short.MAX_VALUE, dtype));
            case INT32 -> seg.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), b,
                    (int) checkInt(x, Integer.MIN_VALUE, Integer.MAX_VALUE, dtype));
            case INT64 -> seg.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), b,
                    checkInt(x, Long.MIN_VALUE, Long.MAX_VALUE, dtype));
            case FLOAT16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), b, toFloat16(x));
            case FLOAT32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), b, (float) x);
            case FLOAT64 -> seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), b, x);
        }
    }

    /**
     * {@code x} rounded once to the nearest float16 (ties to even), as numpy's {@code astype(np.float16)} does.
     * Rounding to float first and then to float16 would round twice and go wrong just above a float16 midpoint, so
     * the step to float rounds to odd instead: truncate, then set the last bit if anything was dropped. float keeps
     * 13 more bits than float16, enough for the second rounding to be exact.
     */
    public static short toFloat16(double x) {
        float f = (float) x;
        if ((double) f != x && !Double.isNaN(x)) {
            if (Math.abs((double) f) > Math.abs(x)) {
                f = Math.nextAfter(f, 0.0);
            }
            f = Float.intBitsToFloat(Float.floatToRawIntBits(f) | 1);
        }
        return Float.floatToFloat16(f);
    }

    private static long checkInt(double x, double lo, double hi, DType t) {
        // (double) Long.MAX_VALUE is 2^63, one past the int64 range, hence the extra test
        if (x != Math.rint(x) || x < lo || x > hi || x >= 0x1p63) {
            throw new IllegalArgumentException("value: expected a whole number in [" + (long) lo + ", " + (long) hi
                    + "] for " + t.numpyName() + ", got " + x);
        }
        return (long) x;
    }
}
