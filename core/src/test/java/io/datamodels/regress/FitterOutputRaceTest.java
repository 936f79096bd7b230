package io.datamodels.regress;

import io.datamodels.store.Store;
import io.datamodels.store.npy.Npy;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two fits into one {@code --out}, both past the "already exists" check before either writes: one writes its
 * result, the other fails naming the path instead of silently replacing it.
 */
@ExtendWith(NoStdout.class)
class FitterOutputRaceTest {
    @TempDir
    Path tmp;

    @Test
    void ofTwoFitsIntoOneFolderOneWinsAndOneFails() throws Exception {
        Path store = tmp.resolve("store");
        new Synthetic(40, 3, 3, 0.7, 0.5, 0.5, 5).writeStore(store, 200, Set.of());
        Path out = tmp.resolve("dm");
        Path alone = tmp.resolve("alone");
        CyclicBarrier bothStarted = new CyclicBarrier(2);
        // Fits with different seeds give different results, so the winner's files say which one wrote them.
        long[] seeds = {1, 2};
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Fitter.Summary>> runs = new ArrayList<>();
        try (Store st = Store.open(store, false)) {
            for (long seed : seeds) {
                runs.add(pool.submit(() -> Fitter.fit(st, out, FitRequest.builder().outputsKey("y")
                        .config(FitterTest.cfg().with(20, 1e-2, 0.1, seed)).command("test").listener(new FitListener() {
                            @Override
                            public void phase(String name) {
                                if (name.startsWith("lasso")) {
                                    try {
                                        bothStarted.await(60, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                }
                            }
                        }).build())));
            }
            int won = -1;
            Throwable lost = null;
            for (int r = 0; r < 2; r++) {
                try {
                    runs.get(r).get(120, TimeUnit.SECONDS);
                    assertEquals(-1, won, "only one fit may succeed");
                    won = r;
                } catch (ExecutionException e) {
                    lost = e.getCause();
                }
            }
            assertTrue(won >= 0, "one fit succeeds: " + lost);
            FileSystemException f = assertInstanceOf(FileSystemException.class, lost);
            assertTrue(f.getMessage().contains(out.toString()) && f.getMessage().contains("another process"),
                    f.getMessage());
            // The winner's result, intact: the same as that fit run alone.
            Fitter.fit(st, alone, FitRequest.builder().outputsKey("y")
                    .config(FitterTest.cfg().with(20, 1e-2, 0.1, seeds[won])).command("test").build());
        } finally {
            pool.shutdownNow();
        }
        for (String f : List.of("weights.npy", "bias.npy", "lambda.npy")) {
            assertArrayEquals(Files.readAllBytes(alone.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        assertArrayEquals(Npy.readDoubles(alone.resolve("val_mse.npy")), Npy.readDoubles(out.resolve("val_mse.npy")));
        assertEquals(List.of("alone", "dm", "store"), names(tmp));
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
