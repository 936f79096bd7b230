package io.datamodels.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Which rows of a dataset to use: all, the first N, a half-open range A:B, an explicit list of indices read from
 * an index file ({@code .npy} int32/int64 1-D, or text with one index per line; each index at most once), or N rows
 * drawn at random, uniformly or stratified by class (for sources sorted by class, where the first N would miss
 * classes).
 *
 * <p>String forms ({@link #parse(String)}): {@code all}, {@code 5000}, {@code 100:600}, {@code @path/to/file.txt},
 * {@code @file.npy}, {@code random:N[:SEED]}, {@code stratified:N[:SEED]} (SEED defaults to 0). {@code toString()}
 * gives the same form back, with the seed written out for the random forms.
 *
 * <p>The random forms are reproducible from the string alone, in any language, with the SplitMix64 stream of
 * {@link io.datamodels.subset.SeedStream} and its unbiased {@code nextInt(bound)}:
 * <ul>
 *   <li>{@code random:N:SEED} over a source of {@code size} rows: the stream {@code (SEED, index 0, salt 41)};
 *       a partial Fisher-Yates shuffle of {@code a = [0, 1, ..., size-1]}: for {@code i = 0 .. N-1},
 *       {@code j = i + nextInt(size - i)}, swap {@code a[i], a[j]}; the selection is {@code a[0..N)} sorted
 *       ascending (so mask column order follows the source order).</li>
 *   <li>{@code stratified:N:SEED}: with {@code c_k} rows of class {@code k} among {@code size}, class {@code k} gets
 *       {@code floor(N c_k / size)} rows plus one more for the {@code N - sum floor(...)} classes with the largest
 *       remainders {@code (N c_k) mod size} (largest-remainder rounding; ties go to the smaller class index). Class
 *       {@code k}'s rows are drawn from its row indices in ascending order by the partial Fisher-Yates shuffle above
 *       with the stream {@code (SEED, index k, salt 42)}; the union is sorted ascending.</li>
 * </ul>
 */
public sealed interface Selection permits Selection.All, Selection.First, Selection.Range, Selection.Indices,
        Selection.Random, Selection.Stratified {

    /**
     * Returns the selected row indices, in order, for a dataset of {@code size} rows.
     *
     * @throws IllegalArgumentException naming this selection and {@code size} if it picks a row outside
     *     {@code [0, size)}
     */
    int[] indices(int size);

    /**
     * Returns the selected row indices of a dataset whose rows have these class labels ({@code labels.length} rows).
     * Only {@link Stratified} reads the labels; every other selection gives {@code indices(labels.length)}.
     *
     * @throws IllegalArgumentException as {@link #indices(int)}
     */
    default int[] indicesFor(int[] labels) {
        return indices(labels.length);
    }

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

    /** Returns {@code n} rows drawn uniformly without replacement with seed {@code seed}, in ascending order. */
    static Selection random(int n, long seed) {
        return new Random(n, seed);
    }

    /** Returns {@code n} rows drawn with the source's class proportions with seed {@code seed}, in ascending order. */
    static Selection stratified(int n, long seed) {
        return new Stratified(n, seed);
    }

    /**
     * Parses {@code all}, {@code N}, {@code A:B}, {@code @FILE}, {@code random:N[:SEED]} or
     * {@code stratified:N[:SEED]}; for {@code @FILE} the index file is read now.
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
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("random:") || lower.startsWith("stratified:")) {
            String[] p = s.split(":", -1);
            if (p.length > 3) {
                throw malformed(spec);
            }
            int n = parseCount(p[1].strip(), spec);
            long seed = 0;
            if (p.length == 3) {
                try {
                    seed = Long.parseLong(p[2].strip());
                } catch (NumberFormatException e) {
                    throw malformed(spec);
                }
            }
            if (n <= 0) {
                throw new IllegalArgumentException("selection '" + spec + "': N: expected >= 1, got " + n);
            }
            return lower.startsWith("random:") ? random(n, seed) : stratified(n, seed);
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
        return new IllegalArgumentException("selection: expected 'all', N, A:B (half-open), @FILE, random:N[:SEED] or "
                + "stratified:N[:SEED], got '" + spec
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

    /** {@code n} rows drawn uniformly without replacement (see the class comment), in ascending order. */
    record Random(int n, long seed) implements Selection {
        /** Checks {@code n >= 1}. */
        public Random {
            if (n < 1) {
                throw new IllegalArgumentException("selection: random: N: expected >= 1, got " + n);
            }
        }

        @Override
        public int[] indices(int size) {
            if (n > size) {
                throw new IllegalArgumentException("selection '" + this + "': N: expected at most " + size
                        + " (the dataset size), got " + n);
            }
            int[] a = new int[size];
            Arrays.setAll(a, i -> i);
            return draw(a, n, new io.datamodels.subset.SeedStream(seed, 0, SALT_RANDOM));
        }

        @Override
        public String toString() {
            return "random:" + n + ":" + seed;
        }
    }

    /**
     * {@code n} rows with the class proportions of the source, largest-remainder rounding, drawn uniformly within each
     * class (see the class comment), in ascending order.
     */
    record Stratified(int n, long seed) implements Selection {
        /** Checks {@code n >= 1}. */
        public Stratified {
            if (n < 1) {
                throw new IllegalArgumentException("selection: stratified: N: expected >= 1, got " + n);
            }
        }

        /** Always fails: stratifying needs the labels ({@link #indicesFor(int[])}). */
        @Override
        public int[] indices(int size) {
            throw new IllegalArgumentException("selection '" + this + "': needs the class labels of the source");
        }

        @Override
        public int[] indicesFor(int[] labels) {
            int size = labels.length;
            if (n > size) {
                throw new IllegalArgumentException("selection '" + this + "': N: expected at most " + size
                        + " (the dataset size), got " + n);
            }
            int classes = 0;
            for (int k = 0; k < size; k++) {
                if (labels[k] < 0) {
                    throw new IllegalArgumentException("selection '" + this + "': label[" + k
                            + "]: expected >= 0, got " + labels[k]);
                }
                classes = Math.max(classes, labels[k] + 1);
            }
            int[] count = new int[classes];
            for (int l : labels) {
                count[l]++;
            }
            int[] quota = new int[classes];
            long[] rem = new long[classes];
            int assigned = 0;
            for (int k = 0; k < classes; k++) {
                long p = (long) n * count[k];
                quota[k] = (int) (p / size);
                rem[k] = p % size;
                assigned += quota[k];
            }
            Integer[] order = new Integer[classes];
            Arrays.setAll(order, k -> k);
            Arrays.sort(order, (x, y) -> rem[x] != rem[y] ? Long.compare(rem[y], rem[x]) : Integer.compare(x, y));
            for (int r = 0; r < n - assigned; r++) {
                quota[order[r]]++;
            }
            int[][] members = new int[classes][];
            int[] fill = new int[classes];
            for (int k = 0; k < classes; k++) {
                members[k] = new int[count[k]];
            }
            for (int i = 0; i < size; i++) {
                members[labels[i]][fill[labels[i]]++] = i;
            }
            int[] out = new int[n];
            int at = 0;
            for (int k = 0; k < classes; k++) {
                if (quota[k] > 0) {
                    int[] d = draw(members[k], quota[k], new io.datamodels.subset.SeedStream(seed, k, SALT_STRATIFIED));
                    System.arraycopy(d, 0, out, at, d.length);
                    at += d.length;
                }
            }
            Arrays.sort(out);
            return out;
        }

        @Override
        public String toString() {
            return "stratified:" + n + ":" + seed;
        }
    }

    /** The {@link io.datamodels.subset.SeedStream} salt of {@code random:N:SEED} (see the class comment). */
    long SALT_RANDOM = 41;

    /** The {@link io.datamodels.subset.SeedStream} salt of {@code stratified:N:SEED} (see the class comment). */
    long SALT_STRATIFIED = 42;

    /** The first {@code n} entries of a partial Fisher-Yates shuffle of {@code a} (modified), sorted ascending. */
    private static int[] draw(int[] a, int n, io.datamodels.subset.SeedStream r) {
        for (int i = 0; i < n; i++) {
            int j = i + r.nextInt(a.length - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        int[] out = Arrays.copyOf(a, n);
        Arrays.sort(out);
        return out;
    }
}
