package io.datamodels.store.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a {@code .npy} file (numpy format versions 1.0, 2.0 and 3.0).
 *
 * <p>Layout on disk: the magic {@code \x93NUMPY}, major and minor version bytes, the header length (2 bytes little
 * endian in 1.0, 4 bytes in 2.0 and 3.0), then a Python dict literal with the keys {@code descr},
 * {@code fortran_order} and {@code shape} in any order, padded with spaces and a final newline so that the data
 * starts at a multiple of 64 bytes. Version 3.0 only differs in allowing UTF-8 in the dict.
 *
 * @param dtype        element type
 * @param order        byte order of multi-byte elements
 * @param fortranOrder true if numpy wrote the array in column-major order
 * @param shape        dimensions; empty for a 0-d array
 * @param dataOffset   byte offset of the first element in the file
 * @param major        format major version (1, 2 or 3)
 */
public record NpyHeader(DType dtype, ByteOrder order, boolean fortranOrder, long[] shape, long dataOffset, int major) {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;

    public NpyHeader {
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape: expected non-negative dimensions, got " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Product of the dimensions (1 for a 0-d array). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of element data, {@code elementCount() * dtype.size()}. */
    public long dataBytes() {
        return Math.multiplyExact(elementCount(), dtype.size());
    }

    /** The shape as numpy prints it: {@code (3, 4)}, {@code (5,)} or {@code ()}. */
    public static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    /**
     * Encodes a C-order, little-endian header for {@code dtype} and {@code shape}: version 1.0 when the dict fits in
     * 65535 bytes, else 2.0. The returned bytes are padded so that data starts at a multiple of 64.
     */
    public static byte[] encode(DType dtype, long[] shape) {
        String dict = "{'descr': '" + dtype.descr(ByteOrder.LITTLE_ENDIAN) + "', 'fortran_order': False, 'shape': "
                + shapeString(shape) + ", }";
        byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = MAGIC.length + 2 + 2;
        int major = 1;
        if (pad(prefix + d.length + 1) - prefix > 0xFFFF) {
            major = 2;
            prefix = MAGIC.length + 2 + 4;
        }
        int total = pad(prefix + d.length + 1);
        int headerLen = total - prefix;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(d);
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    private static int pad(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * Reads and validates the header of {@code file} through {@code ch}, and checks that the file holds exactly the
     * data the header promises.
     *
     * @throws NpyFormatException for a bad magic, an unsupported version or dtype, a malformed dict, or a size
     *                            that disagrees with the shape
     */
    public static NpyHeader read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        int got = pre.position();
        pre.flip();
        if (got < 10) {
            throw new NpyFormatException(file, "size", "at least 10 header bytes", size + " bytes (truncated)");
        }
        byte[] magic = new byte[6];
        pre.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new NpyFormatException(file, "magic", "\\x93NUMPY", describeMagic(magic));
        }
        int major = pre.get() & 0xFF;
        int minor = pre.get() & 0xFF;
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort() & 0xFFFF;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (got < 12) {
                throw new NpyFormatException(file, "size", "at least 12 header bytes", size + " bytes (truncated)");
            }
            headerLen = pre.getInt() & 0xFFFFFFFFL;
            prefix = 12;
        } else {
            throw new NpyFormatException(file, "version", "1.0, 2.0 or 3.0", major + "." + minor);
        }
        long dataOffset = prefix + headerLen;
        if (dataOffset > size) {
            throw new NpyFormatException(file, "header length", "at most " + (size - prefix) + " bytes (file size "
                    + size + ")", headerLen + " (truncated file)");
        }
        if (headerLen > (1 << 24)) {
            throw new NpyFormatException(file, "header length", "at most 16 MiB", Long.toString(headerLen));
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, prefix);
        String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new DictParser(file, text).parseDict();
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeObj = dict.get("shape");
        if (!(descr instanceof String ds)) {
            throw new NpyFormatException(file, "descr", "a dtype string such as '<f4'",
                    descr == null ? "no 'descr' key" : String.valueOf(descr));
        }
        if (!(fortran instanceof Boolean fo)) {
            throw new NpyFormatException(file, "fortran_order", "True or False",
                    fortran == null ? "no 'fortran_order' key" : String.valueOf(fortran));
        }
        if (!(shapeObj instanceof long[] shape)) {
            throw new NpyFormatException(file, "shape", "a tuple of integers",
                    shapeObj == null ? "no 'shape' key" : String.valueOf(shapeObj));
        }
        DType dtype;
        try {
            dtype = DType.fromName(ds);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(file, "descr", "one of |b1 |u1 |i1 <i2 <i4 <i8 <f2 <f4 <f8 (either byte order)",
                    "'" + ds + "'");
        }
        ByteOrder order = ds.startsWith(">") ? ByteOrder.BIG_ENDIAN
                : ds.startsWith("=") ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        NpyHeader h;
        try {
            h = new NpyHeader(dtype, order, fo, shape, dataOffset, major);
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(file, e.getMessage());
        }
        long need;
        try {
            need = Math.addExact(dataOffset, h.dataBytes());
        } catch (ArithmeticException e) {
            throw new NpyFormatException(file, "shape", "a size below 2^63 bytes", shapeString(shape));
        }
        if (need != size) {
            throw new NpyFormatException(file, "size", need + " bytes for shape " + shapeString(shape) + " of "
                    + dtype.numpyName(), size + " bytes" + (size < need ? " (truncated)" : " (trailing data)"));
        }
        return h;
    }

