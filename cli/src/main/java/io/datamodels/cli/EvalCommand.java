package io.datamodels.cli;

import io.datamodels.eval.HeldOutException;
import io.datamodels.eval.Lds;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitFolder;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels eval ...}: how well datamodels predict what retraining does. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate fitted datamodels.",
        subcommands = {EvalCommand.LdsCommand.class, EvalCommand.CounterfactualCommand.class,
                EvalCommand.SupportCommand.class})
final class EvalCommand {

    /** {@code eval lds}: correlation of predicted and actual outputs on held-out models. */
    @Command(name = "lds", mixinStandardHelpOptions = true,
            description = "Linear datamodeling score: per target, Spearman and Pearson correlation between predicted and "
                    + "actual outputs of models in a held-out store (fresh masks, never used in fitting).")
    static final class LdsCommand implements Callable<Integer> {
        @Mixin
        ModelOption model;

        @Option(names = "--held-out", required = true, paramLabel = "DIR",
                description = "Held-out store: same data and targets, other seed, trained with the same learner.")
        Path heldOut;

        @Mixin
        SpecOption specFile;

        @Option(names = "--assume-same-data",
                description = "Evaluate although the fit or the held-out store records no dataset fingerprints (e.g. "
                        + "stores made by MadryLab's tools), taking on your word that both hold the same training set "
                        + "and targets; lds.json says so (data_match: assumed).")
        boolean assumeSameData;

        @Mixin
        OutputOptions output;

        @Option(names = "--seed", defaultValue = "0", description = "Bootstrap seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--allow-in-sample", description = "Evaluate even when the held-out store shares models "
                + "(identical masks) with the fitted store; the output then says the LDS is in-sample.")
        boolean allowInSample;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter w = spec.commandLine().getOut();
            output.requireAbsent();
            try (Store s = specFile.open(heldOut, false)) {
                Lds.Result r = lds(s);
                int from = FitFolder.readSummary(model.model).targetFrom();
                Lds.write(r, from, output.out, output.force);
                Lds.Summary m = r.summary();
                w.printf((m.inSample() != null ? "IN-SAMPLE " : "") + "LDS over %d targets and %d held-out models: mean Spearman %.3f (95%% CI %.3f..%.3f), mean "
                                + "Pearson %.3f; pooled Spearman %.3f, Pearson %.3f%s%n", m.targets(), m.models(),
                        m.meanSpearman(), m.spearmanCi()[0], m.spearmanCi()[1], m.meanPearson(), m.pooledSpearman(),
                        m.pooledPearson(), m.undefined() > 0 ? "; " + m.undefined() + " targets with constant "
                                + "outputs or predictions left out of the means" : "");
                if ("assumed".equals(m.dataMatch())) {
                    w.printf("data not verified: the fit or the held-out store records no dataset fingerprints; "
                            + "taken to be the same training set and targets (--assume-same-data)%n");
                }
                if (m.inSample() != null) {
                    w.printf("in-sample, not held-out (--allow-in-sample): %s%n", m.inSample());
                }
                w.printf("wrote %s%n", output.out);
                w.flush();
            }
            return ExitCodes.OK;
        }

