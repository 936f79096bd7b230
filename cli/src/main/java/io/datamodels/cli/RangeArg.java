package io.datamodels.cli;

import io.datamodels.IndexRange;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code A:B} option values ({@code --target-range}, {@code --rows}): a malformed one, or rows beyond the store, is a
 * usage error.
 */
final class RangeArg {
    private RangeArg() {
    }

    /**
     * {@link IndexRange#parse} of {@code option}'s {@code value}.
     *
     * @throws ParameterException "OPTION: expected A:B with 0 <= A <= B, got 'VALUE'" (exit code 2)
     */
    static IndexRange parse(CommandSpec spec, String option, String value) {
        try {
            return IndexRange.parse(option, value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * {@code --rows}: {@code A:B}, or {@code N} meaning {@code 0:N} (the first N, as the selections read it).
     *
     * @throws ParameterException "OPTION: expected A:B with 0 <= A <= B, or N, got 'VALUE'" (exit code 2)
     */
    static IndexRange parseRows(CommandSpec spec, String option, String value) {
        String v = value.strip();
        if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return new IndexRange(0, Integer.parseInt(v));
            } catch (NumberFormatException e) {
                // Too large: reported below.
            }
        } else if (v.contains(":")) {
            try {
                return IndexRange.parse(option, value);
            } catch (IllegalArgumentException e) {
                // Reported below, naming both forms.
            }
        }
        throw new ParameterException(spec.commandLine(), option + ": expected A:B with 0 <= A <= B, or N, got '"
                + value + "'");
    }

    /**
     * Refuses a {@code --rows} range that ends past the store's {@code numModels} rows.
     *
     * @throws ParameterException "OPTION: expected 0 <= A <= B <= N (the store's models), got A:B" (exit code 2)
     */
    static void requireWithin(CommandSpec spec, String option, IndexRange r, long numModels) {
        if (r.to() > numModels) {
            throw new ParameterException(spec.commandLine(), option + ": expected 0 <= A <= B <= " + numModels
                    + " (the store's models), got " + r.from() + ":" + r.to());
        }
    }
}
