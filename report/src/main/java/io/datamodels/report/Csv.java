package io.datamodels.report;

import io.datamodels.data.DataFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CSV files the evaluations and explore commands write: a header line, then rows of fields (no quoting). Only
 * the columns a reader uses must hold numbers; others (class names, notes) are left alone.
 */
final class Csv {
    private Csv() {
    }

    /** A CSV file's header and rows of fields. */
    record Table(Path file, List<String> header, List<String[]> rows) {
        int column(String name) {
            return header.indexOf(name);
        }

        /**
         * Field {@code col} of row {@code row} as a number (true and false read as 1 and 0).
         *
         * @throws DataFormatException naming the file, line and column of a value that is not a number
         */
        double number(int row, int col) throws DataFormatException {
            String v = rows.get(row)[col].strip();
            if (v.equals("true") || v.equals("false")) {
                return v.equals("true") ? 1 : 0;
            }
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new DataFormatException(file.toString(), "line " + (row + 2) + ", " + header.get(col)
                        + ": expected a number, got '" + v + "'");
            }
        }
    }

    /**
     * Reads {@code file}, whose header must start with {@code expected}; the rows as numbers in those columns.
     *
     * @throws DataFormatException naming the file, line and column of a bad header or value
     */
    static List<double[]> read(Path file, List<String> expected) throws IOException {
        Table t = read(file);
        if (t.header().size() < expected.size() || !t.header().subList(0, expected.size()).equals(expected)) {
            throw new DataFormatException(file.toString(), "header: expected " + String.join(",", expected)
                    + ", got " + String.join(",", t.header()));
        }
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < t.rows().size(); i++) {
            double[] r = new double[expected.size()];
            for (int c = 0; c < r.length; c++) {
                r[c] = t.number(i, c);
            }
            out.add(r);
        }
        return out;
    }

    /**
     * Reads {@code file}: a header line and rows with as many fields.
     *
     * @throws DataFormatException naming the file and line of a row with another number of fields
     */
    static Table read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            throw new DataFormatException(file.toString(), "header: expected a header line, got an empty file");
        }
        List<String> header = Arrays.stream(lines.getFirst().split(",", -1)).map(String::strip).toList();
        List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != header.size()) {
                throw new DataFormatException(file.toString(), "line " + (i + 1) + ": expected " + header.size()
                        + " fields, got " + f.length);
            }
            rows.add(f);
        }
        return new Table(file, header, rows);
    }
}
