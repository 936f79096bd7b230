package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.datamodels.cli.TrainProcesses.assertPlainLines;
import static io.datamodels.cli.TrainProcesses.assertSameRows;
import static io.datamodels.cli.TrainProcesses.cliOk;
import static io.datamodels.cli.TrainProcesses.completed;
import static io.datamodels.cli.TrainProcesses.initEmbedded;
import static io.datamodels.cli.TrainProcesses.trainedCount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance test of resumable training: killing the runner with SIGKILL at random moments, then resuming, gives
 * exactly N completed rows, each equal to a fresh recompute of that index.
 *
 * <p>First an identical store (same {@code init}, so the same masks) is trained in-process without interruption:
 * the fresh recompute, whose wall time also scales the kill delays to this machine. Then each round starts
 * {@code datamodels train} as its own JVM and kills it ({@link Process#destroyForcibly()}, SIGKILL on Linux) after a
 * delay drawn from a fixed-seed {@link Random}: every third round counts the delay from the process start (so kills
 * also land in JVM start-up, store opening and the writing of train.json), the other rounds from the "train: ..."
 * header printed just before the first model starts (so kills land in the middle of training and of row writes,
 * however slow the JVM start). At least one kill must stop a run after some but before all rows were stored, or the
 * test fails as vacuous. A final run completes the store; its rows must equal the fresh recompute's.
 */
@ExtendWith(TrainProcesses.NoStdout.class)
class TrainKillResumeTest {
    private static final int N = 60;
    private static final int MIN_KILLS = 5;
    private static final int MAX_ROUNDS = 10;
    private static final String[] OUTPUTS = {"margins", "train_accuracy", "train_loss"};
    /** Some tens of ms per model, so that 60 models take a few seconds on two threads. */
    private static final List<String> GATHER = List.of("--set", "epochs=60", "--set", "hidden=[32]", "--set",
            "batch_size=16", "--set", "mode=gather");
    private static final List<String> SHARED = List.of("--set", "epochs=30", "--set", "hidden=[32]", "--set",
            "batch_size=16", "--set", "mode=shared", "--set", "group=4");
    /** Softmax regression in the default mode: its layer runs through the Vector API NarrowLinear kernel. */
    private static final List<String> SOFTMAX = List.of("--set", "epochs=60", "--set", "batch_size=16");

    @TempDir
    Path tmp;

    @Test
    void gatherModeRowsEqualAFreshRecomputeBitForBit() throws Exception {
        killResumeAndCompare("mlp", GATHER, 20240611L, false, false, 0);
    }

    @Test
    void softmaxRowsEqualAFreshRecomputeBitForBit() throws Exception {
        // Every killed round is a fresh JVM whose first models run the kernels interpreted or C1-compiled, while the
        // recompute ran them in this warm JVM: rows agree only if the kernels give the same bits on every JIT tier.
        killResumeAndCompare("softmax", SOFTMAX, 99L, false, true, 0);
    }

    @Test
    void sharedModeRowsMatchAFreshRecomputeWithinFloatTolerance() throws Exception {
        // Shared-mode models train in groups of 4 taken in index order from the rows not yet completed. Killed
        // rounds here start at a random index in 0..3, so groups are cut differently than in the uninterrupted run
        // (e.g. {2,3,4,5} instead of {0,1,2,3}); a model's group then holds other models, which may change the
        // blocking of the first layer's GEMM and so the last bits.
        killResumeAndCompare("mlp", SHARED, 7L, true, false, TrainProcesses.FLOAT_TOL);
    }

    /** Waits until {@code store} holds more than {@code before} completed rows or the child has exited. */
    private static void awaitFirstRow(TrainProcesses.Child c, Path store, long before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (c.process().isAlive() && completed(store) <= before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /**
     * Kills runners until at least {@link #MIN_KILLS} kills and one that stopped a run part-way, completes the
     * store, and compares it with an uninterrupted recompute.
     *
     * @param learner     mlp or softmax
     * @param shiftGroups start each killed run at a random index in 0..3 instead of 0
     * @param coldTiming  count kill delays from a round's first stored row (for learners much slower cold)
     * @param tol         0 for bit-for-bit equality, else the float tolerance
     */
    private void killResumeAndCompare(String learner, List<String> config, long seed, boolean shiftGroups,
                                      boolean coldTiming, double tol) throws Exception {
        // The fresh recompute first: an identical store trained in-process without interruption. Its wall time
        // scales the kill delays to this machine's speed.
        Path fresh = tmp.resolve("fresh");
        initEmbedded(fresh, N, 300, 30, OUTPUTS);
        List<String> freshArgs = new ArrayList<>(List.of("train", "--store", fresh.toString(), "--learner", learner,
                "--threads", "2"));
        freshArgs.addAll(config);
        long t0 = System.nanoTime();
        assertEquals(N, trainedCount(cliOk(freshArgs.toArray(String[]::new)).out()));
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        Path store = tmp.resolve("killed");
        initEmbedded(store, N, 300, 30, OUTPUTS);
        List<String> args = new ArrayList<>(List.of("train", "--store", store.toString(), "--learner", learner,
                "--threads", "2"));
        args.addAll(config);
        Path logs = tmp.resolve("logs");
        if (coldTiming) {
            // A new JVM runs its first models before C2 has compiled the kernels, far slower than the rest: kill
            // delays then count from a round's first stored row, scaled by the time an uninterrupted child takes
            // from its first row to its last. That child's rows, trained cold, must equal the warm recompute's too.
            Path cold = tmp.resolve("cold");
            initEmbedded(cold, N, 300, 30, OUTPUTS);
            List<String> coldArgs = new ArrayList<>(args);
            coldArgs.set(coldArgs.indexOf(store.toString()), cold.toString());
            TrainProcesses.Child c = TrainProcesses.start(logs, "cold", coldArgs);
            c.awaitHeader(60);
            awaitFirstRow(c, cold, 0);
            long first = System.nanoTime();
            assertEquals(ExitCodes.OK, c.await(300), c.all());
            trainSeconds = (System.nanoTime() - first) / 1e9;
            assertSameRows(fresh, cold, 0);
        }

        Random rnd = new Random(seed);
        int kills = 0;
        int partialKills = 0;
        long before = 0;
        double startupSeconds = 1;
        StringBuilder history = new StringBuilder(String.format("uninterrupted in-process training: %.2f s%n",
                trainSeconds));
        for (int round = 0; round < MAX_ROUNDS && (kills < MIN_KILLS || partialKills == 0); round++) {
            // Every third round counts from the start and may land in start-up; the others land in training, each
            // letting at most about half of the work through (a new JVM trains slower than the warm test JVM).
            boolean fromStart = round % 3 == 2;
            double delay = fromStart ? rnd.nextDouble() * (startupSeconds + 0.25 * trainSeconds)
                    : (0.05 + 0.45 * rnd.nextDouble()) * trainSeconds;
            long delayMs = Math.max(1, Math.round(delay * 1000));
            List<String> roundArgs = new ArrayList<>(args);
            int from = shiftGroups ? rnd.nextInt(4) : 0;
            roundArgs.addAll(List.of("--rows", from + ":" + N));
            long started = System.nanoTime();
            TrainProcesses.Child c = TrainProcesses.start(logs, "round" + round, roundArgs);
            try {
                boolean alive = fromStart || c.awaitHeader(60);
                if (alive && !fromStart) {
                    startupSeconds = (System.nanoTime() - started) / 1e9;
                    if (coldTiming) {
                        awaitFirstRow(c, store, completed(store));
                    }
                }
                if (!alive || c.process().waitFor(delayMs, TimeUnit.MILLISECONDS)) {
                    // Finished (or failed) before the kill: nothing left to interrupt.
                    assertEquals(ExitCodes.OK, c.process().waitFor(), c.all());
                    before = completed(store);
                    history.append("round ").append(round).append(": finished before the kill, completed ")
                            .append(before).append('\n');
                    break;
                }
                c.kill();
            } finally {
                c.process().destroyForcibly();
            }
            kills++;
            long after = completed(store);
            history.append("round ").append(round).append(" (from ").append(from).append("): killed ").append(delayMs).append(" ms after ")
                    .append(fromStart ? "start" : coldTiming ? "first row" : "header").append(", completed ").append(before).append(" -> ")
                    .append(after).append('\n');
            assertTrue(after >= before, "completed rows went down\n" + history);
            if (after > before && after < N) {
                partialKills++;
            }
            before = after;
        }
        assertTrue(partialKills >= 1, "no kill landed after some but before all rows were stored, so the test "
                + "proves nothing\n" + history);

        TrainProcesses.Child last = TrainProcesses.start(logs, "final", args);
        try {
            assertEquals(ExitCodes.OK, last.await(300), last.all());
        } finally {
            last.process().destroyForcibly();
        }
        String out = last.out();
        assertPlainLines("final run's stdout", out);
        assertEquals(N - before, trainedCount(out), "the final run trains exactly the rows left\n" + history + out);
        assertTrue(out.contains("store has " + N + "/" + N + " completed"), out);
        assertEquals(N, completed(store), history.toString());

        assertSameRows(fresh, store, tol);
    }
}
