package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoStdout.class)
class IdxReaderTest {
    @TempDir
    Path tmp;

    /** An IDX file: big-endian magic and dims, then the bytes. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    static String md5(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    /** Writes 3 images of 2x2 with pixels 0..11 and labels {1, 9, 0}; returns {images, labels}. */
    private Path[] smallPair(String prefix) throws IOException {
        byte[] px = new byte[12];
        for (int i = 0; i < 12; i++) {
            px[i] = (byte) (i * 20);
        }
        Path images = tmp.resolve(prefix + "-images");
        Path labels = tmp.resolve(prefix + "-labels");
        Files.write(images, idx(0x803, new int[] {3, 2, 2}, px));
        Files.write(labels, idx(0x801, new int[] {3}, new byte[] {1, 9, 0}));
        return new Path[] {images, labels};
    }

    @Test
    void fashionMnistTrainAndTest() throws Exception {
        Path dir = SharedData.require("fashion-mnist");
        Dataset train = IdxReader.readDirectory(dir, "train");
        assertEquals(60000, train.rows());
        assertEquals(784, train.cols());
        assertArrayEquals(new int[] {1, 28, 28}, train.sampleShape());
        assertEquals(10, train.numClasses());
        assertEquals("fashion-mnist/train", train.name());
        assertEquals(9, train.label(0)); // published: the first training image is an ankle boot
        assertEquals(0, train.label(1));
        int[] counts = new int[10];
        for (int l : train.labels()) {
            counts[l]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 6000);
        assertArrayEquals(expected, counts);

        Dataset test = IdxReader.readDirectory(dir, "test");
        assertEquals(10000, test.rows());
        assertEquals(9, test.label(0));
        assertEquals(2, test.label(1));
        // Pixels * 255 give back the published uncompressed file (README's MD5).
        byte[] px = new byte[test.rows() * test.cols()];
        float[] f = test.features();
        for (int i = 0; i < f.length; i++) {
            assertTrue(f[i] >= 0f && f[i] <= 1f);
            px[i] = (byte) Math.round(f[i] * 255f);
        }
        assertEquals("8181f5470baa50b63fa0f6fddb340f0a", md5(idx(0x803, new int[] {10000, 28, 28}, px)));
        byte[] lb = new byte[test.rows()];
        for (int i = 0; i < lb.length; i++) {
            lb[i] = (byte) test.label(i);
        }
        assertEquals("15d484375f8d13e6eb1aabb0c3f46965", md5(idx(0x801, new int[] {10000}, lb)));
    }

    @Test
    void mnistTrainAndTest() throws IOException {
        Path dir = SharedData.require("mnist");
        Dataset train = IdxReader.readDirectory(dir, "train");
        assertEquals(60000, train.rows());
        assertEquals(784, train.cols());
        assertEquals(5, train.label(0)); // published: 5, 0, 4, 1, 9, 2, ...
        assertArrayEquals(new int[] {5, 0, 4, 1, 9, 2}, Arrays.copyOf(train.labels(), 6));
        Dataset test = IdxReader.readDirectory(dir, "test");
        assertEquals(10000, test.rows());
        assertArrayEquals(new int[] {7, 2, 1, 0, 4}, Arrays.copyOf(test.labels(), 5));
        assertEquals("mnist/test", test.name());
    }

    @Test
    void uncompressedFilesReadTheSameAsGzip() throws IOException {
        Path dir = SharedData.require("fashion-mnist");
        Path raw = Files.createDirectory(tmp.resolve("raw"));
        Files.write(raw.resolve("t10k-images-idx3-ubyte"), gunzip(dir.resolve("t10k-images-idx3-ubyte.gz")));
        Files.write(raw.resolve("t10k-labels-idx1-ubyte"), gunzip(dir.resolve("t10k-labels-idx1-ubyte.gz")));
        Dataset a = IdxReader.readDirectory(dir, "test");
        Dataset b = IdxReader.readDirectory(raw, "test");
        assertEquals(a.fingerprint(), b.fingerprint());
        // Explicit files, gzip detected by content although the name has no .gz.
        Path gzNoSuffix = tmp.resolve("labels.bin");
        Files.copy(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzNoSuffix);
        Dataset c = IdxReader.read(raw.resolve("t10k-images-idx3-ubyte"), gzNoSuffix);
        assertEquals(a.fingerprint(), c.fingerprint());
        assertEquals("t10k-images-idx3-ubyte", c.name());
    }

    @Test
    void smallFilesScaleToUnitRange() throws IOException {
        Path[] p = smallPair("s");
        Dataset d = IdxReader.read(p[0], p[1]);
        assertEquals(3, d.rows());
        assertArrayEquals(new float[] {160 / 255f, 180 / 255f, 200 / 255f, 220 / 255f}, d.row(2));
        assertArrayEquals(new int[] {1, 9, 0}, d.labels());
        Path gz = tmp.resolve("s-images.gz");
        Files.write(gz, gzip(Files.readAllBytes(p[0])));
        assertEquals(d.fingerprint(), IdxReader.read(gz, p[1]).fingerprint());
        Files.write(tmp.resolve("empty-images"), idx(0x803, new int[] {0, 28, 28}, new byte[0]));
        Files.write(tmp.resolve("empty-labels"), idx(0x801, new int[] {0}, new byte[0]));
        Dataset empty = IdxReader.read(tmp.resolve("empty-images"), tmp.resolve("empty-labels"));
        assertEquals(0, empty.rows());
        assertEquals(784, empty.cols());
    }

