package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoStdout.class)
class DatasetTest {
    private static Dataset random(long seed, int rows, int cols, int numClasses) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] f = new float[rows * cols];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) rng.nextDouble();
        }
        int[] l = new int[rows];
        for (int i = 0; i < rows; i++) {
            l[i] = rng.nextInt(numClasses);
        }
        return new Dataset("rand", f, rows, cols, new int[] {cols}, l, numClasses);
    }

    @Test
    void layoutIsRowMajor() {
        float[] f = {0, 1, 2, 10, 11, 12};
        Dataset d = new Dataset("t", f, 2, 3, new int[] {3}, new int[] {1, 0}, 2);
        assertEquals(12f, d.get(1, 2));
        assertArrayEquals(new float[] {10, 11, 12}, d.row(1));
        float[] dst = new float[5];
        d.copyRow(0, dst, 2);
        assertArrayEquals(new float[] {0, 0, 0, 1, 2}, dst);
        assertEquals(List.of("0", "1"), d.classNames());
        assertEquals("Dataset[t, 2 x 3, shape [3], 2 classes]", d.toString());
    }

    @Test
    void isImmutable() {
        float[] f = {1, 2};
        int[] l = {0, 1};
        Dataset d = new Dataset("t", f, 2, 1, new int[] {1}, l, 2);
        f[0] = 99;
        l[0] = 1;
        d.features()[1] = 99;
        d.labels()[1] = 0;
        d.sampleShape()[0] = 7;
        assertArrayEquals(new float[] {1, 2}, d.features());
        assertArrayEquals(new int[] {0, 1}, d.labels());
        assertArrayEquals(new int[] {1}, d.sampleShape());
        FloatBuffer view = d.featuresView();
        assertEquals(2f, view.get(1));
        assertThrows(ReadOnlyBufferException.class, () -> view.put(0, 5f));
    }

    @Test
    void constructorValidates() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[5], 2, 3, new int[] {3}, new int[2], 2));
        assertEquals("dataset 't': features: expected 2 x 3 = 6 floats, got 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[6], 2, 3, new int[] {3}, new int[3], 2));
        assertEquals("dataset 't': labels: expected 2 (rows), got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[6], 2, 3, new int[] {3}, new int[] {0, 7}, 2));
        assertEquals("dataset 't': label[1]: expected in [0, 2), got 7", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[6], 2, 3, new int[] {3}, new int[] {-1, 0}, 2));
        assertEquals("dataset 't': label[0]: expected in [0, 2), got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[6], 2, 3, new int[] {2, 2}, new int[2], 2));
        assertEquals("dataset 't': sampleShape: expected a product of 3 (cols), got [2, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[0], 65536, 65536, new int[] {65536}, new int[0], 2));
        assertTrue(e.getMessage().contains("exceed 2^31-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("t", new float[2], 2, 1, new int[] {1}, new int[2], 2, List.of("a")));
        assertEquals("dataset 't': classNames: expected 2 (numClasses), got 1", e.getMessage());
    }

    @Test
    void zeroAndOneRow() {
        Dataset empty = new Dataset("e", new float[0], 0, 4, new int[] {4}, new int[0], 3);
        assertEquals(0, empty.rows());
        assertEquals(0, empty.select(Selection.all()).rows());
        assertEquals(64, empty.fingerprint().length());
        Dataset one = new Dataset("o", new float[] {0.5f}, 1, 1, new int[] {1, 1, 1}, new int[] {0}, 1);
        Dataset sel = one.select(Selection.first(1));
        assertEquals(one.fingerprint(), sel.fingerprint());
        assertEquals("o[1]", sel.name());
    }

    @Test
    void selectCopiesRowsInOrder() {
        Dataset d = random(7, 23, 5, 4);
        int[] idx = {22, 0, 5, 5, 13};
        Dataset s = d.select(idx);
        assertEquals(5, s.rows());
        for (int k = 0; k < idx.length; k++) {
            assertArrayEquals(d.row(idx[k]), s.row(k));
            assertEquals(d.label(idx[k]), s.label(k));
        }
        assertEquals(d.name(), s.name());
        Dataset r = d.select(Selection.range(3, 9));
        assertEquals("rand[3:9]", r.name());
        assertArrayEquals(d.row(3), r.row(0));
        assertArrayEquals(d.row(8), r.row(5));
        var e = assertThrows(IllegalArgumentException.class, () -> d.select(new int[] {1, 23}));
        assertEquals("dataset 'rand': index[1]: expected in [0, 23), got 23", e.getMessage());
    }

    @Test
    void fingerprintTracksData() {
        Dataset a = random(42, 37, 11, 3);
        Dataset b = random(42, 37, 11, 3);
        assertEquals(a.fingerprint(), b.fingerprint());
        assertTrue(a.fingerprint().matches("[0-9a-f]{64}"));
        float[] f = a.features();
        f[100] = Math.nextUp(f[100]);
        Dataset c = new Dataset("rand", f, 37, 11, new int[] {11}, a.labels(), 3);
        assertNotEquals(a.fingerprint(), c.fingerprint());
        int[] l = a.labels();
        l[0] = (l[0] + 1) % 3;
        Dataset d = new Dataset("rand", a.features(), 37, 11, new int[] {11}, l, 3);
        assertNotEquals(a.fingerprint(), d.fingerprint());
        Dataset e = new Dataset("rand", a.features(), 37, 11, new int[] {1, 11}, a.labels(), 3);
        assertNotEquals(a.fingerprint(), e.fingerprint());
        Dataset renamed = new Dataset("other", a.features(), 37, 11, new int[] {11}, a.labels(), 3);
        assertEquals(a.fingerprint(), renamed.fingerprint());
    }

    @Test
    void fingerprintIsPinned() {
        // Python: sha256(b"datamodels-dataset-v1" + pack("<5i", 1, 2, 2, 1, 2) + pack("<i", 1)
        //                + pack("<2f", 0.5, 1.0)).hexdigest()
        Dataset d = new Dataset("p", new float[] {0.5f, 1f}, 1, 2, new int[] {2}, new int[] {1}, 2);
        assertEquals("c28d9bfd959c07c7b3e0128824877dc0d1051e7c1977556dca17f895f030c836", d.fingerprint());
    }
}
