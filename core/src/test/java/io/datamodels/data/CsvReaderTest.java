package io.datamodels.data;

import io.datamodels.testing.NoStdout;
import io.datamodels.testing.SharedData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
class CsvReaderTest {
    @TempDir
    Path tmp;

    private static Path tabular(String name) {
        return SharedData.require("tabular").resolve(name);
    }

    private Path write(String name, String text) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static int[] counts(Dataset d) {
        int[] c = new int[d.numClasses()];
        for (int l : d.labels()) {
            c[l]++;
        }
        return c;
    }

    @Test
    void iris() throws IOException {
        Dataset d = CsvReader.read(tabular("iris.csv"));
        assertEquals(150, d.rows());
        assertEquals(4, d.cols());
        assertArrayEquals(new int[] {4}, d.sampleShape());
        assertEquals(List.of("setosa", "versicolor", "virginica"), d.classNames());
        assertArrayEquals(new int[] {50, 50, 50}, counts(d));
        assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, d.row(0));
        assertEquals("iris.csv", d.name());
    }

    @Test
    void wineAndBreastCancer() throws IOException {
        Dataset wine = CsvReader.read(tabular("wine_data.csv"));
        assertEquals(178, wine.rows());
        assertEquals(13, wine.cols());
        assertEquals(List.of("class_0", "class_1", "class_2"), wine.classNames());
        assertArrayEquals(new int[] {59, 71, 48}, counts(wine));
        assertEquals(1065f, wine.get(0, 12));
        Dataset bc = CsvReader.read(tabular("breast_cancer.csv"));
        assertEquals(569, bc.rows());
        assertEquals(30, bc.cols());
        assertEquals(List.of("malignant", "benign"), bc.classNames());
        assertArrayEquals(new int[] {212, 357}, counts(bc));
        assertEquals(17.99f, bc.get(0, 0));
    }

    @Test
    void spambaseAndDigits() throws IOException {
        Dataset spam = CsvReader.read(tabular("spambase.csv"));
        assertEquals(4601, spam.rows());
        assertEquals(57, spam.cols());
        assertEquals(2, spam.numClasses());
        assertArrayEquals(new int[] {2788, 1813}, counts(spam));
        assertEquals(278f, spam.get(0, 56));
        Dataset digits = CsvReader.read(tabular("digits.csv.gz"));
        assertEquals(1797, digits.rows());
        assertEquals(64, digits.cols());
        assertEquals(10, digits.numClasses());
        assertEquals(0, digits.label(0));
        assertEquals(1, digits.label(1));
        assertArrayEquals(new float[] {0, 0, 5, 13, 9, 1, 0, 0}, Arrays.copyOf(digits.row(0), 8));
    }

    @Test
    void letterRecognitionHasLabelFirstAndNoHeader() throws IOException {
        Path f = tabular("letter-recognition.data");
        Dataset d = CsvReader.read(f, new CsvReader.Options("0", false));
        assertEquals(20000, d.rows());
        assertEquals(16, d.cols());
        assertEquals(26, d.numClasses());
        assertEquals("A", d.classNames().get(0));
        assertEquals("Z", d.classNames().get(25));
        assertEquals(19, d.label(0)); // T
        assertArrayEquals(new float[] {2, 8, 3, 5}, Arrays.copyOf(d.row(0), 4));
        // Header detection looks past the label column, so hasHeader may be left out.
        assertEquals(d.fingerprint(), CsvReader.read(f, new CsvReader.Options("0", null)).fingerprint());
        // With the default (label last) the letter column is a feature: the error says where.
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
        assertEquals("letter-recognition.data: line 2, column 'T': expected a number, got 'I'", e.getMessage());
    }

    @Test
    void namedHeaderAndStringLabels() throws IOException {
        Path f = write("pets.csv", "weight,kind,height\n"
                + "4.5,dog,30\n"
                + "\n"
                + "3.25,cat,25\n"
                + "7 ,\"bird \"\"tweety\"\"\", \"-1e-2\"\n");
        Dataset d = CsvReader.read(f, new CsvReader.Options("kind", null));
        assertEquals(3, d.rows());
        assertEquals(2, d.cols());
        assertEquals(List.of("bird \"tweety\"", "cat", "dog"), d.classNames());
        assertArrayEquals(new int[] {2, 1, 0}, d.labels());
        assertArrayEquals(new float[] {4.5f, 30f}, d.row(0));
        assertArrayEquals(new float[] {7f, -0.01f}, d.row(2));
        Dataset byIndex = CsvReader.read(f, new CsvReader.Options("1", true));
        assertEquals(d.fingerprint(), byIndex.fingerprint());
        Dataset byNegative = CsvReader.read(f, new CsvReader.Options("-2", null));
        assertEquals(d.fingerprint(), byNegative.fingerprint());
    }

    @Test
    void quotedCellsMayHoldCommas() throws IOException {
        Path f = write("q.csv", "\"a,b\",label\n\"1.5\",\"x,y\"\n2,z\n");
        Dataset d = CsvReader.read(f);
        assertEquals(List.of("x,y", "z"), d.classNames());
        assertArrayEquals(new float[] {1.5f, 2f}, d.features());
        Path bad = write("unclosed.csv", "a,b\n\"1,2\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(bad));
        assertEquals("unclosed.csv: line 2: expected a closing double quote, got end of line", e.getMessage());
    }

    @Test
    void integerLabels() throws IOException {
        Path f = write("ints.csv", "x,y\n0.5,3\n1.5,1.0\n2.5,0\n");
        Dataset d = CsvReader.read(f);
        assertEquals(4, d.numClasses());
        assertArrayEquals(new int[] {3, 1, 0}, d.labels());
        Path neg = write("neg.csv", "x,y\n0.5,3\n1.5,-1\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(neg));
        assertEquals("neg.csv: line 3, column 'y': expected a label >= 0, got '-1'", e.getMessage());
        // Non-integer numbers are class names, sorted as strings.
        Path frac = write("frac.csv", "x,y\n1,0.5\n2,0.25\n3,0.5\n");
        Dataset fr = CsvReader.read(frac);
        assertEquals(List.of("0.25", "0.5"), fr.classNames());
        assertArrayEquals(new int[] {1, 0, 1}, fr.labels());
    }

    @Test
    void badFeatureCell() throws IOException {
        Path f = write("bad.csv", "a,b,label\n1,2,0\n3,abc,1\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
        assertEquals("bad.csv: line 3, column 'b': expected a number, got 'abc'", e.getMessage());
        Path noHeader = write("bad2.csv", "1,2,0\n3,1f,1\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(noHeader));
        assertEquals("bad2.csv: line 2, column 1: expected a number, got '1f'", e.getMessage());
        Path empty = write("blank.csv", "a,b,label\n1,,0\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(empty));
        assertEquals("blank.csv: line 2, column 'b': expected a number, got ''", e.getMessage());
    }

    @Test
    void acceptsSpecialNumbers() throws IOException {
        Path f = write("special.csv", "1e3,-.5,+2.,NaN,-inf,0\n");
        Dataset d = CsvReader.read(f);
        float[] r = d.row(0);
        assertEquals(1000f, r[0]);
        assertEquals(-0.5f, r[1]);
        assertEquals(2f, r[2]);
        assertTrue(Float.isNaN(r[3]));
        assertEquals(Float.NEGATIVE_INFINITY, r[4]);
        for (String s : new String[] {"", ".", "e5", "1e", "0x10", "1f", "1d", "--1", "1 2", "١"}) {
            assertTrue(!CsvReader.isNumber(s), s);
        }
    }

    @Test
    void wrongRowWidth() throws IOException {
        Path f = write("ragged.csv", "a,b,c\n1,2,0\n1,2,0\n1,2\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
        assertEquals("ragged.csv: line 4: expected 3 cells, got 2 cells", e.getMessage());
    }

    @Test
    void labelColumnErrors() throws IOException {
        Path f = write("t.csv", "a,b,c\n1,2,0\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f, new CsvReader.Options("z", null)));
        assertEquals("t.csv: label column: expected one of [a, b, c], got 'z'", e.getMessage());
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(f, new CsvReader.Options("3", null)));
        assertEquals("t.csv: label column: expected an index in [-3, 3), got 3", e.getMessage());
        Path g = write("u.csv", "1,2,0\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(g, new CsvReader.Options("c", false)));
        assertEquals("u.csv: label column: expected an index (the file has no header), got 'c'", e.getMessage());
        var blank = assertThrows(IllegalArgumentException.class, () -> new CsvReader.Options(" ", null));
        assertEquals("labelColumn must be a column name or index, got ' '", blank.getMessage());
    }

    @Test
    void sklearnHeaderRowCountIsChecked() throws IOException {
        Path f = write("small_iris.csv", "3,2,setosa,versicolor\n1,2,0\n3,4,1\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
        assertEquals("small_iris.csv: n_samples (line 1): expected 3, got 2 data rows", e.getMessage());
        Path g = write("big_label.csv", "2,2,setosa,versicolor\n1,2,0\n3,4,2\n");
        e = assertThrows(DataFormatException.class, () -> CsvReader.read(g));
        assertEquals("big_label.csv: line 3, column 'target': expected a label < 2 (classes in line 1), got '2'",
                e.getMessage());
    }

    @Test
    void numericHeaderNeedsHasHeader() throws IOException {
        Path f = write("numeric_header.csv", "10,20,30\n1,2,0\n3,4,1\n");
        assertEquals(3, CsvReader.read(f).rows());
        Dataset d = CsvReader.read(f, new CsvReader.Options(null, true));
        assertEquals(2, d.rows());
        assertArrayEquals(new int[] {0, 1}, d.labels());
    }

    @Test
    void gzipDetectedByContent() throws IOException {
        Path plain = write("t.csv", "a,label\n1,x\n2,y\n");
        Path gz = tmp.resolve("t.csv.gz");
        Files.write(gz, IdxReaderTest.gzip(Files.readAllBytes(plain)));
        Path gzNoSuffix = tmp.resolve("t.data");
        Files.copy(gz, gzNoSuffix);
        String fp = CsvReader.read(plain).fingerprint();
        assertEquals(fp, CsvReader.read(gz).fingerprint());
        assertEquals(fp, CsvReader.read(gzNoSuffix).fingerprint());
    }

    @Test
    void emptyAndMissingFiles() throws IOException {
        Path empty = write("empty.csv", "\n\n");
        var e = assertThrows(DataFormatException.class, () -> CsvReader.read(empty));
        assertEquals("empty.csv: rows: expected at least one line, got an empty file", e.getMessage());
        Dataset headerOnly = CsvReader.read(write("h.csv", "a,b,label\n"), new CsvReader.Options(null, true));
        assertEquals(0, headerOnly.rows());
        assertEquals(2, headerOnly.cols());
        Path nope = tmp.resolve("nope.csv");
        var m = assertThrows(DataFormatException.class, () -> CsvReader.read(nope));
        assertEquals(nope + ": does not exist", m.getMessage());
    }
}