        /** {@link Lds#run}, with a refusal that an option would relax naming that option's flag. */
        private Lds.Result lds(Store s) throws java.io.IOException {
            try {
                return Lds.run(model.model, s, Kernels.gemm(), seed, assumeSameData, allowInSample);
            } catch (HeldOutException e) {
                throw new io.datamodels.store.StoreException(e.messageNaming(switch (e.relax()) {
                    case ASSUME_SAME_DATA -> "--assume-same-data";
                    case ALLOW_IN_SAMPLE -> "--allow-in-sample";
                }));
            }
        }
    }

    /** Options shared by the retraining evaluations. */
    static final class RetrainOptions {
        @Mixin
        ModelOption model;

        @Option(names = "--target-range", defaultValue = "0:20", paramLabel = "A:B",
                description = "Targets, as a range of the fitted targets (default ${DEFAULT-VALUE}).")
        String targets;

        @Mixin
        RetrainRunOptions run;

        int[] targetList(picocli.CommandLine.Model.CommandSpec spec) {
            return RangeArg.parse(spec, "--target-range", targets).indices();
        }

        /** The fitted store ({@link RetrainRunOptions#fittedStore}). */
        Path fittedStore() throws java.io.IOException {
            return run.fittedStore(model.model, "--model");
        }
    }

    static int[] parseKs(String s) {
        return java.util.Arrays.stream(s.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    /** {@code eval counterfactual}: predicted vs actual output change after removing the top-k examples. */
    @Command(name = "counterfactual", mixinStandardHelpOptions = true,
            description = "Remove each target's top-k supporting training examples (largest positive weights) from a "
                    + "base set, retrain --retrains models, and compare the actual mean output change with the "
                    + "datamodel's prediction.")
    static final class CounterfactualCommand implements Callable<Integer> {
        @Mixin
        RetrainOptions o;

        @Option(names = "--k", defaultValue = "10,20,50,100", description = "Removal sizes (default ${DEFAULT-VALUE}).")
        String ks;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            o.run.output.requireAbsent();
            io.datamodels.eval.Counterfactual cf = new io.datamodels.eval.Counterfactual(o.targetList(spec),
                    parseKs(ks), o.run.base, o.run.retrains, o.run.seed);
            PrintWriter w = spec.commandLine().getOut();
            try (Store s = o.run.specFile.open(o.fittedStore(), false); Progress p = Progress.create(w, "retrain", "models")) {
                var r = cf.run(o.model.model, s, o.run.workDir(), Kernels.gemm(), o.run.threads.count(),
                        new Progress.Training(p));
                io.datamodels.eval.Counterfactual.write(r, o.run.output.out, o.run.output.force);
                var m = r.summary();
                w.printf("counterfactual over %d (target, k) points, base %s (%d examples), %d retrains each: Pearson "
                        + "%.3f, Spearman %.3f%n", m.points(), m.base(), m.baseSize(), m.retrains(), m.pearson(),
                        m.spearman());
                for (int i = 0; i < m.ks().length; i++) {
                    w.printf("  k=%d: Pearson %.3f, Spearman %.3f%n", m.ks()[i], m.pearsonPerK()[i], m.spearmanPerK()[i]);
                }
                w.printf("wrote %s%n", o.run.output.out);
                w.flush();
            }
            return ExitCodes.OK;
        }
    }

    /** {@code eval support}: how few examples flip each prediction. */
    @Command(name = "support", mixinStandardHelpOptions = true,
            description = "Estimate per target the smallest k whose removal flips the prediction, and verify by "
                    + "retraining (majority vote of --retrains models).")
    static final class SupportCommand implements Callable<Integer> {
        @Mixin
        RetrainOptions o;

        @Option(names = "--max-k", defaultValue = "250", description = "Largest removal (default ${DEFAULT-VALUE}).")
        int maxK;

        @Option(names = "--grid", defaultValue = "10,25,50,100,250", description = "Report points (default ${DEFAULT-VALUE}).")
        String grid;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            o.run.output.requireAbsent();
            io.datamodels.eval.Support sp = new io.datamodels.eval.Support(o.targetList(spec), maxK, parseKs(grid),
                    o.run.base, o.run.retrains, o.run.seed);
            PrintWriter w = spec.commandLine().getOut();
            try (Store s = o.run.specFile.open(o.fittedStore(), false); Progress p = Progress.create(w, "retrain", "models")) {
                var r = sp.run(o.model.model, s, o.run.workDir(), Kernels.gemm(), o.run.threads.count(),
                        new Progress.Training(p));
                io.datamodels.eval.Support.write(r, o.run.output.out, o.run.output.force);
                var m = r.summary();
                w.printf("support over %d targets predicted correctly on the %s base set (max k %d, %d retrains each); "
                        + "verified %.0f%% of predicted flips%n", m.considered(), m.base(), m.maxK(), m.retrains(),
                        100 * m.verifiedOfPredicted());
                for (int i = 0; i < m.grid().length; i++) {
                    w.printf("  k<=%d: predicted to flip %.1f%%, verified %.1f%%%n", m.grid()[i], 100 * m.predicted()[i],
                            100 * m.verified()[i]);
                }
                w.printf("wrote %s%n", o.run.output.out);
                w.flush();
            }
            return ExitCodes.OK;
        }
    }
}
