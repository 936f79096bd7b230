package io.datamodels.regress;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Settings of the datamodel regression: a LASSO path per target, lambda chosen on held-out models.
 *
 * @param lambdas     number of lambda values on the path, from lambda_max down to ratio * lambda_max, log-spaced
 * @param lambdaRatio the smallest lambda as a fraction of lambda_max, in (0, 1)
 * @param valFraction fraction of models held out to choose lambda, in (0, 1)
 * @param seed        seed of the train/validation permutation
 * @param tolerance   coordinate descent stops when max_j (delta w_j)^2 &lt;= tolerance * var(y) over a sweep
 * @param maxSweeps   cap on coordinate-descent sweeps per lambda (and per KKT round)
 * @param patience    a target's path stops once its validation MSE has risen this many lambdas in a row
 * @param minLambdas  ... but not before this many lambdas
 * @param threads     worker threads over targets
 * @param outlierZ    leave out models whose output on some fitted target lies more than this many robust standard
 *                    deviations (1.4826 x the median absolute deviation over models) from that target's median: a
 *                    guard against the rare training run that diverges; 0 keeps every model
 */
public record LassoConfig(@JsonProperty("lambdas") int lambdas,
                          @JsonProperty("lambda_ratio") double lambdaRatio,
                          @JsonProperty("val_fraction") double valFraction,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("tolerance") double tolerance,
                          @JsonProperty("max_sweeps") int maxSweeps,
                          @JsonProperty("patience") int patience,
                          @JsonProperty("min_lambdas") int minLambdas,
                          @JsonProperty("threads") int threads,
                          @JsonProperty("outlier_z") double outlierZ) {
    @JsonCreator
    public LassoConfig {
        if (lambdas < 1) {
            throw new IllegalArgumentException("lambdas must be >= 1, got " + lambdas);
        }
        if (!(lambdaRatio > 0 && lambdaRatio < 1)) {
            throw new IllegalArgumentException("lambda_ratio must be in (0, 1), got " + lambdaRatio);
        }
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new IllegalArgumentException("val_fraction must be in (0, 1), got " + valFraction);
        }
        if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be > 0, got " + tolerance);
        }
        if (maxSweeps < 1) {
            throw new IllegalArgumentException("max_sweeps must be >= 1, got " + maxSweeps);
        }
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        if (minLambdas < 1) {
            throw new IllegalArgumentException("min_lambdas must be >= 1, got " + minLambdas);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        checkOutlierZ(outlierZ);
    }

    /**
     * Checks an {@code outlier_z} value: 0 (keep every model) or finite and >= 1.
     *
     * @throws IllegalArgumentException naming the field, the expected and the actual value
     */
    public static void checkOutlierZ(double z) {
        if (!(z == 0 || z >= 1) || Double.isInfinite(z)) {
            throw new IllegalArgumentException("outlier_z must be 0 (keep every model) or a finite value >= 1, got "
                    + z);
        }
    }

    /** Default path length. */
    public static final int DEFAULT_LAMBDAS = 100;
    /** Default smallest lambda, as a fraction of lambda_max. */
    public static final double DEFAULT_LAMBDA_RATIO = 1e-2;
    /** Default validation fraction. */
    public static final double DEFAULT_VAL_FRACTION = 0.1;
    /** Default seed of the train/validation split. */
    public static final long DEFAULT_SEED = 0;
    /** Default coordinate-descent tolerance. */
    public static final double DEFAULT_TOLERANCE = 1e-10;
    /** Default cap on sweeps per lambda. */
    public static final int DEFAULT_MAX_SWEEPS = 10_000;
    /** Default early-stopping patience. */
    public static final int DEFAULT_PATIENCE = 5;
    /** Default least number of lambdas before an early stop. */
    public static final int DEFAULT_MIN_LAMBDAS = 10;
    /** Default outlier threshold: 0, every model kept. */
    public static final double DEFAULT_OUTLIER_Z = 0;

    /**
     * The defaults: 100 lambdas down to 1e-2 lambda_max, 10% validation, tight tolerance, early stop after 5 rises
     * (not before 10 lambdas), every model kept, a thread per processor.
     */
    public static LassoConfig defaults() {
        return new LassoConfig(DEFAULT_LAMBDAS, DEFAULT_LAMBDA_RATIO, DEFAULT_VAL_FRACTION, DEFAULT_SEED,
                DEFAULT_TOLERANCE, DEFAULT_MAX_SWEEPS, DEFAULT_PATIENCE, DEFAULT_MIN_LAMBDAS,
                Runtime.getRuntime().availableProcessors(), DEFAULT_OUTLIER_Z);
    }

    /** A copy with the given path length, ratio, validation fraction and seed. */
    public LassoConfig with(int lambdas, double ratio, double valFraction, long seed) {
        return new LassoConfig(lambdas, ratio, valFraction, seed, tolerance, maxSweeps, patience, minLambdas, threads,
                outlierZ);
    }

    /** A copy with another tolerance and early-stopping patience. */
    public LassoConfig withTolerance(double tol, int patience, int minLambdas) {
        return new LassoConfig(lambdas, lambdaRatio, valFraction, seed, tol, maxSweeps, patience, minLambdas, threads,
                outlierZ);
    }

    /** A copy with another thread count. */
    public LassoConfig withThreads(int t) {
        return new LassoConfig(lambdas, lambdaRatio, valFraction, seed, tolerance, maxSweeps, patience, minLambdas, t,
                outlierZ);
    }

    /** A copy that leaves out models more than {@code z} robust standard deviations out (0: none). */
    public LassoConfig withOutlierZ(double z) {
        return new LassoConfig(lambdas, lambdaRatio, valFraction, seed, tolerance, maxSweeps, patience, minLambdas,
                threads, z);
    }

    /** A copy with another path length. */
    public LassoConfig withLambdas(int n) {
        return with(n, lambdaRatio, valFraction, seed);
    }

    /** A copy with another smallest lambda, as a fraction of lambda_max. */
    public LassoConfig withLambdaRatio(double ratio) {
        return with(lambdas, ratio, valFraction, seed);
    }

    /** A copy with another validation fraction. */
    public LassoConfig withValFraction(double fraction) {
        return with(lambdas, lambdaRatio, fraction, seed);
    }

    /** A copy with another seed of the train/validation split. */
    public LassoConfig withSeed(long s) {
        return with(lambdas, lambdaRatio, valFraction, s);
    }

    /** A copy with another coordinate-descent tolerance. */
    public LassoConfig withTolerance(double tol) {
        return withTolerance(tol, patience, minLambdas);
    }

    /** A copy with another early-stopping patience. */
    public LassoConfig withPatience(int p) {
        return withTolerance(tolerance, p, minLambdas);
    }

    /** A copy with another least number of lambdas before an early stop. */
    public LassoConfig withMinLambdas(int n) {
        return withTolerance(tolerance, patience, n);
    }

    /** A copy with another cap on sweeps per lambda. */
    public LassoConfig withMaxSweeps(int n) {
        return new LassoConfig(lambdas, lambdaRatio, valFraction, seed, tolerance, n, patience, minLambdas, threads,
                outlierZ);
    }
}
