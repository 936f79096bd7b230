package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoStdout.class)
class SelectionTest {
    @TempDir
    Path tmp;

    /** A version-1 .npy with the given header dict and payload. */
    static byte[] npy(String dict, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.US_ASCII);
        out.write(hb.length & 0xff);
        out.write(hb.length >> 8);
        out.writeBytes(hb);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    @Test
    void parsesTheStringForms() throws IOException {
        assertEquals(Selection.all(), Selection.parse("all"));
        assertEquals(Selection.all(), Selection.parse(" ALL "));
        assertEquals(Selection.first(5000), Selection.parse("5000"));
        assertEquals(Selection.range(100, 600), Selection.parse("100:600"));
        assertEquals(Selection.range(7, 7), Selection.parse("7:7"));
        for (String s : new String[] {"all", "0", "5000", "100:600"}) {
            assertEquals(s, Selection.parse(s).toString());
        }
        assertArrayEquals(new int[] {0, 1, 2}, Selection.all().indices(3));
        assertArrayEquals(new int[] {0, 1}, Selection.first(2).indices(3));
        assertArrayEquals(new int[] {1, 2}, Selection.range(1, 3).indices(3));
        assertArrayEquals(new int[0], Selection.first(0).indices(0));
        assertArrayEquals(new int[0], Selection.all().indices(0));
    }

