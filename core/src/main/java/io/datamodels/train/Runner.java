package io.datamodels.train;

import io.datamodels.internal.MaskRows;
import io.datamodels.learn.Learner;
import io.datamodels.learn.ModelTask;
import io.datamodels.learn.Outcome;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.NpyArray;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fills a store's rows by training one model per index, resumably (Ilyas et al. 2022, step 2).
 *
 * <ul>
 *   <li>Completed indices are skipped, so a rerun resumes where a crash left off.</li>
 *   <li>Each index is claimed with an OS file lock before training ({@link Claims}), so runners on one store, even
 *   with overlapping ranges, neither lose nor double a row.</li>
 *   <li>A row is written and forced before its completion flag ({@link Store#writeRows}).</li>
 *   <li>A failed model is retried up to {@code retries} times, then reported; the others go on. A failure that
 *   would repeat ({@link Outcome.Failed#retryable()} false, or a NaN or infinite output) is reported at once.</li>
 * </ul>
 * Masks are read from the store's {@code masks} key, so stores made by other tools work too.
 */
public final class Runner {
    /**
     * @param from    first index (inclusive)
     * @param to      last index (exclusive)
     * @param threads worker threads
     * @param retries extra attempts for a failed model
     * @param seed    root seed passed to each model's task
     */
    public record Options(long from, long to, int threads, int retries, long seed) {
        public Options {
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("range: expected 0 <= A <= B, got " + from + ":" + to);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, got " + retries);
            }
        }
    }

    /** Progress events; called from worker threads. */
    public interface Listener {
        /** {@code todo} indices in the range are not yet completed. */
        default void started(long todo) {
        }

        /** {@code count} more models were stored. */
        default void stored(int count) {
        }

        /** An attempt of model {@code index} failed; {@code willRetry} says whether it runs again. */
        default void attemptFailed(long index, String reason, boolean willRetry) {
        }

        /**
         * The run is over, normally or by an exception: called once, after {@link #started}, so a listener can close
         * what it opened there.
         */
        default void finished() {
        }
    }

    /** A model that failed every attempt. */
    public record Failure(long index, String reason) {
    }

    /**
     * @param stored   models trained and stored by this run
     * @param skipped  indices in the range already completed, or claimed by another runner
     * @param failures models that failed every attempt, by index
     */
    public record Report(long stored, long skipped, List<Failure> failures) {
    }

    private Runner() {
    }

    /**
     * Trains every not-yet-completed index of {@code [from, to)} with {@code learner} and stores its outputs.
     *
     * @throws StoreException if the store lacks a masks key, the range exceeds it, or the learner cannot fill its
     *                        keys
     */
    public static Report run(Store store, Learner learner, Options opt, Listener listener) throws IOException {
        if (opt.to() > store.numModels()) {
            throw new StoreException("range: expected within [0, " + store.numModels() + "], got " + opt.from() + ":"
                    + opt.to());
        }
        NpyArray masks = store.array(Store.MASKS);
        Set<String> keys = new LinkedHashSet<>(store.spec().schema().keySet());
        keys.remove(Store.MASKS);
        Set<String> missing = new LinkedHashSet<>(keys);
        missing.removeAll(learner.outputKeys());
        if (!missing.isEmpty()) {
            throw new StoreException("spec.json: schema: learner " + learner.name() + " cannot fill keys " + missing
                    + " (it writes " + learner.outputKeys() + ")");
        }
        Deque<Long> queue = new ArrayDeque<>();
        for (long i = opt.from(); i < opt.to(); i++) {
            if (!store.isCompleted(i)) {
                queue.add(i);
            }
        }
        long[] skipped = {opt.to() - opt.from() - queue.size()};
        long[] stored = {0};
        Map<Long, Integer> attempts = Collections.synchronizedMap(new TreeMap<>());
        Map<Long, String> failed = Collections.synchronizedMap(new TreeMap<>());
        int batch = Math.max(1, learner.preferredBatch());
        listener.started(queue.size());
        try (Claims claims = new Claims(store.dir())) {
            ExecutorService pool = Executors.newFixedThreadPool(opt.threads(), r -> {
                Thread t = new Thread(r, "datamodels-train");
                t.setDaemon(true);
                return t;
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < opt.threads(); w++) {
                workers.add(pool.submit(() -> {
                    while (true) {
                        List<ModelTask> tasks = new ArrayList<>();
                        synchronized (queue) {
                            while (tasks.size() < batch && !queue.isEmpty()) {
                                long i = queue.poll();
                                if (store.isCompleted(i) || !claims.tryClaim(i)) {
                                    skipped[0]++;
                                    continue;
                                }
                                if (store.isCompleted(i)) {
                                    claims.release(i);
                                    skipped[0]++;
                                    continue;
                                }
                                tasks.add(new ModelTask(i, MaskRows.read(masks, i), opt.seed()));
                            }
                        }
                        if (tasks.isEmpty()) {
                            return null;
                        }
                        List<Outcome> outcomes;
                        try {
                            outcomes = learner.train(tasks, keys);
                        } catch (RuntimeException e) {
                            String why = e.getMessage() == null ? e.toString() : e.getMessage();
                            outcomes = Collections.nCopies(tasks.size(), new Outcome.Failed(why));
                        }
                        List<Long> okIdx = new ArrayList<>();
                        List<Map<String, ?>> okRows = new ArrayList<>();
                        for (int t = 0; t < tasks.size(); t++) {
                            long i = tasks.get(t).index();
                            String why = outcomes.get(t) instanceof Outcome.Failed f ? f.reason()
                                    : checkFinite(((Outcome.Ok) outcomes.get(t)).outputs());
                            if (why == null) {
                                okIdx.add(i);
                                okRows.add(((Outcome.Ok) outcomes.get(t)).outputs());
                            } else {
                                // A non-finite output of a seeded run, or a failure the learner calls
                                // deterministic, would only repeat: no retry.
                                boolean retryable = outcomes.get(t) instanceof Outcome.Failed f && f.retryable();
                                int n = attempts.merge(i, 1, Integer::sum);
                                boolean retry = retryable && n <= opt.retries();
                                listener.attemptFailed(i, why, retry);
                                claims.release(i);
                                if (retry) {
                                    synchronized (queue) {
                                        queue.addFirst(i);
                                    }
                                } else {
                                    failed.put(i, why);
                                }
                            }
                        }
                        if (!okIdx.isEmpty()) {
                            try {
                                store.writeRows(okIdx.stream().mapToLong(Long::longValue).toArray(), okRows);
                            } catch (StoreException e) {
                                for (long i : okIdx) {
                                    failed.put(i, e.getMessage());
                                    listener.attemptFailed(i, e.getMessage(), false);
                                }
                                okIdx.clear();
                            } finally {
                                for (long i : okIdx) {
                                    claims.release(i);
                                }
                            }
                            synchronized (stored) {
                                stored[0] += okIdx.size();
                            }
                            listener.stored(okIdx.size());
                        }
                    }
                }));
            }
            try {
                for (Future<?> f : workers) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
        } finally {
            listener.finished();
        }
        List<Failure> failures = new ArrayList<>();
        failed.forEach((i, why) -> failures.add(new Failure(i, why)));
        return new Report(stored[0], skipped[0], failures);
    }

    /** Null if every float in {@code outputs} is finite, else which key holds the first NaN or infinity. */
    static String checkFinite(Map<String, Object> outputs) {
        for (Map.Entry<String, Object> e : outputs.entrySet()) {
            if (e.getValue() instanceof float[] f) {
                for (int j = 0; j < f.length; j++) {
                    if (!Float.isFinite(f[j])) {
                        return e.getKey() + ": expected finite values, got " + f[j] + " at element " + j;
                    }
                }
            } else if (e.getValue() instanceof double[] f) {
                for (int j = 0; j < f.length; j++) {
                    if (!Double.isFinite(f[j])) {
                        return e.getKey() + ": expected finite values, got " + f[j] + " at element " + j;
                    }
                }
            }
        }
        return null;
    }
}
