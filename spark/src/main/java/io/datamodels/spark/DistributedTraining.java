package io.datamodels.spark;

import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.train.Training;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Trains a store's rows on a Spark cluster: the row range is cut into tasks, and each task trains its rows on an
 * executor through the core's training service ({@link PartitionTrainer}). Spark schedules the tasks, retries a
 * failed one and may run speculative copies; the store's row-and-flag protocol makes that safe. The store must be
 * on a file system every executor mounts at the same path (NFS, a cluster file system, or the local disk for
 * {@code local[N]}).
 *
 * <p>Everything that can be checked before a task starts is checked on the driver by {@link #prepare}: that the
 * store opens, that the learner binds to it (its config, and for the built-in learners the dataset and its
 * fingerprints), and {@code train.json} is recorded there once.
 */
public final class DistributedTraining {
    private DistributedTraining() {
    }

    /**
     * What a whole job did: its tasks' outcomes, the models that failed every retry and are not completed at the
     * end of the job (index to reason), and the rows of the range not completed afterwards.
     */
    public record Result(List<PartitionTrainer.Outcome> tasks, Map<Long, String> failures, long stored,
                         long skipped, long notCompleted, double seconds) {
        /** Models trained per hour of wall-clock time over the whole job. */
        public double modelsPerHour() {
            return stored / Math.max(seconds, 1e-9) * 3600;
        }
    }

    /**
     * Checks the job on the driver before any task starts, and records the learner in {@code train.json}: opens the
     * store and binds the learner to rows {@code [from, to)} as a task would.
     *
     * @return the rows of the range not yet completed
     * @throws StoreException for a path that is not a store, or a learner the store's record contradicts
     * @throws io.datamodels.ConfigException for a bad learner config
     */
    public static long prepare(TrainJob job, long from, long to) throws IOException {
        Path dir = Path.of(job.store());
        if (!dir.isAbsolute()) {
            throw new StoreException(dir + ": expected an absolute store path, one the executors see too");
        }
        if (!Files.isDirectory(dir)) {
            throw new StoreException(dir + ": store folder does not exist (it must be on a file system every executor"
                    + " mounts at the same path)");
        }
        if (!Files.isWritable(dir)) {
            throw new StoreException(dir + ": store folder is not writable");
        }
        try (Store store = Store.open(dir, true);
             Training t = Training.start(store, job.options(), from, to)) {
            return t.remaining();
        }
    }

    /**
     * The row ranges of the tasks: {@code [from, to)} cut into {@code tasks} contiguous ranges of nearly equal size
     * (fewer when the range has fewer rows).
     */
    public static List<long[]> split(long from, long to, int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("tasks must be >= 1, got " + tasks);
        }
        long n = to - from;
        int k = (int) Math.max(1, Math.min(tasks, n));
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            long a = from + n * i / k;
            long b = from + n * (i + 1) / k;
            if (b > a) {
                out.add(new long[]{a, b});
            }
        }
        return out;
    }

    /**
     * Runs the job: one Spark task per range of {@link #split}, then counts the rows of {@code [from, to)} that are
     * still not completed (models that failed every retry; never rows of a task that succeeded).
     *
     * @param hook called in the tasks as models are stored; {@link TaskHook#NONE} but in tests
     */
    public static Result run(JavaSparkContext sc, TrainJob job, long from, long to, int tasks, TaskHook hook)
            throws IOException {
        long t0 = System.nanoTime();
        List<long[]> ranges = split(from, to, tasks);
        PartitionTrainer trainer = new PartitionTrainer(job, hook, java.util.UUID.randomUUID().toString(), from, to);
        Reach.check(sc, List.of(new Reach.Need(job.store(), Store.SPEC_FILE, true)));
        sc.setJobDescription("datamodels train " + job.store() + " rows " + from + ":" + to);
        List<PartitionTrainer.Outcome> outcomes;
        try {
            outcomes = ranges.isEmpty() ? List.of()
                    : sc.parallelize(ranges, ranges.size()).map(r -> trainer.train(r[0], r[1])).collect();
        } finally {
            // In local mode the executors are this JVM: release the job's learner now, not at exit.
            Sessions.closeAll();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        try (Store store = Store.open(Path.of(job.store()), false)) {
            return result(outcomes, store, from, to, seconds);
        }
    }

    /**
     * The job's result from its tasks' outcomes and the store's completion flags at its end: a model that one
     * attempt reported failed but another attempt (a retry or speculative copy of the task) completed is not a
     * failure, so only rows of {@code [from, to)} not completed now are listed.
     */
    static Result result(List<PartitionTrainer.Outcome> outcomes, Store store, long from, long to, double seconds) {
        Map<Long, String> failures = new TreeMap<>();
        long stored = 0;
        long skipped = 0;
        for (PartitionTrainer.Outcome o : outcomes) {
            o.failures().forEach((i, why) -> {
                if (!store.isCompleted(i)) {
                    failures.put(i, why);
                }
            });
            stored += o.stored();
            skipped += o.skipped();
        }
        long open = 0;
        for (long i = from; i < to; i++) {
            if (!store.isCompleted(i)) {
                open++;
            }
        }
        return new Result(new ArrayList<>(outcomes), failures, stored, skipped, open, seconds);
    }
}
