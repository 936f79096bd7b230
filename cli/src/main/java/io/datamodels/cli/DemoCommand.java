package io.datamodels.cli;

import io.datamodels.data.Dataset;
import io.datamodels.data.EmbeddedSample;
import io.datamodels.pipeline.ExperimentConfig;
import io.datamodels.pipeline.Pipeline;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.AtomicFiles;
import io.datamodels.train.LearnerKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code datamodels demo}: {@code run} on the embedded Fashion-MNIST sample with a built-in config, then the
 * training images that support a few targets the most.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on the embedded Fashion-MNIST sample (2,000 training images, 500 targets): "
                + "train, fit, evaluate (LDS, counterfactuals, support), explore (nearest targets, PCA, clusters, "
                + "leakage) and write report.html, in about a minute on 2 cores.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-run", paramLabel = "DIR",
            description = "Working folder; replaced on every run (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = {"-n", "--models"}, defaultValue = "1000", description = "Models for fitting (default ${DEFAULT-VALUE}).")
    long models;

    @Option(names = "--held-out-models", defaultValue = "200",
            description = "Held-out models for the LDS (default ${DEFAULT-VALUE}).")
    long heldOut;

    @Option(names = "--learner", defaultValue = "softmax", description = "mlp or softmax (default ${DEFAULT-VALUE}).")
    String learner;

    @Option(names = "--seed", defaultValue = "0", description = "Root seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The demo's experiment. */
    ExperimentConfig config() {
        return new ExperimentConfig("embedded", null, "all", "all", LearnerKind.of(learner), null, "bernoulli", 0.5, seed, models,
                heldOut, 100, 1e-2, 0.1, 0,
                new ExperimentConfig.CounterfactualConfig("0:20", List.of(10, 25, 50), "full", 3),
                new ExperimentConfig.SupportConfig("0:20", 250, List.of(10, 25, 50, 100, 250), "random", 3),
                threads.threads);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        AtomicFiles.deleteRecursively(out);
        Pipeline.Headline h = RunCommand.run(config(), out, w, "datamodels demo");
        RunCommand.print(w, h, out);
        Datamodels dm = Datamodels.load(out.resolve("datamodels"));
        Dataset train = EmbeddedSample.loadTrain();
        Dataset test = EmbeddedSample.loadTest();
        w.println();
        w.println("Training images that push a target's margin up the most (weight, training index, class):");
        for (int q = 0; q < 3; q++) {
            int[] order = dm.bySupport(q, java.util.stream.IntStream.range(0, dm.trainSize()).toArray());
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < 3; r++) {
                int j = order[r];
                sb.append(String.format("  %+.3f #%d %s", dm.weight(j, q), j, train.classNames().get(train.label(j))));
            }
            w.printf("  target %d (%s):%s%n", q, test.classNames().get(test.label(q)), sb);
        }
        w.printf("%nEverything is in %s: run.json, store/, held-out/, datamodels/ (weights.npy is m x T), eval/, "
                + "explore/%n", out);
        ReportCommand.print(w, io.datamodels.report.RunReport.write(out, out.resolve(io.datamodels.report.RunReport.FILE),
                io.datamodels.report.RunReport.Options.defaults(), "datamodels demo"));
        w.flush();
        return ExitCodes.OK;
    }
}
