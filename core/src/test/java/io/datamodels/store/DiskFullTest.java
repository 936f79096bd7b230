package io.datamodels.store;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.internal.NpyCodec;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk, on a 1 MiB tmpfs: creating a store or writing a {@code .npy} that does not fit fails with an
 * {@link IOException} that says so, and leaves nothing behind (no store folder, no temporary file or folder, no space
 * held by a deleted file that is still open). Skipped where tmpfs cannot be mounted (needs root).
 */
@ExtendWith(NoStdout.class)
class DiskFullTest {
    private static final long TMPFS_BYTES = 1 << 20;
    private static Path mount;
    private static String mountError;

    @BeforeAll
    static void mountTmpfs() throws IOException, InterruptedException {
        mount = Files.createTempDirectory("dm-diskfull-");
        String out = exec("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString());
        mountError = out;
    }

    @AfterAll
    static void unmount() throws IOException, InterruptedException {
        if (mountError == null) {
            String out = exec("umount", mount.toString());
            if (out != null) {
                exec("umount", "-l", mount.toString());
            }
        }
        AtomicFiles.deleteRecursively(mount);
    }

    /** Runs a command; null on exit status 0, else its status and output. */
    private static String exec(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit status " + p.exitValue() + ": " + out;
    }

    @BeforeEach
    void needTmpfs() {
        assumeTrue(mountError == null, () -> "skipped: cannot mount a 1 MiB tmpfs at " + mount + " (" + mountError
                + "); the disk-full tests need root (CAP_SYS_ADMIN)");
    }

    @AfterEach
    void emptyMount() throws IOException {
        if (mountError == null) {
            try (Stream<Path> s = Files.list(mount)) {
                for (Path p : s.toList()) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
        }
    }

    private static List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(mount)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertNoSpace(IOException e) {
        assertTrue(e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("no space"),
                "message should say there is no space: " + e);
    }

    /** The message says there is no space and names the file or folder that did not fit. */
    private static void assertNoSpace(IOException e, Path named) {
        assertNoSpace(e);
        assertTrue(e.getMessage().contains(named.toString()), "message should name " + named + ": " + e);
    }

    /** Nothing left in the mount, and no deleted-but-open file still holding blocks. */
    private static void assertEmptyAndFree() throws IOException {
        assertEquals(List.of(), listing(), "nothing left behind");
        long free = Files.getFileStore(mount).getUsableSpace();
        assertTrue(free > TMPFS_BYTES * 9 / 10, "space is released: " + free + " bytes free");
    }

    @Test
    void storeInitThatDoesNotFitLeavesNothing() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        // logits: 100 x 2000 x 10 float32 = 8 MB, preallocated
        IOException e = assertThrows(IOException.class,
                () -> Store.init(mount.resolve("store"), StoreRows.spec(100, 65, 2000), StoreRows.meta(s), false));
        assertNoSpace(e, mount.resolve("store"));
        assertEmptyAndFree();
    }

    @Test
    void storeInitWhoseMasksDoNotFitLeavesNothing() throws IOException {
        // masks are not preallocated: the mask writes themselves hit the full disk (2000 x 1000 bytes)
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 1000);
        Map<String, StoreSpec.KeySpec> schema = Map.of(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, 1000));
        IOException e = assertThrows(IOException.class,
                () -> Store.init(mount.resolve("store"), new StoreSpec(2000L, schema), StoreRows.meta(s), false));
        assertNoSpace(e, mount.resolve("store"));
        assertEmptyAndFree();
    }

    @Test
    void forcedInitThatDoesNotFitKeepsTheOldStore() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        Path dir = mount.resolve("store");
        try (Store st = Store.init(dir, StoreRows.spec(4, 65, 2), StoreRows.meta(s), false)) {
            st.writeRow(3, StoreRows.row(3, 2));
        }
        IOException e = assertThrows(IOException.class,
                () -> Store.init(dir, StoreRows.spec(100, 65, 2000), StoreRows.meta(s), true));
        assertNoSpace(e, dir);
        assertEquals(List.of("store"), listing(), "only the old store");
        try (Store st = Store.open(dir, false)) {
            assertEquals(4, st.numModels());
            StoreRows.assertRow(st, 3, 2);
        }
    }

    /**
     * A store larger than the free space is refused before anything is written, with both figures (on this
     * 1 MiB file system, so that without the check the test fills only it).
     */
    @Test
    void storeLargerThanTheFreeSpaceIsRefusedWithTheFigures() throws IOException {
        long n = 10_000;
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        Path dir = mount.resolve("runs/store");
        IOException e = assertThrows(IOException.class,
                () -> Store.init(dir, StoreRows.spec(n, 65, 20), StoreRows.meta(s), false));
        assertNoSpace(e, dir);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("need (\\d+) bytes .* has (\\d+) bytes .* free")
                .matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        // per row: mask 65 bytes, margins 20 x float16, logits 20 x 10 x float32, completion flag 1 byte; 4 headers
        long data = n * (65 + 20 * 2 + 20 * 10 * 4 + 1);
        long need = Long.parseLong(m.group(1));
        assertTrue(need >= data && need <= data + 4 * 4096, need + " vs " + data);
        assertEquals(Files.getFileStore(mount).getUsableSpace(), Long.parseLong(m.group(2)), 64 << 10);
        assertEmptyAndFree(); // not even the parent folder "runs"
    }

    /** The disk fills while a store is written (the space check passed): the error names the store and the file. */
    @Test
    void diskFillingDuringInitNamesTheFile() throws IOException {
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 65);
        Path dir = mount.resolve("store");
        // 600 KB that pass the check, then a 700 KB file beside them takes the space before logits.npy is written
        Path hog = mount.resolve("hog");
        IOException e = assertThrows(IOException.class, () -> Store.init(dir, StoreRows.spec(1000, 65, 10),
                StoreRows.meta(s), false, i -> {
                    if (i == 0) {
                        try {
                            Files.write(hog, new byte[700 << 10]);
                        } catch (IOException x) {
                            throw new java.io.UncheckedIOException(x);
                        }
                    }
                    return s.mask(i);
                }));
        assertNoSpace(e, dir);
        assertTrue(e.getMessage().contains(".npy"), "message should name the file: " + e);
        Files.delete(hog);
        assertEmptyAndFree();
    }

    @Test
    void npyWriteThatDoesNotFitLeavesNothing() throws IOException {
        Path f = mount.resolve("big.npy");
        IOException e = assertThrows(IOException.class,
                () -> Npy.write(f, DType.FLOAT64, new double[200_000], 200_000));
        assertNoSpace(e, f);
        assertEmptyAndFree();

        // with an existing target: it stays as it was
        Npy.write(f, DType.INT32, new int[]{1, 2, 3}, 3);
        IOException g = assertThrows(IOException.class, () -> Npy.writeEncoded(f, DType.FLOAT32,
                new long[]{300_000}, NpyCodec.encode(DType.FLOAT32, java.nio.ByteOrder.LITTLE_ENDIAN,
                        new float[300_000])));
        assertNoSpace(g, f);
        assertEquals(List.of("big.npy"), listing());
        assertArrayEquals(new long[]{1, 2, 3}, Npy.readLongs(f));
    }
}
