package io.datamodels.data;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.ZipException;

/**
 * Reads a comma-separated table into a {@link Dataset}: one example per line, one column holding the label and every
 * other column a numeric feature, kept as-is (no scaling); the sample shape is {@code {features}}. A gzip-compressed
 * file ({@code .csv.gz}) is detected by its magic. Cells may be double-quoted; blank lines are skipped.
 *
 * <p>Header: the first line holds column names when {@link Options#hasHeader()} is true; when it is null the first
 * line counts as a header if a cell outside the label column is not a number (or the label column is given by
 * name). A header of the scikit-learn bundled-data form {@code n_samples,n_features,class_0,class_1,...} (iris,
 * wine, breast_cancer) is recognised by its two leading integers matching the data width: the columns are then named
 * {@code feature_0 .. feature_{d-1}, target}, the row count is checked against {@code n_samples}, and the class
 * names come from the header.
 *
 * <p>Labels: if every label cell is an integer value (e.g. {@code 3} or {@code 3.0}) those integers are the labels
 * and must be {@code >= 0}, with {@code numClasses = max + 1}; otherwise the distinct label strings, sorted
 * ({@link String#compareTo}), are numbered 0, 1, ... and become the class names.
 */
final class CsvReader {
    private CsvReader() {
    }

    /**
     * How to read a CSV file.
     *
     * @param labelColumn the label column: an index (0-based; negative counts from the end, -1 is the last), or
     *     else a column name; null means the last column
     * @param hasHeader whether the first line holds column names; null means detect it
     */
    public record Options(String labelColumn, Boolean hasHeader) {
        /** Defaults: label in the last column, header detected. */
        public static final Options DEFAULT = new Options(null, null);

        /** Checks that a given label column is not blank. */
        public Options {
            if (labelColumn != null && labelColumn.isBlank()) {
                throw new IllegalArgumentException("labelColumn must be a column name or index, got '"
                        + labelColumn + "'");
            }
        }
    }

    private record Line(int number, String[] cells) {
    }

    /** Returns the dataset in {@code file} with the label in the last column and the header detected. */
    public static Dataset read(Path file) throws IOException {
        return read(file, Options.DEFAULT);
    }

    /**
     * Returns the dataset in {@code file}, named after the file.
     *
     * @throws DataFormatException naming the file, line, column and value for a non-numeric feature cell, a row of
     *     the wrong width, a negative integer label or an unknown label column
     */
    public static Dataset read(Path file, Options options) throws IOException {
        String source = Inputs.name(file);
        List<Line> lines = readLines(file, source);
        if (lines.isEmpty()) {
            throw new DataFormatException(source, "rows", "at least one line", "an empty file");
        }
        String[] first = lines.getFirst().cells();
        boolean labelByName = options.labelColumn() != null && parseIndex(options.labelColumn()) == null;
        boolean header;
        if (options.hasHeader() != null) {
            header = options.hasHeader();
        } else if (labelByName) {
            header = true;
        } else {
            int labelIdx = resolveIndex(source, options.labelColumn(), first.length);
            header = false;
            for (int j = 0; j < first.length && !header; j++) {
                header = j != labelIdx && !isNumber(first[j]);
            }
        }
        List<Line> data = header ? lines.subList(1, lines.size()) : lines;
        int width = data.isEmpty() ? first.length : data.getFirst().cells().length;

        String[] names;
        List<String> headerClasses = null;
        int declaredRows = -1;
        if (header && isSklearnHeader(first, width)) {
            declaredRows = Integer.parseInt(first[0]);
            names = new String[width];
            for (int j = 0; j < width - 1; j++) {
                names[j] = "feature_" + j;
            }
            names[width - 1] = "target";
            if (first.length > 2) {
                headerClasses = List.of(Arrays.copyOfRange(first, 2, first.length));
            }
        } else if (header) {
            names = first;
            width = names.length;
        } else {
            names = null;
        }

        int labelIdx;
        if (labelByName) {
            labelIdx = names == null ? -1 : Arrays.asList(names).indexOf(options.labelColumn());
            if (labelIdx < 0) {
                throw new DataFormatException(source, "label column", names == null ? "an index (the file has no "
                        + "header)" : "one of " + abbreviate(Arrays.asList(names)), Inputs.quote(
                                options.labelColumn()));
            }
        } else {
            labelIdx = resolveIndex(source, options.labelColumn(), width);
        }

        int rows = data.size();
        if (declaredRows >= 0 && declaredRows != rows) {
            throw new DataFormatException(source, "n_samples (line 1)", Integer.toString(declaredRows),
                    rows + " data rows");
        }
        int cols = width - 1;
        float[] features = new float[Math.multiplyExact(rows, cols)];
        String[] labelCells = new String[rows];
        for (int i = 0; i < rows; i++) {
            Line line = data.get(i);
            String[] cells = line.cells();
            if (cells.length != width) {
                throw new DataFormatException(source, "line " + line.number(), width + " cells", cells.length
                        + " cells");
            }
            int out = i * cols;
            for (int j = 0; j < width; j++) {
                if (j == labelIdx) {
                    continue;
                }
                String cell = cells[j];
                if (!isNumber(cell)) {
                    throw new DataFormatException(source, "line " + line.number() + ", column " + columnName(names, j),
                            "a number", Inputs.quote(cell));
                }
                features[out++] = parseNumber(cell);
            }
            labelCells[i] = cells[labelIdx];
        }
        return labelled(source, names, labelIdx, data, features, rows, cols, labelCells, headerClasses);
    }

