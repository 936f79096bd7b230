package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.Outputs;
import io.datamodels.store.DataBinding;
import io.datamodels.store.Store;
import io.datamodels.store.StoreInit;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.TrainRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code datamodels demo}: the pipeline on the embedded Fashion-MNIST sample, with nothing else needed. Each stage
 * of the pipeline adds its step here as it lands.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the pipeline on the embedded Fashion-MNIST sample (2,000 training images, 500 targets).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-run", paramLabel = "DIR",
            description = "Working folder; replaced on every run (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = {"-n", "--models"}, defaultValue = "1000", description = "Models (default ${DEFAULT-VALUE}).")
    long models;

    @Option(names = "--learner", defaultValue = "softmax", description = "mlp or softmax (default ${DEFAULT-VALUE}).")
    String learner;

    @Option(names = "--seed", defaultValue = "0", description = "Root seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Worker threads (default: available cores).")
    Integer threads;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        Path storeDir = out.resolve("store");
        DataBinding binding = new DataBinding(DatasetSpec.embedded("train"), Selection.parse("all"),
                DatasetSpec.embedded("test"), Selection.parse("all"));
        w.printf("[1/2] init: store %s for the embedded sample, %d models, alpha 0.5, seed %d%n", storeDir, models, seed);
        w.flush();
        Gemm gemm = Kernels.gemm();
        try (Store s = StoreInit.create(storeDir, binding, "bernoulli", 0.5, seed, models, Outputs.keys(Outputs.DEFAULT),
                true, "datamodels demo")) {
            var meta = s.meta().orElseThrow();
            w.printf("      %d masks of %d training examples, outputs for %d targets%n", s.numModels(),
                    meta.sampling().trainSize(), meta.dataset().targetCount());
            w.printf("[2/2] train: one %s per mask (%s kernel)%n", learner, gemm.name());
            w.flush();
            Learners.Bound bound = Learners.create(s, learner, null, gemm);
            new TrainRecord(learner, bound.config(), gemm.name(), Provenance.now(gemm.name(), "datamodels demo"))
                    .recordOrCheck(s);
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            long t0 = System.nanoTime();
            Runner.Report r;
            try (Progress p = Progress.create(w, "train", "models")) {
                r = Runner.run(s, bound.learner(), new Runner.Options(0, models, t, 1, seed), new Runner.Listener() {
                    @Override
                    public void started(long todo) {
                        p.start(todo);
                    }

                    @Override
                    public void stored(int count) {
                        p.step(count);
                    }
                });
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            w.printf("      %d models in %.1f s (%.0f models/hour); mean training accuracy %.3f, mean target margin "
                            + "%.2f%n", r.stored(), secs, r.stored() / Math.max(secs, 1e-9) * 3600,
                    mean(s.array(Outputs.TRAIN_ACCURACY)), mean(s.array(Outputs.MARGINS)));
            if (!r.failures().isEmpty()) {
                w.printf("      %d models failed, first: %s%n", r.failures().size(), r.failures().getFirst());
                w.flush();
                return ExitCodes.PARTIAL_FAILURE;
            }
        }
        w.println();
        w.printf("Inspect it with: ./datamodels info --store %s%n", storeDir);
        w.flush();
        return ExitCodes.OK;
    }

    private static double mean(NpyArray a) {
        double s = 0;
        for (long i = 0; i < a.size(); i++) {
            s += a.getDouble(i);
        }
        return a.size() == 0 ? 0 : s / a.size();
    }
}
