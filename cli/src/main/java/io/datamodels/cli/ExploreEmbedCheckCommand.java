package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.eval.ComponentCheck;
import io.datamodels.explore.Embedding;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.BaseSet;
import io.datamodels.regress.FitException;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels explore embed-check}: one principal component checked by retraining without its ends. */
@Command(name = "embed-check", mixinStandardHelpOptions = true,
        description = "Check one principal component of 'explore embed' by retraining, as Ilyas et al. (2022) do: "
                + "remove from a base set the --k training examples of highest loading, then (separately) those of "
                + "lowest loading, retrain --retrains models for each and for the base set itself (model r of all "
                + "three with the same seed), and measure the output change of the --end-targets targets of highest and of lowest "
                + "score, of the other targets, and the accuracy change over all fitted targets. Writes "
                + "component_check.json, component_check.csv, target_changes.csv, outputs.npy, removed.npy and "
                + "end_targets.npy.")
final class ExploreEmbedCheckCommand implements Callable<Integer> {
    @Mixin
    ExploreCommand.FitOption fit;

    @Option(names = "--embed", required = true, paramLabel = "DIR",
            description = "A folder written by 'explore embed' from the same fit.")
    Path embed;

    @Option(names = "--component", defaultValue = "0",
            description = "The component, counted from 0 (the column of pca_scores.npy; pca_ends.json's "
                    + "'component'); default ${DEFAULT-VALUE}, the first.")
    int component;

    @Option(names = "--k", defaultValue = "100", description = "Training examples removed at each end (default "
            + "${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--end-targets", defaultValue = "50", description = "Targets at each end whose output changes are "
            + "averaged (default ${DEFAULT-VALUE}).")
    int endTargets;

    @Mixin
    RetrainRunOptions run;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ComponentCheck check = new ComponentCheck(component, k, endTargets, BaseSet.parse(run.base), run.retrains,
                run.seed);
        run.output.requireAbsent();
        Path storeDir = run.fittedStore(fit.fit, "--fit");
        Embedding.Component c = Embedding.readComponent(embed, component);
        Fitter.Summary fs = FitFolder.readSummary(fit.fit);
        if (c.targetFrom() != fs.targetFrom()) {
            throw new FitException(embed.resolve("embed.json") + ": target_from: expected " + fs.targetFrom()
                    + " (the fit's), got " + c.targetFrom() + " (an embedding of another fit?)");
        }
        if (c.fit() != null && Files.isDirectory(Path.of(c.fit())) && !Files.isSameFile(Path.of(c.fit()), fit.fit)) {
            throw new FitException(embed.resolve("embed.json") + ": fit: expected " + fit.fit + " (--fit), got "
                    + c.fit());
        }
        PrintWriter w = spec.commandLine().getOut();
        ComponentCheck.Summary s;
        try (Store st = run.specFile.open(storeDir, false); Progress p = Progress.create(w, "retrain", "models")) {
            ComponentCheck.Result r = check.run(fit.fit, st, c.loadings(), c.scores(), c.explained(),
                    embed.toString(), run.workDir(), Kernels.gemm(), run.threads.count(), new Progress.Training(p));
            s = ComponentCheck.write(r, run.output.out, run.output.force,
                    Provenance.now(Kernels.gemm().name(), "explore embed-check"));
        }
        w.printf("component %d (%.1f%% of the variance): removed %d training examples at each end of a %s base set "
                        + "(%d examples), %d retrains per arm; mean %s change (+- sd over seeds):%n", component,
                100 * c.explained(), k, s.base(), s.baseSize(), s.retrains(), s.output());
        for (ComponentCheck.ArmSummary a : s.arms()) {
            w.printf("  %-11s: %d high-end targets %+.3f +- %.3f (predicted %+.3f), %d low-end %+.3f +- %.3f "
                            + "(predicted %+.3f), others %+.3f +- %.3f%s%n", a.arm(), endTargets,
                    a.changeHigh().mean(), a.changeHigh().sd(), a.predictedHigh(), endTargets, a.changeLow().mean(),
                    a.changeLow().sd(), a.predictedLow(), a.changeOther().mean(), a.changeOther().sd(),
                    a.accuracyChange() == null ? "" : String.format(java.util.Locale.ROOT,
                            "; accuracy %+.2f +- %.2f points", 100 * a.accuracyChange().mean(),
                            100 * a.accuracyChange().sd()));
        }
        if (s.baseAccuracy() != null) {
            w.printf("base accuracy over the %d fitted targets: %.2f%%%n", s.targets(), 100 * s.baseAccuracy().mean());
        }
        w.printf("wrote %s%n", run.output.out);
        w.flush();
        return ExitCodes.OK;
    }
}