    private static Dataset labelled(String source, String[] names, int labelIdx, List<Line> data, float[] features,
            int rows, int cols, String[] labelCells, List<String> headerClasses) throws DataFormatException {
        int[] labels = new int[rows];
        boolean integers = true;
        for (int i = 0; i < rows && integers; i++) {
            integers = isNumber(labelCells[i]) && isIntegerValue(parseDouble(labelCells[i]));
        }
        int numClasses;
        List<String> classNames;
        if (integers) {
            int max = -1;
            for (int i = 0; i < rows; i++) {
                double v = parseDouble(labelCells[i]);
                if (v < 0) {
                    throw new DataFormatException(source, "line " + data.get(i).number() + ", column "
                            + columnName(names, labelIdx), "a label >= 0", Inputs.quote(labelCells[i]));
                }
                labels[i] = (int) v;
                max = Math.max(max, labels[i]);
            }
            if (headerClasses != null) {
                numClasses = headerClasses.size();
                for (int i = 0; i < rows; i++) {
                    if (labels[i] >= numClasses) {
                        throw new DataFormatException(source, "line " + data.get(i).number() + ", column "
                                + columnName(names, labelIdx), "a label < " + numClasses + " (classes in line 1)",
                                Inputs.quote(labelCells[i]));
                    }
                }
                classNames = headerClasses;
            } else {
                numClasses = max + 1;
                classNames = Dataset.defaultClassNames(numClasses);
            }
        } else {
            classNames = new ArrayList<>(new TreeSet<>(Arrays.asList(labelCells)));
            numClasses = classNames.size();
            for (int i = 0; i < rows; i++) {
                labels[i] = Collections.binarySearch(classNames, labelCells[i]);
            }
        }
        return Dataset.wrap(source, features, rows, cols, new int[] {cols}, labels, numClasses, classNames);
    }

    private static boolean isSklearnHeader(String[] first, int dataWidth) {
        if (first.length < 2 || !isDigits(first[0]) || !isDigits(first[1]) || first[1].length() > 9) {
            return false;
        }
        return Integer.parseInt(first[1]) + 1 == dataWidth && first[0].length() <= 9;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isIntegerValue(double v) {
        return v == Math.rint(v) && Math.abs(v) <= Integer.MAX_VALUE;
    }

    private static String columnName(String[] names, int j) {
        return names == null ? Integer.toString(j) : "'" + names[j] + "'";
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " and " + (names.size() - 12)
                + " more";
    }

    private static Integer parseIndex(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int resolveIndex(String source, String labelColumn, int width) throws DataFormatException {
        int idx = labelColumn == null ? -1 : parseIndex(labelColumn);
        int resolved = idx < 0 ? width + idx : idx;
        if (resolved < 0 || resolved >= width) {
            throw new DataFormatException(source, "label column", "an index in [" + (-width) + ", " + width + ")",
                    Integer.toString(idx));
        }
        return resolved;
    }

    /** Parses a cell {@link #isNumber} accepted, as a float. */
    static float parseNumber(String s) {
        Double special = special(s);
        return special != null ? special.floatValue() : Float.parseFloat(s);
    }

    /** Parses a cell {@link #isNumber} accepted, as a double. */
    static double parseDouble(String s) {
        Double special = special(s);
        return special != null ? special : Double.parseDouble(s);
    }

    private static Double special(String s) {
        String t = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        if (t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("infinity")) {
            return s.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (t.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        return null;
    }

    /**
     * True for a decimal number ({@code 12}, {@code -1.5e3}, {@code .5}) or {@code nan}/{@code inf}/{@code infinity}
     * (any case, optional sign); stricter than {@link Float#parseFloat}, which also takes {@code 1f} or hex.
     */
    static boolean isNumber(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        String rest = s.substring(i);
        if (rest.equalsIgnoreCase("nan") || rest.equalsIgnoreCase("inf") || rest.equalsIgnoreCase("infinity")) {
            return true;
        }
        int digits = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int exp = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                exp++;
            }
            if (exp == 0) {
                return false;
            }
        }
        return i == n;
    }

    private static List<Line> readLines(Path file, String source) throws IOException {
        List<Line> lines = new ArrayList<>();
        try (InputStream in = Inputs.open(file);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8),
                        Inputs.BUFFER)) {
            String s;
            int number = 0;
            while ((s = r.readLine()) != null) {
                number++;
                if (number == 1 && s.startsWith("\uFEFF")) {
                    s = s.substring(1);
                }
                if (s.isBlank()) {
                    continue;
                }
                lines.add(new Line(number, split(s, source, number)));
            }
        } catch (EOFException | ZipException e) {
            throw new DataFormatException(source, "gzip", "a complete gzip stream", String.valueOf(e.getMessage()));
        }
        return lines;
    }

    /** Splits one line at commas; cells are trimmed, and a cell in double quotes may hold commas and "" for ". */
    static String[] split(String line, String source, int number) throws DataFormatException {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        int n = line.length();
        int i = 0;
        while (true) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                i++;
                cell.setLength(0);
                boolean closed = false;
                while (i < n) {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cell.append('"');
                            i++;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        cell.append(c);
                    }
                }
                if (!closed) {
                    throw new DataFormatException(source, "line " + number, "a closing double quote",
                            "end of line");
                }
                while (i < n && line.charAt(i) != ',') {
                    if (!Character.isWhitespace(line.charAt(i))) {
                        throw new DataFormatException(source, "line " + number, "',' after a quoted cell",
                                Inputs.quote(String.valueOf(line.charAt(i))));
                    }
                    i++;
                }
                cells.add(cell.toString());
            } else {
                int start = i;
                while (i < n && line.charAt(i) != ',') {
                    i++;
                }
                cells.add(line.substring(start, i).strip());
            }
            if (i >= n) {
                break;
            }
            i++; // the comma
        }
        return cells.toArray(String[]::new);
    }
}
