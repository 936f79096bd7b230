package io.datamodels.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.datamodels.ConfigException;
import io.datamodels.IndexRange;
import io.datamodels.Json;
import io.datamodels.learn.ExternalConfig;
import io.datamodels.store.Store;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.TrainOptions;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code datamodels spark train}: the store's rows cut into Spark tasks, each trained by the core on an executor. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one model per store row on a Spark cluster (skipping completed rows). The store must be "
                + "on a file system every executor mounts at the same path. Rerun to resume.")
final class SparkTrainCommand implements Callable<Integer> {
    @Option(names = {"-s", "--store"}, required = true, paramLabel = "DIR",
            description = "The experiment store folder, as the executors see it.")
    Path store;

    @Option(names = "--learner", required = true, description = "mlp, softmax or external.")
    String learner;

    @Option(names = "--config", paramLabel = "FILE", description = "Learner config (JSON object; fields override the defaults).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config field, e.g. --set epochs=5. Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--rows", paramLabel = "A:B", description = "Train only rows A..B-1 (default: every row).")
    String rows;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N], local[N,F] (F attempts per task), spark://HOST:PORT, yarn, "
                    + "k8s://URL (default: the one spark-submit gives, else local[*]).")
    String master;

    @Option(names = "--tasks", paramLabel = "N",
            description = "Spark tasks to cut the rows into (default: 4 per core of the cluster).")
    Integer tasks;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Training threads per task (default ${DEFAULT-VALUE}; match spark.task.cpus).")
    int threads;

    @Option(names = "--retries", defaultValue = "" + TrainOptions.DEFAULT_RETRIES,
            description = "Extra attempts for a failed model within a task (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--command", paramLabel = "CMD", description = "External learner: shell command run per model.")
    String command;

    @Option(names = "--worker", paramLabel = "CMD", description = "External learner: a long-lived worker command.")
    String worker;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "External learner: seconds per model.")
    Integer timeout;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        }
        if (retries < 0) {
            throw new ParameterException(spec.commandLine(), "--retries must be >= 0, got " + retries);
        }
        if (tasks != null && tasks < 1) {
            throw new ParameterException(spec.commandLine(), "--tasks must be >= 1, got " + tasks);
        }
        LearnerKind kind = LearnerKind.of(learner);
        Path dir = store.toAbsolutePath().normalize();
        long from = 0;
        long to;
        try (Store s = Store.open(dir, false)) {
            to = s.numModels();
            if (rows != null) {
                IndexRange r = IndexRange.parse("--rows", rows);
                if (r.to() > s.numModels()) {
                    throw new ParameterException(spec.commandLine(), "--rows: expected a range within [0, "
                            + s.numModels() + "], got " + rows);
                }
                from = r.from();
                to = r.to();
            }
        }
        String cmd = "datamodels spark " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        TrainJob job = new TrainJob(dir.toString(), kind.jsonName(), overrides().toString(), threads, retries, null,
                cmd);
        long todo = DistributedTraining.prepare(job, from, to);
        try (JavaSparkContext sc = SparkMain.context(master, "datamodels spark train")) {
            int n = tasks != null ? tasks : 4 * sc.defaultParallelism();
            out.printf("spark train: %s on %s, rows %d..%d (%d to train), %d tasks, master %s%n", kind, dir, from,
                    to - 1, todo, DistributedTraining.split(from, to, n).size(), sc.master());
            out.flush();
            DistributedTraining.Result r;
            try {
                r = DistributedTraining.run(sc, job, from, to, n, TaskHook.NONE);
            } catch (Exception e) {
                if (!(e instanceof org.apache.spark.SparkException)) {
                    throw e;
                }
                throw new java.io.IOException("the Spark job failed; rows it completed stay completed, rerun to "
                        + "resume: " + e.getMessage().lines().findFirst().orElse(""), e);
            }
            out.printf("trained %d models in %.1f s (%.0f models/hour); %d already completed; %d of rows %d..%d "
                            + "not completed%n", r.stored(), r.seconds(), r.modelsPerHour(), r.skipped(),
                    r.notCompleted(), from, to - 1);
            if (!r.failures().isEmpty()) {
                out.printf("%d models failed after %d retries (rows left not completed; rerun to try again):%n",
                        r.failures().size(), retries);
                for (Map.Entry<Long, String> f : r.failures().entrySet()) {
                    out.printf("  model %d: %s%n", f.getKey(), f.getValue());
                }
                out.flush();
                return SparkMain.PARTIAL_FAILURE;
            }
            if (r.notCompleted() > 0) {
                throw new IllegalStateException(r.notCompleted() + " rows of " + from + ":" + to + " are not completed"
                        + " although every task succeeded");
            }
            out.flush();
        }
        return SparkMain.OK;
    }

    private ObjectNode overrides() throws Exception {
        ObjectNode o = config == null ? Json.object() : Json.readObject(config);
        for (String kv : sets) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--set: expected KEY=VALUE, got '" + kv + "'");
            }
            String text = kv.substring(eq + 1);
            JsonNode v;
            try {
                v = Json.parseTree("--set", text);
            } catch (ConfigException notJson) {
                v = TextNode.valueOf(text);
            }
            o.set(kv.substring(0, eq).strip(), v.isMissingNode() ? TextNode.valueOf(text) : v);
        }
        if (command != null && worker != null) {
            throw new ParameterException(spec.commandLine(), "--command and --worker: expected one of them, got both");
        }
        return ExternalConfig.setFields(o, command, worker, timeout);
    }
}