    private static String describeMagic(byte[] m) {
        StringBuilder sb = new StringBuilder();
        for (byte b : m) {
            sb.append(String.format("\\x%02x", b & 0xFF));
        }
        return sb.toString();
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    /** A parser for the small Python literal subset numpy writes: a dict of str keys to str, bool or int tuples. */
    private static final class DictParser {
        private final Path file;
        private final String s;
        private int i;

        DictParser(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        Map<String, Object> parseDict() throws NpyFormatException {
            Map<String, Object> out = new HashMap<>();
            skipWs();
            expect('{');
            while (true) {
                skipWs();
                if (peek() == '}') {
                    i++;
                    break;
                }
                String key = parseString();
                skipWs();
                expect(':');
                skipWs();
                out.put(key, parseValue());
                skipWs();
                if (peek() == ',') {
                    i++;
                } else if (peek() == '}') {
                    i++;
                    break;
                } else {
                    throw error("',' or '}'");
                }
            }
            skipWs();
            if (i != s.length()) {
                throw error("end of header");
            }
            return out;
        }

        private Object parseValue() throws NpyFormatException {
            char c = peek();
            if (c == '\'' || c == '"') {
                return parseString();
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                i++;
                List<Long> dims = new ArrayList<>();
                while (true) {
                    skipWs();
                    if (peek() == close) {
                        i++;
                        break;
                    }
                    dims.add(parseInt());
                    skipWs();
                    if (peek() == ',') {
                        i++;
                    } else if (peek() != close) {
                        throw error("',' or '" + close + "'");
                    }
                }
                long[] a = new long[dims.size()];
                for (int k = 0; k < a.length; k++) {
                    a[k] = dims.get(k);
                }
                return a;
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (Character.isDigit(c) || c == '-') {
                return parseInt();
            }
            throw error("a string, a tuple or True/False");
        }

        private long parseInt() throws NpyFormatException {
            int start = i;
            if (peek() == '-') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            // numpy may write Python 2 longs as 3L
            String digits = s.substring(start, i);
            if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                i++;
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("an integer");
            }
        }

        private String parseString() throws NpyFormatException {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw error("a quoted string");
            }
            int end = s.indexOf(q, i + 1);
            if (end < 0) {
                throw error("a closing quote");
            }
            String v = s.substring(i + 1, end);
            i = end + 1;
            return v;
        }

        private void expect(char c) throws NpyFormatException {
            if (peek() != c) {
                throw error("'" + c + "'");
            }
            i++;
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void skipWs() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private NpyFormatException error(String expected) {
            String near = s.substring(i, Math.min(s.length(), i + 20)).strip();
            return new NpyFormatException(file, "header", expected + " at character " + i,
                    near.isEmpty() ? "end of header" : "'" + near + "'");
        }
    }
}
