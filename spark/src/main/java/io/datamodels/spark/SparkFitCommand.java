package io.datamodels.spark;

import io.datamodels.IndexRange;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitPieces;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels spark fit}: the store fit of {@code datamodels fit}, its statistics and targets spread over a cluster. */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Fit datamodels on a Spark cluster: the same files as 'datamodels fit' (byte for byte), with the "
                + "Gram matrix summed over row partitions in column blocks and the targets solved in slices. Store and "
                + "output must be on a file system every executor mounts at the same path.")
final class SparkFitCommand implements Callable<Integer> {
    @Option(names = {"-s", "--store"}, required = true, paramLabel = "DIR", description = "The experiment store folder.")
    Path store;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The fit folder to write.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out.")
    boolean force;

    @Option(names = "--x", defaultValue = "masks", description = "Mask key (default ${DEFAULT-VALUE}).")
    String x;

    @Option(names = "--y", defaultValue = "margins", description = "Output key (default ${DEFAULT-VALUE}).")
    String y;

    @Option(names = "--target-range", paramLabel = "A:B", description = "Fit only target columns A..B-1.")
    String targets;

    @Option(names = "--rows", paramLabel = "A:B", description = "Use only the completed models among rows A..B-1.")
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
            description = "Coordinate descent tolerance (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--patience", defaultValue = "" + LassoConfig.DEFAULT_PATIENCE,
            description = "Stop a path after this many rises of validation MSE (default ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--min-lambdas", defaultValue = "" + LassoConfig.DEFAULT_MIN_LAMBDAS,
            description = "... but not before this many lambdas (default ${DEFAULT-VALUE}).")
    int minLambdas;

    @Option(names = "--outlier-z", paramLabel = "Z", defaultValue = "" + LassoConfig.DEFAULT_OUTLIER_Z,
            description = "Leave out models with an output more than Z robust sd from the median; 0 keeps all "
                    + "(default ${DEFAULT-VALUE}).")
    double outlierZ;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: the one spark-submit gives, else local[*]).")
    String master;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Solver threads per slice task (default ${DEFAULT-VALUE}; match spark.task.cpus).")
    int threads;

    @Option(names = "--column-block", paramLabel = "N", defaultValue = "1024",
            description = "Columns of the Gram matrix per block, a multiple of " + FitPieces.PANEL + "; an executor "
                    + "holds 2 x N x m floats of it at most (default ${DEFAULT-VALUE}).")
    int columnBlock;

    @Option(names = "--slices", paramLabel = "N", description = "Target slices (default: 4 per core of the cluster).")
    Integer slices;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        IndexRange range = targets == null ? null : IndexRange.parse("--target-range", targets);
        IndexRange modelRows = rows == null ? null : IndexRange.parse("--rows", rows);
        LassoConfig cfg = LassoConfig.defaults().with(lambdas, ratio, valFraction, seed)
                .withTolerance(tolerance, patience, minLambdas).withThreads(threads).withOutlierZ(outlierZ);
        Path dir = store.toAbsolutePath().normalize();
        Path outDir = out.toAbsolutePath().normalize();
        String cmd = "datamodels spark " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        try (Store s = Store.open(dir, false)) {
            if (modelRows != null && modelRows.to() > s.numModels()) {
                throw new StoreException("--rows: expected a range within [0, " + s.numModels() + "], got " + rows);
            }
            FitRequest req = FitRequest.builder().masksKey(x).outputsKey(y).targets(range).models(modelRows)
                    .config(cfg).gemm(Kernels.gemm()).force(force).command(cmd).build();
            // Everything the fit can refuse is refused here, before a context exists.
            FitPieces.Plan plan = FitPieces.plan(s, req);
            io.datamodels.store.AtomicFiles.requireAbsent(outDir, force);
            try (JavaSparkContext sc = SparkMain.context(master, "datamodels spark fit")) {
                int n = slices != null ? slices : 4 * sc.defaultParallelism();
                DistributedFit.Options opt = new DistributedFit.Options(columnBlock, sc.defaultParallelism(), n,
                        threads);
                w.printf("spark fit: %d targets, %d training examples, %d models, on master %s%n", plan.t(), plan.m(),
                        plan.train().length + plan.validation().length, sc.master());
                w.flush();
                Fitter.Summary sum;
                try {
                    sum = DistributedFit.run(sc, s, outDir, req, plan, opt, DistributedFit.Hook.NONE);
                } catch (Exception e) {
                    if (!(e instanceof org.apache.spark.SparkException)) {
                        throw e;
                    }
                    StoreException refused = DistributedFit.refusal(e);
                    if (refused != null) {
                        StoreException x = new StoreException(refused.getMessage().lines().findFirst().orElse("")
                                + "; " + outDir + " was not written");
                        x.initCause(e);
                        throw x;
                    }
                    throw new java.io.IOException("the Spark job failed; " + outDir + " was not written: "
                            + e.getMessage().lines().findFirst().orElse(""), e);
                }
                w.printf("fit %d targets on %d training examples from %d completed models (%d train, %d validation; "
                                + "%d not completed, left out) in %.1f s; max KKT violation %.1e of lambda%n",
                        sum.targetTo() - sum.targetFrom(), sum.trainSize(), sum.modelsCompleted(), sum.modelsTrain(),
                        sum.modelsVal(), sum.modelsLeftOut(), sum.seconds(), sum.maxKkt());
                w.printf("wrote %s%n", outDir);
            }
        }
        return SparkMain.OK;
    }
}
