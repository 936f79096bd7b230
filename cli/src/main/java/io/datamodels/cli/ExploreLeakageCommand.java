package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.explore.Leakage;
import io.datamodels.explore.LeakageOptions;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code datamodels explore leakage}: candidate train-test near-duplicates from fitted datamodels alone. */
@Command(name = "leakage", mixinStandardHelpOptions = true,
        description = {"Flag (target, training example) pairs whose weight stands out both among the target's weights "
                + "and among the training example's weights on all targets: candidate near-duplicates.",
                "Writes leakage.csv (target,train,score: positions in the target and training selections, ranked by "
                        + "score) and leakage.json (rule, threshold, provenance)."})
final class ExploreLeakageCommand implements Callable<Integer> {
    @Option(names = "--fit", required = true, paramLabel = "DIR", description = "A folder written by 'fit'.")
    Path fit;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out folder.")
    boolean force;

    @Option(names = "--threshold", paramLabel = "X",
            description = "Flag pairs with score >= X (default: chosen from the data at --fdr).")
    Double threshold;

    @Option(names = "--fdr", paramLabel = "Q", defaultValue = "0.1",
            description = "False-discovery level of the data-chosen threshold, in (0, 1) (default ${DEFAULT-VALUE}).")
    double fdr;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LeakageOptions options;
        try {
            options = new LeakageOptions(fdr, threshold == null ? Double.NaN : threshold);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage().startsWith("fdr") ? "--fdr: "
                    + e.getMessage() : "--threshold: " + e.getMessage());
        }
        if (threshold != null && Double.isNaN(threshold)) {
            throw new ParameterException(spec.commandLine(), "--threshold: expected a number, got NaN");
        }
        AtomicFiles.requireAbsent(out, force);
        Path fitJson = fit.resolve(Fitter.FIT_JSON);
        if (!Files.isRegularFile(fitJson)) {
            throw new NoSuchFileException(fitJson + ": does not exist (--fit: expected a folder written by 'fit')");
        }
        FitFolder folder = FitFolder.load(fit);
        Leakage.Result r = Leakage.find(folder.datamodels(), options);
        String command = "datamodels explore leakage --fit " + fit + " --out " + out
                + (threshold == null ? " --fdr " + fdr : " --threshold " + threshold);
        Leakage.write(r, folder.summary().targetFrom(), out, force, fit.toString(),
                Provenance.now("none", command));
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %d pairs flagged of %,d (m = %d training examples x "
                        + "T = %d targets) at threshold %s%s%n", out, r.pairs().size(), (long) r.trainSize() * r.targets(),
                r.trainSize(), r.targets(), Double.isInfinite(r.threshold()) ? "none (no threshold reaches the "
                        + "false-discovery level)" : String.format(Locale.ROOT, "%.4g", r.threshold()),
                threshold == null ? String.format(Locale.ROOT, " (chosen at fdr %.3g; estimated %.3g)", fdr,
                        r.estimatedFdr()) : "");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
