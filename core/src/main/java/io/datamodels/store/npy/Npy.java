package io.datamodels.store.npy;

import io.datamodels.internal.NpyCodec;
import io.datamodels.store.AtomicFiles;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whole-array {@code .npy} reads and atomic writes (temp file in the same folder, forced, then renamed), for arrays
 * that fit in a Java array. Larger arrays use {@link NpyArray} directly.
 */
public final class Npy {
    private Npy() {
    }

    /** Writes {@code values} (C order, {@code shape}) as {@code dtype}; replaces {@code path} atomically. */
    public static void write(Path path, DType dtype, float[] values, long... shape) throws IOException {
        checkCount(path, values.length, shape);
        writeEncoded(path, dtype, shape, NpyCodec.encode(dtype, ByteOrder.LITTLE_ENDIAN, values));
    }

    /** Writes {@code values} (C order, {@code shape}) as {@code dtype}; replaces {@code path} atomically. */
    public static void write(Path path, DType dtype, double[] values, long... shape) throws IOException {
        checkCount(path, values.length, shape);
        writeEncoded(path, dtype, shape, NpyCodec.encode(dtype, ByteOrder.LITTLE_ENDIAN, values));
    }

    /** Writes {@code values} (C order, {@code shape}) as {@code dtype}; replaces {@code path} atomically. */
    public static void write(Path path, DType dtype, int[] values, long... shape) throws IOException {
        checkCount(path, values.length, shape);
        writeEncoded(path, dtype, shape, NpyCodec.encode(dtype, ByteOrder.LITTLE_ENDIAN, values));
    }

    /** Writes {@code values} (C order, {@code shape}) as {@code dtype}; replaces {@code path} atomically. */
    public static void write(Path path, DType dtype, long[] values, long... shape) throws IOException {
        checkCount(path, values.length, shape);
        writeEncoded(path, dtype, shape, NpyCodec.encode(dtype, ByteOrder.LITTLE_ENDIAN, values));
    }

    /** Writes {@code values} (C order, {@code shape}) as {@code dtype}; replaces {@code path} atomically. */
    public static void write(Path path, DType dtype, boolean[] values, long... shape) throws IOException {
        checkCount(path, values.length, shape);
        writeEncoded(path, dtype, shape, NpyCodec.encode(dtype, ByteOrder.LITTLE_ENDIAN, values));
    }

    /** Writes little-endian element bytes of {@code dtype}; replaces {@code path} atomically. */
    public static void writeEncoded(Path path, DType dtype, long[] shape, MemorySegment encoded) throws IOException {
        byte[] head = NpyHeader.encode(dtype, shape);
        long want = new NpyHeader(dtype, ByteOrder.LITTLE_ENDIAN, false, shape, head.length, 1).dataBytes();
        if (encoded.byteSize() != want) {
            throw new IllegalArgumentException(path.getFileName() + ": data: expected " + want + " bytes for shape "
                    + NpyHeader.shapeString(shape) + ", got " + encoded.byteSize());
        }
        AtomicFiles.write(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                var h = java.nio.ByteBuffer.wrap(head);
                while (h.hasRemaining()) {
                    ch.write(h);
                }
                var d = encoded.asByteBuffer();
                while (d.hasRemaining()) {
                    ch.write(d);
                }
                ch.force(true);
            }
        });
    }

    private static void checkCount(Path path, int n, long[] shape) {
        long want = 1;
        for (long d : shape) {
            want = Math.multiplyExact(want, d);
        }
        if (want != n) {
            throw new IllegalArgumentException(path.getFileName() + ": data: expected " + want + " elements for shape "
                    + NpyHeader.shapeString(shape) + ", got " + n);
        }
    }

    /** Reads a whole array as floats (any dtype). */
    public static float[] readFloats(Path path) throws IOException {
        try (NpyArray a = NpyArray.open(path)) {
            float[] out = new float[toInt(a)];
            a.getFloats(0, out, 0, out.length);
            return out;
        }
    }

    /** Reads a whole array as doubles (any dtype). */
    public static double[] readDoubles(Path path) throws IOException {
        try (NpyArray a = NpyArray.open(path)) {
            double[] out = new double[toInt(a)];
            a.getDoubles(0, out, 0, out.length);
            return out;
        }
    }

    /** Reads a whole integer or bool array as longs; a float array is refused. */
    public static long[] readLongs(Path path) throws IOException {
        try (NpyArray a = NpyArray.open(path)) {
            if (a.dtype().isFloating()) {
                throw new NpyFormatException(path, "descr", "an integer or bool dtype", a.dtype().numpyName());
            }
            long[] out = new long[toInt(a)];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.getLong(i);
            }
            return out;
        }
    }

    private static int toInt(NpyArray a) throws NpyFormatException {
        if (a.size() > Integer.MAX_VALUE - 8) {
            throw new NpyFormatException(a.path(), "shape", "at most 2^31 - 9 elements to read into one array "
                    + "(use NpyArray)", NpyHeader.shapeString(a.shape()));
        }
        return (int) a.size();
    }
}
