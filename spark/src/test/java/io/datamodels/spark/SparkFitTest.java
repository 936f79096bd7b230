package io.datamodels.spark;

import io.datamodels.regress.FitPieces;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.regress.Synthetic;
import io.datamodels.store.Store;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fit on Spark ({@code local[2,4]}), with the first attempt of tasks of every stage failing, writes the files of
 * the one-machine fit of the same store byte for byte: the same lambdas, the same weights.
 */
class SparkFitTest {
    private static JavaSparkContext sc;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("SparkFitTest")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.local.dir", tmp.resolve("spark").toString()));
        sc.setLogLevel("ERROR");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Fails the first attempt of the first task of each stage and of every solve task. */
    static final class FailFirstAttempts implements DistributedFit.Hook {
        static final AtomicInteger FAILED = new AtomicInteger();

        @Override
        public void task(String stage, int index, int attempt) {
            if (attempt == 0 && (index == 0 || stage.equals("solve"))) {
                FAILED.incrementAndGet();
                throw new IllegalStateException("injected failure of " + stage + " task " + index);
            }
        }
    }

    @Test
    void failedAndRetriedTasksGiveTheBytesOfTheOneMachineFit() throws Exception {
        // m = 300: two panels, one partial; 5,000 models of which ~4,500 train: two blocks of cross products.
        int m = 300;
        Path store = tmp.resolve("store");
        new Synthetic(m, 11, 6, 0.7, 1.0, 0.5, 9).writeStore(store, 5000, Set.of(4, 400, 4097));
        FitRequest req = FitRequest.builder().outputsKey("y")
                .config(LassoConfig.defaults().with(40, 1e-2, 0.1, 3).withThreads(1)).command("test").build();
        Path local = tmp.resolve("local");
        Path spark = tmp.resolve("spark-fit");
        try (Store st = Store.open(store, false)) {
            Fitter.fit(st, local, req);
            FitPieces.Plan plan = FitPieces.plan(st, req);
            DistributedFit.run(sc, st, spark, req, plan, new DistributedFit.Options(256, 3, 4, 1),
                    new FailFirstAttempts());
        }
        assertTrue(FailFirstAttempts.FAILED.get() >= 4 + 3, "failures injected: " + FailFirstAttempts.FAILED.get());
        io.datamodels.testing.FitFolders.assertSameFit(local, spark);
        try (Stream<Path> s = Files.list(tmp)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".dm-") && Files.isDirectory(p)),
                    "no temporary folder left");
        }
    }

    /** Hands on {@code copies} copies (0: lost, 2: doubled) of the results of the given gram and cross tasks. */
    record Results(Set<Integer> gram, Set<Integer> cross, int copies) implements DistributedFit.Hook {
        @Override
        public void task(String stage, int index, int attempt) {
        }

        @Override
        public int copies(String stage, int index) {
            return (stage.equals("gram") ? gram : stage.equals("cross") ? cross : Set.of()).contains(index) ? copies : 1;
        }
    }

    /** m = 300 (two column blocks of 256), 200 models of which 3 are left out, 5 targets. */
    private static Path smallStore(String name, Set<Integer> skip) throws Exception {
        Path store = tmp.resolve(name);
        new Synthetic(300, 5, 6, 0.7, 1.0, 0.5, 4).writeStore(store, 200, skip);
        return store;
    }

    private static FitRequest smallRequest() {
        return FitRequest.builder().outputsKey("y").config(LassoConfig.defaults().with(10, 1e-2, 0.2, 3)
                .withThreads(1)).command("test").build();
    }

    @Test
    void aLostOrDoubledResultOfTheStatisticsIsRefusedNotSummed() throws Exception {
        Path store = smallStore("lost", Set.of(3, 50, 199));
        FitRequest req = smallRequest();
        // Two row partitions and two column blocks per part: gram tasks 0-3 of the train part (partition 0 block 0,
        // partition 0 block 1, partition 1 block 0, partition 1 block 1), 4-7 of validation; one block of models per
        // part: cross tasks 0-1 train (column block 0, 1), 2-3 validation.
        Object[][] cases = {
                {new Results(Set.of(2), Set.of(), 0), "column block 0 (columns 0:256): counts of the train part: models "},
                {new Results(Set.of(5), Set.of(), 2), "column block 1 (columns 256:300): counts of the validation part: models 0:"},
                {new Results(Set.of(), Set.of(3), 0), "column block 1 (columns 256:300): cross-product tiles: expected the blocks of models [0, 1] once each, got [0]"},
                {new Results(Set.of(), Set.of(0), 2), "column block 0 (columns 0:256): cross-product tiles: expected the blocks of models [0, 1] once each, got [0, 0, 1]"},
                {new Results(Set.of(1, 3, 5, 7), Set.of(1, 3), 0), "column block 1 (columns 256:300): no result"},
        };
        int k = 0;
        try (Store st = Store.open(store, false)) {
            FitPieces.Plan plan = FitPieces.plan(st, req);
            for (Object[] c : cases) {
                Path out = tmp.resolve("lost-" + k++);
                java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                        () -> DistributedFit.run(sc, st, out, req, plan, new DistributedFit.Options(256, 2, 2, 1),
                                (DistributedFit.Hook) c[0]), c[1].toString());
                String msg = e.getMessage();
                assertTrue(msg.startsWith("statistics: expected each of the 2 column blocks once and complete, got "),
                        msg);
                assertTrue(msg.contains(c[1].toString()), msg);
                assertTrue(msg.endsWith("; " + out + " was not written"), msg);
                assertEquals(1, msg.lines().count(), msg);
                assertFalse(Files.exists(out), out + " was not written");
            }
        }
    }

    @Test
    void theDriverRefusesBlocksMissingDoubledOrNotWritten() throws Exception {
        Path out = tmp.resolve("x");
        DistributedFit.requireEveryBlock(600, 256, java.util.List.of(new DistributedFit.Written(2, null),
                new DistributedFit.Written(0, null), new DistributedFit.Written(1, null)), out);
        String twice = assertThrowsIo(() -> DistributedFit.requireEveryBlock(600, 256, java.util.List.of(
                new DistributedFit.Written(0, null), new DistributedFit.Written(1, null),
                new DistributedFit.Written(1, null), new DistributedFit.Written(2, null)), out));
        assertTrue(twice.contains("column block 1 (columns 256:512): 2 results"), twice);
        String missing = assertThrowsIo(() -> DistributedFit.requireEveryBlock(600, 256, java.util.List.of(
                new DistributedFit.Written(0, null), new DistributedFit.Written(1, "no counts of the train part")),
                out));
        assertTrue(missing.contains("column block 1 (columns 256:512): no counts of the train part; column block 2 "
                + "(columns 512:600): no result"), missing);
        assertEquals(null, DistributedFit.coverage(new int[]{5, 9, 0, 5}, 9));
        assertEquals("models 5:7 missing", DistributedFit.coverage(new int[]{7, 9, 0, 5}, 9));
        assertEquals("models 3:5 counted twice", DistributedFit.coverage(new int[]{3, 9, 0, 5}, 9));
        assertEquals("models 8:9 missing", DistributedFit.coverage(new int[]{0, 8}, 9));
    }

    private static String assertThrowsIo(org.junit.jupiter.api.function.Executable x) {
        return org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, x).getMessage();
    }

    @Test
    void aTaskRefusesAStoreReplacedSinceThePlan() throws Exception {
        Path store = smallStore("replaced", Set.of(3));
        FitRequest req = smallRequest();
        Path out = tmp.resolve("replaced-fit");
        try (Store st = Store.open(store, false)) {
            FitPieces.Plan plan = FitPieces.plan(st, req);
            int used = plan.train().length + plan.validation().length;
            assertTrue(java.util.stream.IntStream.concat(java.util.Arrays.stream(plan.train()),
                    java.util.Arrays.stream(plan.validation())).anyMatch(i -> i == 60), "model 60 is in the plan");
            // The same experiment made again at the same path, without model 60 (a model of the plan) yet.
            smallStore("replaced", Set.of(3, 60));
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> DistributedFit.run(sc, st, out, req, plan, new DistributedFit.Options(256, 2, 2, 1),
                            DistributedFit.Hook.NONE));
            assertTrue(e instanceof org.apache.spark.SparkException, e.toString());
            io.datamodels.store.StoreException refused = DistributedFit.refusal(e);
            assertTrue(refused != null, e.toString());
            String msg = refused.getMessage();
            assertTrue(msg.startsWith("store " + store.toAbsolutePath() + " on host "), msg);
            assertTrue(msg.contains(": not the store this fit was planned from (inputs fingerprint "), msg);
            assertTrue(msg.contains("; 1 of the plan's " + used + " model rows not completed here)"), msg);
            assertEquals(1, msg.lines().count(), msg);
        }
        assertFalse(Files.exists(out));
    }
}
