package io.datamodels.store.npy;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.NpyBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.datamodels.testing.NpyBytes.dict;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and unsupported {@code .npy} files: each is refused with one line that names the file, the field, what
 * was expected and what the file holds. Also the header variations a valid file may have.
 */
@ExtendWith(NoStdout.class)
class NpyFormatErrorsTest {
    @TempDir
    Path dir;

    /** A valid float32 (3, 5) file: 128 header bytes + 60 data bytes. */
    private Path valid(String name) throws IOException {
        float[] v = new float[15];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f;
        }
        Path f = dir.resolve(name);
        Npy.write(f, DType.FLOAT32, v, 3, 5);
        assertEquals(188, Files.size(f));
        return f;
    }

    /** Opens {@code f}, expects a one-line NpyFormatException for {@code field}, and returns its message. */
    private static String refused(Path f, String field, String expected, String actual) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpyArray.open(f).close());
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        String head = f.getFileName() + ": " + field + ": expected ";
        assertTrue(m.startsWith(head), "'" + m + "' should start with '" + head + "'");
        assertTrue(m.contains(expected), "'" + m + "' should contain expected '" + expected + "'");
        assertTrue(m.contains(", got " + actual), "'" + m + "' should contain actual ', got " + actual + "'");
        return m;
    }

    private static void replaceInHeader(Path f, String from, String to) throws IOException {
        assertEquals(from.length(), to.length(), "same-length header edit");
        byte[] b = Files.readAllBytes(f);
        String head = new String(b, 0, 128, StandardCharsets.ISO_8859_1);
        int at = head.indexOf(from);
        assertTrue(at > 0, "header contains " + from);
        System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, b, at, to.length());
        Files.write(f, b);
    }

    @Test
    void truncatedData() throws IOException {
        Path f = valid("cut.npy");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(185);
        }
        refused(f, "size", "188 bytes for shape (3, 5) of float32", "185 bytes (truncated)");
    }

    @Test
    void headerShapeLargerThanFile() throws IOException {
        Path f = valid("short.npy");
        replaceInHeader(f, "(3, 5)", "(4, 5)");
        refused(f, "size", "208 bytes for shape (4, 5) of float32", "188 bytes (truncated)");
    }

    @Test
    void headerShapeSmallerThanFile() throws IOException {
        Path f = valid("long.npy");
        replaceInHeader(f, "(3, 5)", "(2, 5)");
        refused(f, "size", "168 bytes for shape (2, 5) of float32", "188 bytes (trailing data)");
    }

    @Test
    void badMagic() throws IOException {
        // an .npz (zip) handed over as .npy
        Path f = dir.resolve("zip.npy");
        Files.write(f, new byte[]{'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0});
        refused(f, "magic", "\\x93NUMPY", "\\x50\\x4b\\x03\\x04\\x14\\x00");
        Path g = NpyBytes.write(dir.resolve("lower.npy"), 1, 0, dict("<f4", false, "(3,)"), new byte[12]);
        byte[] b = Files.readAllBytes(g);
        b[1] = 'n';
        Files.write(g, b);
        refused(g, "magic", "\\x93NUMPY", "\\x93\\x6e\\x55\\x4d\\x50\\x59");
    }

    @Test
    void fileTooShortForAHeader() throws IOException {
        Path f = dir.resolve("tiny.npy");
        Files.write(f, new byte[]{(byte) 0x93, 'N', 'U', 'M'});
        refused(f, "size", "at least 10 header bytes", "4 bytes (truncated)");
        Path e = dir.resolve("empty.npy");
        Files.write(e, new byte[0]);
        refused(e, "size", "at least 10 header bytes", "0 bytes (truncated)");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path f = valid("hlen.npy");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) 1000), 8);
        }
        refused(f, "header length", "at most 178 bytes (file size 188)", "1000 (truncated file)");
    }

    @Test
    void unsupportedDescr() throws IOException {
        for (String descr : new String[]{"<c8", "|S3", "<u2", "<U5", "|O", "<M8[ns]", "<f16"}) {
            Path f = NpyBytes.write(dir.resolve("descr.npy"), 1, 0, dict(descr, false, "(3,)"), new byte[24]);
            refused(f, "descr", "one of |b1 |u1 |i1 <i2 <i4 <i8 <f2 <f4 <f8", "'" + descr + "'");
        }
        // a structured dtype is a list, not a string
        Path f = NpyBytes.write(dir.resolve("struct.npy"), 1, 0,
                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (3,), }", new byte[24]);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpyArray.open(f).close());
        assertTrue(e.getMessage().startsWith("struct.npy: header: expected "), e.getMessage());
        assertTrue(e.getMessage().contains(", got '"), e.getMessage());
    }

    @Test
    void malformedHeaderDict() throws IOException {
        record Case(String dict, String field, String expected, String actual) {
        }
        Case[] cases = {
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", "header", "',' or '}' at character",
                        "end of header"),
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }", "header", "an integer",
                        "'x), }'"),
                new Case("{'descr': '<f4, 'fortran_order': False, 'shape': (3,), }", "header", "',' or '}'",
                        "'fortran_order': F"),
                new Case("'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "header", "'{' at character 0",
                        "''descr': '<f4', 'for'"),
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), } junk", "header",
                        "end of header", "'junk'"),
                new Case("{'descr': '<f4', 'fortran_order': maybe, 'shape': (3,), }", "header",
                        "a string, a tuple or True/False", "'maybe"),
                new Case("{'descr': '<f4', 'fortran_order': False, }", "shape", "a tuple of integers",
                        "no 'shape' key"),
                new Case("{'fortran_order': False, 'shape': (3,), }", "descr", "a dtype string", "no 'descr' key"),
                new Case("{'descr': '<f4', 'shape': (3,), }", "fortran_order", "True or False",
                        "no 'fortran_order' key"),
                new Case("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,), }", "fortran_order", "True or False",
                        "0"),
                new Case("{'descr': 4, 'fortran_order': False, 'shape': (3,), }", "descr", "a dtype string", "4"),
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': 3, }", "shape", "a tuple of integers",
                        "3"),
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "header",
                        "an integer", "'"),
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", "shape",
                        "a size below 2^63 bytes", "(4611686018427387904, 4)"),
                new Case("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", "shape",
                        "non-negative dimensions", "[-3]"),
        };
        for (Case c : cases) {
            Path f = NpyBytes.write(dir.resolve("dict.npy"), 1, 0, c.dict(), new byte[12]);
            refused(f, c.field(), c.expected(), c.actual());
        }
    }

    @Test
    void unsupportedVersion() throws IOException {
        Path f = NpyBytes.write(dir.resolve("v4.npy"), 4, 0, dict("<f4", false, "(3,)"), new byte[12]);
        refused(f, "version", "1.0, 2.0 or 3.0", "4.0");
        Path g = NpyBytes.write(dir.resolve("v0.npy"), 0, 9, dict("<f4", false, "(3,)"), new byte[12]);
        refused(g, "version", "1.0, 2.0 or 3.0", "0.9");
    }

    @Test
    void fortranOrderIsRefusedForTwoDimensionsOnly() throws IOException {
        byte[] data = new byte[24];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(new int[]{1, 2, 3, 4, 5, 6});
        Path f = NpyBytes.write(dir.resolve("f2.npy"), 1, 0, dict("<i4", true, "(2, 3)"), data);
        refused(f, "fortran_order", "False (C order; save with np.ascontiguousarray)", "True");
        Path g = NpyBytes.write(dir.resolve("f1.npy"), 1, 0, dict("<i4", true, "(6,)"), data);
        assertArrayEquals(new long[]{1, 2, 3, 4, 5, 6}, Npy.readLongs(g));
        Path h = NpyBytes.write(dir.resolve("f0.npy"), 1, 0, dict("<i4", true, "()"), new byte[4]);
        assertArrayEquals(new long[]{0}, Npy.readLongs(h));
    }

    @Test
    void headerVariationsThatAreValid() throws IOException {
        byte[] data = {1, 0, 2, 0, 3, 0};
        // keys in any order, Python 2 longs, double quotes, no trailing comma
        Path f = NpyBytes.write(dir.resolve("order.npy"), 1, 0,
                "{\"shape\": (3L,), 'fortran_order': False, 'descr': '<i2'}", data);
        assertArrayEquals(new long[]{1, 2, 3}, Npy.readLongs(f));
        // list instead of tuple, no spaces
        Path g = NpyBytes.write(dir.resolve("list.npy"), 2, 0, "{'descr':'<i2','fortran_order':False,'shape':[3]}",
                data);
        assertArrayEquals(new long[]{1, 2, 3}, Npy.readLongs(g));
        try (NpyArray a = NpyArray.open(g)) {
            assertEquals(2, a.header().major());
            assertEquals(64, a.header().dataOffset());
        }
        Path k = NpyBytes.write(dir.resolve("v3.npy"), 3, 0, dict("<i2", false, "(3,)"), data);
        assertArrayEquals(new long[]{1, 2, 3}, Npy.readLongs(k));
        // a header longer than needed (numpy leaves room to grow) is fine as long as data starts where it says
        Path w = NpyBytes.write(dir.resolve("wide.npy"), 1, 0, dict("<i2", false, "(3,)") + " ".repeat(300), data);
        try (NpyArray a = NpyArray.open(w)) {
            assertEquals(384, a.header().dataOffset());
            assertEquals(3, a.getLong(2));
        }
    }

    @Test
    void readLongsRefusesFloats() throws IOException {
        Path f = valid("floats.npy");
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.readLongs(f));
        assertEquals("floats.npy: descr: expected an integer or bool dtype, got float32", e.getMessage());
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("absent.npy");
        var e = assertThrows(java.nio.file.NoSuchFileException.class, () -> NpyArray.open(f).close());
        assertTrue(e.getMessage().contains("absent.npy"), e.getMessage());
    }
}
