package io.datamodels.spark;

import io.datamodels.store.Store;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Distributed training in Spark's local mode with retries ({@code local[2,4]}: two task threads, four attempts per
 * task): a first attempt of every task killed at a random point, and two attempts of one task at once, leave the
 * store byte-identical to a one-machine training of the same store.
 */
class SparkTrainTest {
    private static final int MODELS = 24;
    private static final int TASKS = 4;
    private static JavaSparkContext sc;

    @TempDir
    static Path tmp;
    private static Path reference;

    @BeforeAll
    static void start() throws Exception {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("SparkTrainTest")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.local.dir", tmp.resolve("spark").toString()));
        sc.setLogLevel("ERROR");
        reference = Stores.init(tmp.resolve("reference"), MODELS);
        Stores.trainLocally(reference);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Kills the first attempt of every task once a seeded random number of its models (at least 1) are stored. */
    static final class FailFirstAttempt implements TaskHook {
        static final Map<String, AtomicInteger> STORED = new ConcurrentHashMap<>();
        static final AtomicInteger KILLED = new AtomicInteger();
        private final long seed;

        FailFirstAttempt(long seed) {
            this.seed = seed;
        }

        @Override
        public void stored(long from, long to, int attempt, int count) {
            if (attempt != 0) {
                return;
            }
            int after = 1 + new SplittableRandom(seed * 1_000_003L + from).nextInt((int) (to - from - 1));
            int n = STORED.computeIfAbsent(seed + ":" + from, k -> new AtomicInteger()).addAndGet(count);
            if (n >= after && n - count < after) {
                KILLED.incrementAndGet();
                throw new IllegalStateException("injected failure after " + n + " models of rows " + from + ":" + to);
            }
        }
    }

    @Test
    void firstAttemptsKilledAtRandomPointsThenRetriedGiveTheOneMachineBytes() throws Exception {
        Path s = Stores.init(tmp.resolve("retried"), MODELS);
        DistributedTraining.Result r = DistributedTraining.run(sc, Stores.job(s), 0, MODELS, TASKS,
                new FailFirstAttempt(42));
        assertEquals(TASKS, FailFirstAttempt.KILLED.get(), "one injected failure per task");
        assertTrue(r.failures().isEmpty(), r.failures().toString());
        assertEquals(0, r.notCompleted());
        // The retries trained only what the killed attempts left: no row trained twice.
        long killedStored = FailFirstAttempt.STORED.entrySet().stream().filter(e -> e.getKey().startsWith("42:"))
                .mapToLong(e -> e.getValue().get()).sum();
        assertEquals(MODELS, r.stored() + killedStored, "models stored by killed and retried attempts");
        Stores.assertSameNpy(reference, s);

        // A second job resumes: nothing left to train.
        DistributedTraining.Result again = DistributedTraining.run(sc, Stores.job(s), 0, MODELS, TASKS, TaskHook.NONE);
        assertEquals(0, again.stored());
        assertEquals(MODELS, again.skipped());
        Stores.assertSameNpy(reference, s);
    }

    @Test
    void twoAttemptsOfOneTaskAtOnceWriteEveryRowOnceWithTheSameBytes() throws Exception {
        Path s = Stores.init(tmp.resolve("speculative"), MODELS);
        PartitionTrainer trainer = new PartitionTrainer(Stores.job(s), TaskHook.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<PartitionTrainer.Outcome> a = pool.submit(() -> trainer.train(0, MODELS));
            Future<PartitionTrainer.Outcome> b = pool.submit(() -> trainer.train(0, MODELS));
            PartitionTrainer.Outcome oa = a.get();
            PartitionTrainer.Outcome ob = b.get();
            assertEquals(MODELS, oa.stored() + ob.stored(), "each row trained by exactly one attempt: " + oa + ", " + ob);
            assertTrue(oa.failures().isEmpty() && ob.failures().isEmpty());
        } finally {
            pool.shutdownNow();
        }
        try (Store st = Store.open(s, false)) {
            assertEquals(MODELS, st.completedCount());
        }
        Stores.assertSameNpy(reference, s);
    }

    /** A store folder that the executors do not see is refused by the probe stage, naming the folder and the host. */
    @Test
    void aStoreTheExecutorsCannotReachIsRefusedBeforeTraining() throws Exception {
        Path missing = tmp.resolve("only-on-the-driver");
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.datamodels.store.StoreException.class,
                () -> Reach.check(sc, java.util.List.of(new Reach.Need(missing.toString(), Store.SPEC_FILE, true))));
        String host = java.net.InetAddress.getLocalHost().getHostName();
        assertEquals(missing + ": folder not found on executor host " + host
                + " (every executor must mount it at the same path)", e.getMessage());
        Path noSpec = java.nio.file.Files.createDirectories(tmp.resolve("no-spec"));
        e = org.junit.jupiter.api.Assertions.assertThrows(io.datamodels.store.StoreException.class,
                () -> Reach.check(sc, java.util.List.of(new Reach.Need(noSpec.toString(), Store.SPEC_FILE, false))));
        assertTrue(e.getMessage().startsWith(noSpec.resolve(Store.SPEC_FILE) + ": not readable on executor host "),
                e.getMessage());
        Reach.check(sc, java.util.List.of(new Reach.Need(reference.toString(), Store.SPEC_FILE, true)));
    }

    /**
     * The job's report lists only models not completed at its end: a model that the attempt whose outcome Spark kept
     * reported failed, but that another attempt of the task (a speculative copy) completed, is not a failure.
     */
    @Test
    void aFailureThatAnotherAttemptRepairedIsNotReported() throws Exception {
        Path s = Stores.init(tmp.resolve("repaired"), 6);
        PartitionTrainer.Outcome trained = new PartitionTrainer(Stores.job(s), TaskHook.NONE).train(0, 4);
        assertEquals(4, trained.stored());
        try (Store st = Store.open(s, false)) {
            // Kept outcomes: the first task's attempt failed model 1, which its other attempt completed; the second
            // task's failed model 4, which no attempt completed (nor model 5, which the failing attempt never reached).
            List<PartitionTrainer.Outcome> kept = List.of(
                    new PartitionTrainer.Outcome(0, 3, 2, 0, Map.of(1L, "injected: out of memory"), 1.0),
                    new PartitionTrainer.Outcome(3, 6, 1, 0, Map.of(4L, "margins.npy: dtype"), 1.0));
            DistributedTraining.Result r = DistributedTraining.result(kept, st, 0, 6, 2.0);
            assertEquals(Map.of(4L, "margins.npy: dtype"), r.failures());
            assertEquals(2, r.notCompleted());
            assertEquals(3, r.stored());
        }
    }
}
