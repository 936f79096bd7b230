package io.datamodels.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.cli.LearnerOptions;
import io.datamodels.store.Store;
import io.datamodels.train.LearnerKind;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
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

    @Mixin
    LearnerOptions learner;

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

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        }
        int retries = learner.retries(spec);
        if (tasks != null && tasks < 1) {
            throw new ParameterException(spec.commandLine(), "--tasks must be >= 1, got " + tasks);
        }
        LearnerKind kind = learner.kind();
        ObjectNode overrides = learner.overrides(spec);
        Path dir = store.toAbsolutePath().normalize();
        long from;
        long to;
        try (Store s = Store.open(dir, false)) {
            long[] rows = learner.rows(spec, s.numModels());
            from = rows[0];
            to = rows[1];
        }
        String cmd = "datamodels spark " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        TrainJob job = new TrainJob(dir.toString(), kind.jsonName(), overrides.toString(), threads, retries, null,
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
}
