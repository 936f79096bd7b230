package io.datamodels.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.ConfigException;
import io.datamodels.IndexRange;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.ExternalConfig;
import io.datamodels.learn.Learner;
import io.datamodels.store.Store;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.TrainRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
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

    @Option(names = "--retries", defaultValue = "2", description = "Extra attempts for a failed model (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--command", paramLabel = "CMD",
            description = "External learner: shell command run per model, with {index} {seed} {mask} {out} (and "
                    + "more, see the README) replaced.")
    String command;

    @Option(names = "--worker", paramLabel = "CMD",
            description = "External learner: a long-lived worker command, one per thread, that trains model after "
                    + "model through the line protocol of the README (instead of --command).")
    String worker;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "External learner: seconds per model (default 3600).")
    Integer timeout;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /**
     * A store without store.json (as MadryLab's initialize_store makes it) holds a row's mask only once a worker has
     * trained that row, the rest are zero: refuses to train a row whose mask selects no example rather than train it
     * on nothing.
     */
    private static void requireWrittenMasks(Store s, long from, long to) throws java.io.IOException {
        io.datamodels.store.npy.NpyArray masks = s.array(Store.MASKS);
        long m = masks.rowElements();
        for (long i = from; i < to; i++) {
            if (s.isCompleted(i)) {
                continue;
            }
            boolean any = false;
            for (long j = 0; j < m && !any; j++) {
                any = masks.getDouble(i * m + j) != 0;
            }
            if (!any) {
                throw new io.datamodels.store.StoreException("masks.npy: row " + i + ": expected the model's training "
                        + "subset, got no example selected (a store without store.json, as MadryLab's initialize_store "
                        + "makes it, holds a mask only once a worker has trained that row); train it with MadryLab's "
                        + "worker, or make the store with 'datamodels init'");
            }
        }
    }

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
        JsonNode overrides = overrides();
        Gemm gemm = Kernels.gemm();
        try (Store s = specFile.open(store.store, true)) {
            long from = 0;
            long to = s.numModels();
            if (rows != null) {
                IndexRange r = RangeArg.parseRows(spec, "--rows", rows);
                RangeArg.requireWithin(spec, "--rows", r, s.numModels());
                from = r.from();
                to = r.to();
            }
            if (s.meta().isEmpty()) {
                requireWrittenMasks(s, from, to);
            }
            Learners.Bound bound = Learners.create(s, learner, overrides, gemm);
            String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
            String kernel = Kernels.describe(gemm);
            TrainRecord rec = new TrainRecord(learner, bound.config(), kernel, Provenance.now(kernel, cmd));
            String otherKernel = rec.recordOrCheck(s);
            if (otherKernel != null) {
                err.printf("train: warning: earlier rows were trained with kernel %s, these with %s (outputs may differ "
                        + "in the last bits)%n", otherKernel, kernel);
            }
            long seed = s.meta().map(m -> m.sampling() == null ? 0L : m.sampling().seed()).orElse(0L);
            out.printf("train: %s (%s kernel) on %s, indices %d..%d, %d threads%n", bound.learner().name(), gemm.name(),
                    store.store, from, to - 1, t);
            out.flush();
            long t0 = System.nanoTime();
            Runner.Report r;
            try (Progress p = Progress.create(out, "train", "models"); Learner l = bound.learner()) {
                r = Runner.run(s, l, new Runner.Options(from, to, t, retries, seed),
                        new Progress.Training(p) {
                            @Override
                            public void attemptFailed(long index, String reason, boolean willRetry) {
                                p.message("model " + index + " failed" + (willRetry ? " (will retry)" : "") + ": "
                                        + reason);
                            }
                        });
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("trained %d models in %.1f s (%.0f models/hour); %d already completed or claimed elsewhere; "
                            + "store has %d/%d completed%n", r.stored(), secs, r.stored() / Math.max(secs, 1e-9) * 3600,
                    r.skipped(), s.completedCount(), s.numModels());
            io.datamodels.train.ModelQuality quality = io.datamodels.train.ModelQuality.of(s, bound.classes());
            if (quality.line() != null) {
                out.println(quality.line());
            }
            for (String warning : quality.warnings()) {
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

    private JsonNode overrides() throws Exception {
        ObjectNode o = Json.MAPPER.createObjectNode();
        if (config != null) {
            if (!Files.exists(config)) {
                throw new ConfigException(config + ": file does not exist");
            }
            JsonNode n;
            try {
                n = Json.MAPPER.readTree(Files.readString(config));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new ConfigException(config.getFileName() + ": malformed JSON: " + e.getOriginalMessage());
            }
            if (!n.isObject()) {
                throw new ConfigException(config.getFileName() + ": expected a JSON object, got " + n.getNodeType());
            }
            o.setAll((ObjectNode) n);
        }
        ConfigOverrides.apply(sets, o, spec);
        if (command != null && worker != null) {
            throw new ParameterException(spec.commandLine(), "--command and --worker: expected one of them, got both");
        }
        if (command != null) {
            o.put("command", command);
        }
        if (worker != null) {
            o.put("command", worker);
            o.put("mode", ExternalConfig.WORKER);
        }
        if (timeout != null) {
            o.put("timeout_seconds", timeout);
        }
        if (learner.equals("external") && !o.has("timeout_seconds")) {
            o.put("timeout_seconds", 3600);
        }
        return o;
    }
}
