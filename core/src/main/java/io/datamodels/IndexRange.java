package io.datamodels;

import java.util.stream.IntStream;

/**
 * A half-open range of indices {@code [from, to)}, written {@code A:B} on the command line ({@code --target-range},
 * {@code --rows}) and in experiment configs. An empty range ({@code A == B}) is allowed; whether it fits a store or a
 * fit is checked where that is known.
 *
 * @param from first index, inclusive
 * @param to   last index, exclusive
 */
public record IndexRange(int from, int to) {
    public IndexRange {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("range: expected 0 <= A <= B, got " + from + ":" + to);
        }
    }

    /**
     * Parses {@code A:B} (blanks around either number allowed).
     *
     * @param name the option or config field the text came from, named in the error
     * @throws IllegalArgumentException "NAME: expected A:B with 0 <= A <= B, got 'TEXT'" if the text is not two
     *                                  integers in that order
     */
    public static IndexRange parse(String name, String text) {
        String[] p = text == null ? new String[0] : text.split(":", -1);
        if (p.length == 2) {
            try {
                int a = Integer.parseInt(p[0].strip());
                int b = Integer.parseInt(p[1].strip());
                if (a >= 0 && b >= a) {
                    return new IndexRange(a, b);
                }
            } catch (NumberFormatException e) {
                // Reported below, with the option's name and the whole value.
            }
        }
        throw new IllegalArgumentException(name + ": expected A:B with 0 <= A <= B, got '" + text + "'");
    }

    /** The indices from, from + 1, ..., to - 1. */
    public int[] indices() {
        return IntStream.range(from, to).toArray();
    }
}
