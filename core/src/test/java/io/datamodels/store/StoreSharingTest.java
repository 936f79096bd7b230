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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store shared between writers: of two inits of one folder one wins, rows written into a store that was replaced
 * meanwhile are refused, and a store that cannot fit is refused before anything is written.
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

    /** A store larger than the free space is refused with both figures, and nothing is written. */
    @Test
    void storeLargerThanTheFreeSpaceIsRefused() throws IOException {
        Path parent = Files.createDirectory(tmp.resolve("p"));
        long n = 99_999_999_999L;
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        IOException e = assertThrows(IOException.class,
                () -> Store.init(parent.resolve("store"), StoreRows.spec(n, 65, 3), StoreRows.meta(s), false));
        Matcher m = Pattern.compile("need (\\d+) bytes .* has (\\d+) bytes .* free").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        // masks 65 bytes, margins 3 x float16, logits 3 x 10 x float32, completion flag 1 byte per row; 4 headers
        long data = n * (65 + 3 * 2 + 3 * 10 * 4 + 1);
        long need = Long.parseLong(m.group(1));
        assertTrue(need >= data && need <= data + 4 * 4096, need + " vs " + data);
        long free = Files.getFileStore(parent).getUsableSpace();
        assertTrue(Math.abs(Long.parseLong(m.group(2)) - free) < (1L << 30), m.group(2) + " vs " + free);
        assertTrue(e.getMessage().contains(parent.resolve("store").toString()), e.getMessage());
        assertEquals(List.of(), names(parent), "nothing written");
        assertFalse(Files.exists(parent.resolve("store")));
    }
}
