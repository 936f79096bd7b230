package io.datamodels.spark;

import io.datamodels.store.Store;
import io.datamodels.train.Runner;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains one task's rows {@code [from, to)} of a store through the core's training service, on whichever executor
 * Spark runs the task. It is idempotent, which is what makes Spark's retries and speculative copies safe:
 * <ul>
 *   <li>a model's outputs depend on its index and the root seed alone, so any attempt writes the same bytes;</li>
 *   <li>rows go through the store's row-and-flag protocol: data forced first, then the completion flag, so an attempt
 *   that dies half-way leaves its unfinished rows not completed, and the next attempt trains them;</li>
 *   <li>completed rows are skipped, and a row being trained by a concurrent attempt (a speculative copy) is claimed
 *   by that attempt's file lock: this attempt waits for it and returns only when every row of the range is completed
 *   or has failed every retry, so a task that succeeds never leaves a row of its range unfinished.</li>
 * </ul>
 * The learner is bound once per JVM and job ({@link Sessions}) and shared by the tasks that run there.
 */
public final class PartitionTrainer implements Serializable {
    private static final long serialVersionUID = 1L;
    /** How long to wait before looking again at rows that a concurrent attempt holds. */
    static final long WAIT_MILLIS = 200;

    private final TrainJob job;
    private final TaskHook hook;
    private final String session;
    private final long jobFrom;
    private final long jobTo;

    /**
     * @param job  the training
     * @param hook called as models are stored (tests inject failures through it); {@link TaskHook#NONE} otherwise
     */
    public PartitionTrainer(TrainJob job, TaskHook hook) {
        this(job, hook, java.util.UUID.randomUUID().toString(), 0, -1);
    }

    /**
     * A trainer whose tasks share one bound learner per JVM with every trainer of the same {@code session} (a job:
     * {@link DistributedTraining#run} gives each its own), bound to the job's rows {@code [jobFrom, jobTo)} (jobTo =
     * -1: every row) within which every task's rows lie.
     */
    PartitionTrainer(TrainJob job, TaskHook hook, String session, long jobFrom, long jobTo) {
        this.job = job;
        this.hook = hook;
        this.session = session;
        this.jobFrom = jobFrom;
        this.jobTo = jobTo;
    }

    /**
     * What one task did.
     *
     * @param from     first row of the task
     * @param to       end of the task's rows, exclusive
     * @param stored   models this attempt trained and stored
     * @param skipped  rows that were completed before this attempt reached them
     * @param failures models that failed every retry (index to reason); their rows are left not completed
     * @param seconds  wall-clock time of the attempt
     */
    public record Outcome(long from, long to, long stored, long skipped, Map<Long, String> failures, double seconds)
            implements Serializable {
    }

    /** Trains the not-completed rows of {@code [from, to)}; see the class comment. */
    public Outcome train(long from, long to) throws IOException {
        long t0 = System.nanoTime();
        Map<Long, String> failed = new LinkedHashMap<>();
        long stored = 0;
        long skipped = -1;
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        Sessions.Session s = Sessions.acquire(session, job, jobFrom, jobTo);
        boolean ok = false;
        try {
            Store store = s.store;
            store.checkNotReplaced();
            while (true) {
                Runner.Report r = s.training.run(new Runner.Listener() {
                    @Override
                    public void stored(int count) {
                        hook.stored(from, to, attempt, count);
                    }
                }, from, to);
                stored += r.stored();
                if (skipped < 0) {
                    skipped = r.skipped();
                }
                for (Runner.Failure f : r.failures()) {
                    failed.put(f.index(), f.reason());
                }
                List<Long> open = new ArrayList<>();
                for (long i = from; i < to; i++) {
                    if (!store.isCompleted(i) && !failed.containsKey(i)) {
                        open.add(i);
                    }
                }
                if (open.isEmpty()) {
                    break;
                }
                if (r.stored() == 0) {
                    // Every open row is held by another attempt of this task (or another runner): wait for it.
                    try {
                        Thread.sleep(WAIT_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("rows " + from + ":" + to + ": interrupted while waiting for rows "
                                + open.getFirst() + ".. held by another attempt", e);
                    }
                }
            }
            ok = true;
        } finally {
            Sessions.release(s, !ok);
        }
        return new Outcome(from, to, stored, Math.max(0, skipped), failed, (System.nanoTime() - t0) / 1e9);
    }
}
