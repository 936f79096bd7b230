package io.datamodels.testing;

import io.datamodels.store.npy.DType;

/**
 * Reference arrays that Java and Python compute identically: element {@code k} (flat C-order index) of dtype
 * {@code t}. Every value is exact in its dtype (integers in range, floats dyadic with few bits), so both sides
 * compare with equality. {@link #PYTHON} defines {@code ref_values(name, n)}, the same arrays in numpy.
 *
 * <pre>
 *   bool_    k % 3 == 0
 *   uint8    (37k + 11) mod 256
 *   int8     (37k + 11) mod 256 - 128
 *   int16    (7919k + 13) mod 65536 - 32768
 *   int32    (2654435761k + 17) mod 2^32 - 2^31
 *   int64    0x9E3779B97F4A7C15 k + 1, wrapped to signed 64 bits
 *   float16  (k mod 64 - 20) / 8
 *   float32  (3k - 7) / 16 + (k mod 5) 2^-20
 *   float64  (3k - 7) / 16 + k 2^-45
 * </pre>
 */
public final class TestValues {
    /** Python source of {@code ref_values(name, n) -> np.ndarray} (1-D, dtype {@code getattr(np, name)}). */
    public static final String PYTHON = """
            import numpy as np

            def _ref(name, k):
                if name == 'bool_':
                    return k % 3 == 0
                if name == 'uint8':
                    return (37 * k + 11) % 256
                if name == 'int8':
                    return (37 * k + 11) % 256 - 128
                if name == 'int16':
                    return (7919 * k + 13) % 65536 - 32768
                if name == 'int32':
                    return (2654435761 * k + 17) % 2**32 - 2**31
                if name == 'int64':
                    x = (0x9E3779B97F4A7C15 * k + 1) % 2**64
                    return x - 2**64 if x >= 2**63 else x
                if name == 'float16':
                    return (k % 64 - 20) * 0.125
                if name == 'float32':
                    return (3 * k - 7) * 0.0625 + (k % 5) * 2.0**-20
                if name == 'float64':
                    return (3 * k - 7) * 0.0625 + k * 2.0**-45
                raise ValueError(name)

            def ref_values(name, n):
                return np.array([_ref(name, k) for k in range(n)], dtype=getattr(np, name))
            """;

    private TestValues() {
    }

    /** Element {@code k} of an integer or bool reference array (bool as 0 or 1). */
    public static long integer(DType t, long k) {
        return switch (t) {
            case BOOL -> k % 3 == 0 ? 1 : 0;
            case UINT8 -> (37 * k + 11) % 256;
            case INT8 -> (37 * k + 11) % 256 - 128;
            case INT16 -> (7919 * k + 13) % 65536 - 32768;
            case INT32 -> Math.floorMod(2654435761L * k + 17, 1L << 32) - (1L << 31);
            case INT64 -> 0x9E3779B97F4A7C15L * k + 1;
            default -> throw new IllegalArgumentException("not an integer dtype: " + t);
        };
    }

    /** Element {@code k} of a reference array, as a double (exact for every dtype but int64). */
    public static double real(DType t, long k) {
        return switch (t) {
            case FLOAT16 -> (k % 64 - 20) * 0.125;
            case FLOAT32 -> (3 * k - 7) * 0.0625 + (k % 5) * 0x1p-20;
            case FLOAT64 -> (3 * k - 7) * 0.0625 + k * 0x1p-45;
            default -> integer(t, k);
        };
    }

    /** The first {@code n} elements as doubles (for float dtypes). */
    public static double[] reals(DType t, int n) {
        return reals(t, 0, n);
    }

    /** Elements {@code start .. start+n-1} as doubles (for float dtypes). */
    public static double[] reals(DType t, long start, int n) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = real(t, start + k);
        }
        return v;
    }

    /** The first {@code n} elements as longs (for integer and bool dtypes). */
    public static long[] integers(DType t, int n) {
        return integers(t, 0, n);
    }

    /** Elements {@code start .. start+n-1} as longs (for integer and bool dtypes). */
    public static long[] integers(DType t, long start, int n) {
        long[] v = new long[n];
        for (int k = 0; k < n; k++) {
            v[k] = integer(t, start + k);
        }
        return v;
    }

    /** Product of the dimensions. */
    public static int count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** A shape as a file-name tag: {@code scalar} for (), else the dimensions joined by {@code x}. */
    public static String tag(long[] shape) {
        if (shape.length == 0) {
            return "scalar";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? "x" : "").append(shape[i]);
        }
        return sb.toString();
    }

    /** Parses {@link #tag}. */
    public static long[] parseTag(String tag) {
        if (tag.equals("scalar")) {
            return new long[0];
        }
        String[] p = tag.split("x");
        long[] s = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            s[i] = Long.parseLong(p[i]);
        }
        return s;
    }
}
