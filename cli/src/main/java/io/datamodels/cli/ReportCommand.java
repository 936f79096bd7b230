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
        description = "Write one self-contained HTML report of a run (or demo) folder: summary, LDS, counterfactual "
                + "and support charts, and each target beside its top supporters and opposers. It opens offline in "
                + "any browser (no network requests, images and charts inline).")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "DIR", description = "A folder made by 'run' or 'demo'.")
    Path run;

    @Option(names = "--out", paramLabel = "FILE", description = "The HTML file (default DIR/report.html).")
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
        RunReport.Options o = RunReport.Options.defaults().withGalleryTargets(targets).withTopK(top).withGallery(kind);
        String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        RunReport.Written w = RunReport.write(run, out == null ? run.resolve(RunReport.FILE) : out, o, cmd);
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
