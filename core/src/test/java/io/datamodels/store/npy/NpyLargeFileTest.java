package io.datamodels.store.npy;

import io.datamodels.store.AtomicFiles;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files past 2 GiB: offsets are {@code long} everywhere, reads through the mapping and positional writes work at
 * and beyond byte 2^31. The files are sparse (created without preallocation), so this costs little disk and time.
 */
@ExtendWith(NoStdout.class)
class NpyLargeFileTest {
    private static final long FLOATS = 600_000_000L;
    private static final long MIN_FREE = 4L << 30;

    private Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        Path tmp = Path.of("/tmp");
        long free = Files.getFileStore(tmp).getUsableSpace();
        assumeTrue(free >= MIN_FREE, () -> "skipped: /tmp has " + (free >> 20) + " MiB free, the >2 GiB file tests"
                + " want at least " + (MIN_FREE >> 20) + " MiB");
        dir = Files.createTempDirectory(tmp, "dm-large-");
    }

    @AfterEach
    void deleteDir() throws IOException {
        if (dir != null) {
            AtomicFiles.deleteRecursively(dir);
        }
    }

    private static float value(long i) {
        return (float) ((i % 1000) * 0.5 - 17);
    }

    private static float[] values(long start, int n) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = value(start + k);
        }
        return v;
    }

    @Test
    void float32PastTwoGiB() throws IOException {
        Path f = dir.resolve("big.npy");
        long dataOffset;
        // element whose file offset is 2^31, and element whose offset inside the data is 2^31
        long fileBoundary;
        long dataBoundary = (1L << 31) / 4;
        long last = FLOATS - 1;
        try (NpyArray a = NpyArray.create(f, DType.FLOAT32, new long[]{FLOATS}, false)) {
            dataOffset = a.header().dataOffset();
            fileBoundary = ((1L << 31) - dataOffset) / 4;
            assertEquals(dataOffset + 4 * FLOATS, Files.size(f));
            a.writeFloats(0, values(0, 16));
            a.writeFloats(fileBoundary - 8, values(fileBoundary - 8, 16));
            a.writeFloats(dataBoundary - 8, values(dataBoundary - 8, 16));
            a.writeFloats(dataBoundary + 1_000_000, values(dataBoundary + 1_000_000, 16));
            a.writeFloats(last - 15, values(last - 15, 16));
            assertEquals(value(last), a.getFloat(last), "visible before close");
            a.force();
        }
        try (NpyArray a = NpyArray.open(f)) {
            assertEquals(FLOATS, a.size());
            assertEquals(4 * FLOATS, a.data().byteSize());
            for (long start : new long[]{0, fileBoundary - 8, dataBoundary - 8, dataBoundary + 1_000_000, last - 15}) {
                float[] got = new float[16];
                a.getFloats(start, got, 0, 16);
                assertArrayEquals(values(start, 16), got, "elements from " + start);
                assertEquals(value(start + 3), a.getDouble(start + 3));
            }
            // a read that spans both boundaries and the untouched (zero) elements between them
            int n = (int) (dataBoundary + 8 - (fileBoundary - 8));
            float[] span = new float[n + 4];
            a.getFloats(fileBoundary - 8, span, 4, n);
            for (int k = 0; k < n; k++) {
                long i = fileBoundary - 8 + k;
                boolean written = i < fileBoundary + 8 || i >= dataBoundary - 8;
                assertEquals(written ? value(i) : 0f, span[4 + k], "element " + i);
            }
            assertEquals(0f, a.getFloat(dataBoundary + 100));
            assertEquals(value(last), a.getFloat(last));
            assertThrows(IndexOutOfBoundsException.class, () -> a.getFloats(last, new float[2], 0, 2));
        }
    }

    @Test
    void moreElementsThanAJavaArrayHolds() throws IOException {
        long n = 3_000_000_000L;
        Path f = dir.resolve("flags.npy");
        try (NpyArray a = NpyArray.create(f, DType.BOOL, new long[]{n}, false)) {
            a.writeDoubles(n - 2, new double[]{1, 0});
            a.writeDoubles(Integer.MAX_VALUE + 10L, new double[]{1});
            a.force();
        }
        try (NpyArray a = NpyArray.open(f)) {
            assertEquals(n, a.rows());
            assertEquals(true, a.getBoolean(n - 2));
            assertEquals(false, a.getBoolean(n - 1));
            assertEquals(true, a.getBoolean(Integer.MAX_VALUE + 10L));
            assertEquals(1L, a.getLong(Integer.MAX_VALUE + 10L));
        }
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.readFloats(f));
        assertEquals("flags.npy: shape: expected at most 2^31 - 9 elements to read into one array (use NpyArray), "
                + "got (3000000000,)", e.getMessage());
    }
}
