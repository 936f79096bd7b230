package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.data.Dataset;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
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
        w.printf("[1/3] init: store %s for the embedded sample, %d models, alpha 0.5, seed %d%n", storeDir, models, seed);
        w.flush();
        Gemm gemm = Kernels.gemm();
        try (Store s = StoreInit.create(storeDir, binding, "bernoulli", 0.5, seed, models, Outputs.keys(Outputs.DEFAULT),
                true, "datamodels demo")) {
            var meta = s.meta().orElseThrow();
            w.printf("      %d masks of %d training examples, outputs for %d targets%n", s.numModels(),
                    meta.sampling().trainSize(), meta.dataset().targetCount());
            w.printf("[2/3] train: one %s per mask (%s kernel)%n", learner, gemm.name());
            w.flush();
            Learners.Bound bound = Learners.create(s, learner, null, gemm);
            new TrainRecord(learner, bound.config(), gemm.name(), Provenance.now(gemm.name(), "datamodels demo"))
                    .recordOrCheck(s);
            int th = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            long t0 = System.nanoTime();
            Runner.Report r;
            try (Progress p = Progress.create(w, "train", "models")) {
                r = Runner.run(s, bound.learner(), new Runner.Options(0, models, th, 1, seed), new Runner.Listener() {
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
        Path fitDir = out.resolve("datamodels");
        w.printf("[3/3] fit: a LASSO path per target (margins ~ masks), lambda chosen on 10%% held-out models%n");
        w.flush();
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        LassoConfig cfg = LassoConfig.defaults().withThreads(t);
        try (Store s = Store.open(storeDir, false)) {
            Fitter.Summary sum = Fitter.fit(s, Store.MASKS, Outputs.MARGINS, null, null, cfg, gemm, fitDir, true,
                    "datamodels demo", new Fitter.Listener() {
                    });
            w.printf("      %d targets in %.1f s; max KKT violation %.1e of lambda%n", sum.targetTo() - sum.targetFrom(),
                    sum.seconds(), sum.maxKkt());
        }
        Datamodels dm = Datamodels.load(fitDir);
        Dataset train = EmbeddedSample.loadTrain();
        Dataset test = EmbeddedSample.loadTest();
        w.println();
        w.println("Which training images push each target's margin up the most (weight, training index, class):");
        for (int q = 0; q < 3; q++) {
            Integer[] order = new Integer[dm.trainSize()];
            for (int j = 0; j < order.length; j++) {
                order[j] = j;
            }
            int qq = q;
            java.util.Arrays.sort(order, (a, b) -> Float.compare(dm.weight(b, qq), dm.weight(a, qq)));
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < 3; r++) {
                int j = order[r];
                sb.append(String.format("  %+.3f #%d %s", dm.weight(j, q), j, train.classNames().get(train.label(j))));
            }
            int nnz = 0;
            for (int j = 0; j < dm.trainSize(); j++) {
                nnz += dm.weight(j, q) != 0 ? 1 : 0;
            }
            w.printf("  target %d (%s), %d non-zero weights:%s%n", q, test.classNames().get(test.label(q)), nnz, sb);
        }
        w.println();
        w.printf("Store: %s (./datamodels info --store %s); datamodels: %s (weights.npy is m x T)%n", storeDir,
                storeDir, fitDir);
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
