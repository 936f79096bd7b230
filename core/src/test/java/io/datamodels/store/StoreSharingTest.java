package io.datamodels.store;

import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store shared between writers: of two inits of one folder one wins, and rows written into a store that was replaced
 * meanwhile are refused.
 */
@ExtendWith(NoStdout.class)
class StoreSharingTest {
    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Two inits of one folder with different seeds: the second, started while the first writes, fails. */
    @Test
    void secondInitWhileTheFirstWritesFails() throws Exception {
        Path dir = tmp.resolve("store");
        Sampling first = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        Sampling second = new Sampling(Sampling.BERNOULLI, 0.5, 2, 65);
        CountDownLatch filling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> {
            try {
                Store.init(dir, StoreRows.spec(6, 65, 3), StoreRows.meta(first), false, i -> {
                    filling.countDown();
                    try {
                        assertTrue(release.await(60, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return first.mask(i);
                }).close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(filling.await(60, TimeUnit.SECONDS));
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> Store.init(dir, StoreRows.spec(6, 65, 3), StoreRows.meta(second), false));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("another process is writing"),
                e.getMessage());
        release.countDown();
        a.get(60, TimeUnit.SECONDS);
        try (Store s = Store.open(dir, false)) {
            assertEquals(1, s.meta().orElseThrow().sampling().seed());
            for (long i = 0; i < 6; i++) {
                BitMask want = first.mask(i);
                for (int j = 0; j < 65; j++) {
                    assertEquals(want.get(j), s.array(Store.MASKS).getBoolean(i * 65 + j), "mask " + i + "," + j);
                }
            }
        }
        assertEquals(List.of("store"), names(tmp));
    }

    /** Rows written through a store object whose folder was replaced are refused, not marked in either store. */
    @Test
    void rowsIntoAReplacedStoreAreRefused() throws IOException {
        Path dir = tmp.resolve("store");
        Sampling s1 = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        try (Store old = Store.init(dir, StoreRows.spec(4, 65, 2), StoreRows.meta(s1), false)) {
            old.writeRow(0, StoreRows.row(0, 2));
            Store.init(dir, StoreRows.spec(4, 65, 2), StoreRows.meta(new Sampling(Sampling.BERNOULLI, 0.5, 2, 65)),
                    true).close();
            FileSystemException e = assertThrows(FileSystemException.class, () -> old.writeRow(1, StoreRows.row(1, 2)));
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("replaced by another process"),
                    e.getMessage());
        }
        try (Store now = Store.open(dir, false)) {
            assertEquals(2, now.meta().orElseThrow().sampling().seed());
            assertEquals(0, now.completedCount());
        }
    }
}
