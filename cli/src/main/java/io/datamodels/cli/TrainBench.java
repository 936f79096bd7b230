package io.datamodels.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.MlpConfig;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.train.InitOptions;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.StoreInit;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code datamodels bench train}: models/hour of the built-in learners on workload W1 (Fashion-MNIST, first 5,000
 * training images, first 1,000 test images as targets, alpha 0.5 Bernoulli, 10 epochs, batch 128, momentum 0.9),
 * through the real runner and store, with the achieved GFLOP/s and its fraction of the measured GEMM ceiling.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Benchmark training throughput on W1 (or another dataset) through the runner and a scratch store.")
final class TrainBench implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "idx:../shared/data/fashion-mnist", paramLabel = "SPEC",
            description = "Training data (default ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--train", defaultValue = "5000", description = "Training selection (default ${DEFAULT-VALUE}).")
    String train;

    @Option(names = "--targets", defaultValue = "1000", description = "Target selection (default ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--learner", defaultValue = "mlp", description = "mlp or softmax (default ${DEFAULT-VALUE}).")
    String learner;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Config override, e.g. --set mode=shared.")
    List<String> sets = new ArrayList<>();

    @Option(names = {"-n", "--models"}, defaultValue = "256", description = "Models per run (default ${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs; the median is reported (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--gemm-size", defaultValue = "2048", paramLabel = "N",
            description = "Size n of the n^3 GEMM that measures the ceiling (default ${DEFAULT-VALUE}).")
    int gemmSize;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", paramLabel = "DIR", description = "Scratch folder (default: a temporary folder).")
    Path dir;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int t = threads.count();
        Gemm gemm = Kernels.gemm();
        Path scratch = dir != null ? dir : Files.createTempDirectory("datamodels-bench-");
        DatasetSpec src = DatasetSpec.parse(data);
        DataBinding binding = new DataBinding(src, Selection.parse(train), DataBinding.defaultTargetSource(src),
                Selection.parse(targets));
        LearnerKind kind = LearnerKind.of(learner);
        var overrides = ConfigOverrides.apply(sets, Json.object(), spec);
        if (gemmSize < 1 || models < 1 || repeats < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--gemm-size, --models and --repeats "
                    + "must be >= 1, got " + gemmSize + ", " + models + ", " + repeats);
        }
        double[] ceiling = BenchCommand.GemmBench.ceiling(gemm, gemmSize, t, 5);
        out.printf("CPU: %s; kernels %s; %s GEMM ceiling %.1f GFLOP/s (%d^3, %d threads, median of 5)%n",
                Kernels.cpuModel(), Kernels.describe(gemm), gemm.name(), ceiling[0], gemmSize, t);
        out.flush();
        double[] rates = new double[repeats];
        double flopsPerModel = 0;
        double executedPerModel = 0;
        String mode = "";
        try {
            for (int r = -1; r < repeats; r++) {
                Path storeDir = scratch.resolve("store");
                double secs;
                InitOptions init = InitOptions.builder(models).seed(1000 + r).replace(true)
                        .command("datamodels bench train").build();
                try (Store s = StoreInit.create(storeDir, binding, init)) {
                    TrainOptions options = TrainOptions.builder(kind).config(overrides).threads(t).retries(0)
                            .gemm(gemm).command("datamodels bench train").build();
                    try (Training training = Training.start(s, options)) {
                        // The resolved config holds the fields common to all learners (runs_per_mask) besides the
                        // MLP's own; each model trains runs_per_mask times.
                        ObjectNode mlpFields = (ObjectNode) training.config();
                        mlpFields.remove(Learners.RUNS_PER_MASK);
                        MlpConfig cfg = Json.convert("learner config", mlpFields, MlpConfig.class);
                        int runs = Learners.runsPerMask(training.config());
                        mode = cfg.mode() == MlpConfig.Mode.SHARED ? "shared" : "gather";
                        var meta = s.meta().orElseThrow();
                        double[] f = flops(cfg, meta.sampling().trainSize(), meta.dataset().targetCount(), init.alpha(),
                                src.load().numClasses(), (int) s.array(Store.MASKS).rowElements(),
                                DatasetSpec.parse(data).load().cols(), mode);
                        flopsPerModel = runs * f[0];
                        executedPerModel = runs * f[1];
                        secs = training.run(new Runner.Listener() {
                        }).requireNoFailures("benchmark models").seconds();
                    }
                    if (r >= 0) {
                        rates[r] = models / secs;
                        out.printf("  run %d: %d models in %.2f s = %.0f models/hour%n", r + 1, models, secs,
                                rates[r] * 3600);
                        out.flush();
                    } else {
                        out.printf("  warm-up: %d models in %.2f s%n", models, secs);
                        out.flush();
                    }
                }
            }
        } finally {
            if (dir == null) {
                AtomicFiles.deleteRecursively(scratch);
            }
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double med = sorted[repeats / 2];
        double useful = med * flopsPerModel / 1e9;
        double executed = med * executedPerModel / 1e9;
        out.printf("%s (%s mode, %s kernel, %d threads) on %s train %s targets %s: median %.0f models/hour "
                        + "(min %.0f, max %.0f over %d runs)%n", learner, mode, Kernels.describe(gemm), t, data, train,
                targets,
                med * 3600, sorted[0] * 3600, sorted[repeats - 1] * 3600, repeats);
        out.printf("  %.4g GFLOP per model (useful), %.4g executed; achieved %.1f GFLOP/s useful, %.1f executed; "
                        + "GEMM ceiling %.1f GFLOP/s -> %.0f%% useful, %.0f%% executed%n",
                flopsPerModel / 1e9, executedPerModel / 1e9, useful, executed, ceiling[0],
                100 * useful / ceiling[0], 100 * executed / ceiling[0]);
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * {useful, executed} FLOPs per model: forward (2 n_l n_(l+1) per example and layer), backward (the weight
     * gradient of every layer, and the input gradient of every layer but the first), over epochs x alpha m examples,
     * plus the forward passes for training statistics (alpha m) and targets (T). Shared mode executes 1/alpha more
     * training work and a forward pass over all of S.
     */
    static double[] flops(MlpConfig cfg, int m, int targets, double alpha, int classes, int mm, int d, String mode) {
        int[] h = cfg.hidden();
        int[] sizes = new int[h.length + 2];
        sizes[0] = d;
        System.arraycopy(h, 0, sizes, 1, h.length);
        sizes[sizes.length - 1] = classes;
        double fwd = 0;
        double bwd = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            double mac = (double) sizes[l] * sizes[l + 1];
            fwd += 2 * mac;
            bwd += 2 * mac + (l > 0 ? 2 * mac : 0);
        }
        double own = alpha * m;
        double useful = cfg.epochs() * own * (fwd + bwd) + own * fwd + targets * fwd;
        double executed = mode.equals("shared")
                ? cfg.epochs() * m * (fwd + bwd) + m * fwd + targets * fwd
                : useful;
        return new double[]{useful, executed};
    }
}
