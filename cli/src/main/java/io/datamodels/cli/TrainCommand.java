package io.datamodels.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.store.Store;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Runner;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
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

    @Mixin
    LearnerOptions learner;

    @Mixin
    ThreadsOption threads;

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
        int retries = learner.retries(spec);
        LearnerKind kind = learner.kind();
        ObjectNode overrides = learner.overrides(spec);
        try (Store s = specFile.open(store.store, true)) {
            long[] rows = learner.rows(spec, s.numModels());
            long from = rows[0];
            long to = rows[1];
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
}