    @Test
    void badMagic() throws IOException {
        Path[] p = smallPair("m");
        var e = assertThrows(DataFormatException.class, () -> IdxReader.read(p[1], p[0]));
        assertEquals("m-labels: magic: expected 0x00000803, got 0x00000801", e.getMessage());
        Path text = tmp.resolve("train-images-idx3-ubyte");
        Files.writeString(text, "hello, this is not IDX");
        e = assertThrows(DataFormatException.class, () -> IdxReader.read(text, p[1]));
        assertEquals("train-images-idx3-ubyte: magic: expected 0x00000803, got 0x68656c6c", e.getMessage());
    }

    @Test
    void truncatedFile() throws IOException {
        Path[] p = smallPair("t");
        byte[] full = Files.readAllBytes(p[0]);
        Path cut = tmp.resolve("cut-images");
        Files.write(cut, Arrays.copyOf(full, full.length - 2));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.read(cut, p[1]));
        assertEquals("cut-images: data: expected 12 bytes (3 x 2 x 2) after the 16-byte header, got 10 "
                + "(file truncated)", e.getMessage());

        Path header = tmp.resolve("header-images");
        Files.write(header, Arrays.copyOf(full, 9));
        e = assertThrows(DataFormatException.class, () -> IdxReader.read(header, p[1]));
        assertEquals("header-images: header: expected 16 bytes, got 9 bytes", e.getMessage());

        Path longer = tmp.resolve("long-images");
        Files.write(longer, Arrays.copyOf(full, full.length + 5));
        e = assertThrows(DataFormatException.class, () -> IdxReader.read(longer, p[1]));
        assertEquals("long-images: data: expected 12 bytes (3 x 2 x 2) after the 16-byte header, got 17 "
                + "(5 trailing bytes)", e.getMessage());

        byte[] gz = gzip(full);
        Path cutGz = tmp.resolve("cut-images.gz");
        Files.write(cutGz, Arrays.copyOf(gz, gz.length - 12));
        e = assertThrows(DataFormatException.class, () -> IdxReader.read(cutGz, p[1]));
        assertTrue(e.getMessage().startsWith("cut-images.gz: gzip: expected a complete gzip stream, got "),
                e.getMessage());

        Path badHeader = tmp.resolve("bad-header-images.gz");
        Files.write(badHeader, new byte[] {0x1f, (byte) 0x8b, 7, 0, 0});
        e = assertThrows(DataFormatException.class, () -> IdxReader.read(badHeader, p[1]));
        assertTrue(e.getMessage().startsWith("bad-header-images.gz: gzip: expected a valid gzip header, got "),
                e.getMessage());
    }

    @Test
    void truncatedRealFile() throws IOException {
        Path dir = SharedData.require("fashion-mnist");
        byte[] raw = gunzip(dir.resolve("t10k-images-idx3-ubyte.gz"));
        Path cut = tmp.resolve("t10k-images-idx3-ubyte");
        Files.write(cut, Arrays.copyOf(raw, 16 + 1000));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.read(cut,
                dir.resolve("t10k-labels-idx1-ubyte.gz")));
        assertEquals("t10k-images-idx3-ubyte: data: expected 7840000 bytes (10000 x 28 x 28) after the 16-byte "
                + "header, got 1000 (file truncated)", e.getMessage());
    }

    @Test
    void mismatchedCounts() throws IOException {
        Path[] p = smallPair("c");
        Path labels = tmp.resolve("c2-labels");
        Files.write(labels, idx(0x801, new int[] {2}, new byte[] {1, 2}));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.read(p[0], labels));
        assertEquals("c2-labels: count: expected 3 (the image count in c-images), got 2", e.getMessage());
    }

    @Test
    void labelOutOfRange() throws IOException {
        Path[] p = smallPair("l");
        Path labels = tmp.resolve("l2-labels");
        Files.write(labels, idx(0x801, new int[] {3}, new byte[] {1, 10, 0}));
        var e = assertThrows(DataFormatException.class, () -> IdxReader.read(p[0], labels));
        assertEquals("l2-labels: label[1]: expected < 10, got 10", e.getMessage());
        Dataset wide = IdxReader.read(p[0], labels, 11, "wide");
        assertEquals(11, wide.numClasses());
        e = assertThrows(DataFormatException.class, () -> IdxReader.read(p[0], p[1], 5, "narrow"));
        assertEquals("l-labels: label[1]: expected < 5, got 9", e.getMessage());
    }

    @Test
    void missingFiles() throws IOException {
        Path[] p = smallPair("x");
        Path nope = tmp.resolve("nope-images.gz");
        var e = assertThrows(DataFormatException.class, () -> IdxReader.read(nope, p[1]));
        assertEquals(nope + ": does not exist", e.getMessage());
        Path empty = Files.createDirectory(tmp.resolve("emptydir"));
        e = assertThrows(DataFormatException.class, () -> IdxReader.readDirectory(empty, "train"));
        assertEquals(empty.resolve("train-images-idx3-ubyte") + "[.gz]: does not exist", e.getMessage());
        Path noDir = tmp.resolve("no-such-dir");
        e = assertThrows(DataFormatException.class, () -> IdxReader.readDirectory(noDir, "test"));
        assertEquals(noDir + ": does not exist", e.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> IdxReader.readDirectory(empty, "val"));
        assertEquals("split must be one of [train, test], got 'val'", bad.getMessage());
    }
}
