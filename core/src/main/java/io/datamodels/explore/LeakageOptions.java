package io.datamodels.explore;

/**
 * Settings of {@link Leakage}: how the threshold on the leakage score is chosen.
 *
 * @param fdr       the false-discovery level of the data-chosen threshold, in (0, 1) (default 0.1): the smallest
 *                  threshold whose estimated false-discovery proportion (decoys above it + 1) / (pairs above it) is at
 *                  most this
 * @param threshold a fixed threshold on the score instead, or NaN (the default) to choose it from the data
 */
public record LeakageOptions(double fdr, double threshold) {
    /** The default false-discovery level, 0.1. */
    public static final double DEFAULT_FDR = 0.1;

    /** Checks each field. */
    public LeakageOptions {
        if (!(fdr > 0 && fdr < 1)) {
            throw new IllegalArgumentException("fdr must be in (0, 1), got " + fdr);
        }
        if (Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold must be finite (or NaN: chosen from the data), got "
                    + threshold);
        }
    }

    /** The defaults: threshold chosen from the data at false-discovery level 0.1. */
    public static LeakageOptions defaults() {
        return new LeakageOptions(DEFAULT_FDR, Double.NaN);
    }

    /** These options with the false-discovery level {@code fdr}. */
    public LeakageOptions withFdr(double fdr) {
        return new LeakageOptions(fdr, threshold);
    }

    /** These options with a fixed {@code threshold} (NaN: chosen from the data). */
    public LeakageOptions withThreshold(double threshold) {
        return new LeakageOptions(fdr, threshold);
    }

    /** Whether the threshold is chosen from the data. */
    public boolean thresholdFromData() {
        return Double.isNaN(threshold);
    }
}
