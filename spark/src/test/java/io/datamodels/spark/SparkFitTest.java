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
}
