package io.datamodels.cli;

import io.datamodels.IndexRange;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.LassoConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options of a store fit that say what is fitted and how (keys, target and model ranges, the lasso path and the
 * validation split, outliers), shared as a picocli mixin by {@code datamodels fit} and {@code datamodels spark fit}
 * (the spark module), so that both read the same command line the same way.
 */
public final class FitModelOptions {
    @Option(names = "--x", defaultValue = "masks", description = "Mask key (default ${DEFAULT-VALUE}).")
    String x;

    @Option(names = "--y", defaultValue = "margins", description = "Output key (default ${DEFAULT-VALUE}).")
    String y;

    @Option(names = "--target-range", paramLabel = "A:B",
            description = "Fit only target columns A..B-1 (default: all).")
    String targets;

    @Option(names = "--rows", paramLabel = "A:B",
            description = "Use only the completed models among rows A..B-1; N alone means 0:N (default: all rows).")
    String rows;

    @Option(names = "--val-fraction", defaultValue = "" + LassoConfig.DEFAULT_VAL_FRACTION,
            description = "Held-out fraction (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--lambdas", defaultValue = "" + LassoConfig.DEFAULT_LAMBDAS,
            description = "Path length (default ${DEFAULT-VALUE}).")
    int lambdas;

    @Option(names = "--lambda-ratio", defaultValue = "" + LassoConfig.DEFAULT_LAMBDA_RATIO,
            description = "Smallest lambda / lambda_max (default ${DEFAULT-VALUE}).")
    double ratio;

    @Option(names = "--seed", defaultValue = "" + LassoConfig.DEFAULT_SEED,
            description = "Split seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tolerance", defaultValue = "" + LassoConfig.DEFAULT_TOLERANCE,
            description = "Coordinate descent stops when max (delta w)^2 <= tolerance * var(y) (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--patience", defaultValue = "" + LassoConfig.DEFAULT_PATIENCE,
            description = "Stop a path after this many rises of validation MSE (default ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--min-lambdas", defaultValue = "" + LassoConfig.DEFAULT_MIN_LAMBDAS,
            description = "... but not before this many lambdas (default ${DEFAULT-VALUE}).")
    int minLambdas;

    @Option(names = "--outlier-z", paramLabel = "Z", defaultValue = "" + LassoConfig.DEFAULT_OUTLIER_Z,
            description = "Leave out models whose output on some fitted target is more than Z robust standard "
                    + "deviations (1.4826 x MAD over models) from its median, e.g. diverged training runs; 0 keeps "
                    + "all (default ${DEFAULT-VALUE}).")
    double outlierZ;

    /** {@code --outlier-z}. */
    public double outlierZ() {
        return outlierZ;
    }

    /**
     * The request these options give, for a store of {@code numModels} rows, with {@code threads} solver threads;
     * the caller adds the kernel, {@code force}, the command and a listener.
     *
     * @throws picocli.CommandLine.ParameterException for a malformed range, or rows past the store's (exit code 2)
     */
    public FitRequest.Builder request(CommandSpec spec, long numModels, int threads) {
        IndexRange range = targets == null ? null : RangeArg.parse(spec, "--target-range", targets);
        IndexRange modelRows = rows == null ? null : RangeArg.parseRows(spec, "--rows", rows);
        if (modelRows != null) {
            RangeArg.requireWithin(spec, "--rows", modelRows, numModels);
        }
        LassoConfig cfg = LassoConfig.defaults().with(lambdas, ratio, valFraction, seed)
                .withTolerance(tolerance, patience, minLambdas).withThreads(threads).withOutlierZ(outlierZ);
        return FitRequest.builder().masksKey(x).outputsKey(y).targets(range).models(modelRows).config(cfg);
    }
}
