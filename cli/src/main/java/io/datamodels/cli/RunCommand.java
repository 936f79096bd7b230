package io.datamodels.cli;

import io.datamodels.Json;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.pipeline.ExperimentConfig;
import io.datamodels.pipeline.Pipeline;
import io.datamodels.train.Runner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels run}: a whole experiment from one config, resumable stage by stage. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run an experiment config (JSON) through init, train, fit and eval in one folder; rerun to "
                + "resume after an interruption.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Experiment config (JSON).")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Experiment folder.")
    Path dir;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = Json.read(config, ExperimentConfig.class);
        String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        Pipeline.Headline h = run(cfg, dir, spec.commandLine().getOut(), cmd);
        print(spec.commandLine().getOut(), h, dir);
        ReportCommand.print(spec.commandLine().getOut(), io.datamodels.report.RunReport.write(dir,
                dir.resolve(io.datamodels.report.RunReport.FILE), io.datamodels.report.RunReport.Options.defaults(),
                cmd));
        return ExitCodes.OK;
    }

    /** Runs {@code cfg} in {@code dir}, reporting stages and progress on {@code w}. */
    static Pipeline.Headline run(ExperimentConfig cfg, Path dir, PrintWriter w, String cmd) throws Exception {
        Gemm gemm = Kernels.gemm();
        return Pipeline.run(cfg, dir, gemm, new Pipeline.Reporter() {
            @Override
            public void line(String text) {
                w.println(text);
                w.flush();
            }

            @Override
            public Runner.Listener training(String what) {
                return new Progress.Training(Progress.create(w, what, "models"));
            }
        }, cmd);
    }

    /** The headline figures. */
    static void print(PrintWriter w, Pipeline.Headline h, Path dir) {
        w.println();
        w.printf("Results in %s%n", dir);
        w.printf("  models: mean training accuracy %.3f; mean accuracy on the targets %.3f%n", h.meanTrainAccuracy(),
                h.meanTargetAccuracy());
        if (h.lds() != null) {
            w.printf("  LDS (%d held-out models, mean over %d targets): mean Spearman %.3f (95%% CI %.3f..%.3f), mean "
                            + "Pearson %.3f%n", h.lds().models(), h.lds().targets() - h.lds().undefined(),
                    h.lds().meanSpearman(), h.lds().spearmanCi()[0], h.lds().spearmanCi()[1], h.lds().meanPearson());
        }
        if (h.counterfactual() != null) {
            var c = h.counterfactual();
            w.printf("  counterfactual (remove top-k, retrain %d x): Pearson %.3f, Spearman %.3f over %d points%n",
                    c.retrains(), c.pearson(), c.spearman(), c.points());
        }
        if (h.support() != null) {
            var s = h.support();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < s.grid().length; i++) {
                sb.append(String.format(" k<=%d: %.0f%% (%.0f%% verified)", s.grid()[i], 100 * s.predicted()[i],
                        100 * s.verified()[i]));
            }
            w.printf("  support: targets flipped by removing%s%n", sb);
        }
        w.println();
        w.println("What the figures mean:");
        w.println("  LDS: for models trained on fresh random subsets, the rank correlation between each target's");
        w.println("    predicted margin (bias + the weights of the examples in the subset) and its actual margin;");
        w.println("    1 = the datamodels order those models perfectly, 0 = no better than guessing.");
        w.println("  counterfactual: remove each target's k most supporting training examples, retrain, and compare the");
        w.println("    predicted drop in margin with the actual one; a correlation near 1 = the weights say what removal does.");
        w.println("  support: the fewest training examples whose removal flips a correct prediction, as predicted by");
        w.println("    the weights and checked by retraining; few = the prediction rests on a handful of examples.");
        w.flush();
    }
}