    @Test
    void malformedStringsAreRejected() {
        for (String s : new String[] {"", "abc", "-5", "1:2:3", "10:", ":10", "1.5", "@", "99999999999", "5 000",
                "random:", "random:x", "random:-5", "random:5:x", "random:5:1:2", "stratified:", "stratified:5:1.5"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Selection.parse(s), s);
            assertEquals("selection: expected 'all', N, A:B (half-open), @FILE, random:N[:SEED] or stratified:N[:SEED], "
                    + "got '" + s + "'", e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Selection.parse("600:100"));
        assertEquals("selection '600:100': range: expected A <= B, got 600 > 100", e.getMessage());
    }

    @Test
    void outOfRangeNamesSelectionAndSize() throws IOException {
        var e = assertThrows(IllegalArgumentException.class, () -> Selection.parse("5000").indices(500));
        assertEquals("selection '5000': rows: expected at most 500 (the dataset size), got 5000", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Selection.parse("100:600").indices(500));
        assertEquals("selection '100:600': end: expected at most 500 (the dataset size), got 600", e.getMessage());
        Path f = tmp.resolve("idx.txt");
        Files.writeString(f, "3\n499\n500\n");
        Selection s = Selection.parse("@" + f);
        e = assertThrows(IllegalArgumentException.class, () -> s.indices(500));
        assertEquals("selection '@" + f + "': index[2]: expected in [0, 500) (the dataset size), got 500",
                e.getMessage());
        Selection neg = Selection.of(1, -1);
        e = assertThrows(IllegalArgumentException.class, () -> neg.indices(10));
        assertEquals("selection '[2 indices]': index[1]: expected in [0, 10) (the dataset size), got -1",
                e.getMessage());
    }

    @Test
    void readsTextIndexFiles() throws IOException {
        Path f = tmp.resolve("subset.txt");
        Files.writeString(f, "# chosen rows\n4\n\n 0 \r\n2\n");
        Selection s = Selection.parse("@" + f);
        assertArrayEquals(new int[] {4, 0, 2}, s.indices(5));
        assertEquals("@" + f, s.toString());
        assertEquals(s, Selection.parse("@" + f));
        Path bad = tmp.resolve("bad.txt");
        Files.writeString(bad, "1\n2\nthree\n");
        var e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + bad));
        assertEquals("bad.txt: line 3: expected an integer index, got 'three'", e.getMessage());
    }

    @Test
    void readsNpyIndexFiles() throws IOException {
        Path i4 = tmp.resolve("i4.npy");
        Files.write(i4, npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", ints(9, 0, 4)));
        assertArrayEquals(new int[] {9, 0, 4}, Selection.parse("@" + i4).indices(10));
        // Keys in another order, int64, no .npy suffix: detected by the magic.
        Path i8 = tmp.resolve("indices.bin");
        Files.write(i8, npy("{'shape': (2,), 'fortran_order': False, 'descr': '<i8'}", longs(7, 1)));
        assertArrayEquals(new int[] {7, 1}, Selection.parse("@" + i8).indices(8));
        Path empty = tmp.resolve("empty.npy");
        Files.write(empty, npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }", new byte[0]));
        assertArrayEquals(new int[0], Selection.parse("@" + empty).indices(0));
    }

    @Test
    void badNpyIndexFiles() throws IOException {
        Path f = tmp.resolve("f4.npy");
        Files.write(f, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", ints(0)));
        var e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + f));
        assertEquals("f4.npy: descr: expected '<i4' or '<i8', got '<f4'", e.getMessage());

        Path twoD = tmp.resolve("2d.npy");
        Files.write(twoD, npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 1), }", ints(0, 1)));
        e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + twoD));
        assertEquals("2d.npy: shape: expected 1-D (n,), got (2, 1)", e.getMessage());

        Path shortData = tmp.resolve("short.npy");
        Files.write(shortData, npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", ints(0, 1)));
        e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + shortData));
        assertEquals("short.npy: data: expected 3 x 4 bytes (shape 3), got 8 bytes", e.getMessage());

        Path fortran = tmp.resolve("fortran.npy");
        Files.write(fortran, npy("{'descr': '<i4', 'fortran_order': True, 'shape': (1,), }", ints(0)));
        e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + fortran));
        assertEquals("fortran.npy: fortran_order: expected False, got True", e.getMessage());

        Path big = tmp.resolve("big.npy");
        Files.write(big, npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", longs(1L << 40)));
        e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + big));
        assertEquals("big.npy: index[0]: expected a value that fits in int32, got 1099511627776", e.getMessage());
    }

    @Test
    void npyNameWithoutNpyMagic() throws IOException {
        Path f = tmp.resolve("idx.npy");
        Files.writeString(f, "1\n2\n");
        var e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + f));
        assertEquals("idx.npy: magic: expected 0x934e554d5059 (\\x93NUMPY), got 0x310a320a", e.getMessage());
    }

    @Test
    void missingIndexFile() {
        Path f = tmp.resolve("nope.txt");
        var e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + f));
        assertEquals(f + ": does not exist", e.getMessage());
        assertTrue(e.getMessage().contains("nope.txt"));
    }

    @Test
    void indicesSelectionCopiesItsArray() {
        int[] a = {2, 1};
        Selection s = Selection.of(a);
        a[0] = 0;
        assertArrayEquals(new int[] {2, 1}, s.indices(3));
        assertEquals(Selection.of(2, 1), s);
        assertEquals(Selection.of(2, 1).hashCode(), s.hashCode());
    }

    @Test
    void duplicateIndicesAreRefusedNamingFileIndexAndPositions() throws IOException {
        Path txt = tmp.resolve("dup.txt");
        Files.writeString(txt, "# rows\n4\n0\n\n2\n4\n");
        var e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + txt));
        assertEquals("dup.txt: index 4: expected each index at most once, got it at lines 2 and 6", e.getMessage());
        Path npy = tmp.resolve("dup.npy");
        Files.write(npy, npy("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", longs(9, 3, 5, 3)));
        e = assertThrows(DataFormatException.class, () -> Selection.parse("@" + npy));
        assertEquals("dup.npy: index 3: expected each index at most once, got it at index[1] and index[3]",
                e.getMessage());
    }

    // Expected indices below come from an independent Python implementation of the algorithm in Selection's class
    // comment (SplitMix64 with arbitrary-precision integers masked to 64 bits), not from this code.
    @Test
    void randomMatchesTheDocumentedAlgorithm() throws IOException {
        assertArrayEquals(new int[] {0, 3, 5, 11, 19}, Selection.parse("random:5:7").indices(20));
        assertArrayEquals(new int[] {0, 5, 6}, Selection.parse("random:3").indices(10));
        assertArrayEquals(new int[] {182, 334, 420, 697}, Selection.parse("random:4:-3").indices(1000));
        assertEquals("random:3:0", Selection.parse("random:3").toString());
        assertEquals(Selection.random(5, 7), Selection.parse(Selection.random(5, 7).toString()));
        // Labels are ignored by the uniform draw.
        assertArrayEquals(Selection.random(5, 7).indices(20), Selection.random(5, 7).indicesFor(new int[20]));
    }

    @Test
    void randomIsDistinctSortedDeterministicAndSeedDependent() {
        int[] a = Selection.random(500, 3).indices(2000);
        assertEquals(500, a.length);
        for (int k = 1; k < a.length; k++) {
            assertTrue(a[k - 1] < a[k], "strictly ascending, so distinct");
        }
        assertTrue(a[0] >= 0 && a[a.length - 1] < 2000);
        assertArrayEquals(a, Selection.random(500, 3).indices(2000));
        assertTrue(!java.util.Arrays.equals(a, Selection.random(500, 4).indices(2000)));
        assertArrayEquals(java.util.stream.IntStream.range(0, 7).toArray(), Selection.random(7, 1).indices(7));
    }

    @Test
    void stratifiedMatchesTheDocumentedAlgorithm() throws IOException {
        int[] labels = new int[20]; // class-sorted: 10 of class 0, 7 of class 1, 3 of class 2
        java.util.Arrays.fill(labels, 10, 17, 1);
        java.util.Arrays.fill(labels, 17, 20, 2);
        // Quotas 5, 3.5, 1.5: floors 5, 3, 1 and the one left over to the tie 10 = 10 broken by class index -> 5, 4, 1.
        assertArrayEquals(new int[] {0, 3, 7, 8, 9, 10, 12, 13, 14, 17},
                Selection.parse("stratified:10:5").indicesFor(labels));
        // Quotas 3.5, 2.45, 1.05 -> 4, 2, 1.
        assertArrayEquals(new int[] {1, 5, 6, 7, 11, 16, 18}, Selection.parse("stratified:7").indicesFor(labels));
        assertEquals("stratified:7:0", Selection.parse("stratified:7").toString());
    }

    @Test
    void stratifiedKeepsTheClassProportionsOnRealData() throws IOException {
        Dataset train = EmbeddedSample.loadTrain();
        int[] labels = train.labels();
        int[] count = new int[train.numClasses()];
        for (int l : labels) {
            count[l]++;
        }
        int n = 333;
        int[] idx = Selection.stratified(n, 9).indicesFor(labels);
        assertEquals(n, idx.length);
        int[] got = new int[train.numClasses()];
        for (int k = 0; k < idx.length; k++) {
            assertTrue(k == 0 || idx[k - 1] < idx[k], "strictly ascending, so distinct");
            got[labels[idx[k]]]++;
        }
        int sum = 0;
        for (int c = 0; c < count.length; c++) {
            double quota = (double) n * count[c] / labels.length;
            assertTrue(got[c] == Math.floor(quota) || got[c] == Math.floor(quota) + 1, "class " + c);
            sum += got[c];
        }
        assertEquals(n, sum);
        assertArrayEquals(idx, Selection.stratified(n, 9).indicesFor(labels));
        // Dataset.select passes the labels: the selected rows are the same.
        Dataset sel = train.select(Selection.stratified(n, 9));
        assertEquals(train.select(idx).fingerprint(), sel.fingerprint());
        assertEquals(train.name() + "[stratified:333:9]", sel.name());
    }

    @Test
    void randomSelectionErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> Selection.parse("random:0"));
        assertEquals("selection 'random:0': N: expected >= 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Selection.parse("stratified:0:3"));
        assertEquals("selection 'stratified:0:3': N: expected >= 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Selection.random(11, 0).indices(10));
        assertEquals("selection 'random:11:0': N: expected at most 10 (the dataset size), got 11", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Selection.stratified(11, 0).indicesFor(new int[10]));
        assertEquals("selection 'stratified:11:0': N: expected at most 10 (the dataset size), got 11",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Selection.stratified(1, 0).indices(10));
        assertEquals("selection 'stratified:1:0': needs the class labels of the source", e.getMessage());
    }
}
