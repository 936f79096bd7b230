package io.datamodels.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.Provenance;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.Learner;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.NpyArray;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Trains the models of a store, the second step of datamodels (Ilyas et al. 2022): the one place that binds a
 * learner to a store, records or checks {@code train.json}, takes the root seed from {@code store.json}, runs the
 * {@link Runner} over a range of rows and measures the models' quality. The command line's {@code train},
 * {@code run} and {@code bench train}, and the retraining of the evaluations, all go through it; so can a caller
 * that trains one partition of rows per process.
 *
 * <pre>{@code
 * try (Store store = Store.open(dir, true)) {
 *     Training.Result r = Training.run(store, TrainOptions.builder(LearnerKind.SOFTMAX).build(),
 *             new Runner.Listener() { });
 *     r.requireNoFailures("train");
 * }
 * }</pre>
 *
 * <p>A session ({@link #start}) is bound before it runs, so that a caller can say what it is about to train; it
 * holds the learner (an external learner's worker processes) until {@link #close()}.
 */
public final class Training implements AutoCloseable {
    private final Store store;
    private final TrainOptions options;
    private final long from;
    private final long to;
    private final Learners.Bound bound;
    private final String kernel;
    private final String earlierKernel;
    private final long seed;

    private Training(Store store, TrainOptions options, long from, long to, Learners.Bound bound, String kernel,
                     String earlierKernel, long seed) {
        this.store = store;
        this.options = options;
        this.from = from;
        this.to = to;
        this.bound = bound;
        this.kernel = kernel;
        this.earlierKernel = earlierKernel;
        this.seed = seed;
    }

    /**
     * What one run did.
     *
     * @param report  models stored, skipped and failed
     * @param quality the quality of every completed model of the store after the run
     * @param seconds wall-clock time of the run
     */
    public record Result(Runner.Report report, ModelQuality quality, double seconds) {
        /** Models that failed every attempt; their rows are left not completed. */
        public List<Runner.Failure> failures() {
            return report.failures();
        }

        /**
         * Fails if any model failed.
         *
         * @param what names the training in the message, e.g. "train held-out models"
         * @throws StoreException "WHAT: N models failed, first: model I: REASON"
         */
        public Result requireNoFailures(String what) throws StoreException {
            if (!report.failures().isEmpty()) {
                Runner.Failure f = report.failures().getFirst();
                throw new StoreException(what + ": " + report.failures().size() + " models failed, first: model "
                        + f.index() + ": " + f.reason());
            }
            return this;
        }
    }

    /** Trains every not-yet-completed row of {@code store}: {@link #start(Store, TrainOptions)}, run, close. */
    public static Result run(Store store, TrainOptions options, Runner.Listener listener) throws IOException {
        try (Training t = start(store, options)) {
            return t.run(listener);
        }
    }

    /** A session over every row of {@code store}; see {@link #start(Store, TrainOptions, long, long)}. */
    public static Training start(Store store, TrainOptions options) throws IOException {
        return start(store, options, 0, store.numModels());
    }

    /**
     * Binds the options' learner to {@code store} for rows {@code [from, to)}, and records the learner, its resolved
     * config and the kernels in the store's {@code train.json}, or checks them against the record of earlier runs.
     * A store without {@code store.json} (as MadryLab's tools make it) must hold a written mask in every row of the
     * range that is not completed; that is checked first, before anything is written.
     *
     * @throws IllegalArgumentException if the range is not within the store's rows
     * @throws StoreException           for an unwritten mask, or a learner or config other than the recorded one
     * @throws io.datamodels.ConfigException for a bad config field
     */
    public static Training start(Store store, TrainOptions options, long from, long to) throws IOException {
        if (from < 0 || to < from || to > store.numModels()) {
            throw new IllegalArgumentException("rows: expected a range within [0, " + store.numModels() + "], got "
                    + from + ":" + to);
        }
        if (store.meta().isEmpty()) {
            requireWrittenMasks(store, from, to);
        }
        Learners.Bound bound = Learners.create(store, options.learner(), options.config(), options.gemm(),
                options.narrow());
        try {
            String kernel = Kernels.describe(options.gemm(), options.narrow());
            String earlier = new TrainRecord(options.learner(), bound.config(), kernel,
                    Provenance.now(kernel, options.command())).recordOrCheck(store);
            long seed = options.seed().orElseGet(() -> store.meta()
                    .map(m -> m.sampling() == null ? 0L : m.sampling().seed()).orElse(0L));
            return new Training(store, options, from, to, bound, kernel, earlier, seed);
        } catch (IOException | RuntimeException e) {
            bound.learner().close();
            throw e;
        }
    }

    /**
     * Refuses a row of {@code [from, to)} that is not completed and whose mask selects no example: a store without
     * store.json, as MadryLab's initialize_store makes it, holds a row's mask only once a worker has trained that row.
     */
    private static void requireWrittenMasks(Store s, long from, long to) throws IOException {
        NpyArray masks = s.array(Store.MASKS);
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
                throw new StoreException("masks.npy: row " + i + ": expected the model's training subset, got no "
                        + "example selected (a store without store.json, as MadryLab's initialize_store makes it, "
                        + "holds a mask only once a worker has trained that row); train it with MadryLab's worker, or "
                        + "make the store with 'datamodels init'");
            }
        }
    }

    /**
     * Trains every row of the range that is not completed (nor claimed by another runner) and stores its outputs.
     * Rows of models that fail every attempt are left not completed and reported in the result.
     */
    public Result run(Runner.Listener listener) throws IOException {
        long t0 = System.nanoTime();
        Runner.Report r = run(listener, from, to);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(r, ModelQuality.of(store, bound.classes()), seconds);
    }

    /**
     * Trains the rows of {@code [from, to)}, a range within this session's, as {@link #run(Runner.Listener)} does for
     * the whole range, without measuring the store's quality afterwards: for a caller that trains one partition of
     * the session's rows after another (or several at once, on other threads) with one bound learner, such as a
     * cluster executor running task after task.
     *
     * @throws IllegalArgumentException if the range is not within the session's
     */
    public Runner.Report run(Runner.Listener listener, long from, long to) throws IOException {
        if (from < this.from || to > this.to || to < from) {
            throw new IllegalArgumentException("rows: expected a range within the session's " + this.from + ":"
                    + this.to + ", got " + from + ":" + to);
        }
        return Runner.run(store, bound.learner(), new Runner.Options(from, to, options.threads(), options.retries(),
                seed), listener);
    }

    /** The learner's name, e.g. "softmax". */
    public String learnerName() {
        return bound.learner().name();
    }

    /** The bound learner. */
    public Learner learner() {
        return bound.learner();
    }

    /** The learner's config as recorded in {@code train.json}: its defaults overlaid by the options' fields. */
    public JsonNode config() {
        return bound.config().deepCopy();
    }

    /** The kernels' description recorded in {@code train.json} ({@link Kernels#describe}). */
    public String kernel() {
        return kernel;
    }

    /**
     * The kernels that earlier rows of the store were trained with, where they differ from this session's (outputs
     * may then differ in the last bits).
     */
    public Optional<String> earlierKernel() {
        return Optional.ofNullable(earlierKernel);
    }

    /** The root seed of every model's task. */
    public long seed() {
        return seed;
    }

    /** The options of this session. */
    public TrainOptions options() {
        return options;
    }

    /** First row of the range. */
    public long from() {
        return from;
    }

    /** End of the range, exclusive. */
    public long to() {
        return to;
    }

    /** Rows of the range not completed yet. */
    public long remaining() {
        long n = 0;
        for (long i = from; i < to; i++) {
            n += store.isCompleted(i) ? 0 : 1;
        }
        return n;
    }

    /** Releases the learner (an external learner's worker processes). */
    @Override
    public void close() {
        bound.learner().close();
    }
}
