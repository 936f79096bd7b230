package io.datamodels.cli;

import io.datamodels.IndexRange;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code A:B} option values ({@code --targets}, {@code --range}): a malformed one is a usage error. */
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
}
