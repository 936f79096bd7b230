package io.datamodels.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Which rows of a dataset to use: all, the first N, a half-open range A:B, or an explicit list of indices read from
 * an index file ({@code .npy} int32/int64 1-D, or text with one index per line).
 *
 * <p>String forms ({@link #parse(String)}): {@code all}, {@code 5000}, {@code 100:600}, {@code @path/to/file.txt},
 * {@code @file.npy}. {@code toString()} gives the same form back.
 */
public sealed interface Selection permits Selection.All, Selection.First, Selection.Range, Selection.Indices {

    /**
     * Returns the selected row indices, in order, for a dataset of {@code size} rows.
     *
     * @throws IllegalArgumentException naming this selection and {@code size} if it picks a row outside
     *     {@code [0, size)}
     */
    int[] indices(int size);

    /** Returns the selection that keeps every row. */
    static Selection all() {
        return new All();
    }

    /** Returns the selection of rows {@code 0 .. n-1}. */
    static Selection first(int n) {
        return new First(n);
    }

    /** Returns the selection of rows {@code from .. to-1}. */
    static Selection range(int from, int to) {
        return new Range(from, to);
    }

    /** Returns the selection of the given rows in the given order (a copy of the array is kept). */
    static Selection of(int... indices) {
        return new Indices("[" + indices.length + " indices]", indices);
    }

    /**
     * Parses {@code all}, {@code N}, {@code A:B} or {@code @FILE}; for {@code @FILE} the index file is read now.
     *
     * @return the selection the string describes
     * @throws IllegalArgumentException if the string is none of these forms
     * @throws IOException if the index file is missing or malformed
     */
    static Selection parse(String spec) throws IOException {
        if (spec == null) {
            throw malformed("null");
        }
        String s = spec.strip();
        if (s.toLowerCase(Locale.ROOT).equals("all")) {
            return all();
        }
        if (s.startsWith("@")) {
            String file = s.substring(1).strip();
            if (file.isEmpty()) {
                throw malformed(spec);
            }
            Path path = Path.of(file);
            return new Indices("@" + file, IndexFiles.read(path));
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            return first(parseCount(s, spec));
        }
        int from = parseCount(s.substring(0, colon).strip(), spec);
        int to = parseCount(s.substring(colon + 1).strip(), spec);
        if (from > to) {
            throw new IllegalArgumentException("selection '" + spec + "': range: expected A <= B, got " + from + " > "
                    + to);
        }
        return range(from, to);
    }

    private static int parseCount(String s, String spec) {
        if (s.isEmpty() || s.length() > 10) {
            throw malformed(spec);
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw malformed(spec);
            }
        }
        long v = Long.parseLong(s);
        if (v > Integer.MAX_VALUE) {
            throw malformed(spec);
        }
        return (int) v;
    }

    private static IllegalArgumentException malformed(String spec) {
        return new IllegalArgumentException("selection: expected 'all', N, A:B (half-open) or @FILE, got '" + spec
                + "'");
    }

    /** Every row. */
    record All() implements Selection {
        @Override
        public int[] indices(int size) {
            int[] out = new int[size];
            Arrays.setAll(out, i -> i);
            return out;
        }

        @Override
        public String toString() {
            return "all";
        }
    }

    /** Rows {@code 0 .. n-1}. */
    record First(int n) implements Selection {
        /** Checks {@code n >= 0}. */
        public First {
            if (n < 0) {
                throw new IllegalArgumentException("selection: N must be >= 0, got " + n);
            }
        }

        @Override
        public int[] indices(int size) {
            if (n > size) {
                throw new IllegalArgumentException("selection '" + this + "': rows: expected at most " + size
                        + " (the dataset size), got " + n);
            }
            int[] out = new int[n];
            Arrays.setAll(out, i -> i);
            return out;
        }

        @Override
        public String toString() {
            return Integer.toString(n);
        }
    }

    /** Rows {@code from .. to-1} (half-open). */
    record Range(int from, int to) implements Selection {
        /** Checks {@code 0 <= from <= to}. */
        public Range {
            if (from < 0 || from > to) {
                throw new IllegalArgumentException("selection: range: expected 0 <= A <= B, got " + from + ":" + to);
            }
        }

        @Override
        public int[] indices(int size) {
            if (to > size) {
                throw new IllegalArgumentException("selection '" + this + "': end: expected at most " + size
                        + " (the dataset size), got " + to);
            }
            int[] out = new int[to - from];
            Arrays.setAll(out, i -> from + i);
            return out;
        }

        @Override
        public String toString() {
            return from + ":" + to;
        }
    }

    /**
     * Explicit rows in the given order; {@code source} says where they came from ({@code @FILE} for an index file).
     */
    record Indices(String source, int[] indices) implements Selection {
        /** Keeps a copy of the array. */
        public Indices {
            indices = indices.clone();
        }

        /** Returns a copy of the stored indices, unchecked. */
        @Override
        public int[] indices() {
            return indices.clone();
        }

        @Override
        public int[] indices(int size) {
            for (int k = 0; k < indices.length; k++) {
                if (indices[k] < 0 || indices[k] >= size) {
                    throw new IllegalArgumentException("selection '" + source + "': index[" + k + "]: expected in [0, "
                            + size + ") (the dataset size), got " + indices[k]);
                }
            }
            return indices.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Indices other && source.equals(other.source) && Arrays.equals(indices, other.indices);
        }

        @Override
        public int hashCode() {
            return 31 * source.hashCode() + Arrays.hashCode(indices);
        }

        @Override
        public String toString() {
            return source;
        }
    }
}
