package io.datamodels.spark;

import io.datamodels.cli.FitModelOptions;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitPieces;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    FitModelOptions model;

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
        Path dir = store.toAbsolutePath().normalize();
        Path outDir = out.toAbsolutePath().normalize();
        String cmd = "datamodels spark " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        try (Store s = Store.open(dir, false)) {
            FitRequest req = model.request(spec, s.numModels(), threads).gemm(Kernels.gemm()).force(force)
                    .command(cmd).build();
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
