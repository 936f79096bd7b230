package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoStdout.class)
class Cifar10ReaderTest {
    @TempDir
    Path tmp;

    private static Path prefix() {
        return SharedData.require("cifar10-official-prefix").resolve("data_batch_1.first258.bin");
    }

    /** n records whose label is labels[r] and whose pixel p is (r + p) mod 256. */
    static byte[] records(int... labels) {
        byte[] b = new byte[labels.length * 3073];
        for (int r = 0; r < labels.length; r++) {
            b[r * 3073] = (byte) labels[r];
            for (int p = 0; p < 3072; p++) {
                b[r * 3073 + 1 + p] = (byte) (r + p);
            }
        }
        return b;
    }

    @Test
    void readsTheOfficialPrefix() throws IOException {
        Path file = prefix();
        Dataset d = Cifar10Reader.read(file);
        assertEquals(258, d.rows());
        assertEquals(3072, d.cols());
        assertArrayEquals(new int[] {3, 32, 32}, d.sampleShape());
        assertEquals(10, d.numClasses());
        assertEquals("data_batch_1.first258.bin", d.name());
        assertEquals(Cifar10Reader.CLASS_NAMES, d.classNames());
        // Published: data_batch_1 starts frog, truck, truck, deer, automobile.
        assertArrayEquals(new int[] {6, 9, 9, 4, 1}, Arrays.copyOf(d.labels(), 5));
        // Features keep the file's CHW byte order: row r, feature p is byte 1 + p of record r, / 255.
        byte[] raw = Files.readAllBytes(file);
        for (int r : new int[] {0, 1, 257}) {
            for (int p : new int[] {0, 1, 1023, 1024, 2048, 3071}) {
                assertEquals((raw[r * 3073 + 1 + p] & 0xff) / 255f, d.get(r, p));
            }
        }
    }

    @Test
    void labelsAgreeWithKaggleTrainLabels() throws IOException {
        Dataset d = Cifar10Reader.read(prefix());
        List<String> lines = Files.readAllLines(SharedData.require("cifar10-jpeg").resolve("kaggle_trainLabels.csv"),
                StandardCharsets.UTF_8);
        for (int i = 0; i < d.rows(); i++) {
            String[] cells = lines.get(i + 1).split(",");
            assertEquals(Integer.toString(i + 1), cells[0]);
            assertEquals(cells[1], d.classNames().get(d.label(i)), "row " + i);
        }
    }

    @Test
    void concatenatesFilesInOrder() throws IOException {
        Path a = tmp.resolve("a.bin");
        Path b = tmp.resolve("b.bin");
        Files.write(a, records(3, 0));
        Files.write(b, records(9));
        Dataset d = Cifar10Reader.read(List.of(a, b));
        assertEquals(3, d.rows());
        assertArrayEquals(new int[] {3, 0, 9}, d.labels());
        assertEquals("a.bin+b.bin", d.name());
        assertEquals(1 / 255f, d.get(1, 0));
        assertEquals(0f, d.get(2, 0));
        Path empty = tmp.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        assertEquals(0, Cifar10Reader.read(empty).rows());
        Path gz = tmp.resolve("a.bin.gz");
        Files.write(gz, IdxReaderTest.gzip(records(3, 0)));
        assertEquals(Cifar10Reader.read(a).fingerprint(), Cifar10Reader.read(gz).fingerprint());
    }

    @Test
    void sizeNotAMultipleOfTheRecord() throws IOException {
        Path f = tmp.resolve("data_batch_1.bin");
        Files.write(f, new byte[1000]);
        var e = assertThrows(DataFormatException.class, () -> Cifar10Reader.read(f));
        assertEquals("data_batch_1.bin: size: expected a multiple of 3073 bytes, got 1000", e.getMessage());
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(prefix()), 3073 * 10 + 17));
        e = assertThrows(DataFormatException.class, () -> Cifar10Reader.read(cut));
        assertEquals("cut.bin: size: expected a multiple of 3073 bytes, got 30747", e.getMessage());
    }

    @Test
    void labelTenOrMore() throws IOException {
        Path f = tmp.resolve("bad_batch.bin");
        Files.write(f, records(0, 9, 10));
        var e = assertThrows(DataFormatException.class, () -> Cifar10Reader.read(f));
        assertEquals("bad_batch.bin: label of record 2: expected < 10, got 10", e.getMessage());
        Files.write(f, records(255));
        e = assertThrows(DataFormatException.class, () -> Cifar10Reader.read(f));
        assertEquals("bad_batch.bin: label of record 0: expected < 10, got 255", e.getMessage());
    }

    @Test
    void missingFile() throws IOException {
        Path a = tmp.resolve("a.bin");
        Files.write(a, records(1));
        Path nope = tmp.resolve("data_batch_9.bin");
        var e = assertThrows(DataFormatException.class, () -> Cifar10Reader.read(a, nope));
        assertEquals(nope + ": does not exist", e.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> Cifar10Reader.read(List.of()));
        assertEquals("CIFAR-10: expected at least one batch file, got none", none.getMessage());
    }
}
