package io.datamodels.cli;

import io.datamodels.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels report}: one self-contained HTML file of a run folder. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write one self-contained HTML report of a run (or demo) folder, or of a fit and the folders "
                + "its evaluations and explore commands wrote: summary, LDS, counterfactual and support charts, each "
                + "target beside its top supporters and opposers, nearest targets, leakage pairs, PCA ends and "
                + "clusters, each where its data exists. It opens offline in any browser (no network requests, images "
                + "and charts inline).",
                "The examples come from the data the fit was made from, found through fit.json (and its store) and "
                        + "checked against the recorded fingerprints."})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--run", paramLabel = "DIR", description = "A folder made by 'run' or 'demo'.")
    Path run;

    @Option(names = "--fit", paramLabel = "DIR", description = "Instead of --run: a folder written by 'fit'.")
    Path fit;

    @Option(names = "--held-out", paramLabel = "DIR", description = "With --fit: a held-out store (the LDS is "
            + "computed from it where --lds is not given, and it gives the predicted-vs-actual scatters).")
    Path heldOut;

    @Option(names = "--lds", paramLabel = "DIR", description = "With --fit: a folder written by 'eval lds'.")
    Path lds;

    @Option(names = "--counterfactual", paramLabel = "DIR",
            description = "With --fit: a folder written by 'eval counterfactual'.")
    Path counterfactual;

    @Option(names = "--support", paramLabel = "DIR", description = "With --fit: a folder written by 'eval support'.")
    Path support;

    @Option(names = "--explore", paramLabel = "DIR", description = "With --fit: a folder holding the outputs of "
            + "'explore neighbours', 'explore embed' and 'explore leakage' in neighbours/, embed/ and leakage/ (any "
            + "of them).")
    Path explore;

    @Option(names = "--out", paramLabel = "FILE",
            description = "The HTML file (default DIR/report.html with --run; required with --fit).")
    Path out;

    @Option(names = "--targets", defaultValue = "6", paramLabel = "N",
            description = "Targets with a gallery, the first ones (default ${DEFAULT-VALUE}).")
    int targets;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K",
            description = "Supporters and opposers shown per target (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--gallery", defaultValue = "auto", paramLabel = "KIND",
            description = "auto, images or features: how examples are shown (default ${DEFAULT-VALUE}: images for "
                    + "image data, feature rows for tabular data).")
    String gallery;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (targets < 0) {
            throw new ParameterException(spec.commandLine(), "--targets: expected >= 0, got " + targets);
        }
        if (top < 1) {
            throw new ParameterException(spec.commandLine(), "--top: expected >= 1, got " + top);
        }
        RunReport.Gallery kind;
        try {
            kind = RunReport.Gallery.parse(gallery);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        if ((run == null) == (fit == null)) {
            throw new ParameterException(spec.commandLine(), "expected one of --run DIR or --fit DIR, got "
                    + (run == null ? "neither" : "both"));
        }
        RunReport.Inputs in;
        if (run != null) {
            for (var o : new Object[][]{{"--held-out", heldOut}, {"--lds", lds}, {"--counterfactual", counterfactual},
                    {"--support", support}, {"--explore", explore}}) {
                if (o[1] != null) {
                    throw new ParameterException(spec.commandLine(), o[0] + ": only with --fit (a run folder has "
                            + "its own, in held-out/, eval/ and explore/)");
                }
            }
            in = RunReport.Inputs.ofRun(run);
        } else {
            if (out == null) {
                throw new ParameterException(spec.commandLine(), "--out: required with --fit");
            }
            for (var o : new Object[][]{{"--held-out", heldOut}, {"--lds", lds}, {"--counterfactual", counterfactual},
                    {"--support", support}, {"--explore", explore}}) {
                if (o[1] != null && !java.nio.file.Files.isDirectory((Path) o[1])) {
                    throw new java.nio.file.NoSuchFileException(o[1].toString(), null, o[0] + ": expected a folder, "
                            + "got " + (java.nio.file.Files.exists((Path) o[1]) ? "a file" : "nothing there"));
                }
            }
            in = RunReport.Inputs.ofFit(fit).withHeldOut(heldOut).withLds(lds).withCounterfactual(counterfactual)
                    .withSupport(support).withExplore(explore);
        }
        RunReport.Options o = RunReport.Options.defaults().withGalleryTargets(targets).withTopK(top).withGallery(kind);
        String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        RunReport.Written w = RunReport.write(in, out == null ? run.resolve(RunReport.FILE) : out, o, cmd);
        print(spec.commandLine().getOut(), w);
        return ExitCodes.OK;
    }

    /** The line that says where the report is. */
    static void print(PrintWriter w, RunReport.Written r) {
        w.printf("Report: %s (%,d bytes; %s); open it in any browser%n", r.file(), r.bytes(),
                String.join(", ", r.sections()));
        w.flush();
    }
}
