package io.datamodels.regress;

import io.datamodels.subset.SeedStream;

import java.util.Arrays;

/**
 * The seeded split of the fitted models into a train part, on which every lambda of the path is solved, and a
 * validation part, on which lambda is chosen; the refit then uses both. Drawn only by {@link #draw}, which every fit
 * and every check of a fit uses, so that the same models, fraction and seed always give the same split.
 *
 * @param train      model indices of the train part, ascending (at least 2)
 * @param validation model indices of the validation part, ascending (at least 1)
 */
public record ValidationSplit(int[] train, int[] validation) {
    /** Salt of the split's random stream under the root seed. */
    static final long SALT = 7;

    public ValidationSplit {
        if (train.length < 2 || validation.length < 1) {
            throw new IllegalArgumentException("split: expected at least 2 train and 1 validation models, got "
                    + train.length + " and " + validation.length);
        }
    }

    /**
     * Splits {@code models}: a Fisher-Yates shuffle by the stream (seed, 0, {@link #SALT}), whose first
     * {@code round(valFraction * n)} models validate and the rest train, each part sorted.
     *
     * @throws FitException naming {@code val_fraction} when it leaves fewer than 1 validation or 2 training models
     */
    public static ValidationSplit draw(int[] models, double valFraction, long seed) throws FitException {
        int n = models.length;
        int nVal = (int) Math.round(valFraction * n);
        if (nVal < 1 || n - nVal < 2) {
            throw new FitException("val_fraction: expected a value that leaves at least 1 validation and 2 training "
                    + "models of the " + n + " completed ones, got " + valFraction + " (" + nVal
                    + " validation models)");
        }
        int[] perm = models.clone();
        SeedStream r = new SeedStream(seed, 0, SALT);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        int[] val = Arrays.copyOfRange(perm, 0, nVal);
        int[] train = Arrays.copyOfRange(perm, nVal, n);
        Arrays.sort(val);
        Arrays.sort(train);
        return new ValidationSplit(train, val);
    }

    /** {@link #draw} with the validation fraction and seed of {@code cfg}. */
    public static ValidationSplit draw(int[] models, LassoConfig cfg) throws FitException {
        return draw(models, cfg.valFraction(), cfg.seed());
    }
}
