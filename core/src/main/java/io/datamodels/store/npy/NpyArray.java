package io.datamodels.store.npy;

import io.datamodels.internal.NpyCodec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code .npy} file mapped into memory with FFM, so arrays past 2 GiB work and nothing is copied on the heap.
 *
 * <p>Elements are in C order: element {@code (i0, i1, ..., ik)} of shape {@code (d0, d1, ..., dk)} sits at flat
 * index {@code ((i0 * d1 + i1) * d2 + ...) * dk + ik}, byte {@code flat * dtype.size()} of {@link #data()}. A "row" is
 * one index of the first dimension: {@code rowElements() = d1 * ... * dk} consecutive elements.
 *
 * <p>Reads go through the mapping. Writes go through positional {@link FileChannel} writes (see
 * {@link #write(long, MemorySegment)}), which report a full disk as an {@link IOException} instead of a fault on a
 * mapped page, and are visible through the mapping at once. {@link #force()} makes them durable.
 */
public final class NpyArray implements AutoCloseable {
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final NpyHeader header;
    private final FileChannel channel;
    private final Arena arena;
    private final MemorySegment data;
    private final boolean writable;
    private final ValueLayout.OfShort i16;
    private final ValueLayout.OfInt i32;
    private final ValueLayout.OfLong i64;
    private final ValueLayout.OfFloat f32;
    private final ValueLayout.OfDouble f64;

    private NpyArray(Path path, NpyHeader header, FileChannel channel, boolean writable) throws IOException {
        this.path = path;
        this.header = header;
        this.channel = channel;
        this.writable = writable;
        this.arena = Arena.ofShared();
        long bytes = header.dataBytes();
        this.data = bytes == 0 ? MemorySegment.ofArray(new byte[0])
                : channel.map(FileChannel.MapMode.READ_ONLY, header.dataOffset(), bytes, arena);
        ByteOrder o = header.order();
        i16 = I16_LE.withOrder(o);
        i32 = I32_LE.withOrder(o);
        i64 = I64_LE.withOrder(o);
        f32 = F32_LE.withOrder(o);
        f64 = F64_LE.withOrder(o);
    }

    /** Opens {@code path} read-only. */
    public static NpyArray open(Path path) throws IOException {
        return open(path, false);
    }

    /**
     * Opens {@code path}, read-only or for positional writes.
     *
     * @throws NpyFormatException if the header is bad, the size disagrees with the shape, or the array is
     *                            Fortran-ordered with more than one dimension
     */
    public static NpyArray open(Path path, boolean writable) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "file does not exist");
        }
        FileChannel ch = writable
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
        try {
            NpyHeader h = NpyHeader.read(path, ch);
            if (h.fortranOrder() && h.shape().length > 1) {
                throw new NpyFormatException(path, "fortran_order", "False (C order; save with np.ascontiguousarray)",
                        "True");
            }
            return new NpyArray(path, h, ch, writable);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Creates (or truncates) {@code path} as a zero-filled C-order little-endian array and opens it for writing.
     *
     * @param preallocate write the zeros out so that every block is allocated now: a later row write can then not
     *                    fail for lack of space, and a disk too small fails here
     */
    public static NpyArray create(Path path, DType dtype, long[] shape, boolean preallocate) throws IOException {
        byte[] head = NpyHeader.encode(dtype, shape);
        long bytes = new NpyHeader(dtype, ByteOrder.LITTLE_ENDIAN, false, shape, head.length, 1).dataBytes();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(head), 0);
            if (preallocate) {
                ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(bytes, 1 << 20));
                for (long pos = 0; pos < bytes; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - pos));
                    pos += writeFully(ch, zeros, head.length + pos);
                }
            } else if (bytes > 0) {
                writeFully(ch, ByteBuffer.allocate(1), head.length + bytes - 1);
            }
            ch.force(true);
        } catch (IOException e) {
            // A full disk says only "No space left on device": name the file.
            if (e.getClass() == IOException.class) {
                throw new IOException(path.getFileName() + ": " + e.getMessage(), e);
            }
            throw e;
        }
        return open(path, true);
    }

    private static int writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int n = 0;
        while (b.hasRemaining()) {
            n += ch.write(b, pos + n);
        }
        return n;
    }

    public Path path() {
        return path;
    }

    public NpyHeader header() {
        return header;
    }

    public DType dtype() {
        return header.dtype();
    }

    public long[] shape() {
        return header.shape();
    }

    /** Total number of elements. */
    public long size() {
        return header.elementCount();
    }

    /** Length of the first dimension (1 for a 0-d array). */
    public long rows() {
        long[] s = header.shape();
        return s.length == 0 ? 1 : s[0];
    }

    /** Elements per row: the product of all dimensions but the first. */
    public long rowElements() {
        long[] s = header.shape();
        long n = 1;
        for (int i = 1; i < s.length; i++) {
            n = Math.multiplyExact(n, s[i]);
        }
        return n;
    }

    /** The mapped element bytes (read-only view), in the file's byte order. */
    public MemorySegment data() {
        return data;
    }

    /** Element {@code i} (flat C-order index) converted to double; bool reads as 0 or 1. */
    public double getDouble(long i) {
        long b = i * header.dtype().size();
        return switch (header.dtype()) {
            case BOOL -> data.get(ValueLayout.JAVA_BYTE, b) != 0 ? 1 : 0;
            case UINT8 -> data.get(ValueLayout.JAVA_BYTE, b) & 0xFF;
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, b);
            case INT16 -> data.get(i16, b);
            case INT32 -> data.get(i32, b);
            case INT64 -> data.get(i64, b);
            case FLOAT16 -> Float.float16ToFloat(data.get(i16, b));
            case FLOAT32 -> data.get(f32, b);
            case FLOAT64 -> data.get(f64, b);
        };
    }

    /** Element {@code i} converted to float. */
    public float getFloat(long i) {
        return header.dtype() == DType.FLOAT32 ? data.get(f32, i * 4) : (float) getDouble(i);
    }

    /** Element {@code i} as a long; floats are truncated toward zero. */
    public long getLong(long i) {
        return switch (header.dtype()) {
            case INT64 -> data.get(i64, i * 8);
            case INT32 -> data.get(i32, i * 4);
            default -> (long) getDouble(i);
        };
    }

    /** Element {@code i} as a boolean (non-zero is true). */
    public boolean getBoolean(long i) {
        return header.dtype().size() == 1 ? data.get(ValueLayout.JAVA_BYTE, i) != 0 : getDouble(i) != 0;
    }

    /** Copies {@code len} elements starting at flat index {@code start} into {@code dst[off..]}, as floats. */
    public void getFloats(long start, float[] dst, int off, int len) {
        checkRange(start, len);
        if (header.dtype() == DType.FLOAT32) {
            MemorySegment.copy(data, f32, start * 4, dst, off, len);
            return;
        }
        for (int k = 0; k < len; k++) {
            dst[off + k] = (float) getDouble(start + k);
        }
    }

    /** Copies {@code len} elements starting at flat index {@code start} into {@code dst[off..]}, as doubles. */
    public void getDoubles(long start, double[] dst, int off, int len) {
        checkRange(start, len);
        if (header.dtype() == DType.FLOAT64) {
            MemorySegment.copy(data, f64, start * 8, dst, off, len);
            return;
        }
        for (int k = 0; k < len; k++) {
            dst[off + k] = getDouble(start + k);
        }
    }

    private void checkRange(long start, long len) {
        if (start < 0 || len < 0 || start + len > size()) {
            throw new IndexOutOfBoundsException(path.getFileName() + ": elements [" + start + ", " + (start + len)
                    + ") outside [0, " + size() + ")");
        }
    }

    /**
     * Writes already-encoded element bytes (this array's dtype and byte order) at flat element index {@code start}
     * with positional writes. Not durable until {@link #force()}.
     */
    public void write(long start, MemorySegment encoded) throws IOException {
        if (!writable) {
            throw new IllegalStateException(path.getFileName() + " is open read-only");
        }
        long sz = header.dtype().size();
        if (encoded.byteSize() % sz != 0) {
            throw new IllegalArgumentException("encoded bytes: expected a multiple of " + sz + ", got "
                    + encoded.byteSize());
        }
        checkRange(start, encoded.byteSize() / sz);
        ByteBuffer buf = encoded.asByteBuffer();
        long pos = header.dataOffset() + start * sz;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    /** Encodes {@code values} into this array's dtype (see {@link NpyCodec}) and writes them at {@code start}. */
    public void writeFloats(long start, float[] values) throws IOException {
        write(start, NpyCodec.encode(header.dtype(), header.order(), values));
    }

    /** Encodes {@code values} into this array's dtype and writes them at {@code start}. */
    public void writeDoubles(long start, double[] values) throws IOException {
        write(start, NpyCodec.encode(header.dtype(), header.order(), values));
    }

    /** Forces written data (not the file's metadata) to the storage device. */
    public void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        try {
            arena.close();
        } finally {
            channel.close();
        }
    }
}
