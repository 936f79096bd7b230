package io.datamodels.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.IndexRange;
import io.datamodels.Json;
import io.datamodels.learn.ExternalConfig;
import io.datamodels.store.Store;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Runner;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code datamodels train}: fills a store's rows, resumably, with a built-in or external learner. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one model per store row (skipping completed rows) and store its outputs. Safe to run "
                + "several times at once on one store; rerun to resume after a crash.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Mixin
    SpecOption specFile;

    @Option(names = "--learner", required = true, description = "mlp, softmax or external.")
    String learner;

    @Option(names = "--config", paramLabel = "FILE", description = "Learner config (JSON object; fields override the defaults).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config field, e.g. --set epochs=5 --set hidden=[128,64]. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--rows", paramLabel = "A:B",
            description = "Train only rows (model indices) A..B-1; N alone means 0:N (default: every row).")
    String rows;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--retries", defaultValue = "" + TrainOptions.DEFAULT_RETRIES,
            description = "Extra attempts for a failed model (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--command", paramLabel = "CMD",
            description = "External learner: shell command run per model, with {index} {seed} {mask} {out} (and "
                    + "more, see the README) replaced.")
    String command;

    @Option(names = "--worker", paramLabel = "CMD",
            description = "External learner: a long-lived worker command, one per thread, that trains model after "
                    + "model through the line protocol of the README (instead of --command).")
    String worker;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "External learner: seconds per model (default " + ExternalConfig.DEFAULT_TIMEOUT_SECONDS + ").")
    Integer timeout;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int t = threads.count();
        if (t < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + t);
        }
        if (retries < 0) {
            throw new ParameterException(spec.commandLine(), "--retries must be >= 0, got " + retries);
        }
        LearnerKind kind = LearnerKind.of(learner);
        ObjectNode overrides = overrides();
        try (Store s = specFile.open(store.store, true)) {
            long from = 0;
            long to = s.numModels();
            if (rows != null) {
                IndexRange r = RangeArg.parseRows(spec, "--rows", rows);
                RangeArg.requireWithin(spec, "--rows", r, s.numModels());
                from = r.from();
                to = r.to();
            }
            String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            TrainOptions options = TrainOptions.builder(kind).config(overrides).threads(t).retries(retries)
                    .command(cmd).build();
            Training.Result r;
            try (Training tr = Training.start(s, options, from, to)) {
                if (tr.earlierKernel().isPresent()) {
                    err.printf("train: warning: earlier rows were trained with kernel %s, these with %s (outputs may "
                            + "differ in the last bits)%n", tr.earlierKernel().get(), tr.kernel());
                }
                out.printf("train: %s (%s kernel) on %s, indices %d..%d, %d threads%n", tr.learnerName(),
                        options.gemm().name(), store.store, from, to - 1, t);
                out.flush();
                try (Progress p = Progress.create(out, "train", "models")) {
                    r = tr.run(new Progress.Training(p) {
                        @Override
                        public void attemptFailed(long index, String reason, boolean willRetry) {
                            p.message("model " + index + " failed" + (willRetry ? " (will retry)" : "") + ": "
                                    + reason);
                        }
                    });
                }
            }
            double secs = r.seconds();
            out.printf("trained %d models in %.1f s (%.0f models/hour); %d already completed or claimed elsewhere; "
                            + "store has %d/%d completed%n", r.report().stored(), secs,
                    r.report().stored() / Math.max(secs, 1e-9) * 3600, r.report().skipped(), s.completedCount(),
                    s.numModels());
            if (r.quality().line() != null) {
                out.println(r.quality().line());
            }
            for (String warning : r.quality().warnings(TrainCommand::setFlags)) {
                err.println("train: " + warning);
            }
            err.flush();
            if (!r.failures().isEmpty()) {
                out.printf("%d models failed after %d retries (rows left not completed; rerun to try again):%n",
                        r.failures().size(), retries);
                for (Runner.Failure f : r.failures()) {
                    out.printf("  model %d: %s%n", f.index(), f.reason());
                }
                out.flush();
                return ExitCodes.PARTIAL_FAILURE;
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** Config fields as the {@code --set} options that give them, e.g. "--set lr=0.1 --set epochs=30". */
    static String setFlags(java.util.Map<String, String> fields) {
        StringBuilder b = new StringBuilder();
        fields.forEach((k, v) -> b.append(b.isEmpty() ? "" : " ").append("--set ").append(k).append('=').append(v));
        return b.toString();
    }

    private ObjectNode overrides() throws Exception {
        ObjectNode o = Json.object();
        if (config != null) {
            o.setAll(Json.readObject(config));
        }
        ConfigOverrides.apply(sets, o, spec);
        if (command != null && worker != null) {
            throw new ParameterException(spec.commandLine(), "--command and --worker: expected one of them, got both");
        }
        return ExternalConfig.setFields(o, command, worker, timeout);
    }
}
