package io.datamodels.cli;

import io.datamodels.eval.Lds;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.Fitter;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels eval ...}: how well datamodels predict what retraining does. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate fitted datamodels.",
        subcommands = {EvalCommand.LdsCommand.class})
final class EvalCommand {

    /** {@code eval lds}: correlation of predicted and actual outputs on held-out models. */
    @Command(name = "lds", mixinStandardHelpOptions = true,
            description = "Linear datamodeling score: per target, Spearman and Pearson correlation between predicted and "
                    + "actual outputs of models in a held-out store (fresh masks, never used in fitting).")
    static final class LdsCommand implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "A folder written by 'fit'.")
        Path model;

        @Option(names = "--store", required = true, paramLabel = "DIR",
                description = "Held-out store: same data and targets, other seed, trained with the same learner.")
        Path store;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--seed", defaultValue = "0", description = "Bootstrap seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--force", description = "Replace an existing --out folder.")
        boolean force;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter w = spec.commandLine().getOut();
            if (java.nio.file.Files.exists(out) && !force) {
                throw new java.nio.file.FileAlreadyExistsException(out.toString(), null,
                        "already exists (pass --force to replace it)");
            }
            try (Store s = Store.open(store, false)) {
                Lds.Result r = Lds.run(model, s, Kernels.gemm(), seed);
                int from = io.datamodels.Json.read(model.resolve(Fitter.FIT_JSON), Fitter.Summary.class).targetFrom();
                Lds.write(r, from, out, force);
                Lds.Summary m = r.summary();
                w.printf("LDS over %d targets and %d held-out models: mean Spearman %.3f (95%% CI %.3f..%.3f), mean "
                                + "Pearson %.3f; pooled Spearman %.3f, Pearson %.3f%s%n", m.targets(), m.models(),
                        m.meanSpearman(), m.spearmanCi()[0], m.spearmanCi()[1], m.meanPearson(), m.pooledSpearman(),
                        m.pooledPearson(), m.undefined() > 0 ? "; " + m.undefined() + " targets with constant "
                                + "outputs or predictions left out of the means" : "");
                w.printf("wrote %s%n", out);
                w.flush();
            }
            return ExitCodes.OK;
        }
    }
}
