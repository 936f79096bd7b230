package io.datamodels.report;

import io.datamodels.data.DataFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The numeric CSV files the evaluations and explore commands write: a header line, then numbers. */
final class Csv {
    private Csv() {
    }

    /** A CSV file's header and rows. */
    record Table(List<String> header, List<double[]> rows) {
        int column(String name) {
            return header.indexOf(name);
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
        return t.rows();
    }

    /**
     * Reads {@code file}: a header line and rows of numbers (true and false read as 1 and 0).
     *
     * @throws DataFormatException naming the file, line and column of a value that is not a number
     */
    static Table read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty()) {
            throw new DataFormatException(file.toString(), "header: expected a header line, got an empty file");
        }
        List<String> header = Arrays.stream(lines.getFirst().split(",", -1)).map(String::strip).toList();
        List<double[]> rows = new ArrayList<>();
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
            double[] r = new double[f.length];
            for (int c = 0; c < f.length; c++) {
                String v = f[c].strip();
                try {
                    r[c] = v.equals("true") ? 1 : v.equals("false") ? 0 : Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new DataFormatException(file.toString(), "line " + (i + 1) + ", " + header.get(c)
                            + ": expected a number, got '" + v + "'");
                }
            }
            rows.add(r);
        }
        return new Table(header, rows);
    }
}
