package io.datamodels.cli;

import io.datamodels.IndexRange;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitException;
import io.datamodels.regress.FitListener;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code datamodels fit}: a LASSO path per target from a store's masks to its outputs. */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Fit datamodels: per target, a LASSO path on standardised masks, lambda chosen on held-out "
                + "models, refit on all completed models. Writes weights.npy (m x T), bias.npy and the path data.")
final class FitCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Mixin
    SpecOption specFile;

    @Option(names = "--x", defaultValue = "masks", description = "Mask key (default ${DEFAULT-VALUE}).")
    String x;

    @Option(names = "--y", defaultValue = "margins", description = "Output key (default ${DEFAULT-VALUE}).")
    String y;

    @Option(names = "--target-range", paramLabel = "A:B",
            description = "Fit only target columns A..B-1 (default: all).")
    String targets;

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

    @Mixin
    ThreadsOption threads;

    @Option(names = "--rows", paramLabel = "A:B",
            description = "Use only the completed models among rows A..B-1; N alone means 0:N (default: all rows).")
    String rows;

    @Option(names = "--outlier-z", paramLabel = "Z", defaultValue = "" + LassoConfig.DEFAULT_OUTLIER_Z,
            description = "Leave out models whose output on some fitted target is more than Z robust standard "
                    + "deviations (1.4826 x MAD over models) from its median, e.g. diverged training runs; 0 keeps "
                    + "all (default ${DEFAULT-VALUE}).")
    double outlierZ;

    @Mixin
    OutputOptions output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        IndexRange range = targets == null ? null : RangeArg.parse(spec, "--target-range", targets);
        IndexRange modelRows = rows == null ? null : RangeArg.parseRows(spec, "--rows", rows);
        LassoConfig cfg = LassoConfig.defaults().with(lambdas, ratio, valFraction, seed)
                .withTolerance(tolerance, patience, minLambdas).withThreads(threads.count()).withOutlierZ(outlierZ);
        Gemm gemm = Kernels.gemm();
        String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        try (Store s = specFile.open(store.store, false); Progress p = Progress.create(w, "fit", "targets")) {
            if (modelRows != null) {
                RangeArg.requireWithin(spec, "--rows", modelRows, s.numModels());
            }
            FitRequest req = FitRequest.builder().masksKey(x).outputsKey(y).targets(range).models(modelRows)
                    .config(cfg).gemm(gemm).force(output.force).command(cmd).listener(new FitListener() {
                        @Override
                        public void started(int n) {
                            p.start(n);
                        }

                        @Override
                        public void targetDone() {
                            p.step(1);
                        }

                        @Override
                        public void phase(String name) {
                            p.message("fit: " + name);
                        }
                    }).build();
            Fitter.Summary sum = fit(s, req);
            w.printf("fit %d targets on %d training examples from %d completed models (%d train, %d validation; %d "
                            + "not completed, left out) in %.1f s; max KKT violation %.1e of lambda%n",
                    sum.targetTo() - sum.targetFrom(), sum.trainSize(), sum.modelsCompleted(), sum.modelsTrain(),
                    sum.modelsVal(), sum.modelsLeftOut(), sum.seconds(), sum.maxKkt());
            if (sum.constantColumns().length > 0) {
                int[] c = sum.constantColumns();
                w.printf("%d constant mask columns (always or never in a subset) get weight 0: %s%s%n", c.length,
                        java.util.Arrays.toString(java.util.Arrays.copyOf(c, Math.min(c.length, 20))),
                        c.length > 20 ? " ..." : "");
            }
            if (sum.modelsOutliers().length > 0) {
                int[] o = sum.modelsOutliers();
                w.printf("%d models left out as outliers (outputs more than %s robust sd from the median): %s%s%n",
                        o.length, outlierZ, java.util.Arrays.toString(java.util.Arrays.copyOf(o, Math.min(o.length, 20))),
                        o.length > 20 ? " ..." : "");
            }
            if (sum.targetsAtPathEnd() > 0) {
                w.printf("%d of %d targets chose the smallest lambda on the path (validation error still falling "
                                + "there); a smaller --lambda-ratio may fit them better%n", sum.targetsAtPathEnd(),
                        sum.targetTo() - sum.targetFrom());
            }
            if (!s.specSource().kind().equals(io.datamodels.store.StoreSpec.Source.STORE)) {
                w.printf("store spec: %s (recorded in fit.json as store_spec)%n", s.specSource().describe());
            }
            String few = io.datamodels.regress.Datamodels.load(output.out).fewModelsWarning(sum.modelsCompleted());
            if (few != null) {
                spec.commandLine().getErr().println("fit: " + few);
                spec.commandLine().getErr().flush();
            }
            w.printf("wrote %s%n", output.out);
            w.flush();
        }
        return ExitCodes.OK;
    }

    /** {@link Fitter#fit}, with a fault in the target range reported as one in {@code --target-range}. */
    private Fitter.Summary fit(Store s, FitRequest req) throws java.io.IOException {
        try {
            return Fitter.fit(s, output.out, req);
        } catch (FitException e) {
            if (FitRequest.TARGETS.equals(e.field())) {
                throw new FitException("--target-range: " + e.detail());
            }
            throw e;
        }
    }
}
