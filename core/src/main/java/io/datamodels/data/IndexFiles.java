package io.datamodels.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the row indices of a {@link Selection} index file: a {@code .npy} holding a 1-D little-endian int32 or int64
 * array (recognised by its magic, not its name), or text with one integer per line (blank lines and lines starting
 * with {@code #} are skipped). Each index may appear at most once. Deliberately minimal; the full npy reader lives in
 * the store package.
 */
final class IndexFiles {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(\\w+)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private IndexFiles() {
    }

    /**
     * Returns the indices the file holds, in file order.
     *
     * @throws DataFormatException if the file is malformed or holds an index twice (naming the index and both
     *     positions: entries {@code index[k]} of a {@code .npy}, lines of a text file)
     */
    static int[] read(Path file) throws IOException {
        Inputs.requireFile(file);
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length >= NPY_MAGIC.length
                && Arrays.equals(bytes, 0, NPY_MAGIC.length, NPY_MAGIC, 0, NPY_MAGIC.length)) {
            int[] v = readNpy(file, bytes);
            requireDistinct(file, v, null);
            return v;
        }
        if (Inputs.name(file).toLowerCase(Locale.ROOT).endsWith(".npy")) {
            byte[] head = Arrays.copyOf(bytes, Math.min(bytes.length, NPY_MAGIC.length));
            throw new DataFormatException(file, "magic", "0x" + HexFormat.of().formatHex(NPY_MAGIC) + " (\\x93NUMPY)",
                    "0x" + HexFormat.of().formatHex(head));
        }
        return readText(file, bytes);
    }

    private static int[] readNpy(Path file, byte[] bytes) throws DataFormatException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10) {
            throw new DataFormatException(file, "header", "at least 10 bytes", bytes.length + " bytes");
        }
        int major = bytes[6] & 0xff;
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new DataFormatException(file, "header", "at least 12 bytes", bytes.length + " bytes");
            }
            headerLen = b.getInt(8) & 0xffffffffL;
            start = 12;
        } else {
            throw new DataFormatException(file, "version", "1, 2 or 3", Integer.toString(major));
        }
        if (start + headerLen > bytes.length) {
            throw new DataFormatException(file, "header length", "at most " + (bytes.length - start) + " bytes",
                    Long.toString(headerLen));
        }
        String header = new String(bytes, start, (int) headerLen, StandardCharsets.UTF_8).strip();
        String descr = group(file, DESCR, header, "descr");
        String fortran = group(file, FORTRAN, header, "fortran_order");
        String shape = group(file, SHAPE, header, "shape");
        int itemSize = switch (descr) {
            case "<i4" -> 4;
            case "<i8" -> 8;
            default -> throw new DataFormatException(file, "descr", "'<i4' or '<i8'", "'" + descr + "'");
        };
        if (!fortran.equals("False")) {
            throw new DataFormatException(file, "fortran_order", "False", fortran);
        }
        String[] dims = Arrays.stream(shape.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        if (dims.length != 1) {
            throw new DataFormatException(file, "shape", "1-D (n,)", "(" + shape.strip() + ")");
        }
        long n;
        try {
            n = Long.parseLong(dims[0]);
        } catch (NumberFormatException e) {
            throw new DataFormatException(file, "shape", "1-D (n,)", "(" + shape.strip() + ")");
        }
        long dataStart = start + headerLen;
        long have = bytes.length - dataStart;
        if (n < 0 || n > Integer.MAX_VALUE || n * itemSize != have) {
            throw new DataFormatException(file, "data", n + " x " + itemSize + " bytes (shape " + n + ")",
                    have + " bytes");
        }
        int[] out = new int[(int) n];
        b.position((int) dataStart);
        if (itemSize == 4) {
            b.asIntBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                long v = b.getLong();
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new DataFormatException(file, "index[" + i + "]", "a value that fits in int32",
                            Long.toString(v));
                }
                out[i] = (int) v;
            }
        }
        return out;
    }

    private static String group(Path file, Pattern p, String header, String key) throws DataFormatException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new DataFormatException(file, "header", "a '" + key + "' entry", Inputs.quote(header));
        }
        return m.group(1);
    }

    private static int[] readText(Path file, byte[] bytes) throws DataFormatException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] lines = text.split("\r?\n", -1);
        int[] out = new int[16];
        int[] lineOf = new int[16];
        int n = 0;
        for (int ln = 0; ln < lines.length; ln++) {
            String s = lines[ln].strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new DataFormatException(file, "line " + (ln + 1), "an integer index", Inputs.quote(s));
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
                lineOf = Arrays.copyOf(lineOf, n * 2);
            }
            lineOf[n] = ln + 1;
            out[n++] = v;
        }
        int[] v = Arrays.copyOf(out, n);
        requireDistinct(file, v, lineOf);
        return v;
    }

    /** Fails on the first repeated index; positions are entries, or text lines when {@code lineOf} is given. */
    private static void requireDistinct(Path file, int[] v, int[] lineOf) throws DataFormatException {
        java.util.Map<Integer, Integer> first = new java.util.HashMap<>();
        for (int k = 0; k < v.length; k++) {
            Integer was = first.putIfAbsent(v[k], k);
            if (was != null) {
                String pos = lineOf == null ? "index[" + was + "] and index[" + k + "]"
                        : "lines " + lineOf[was] + " and " + lineOf[k];
                throw new DataFormatException(file, "index " + v[k], "each index at most once", "it at " + pos);
            }
        }
    }
}
