package io.datamodels.store;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Output writes beside their target: permissions from the umask, any valid name, stale temporaries of dead writers
 * removed and live ones kept, and of two writers of one path one wins and the other fails naming the path.
 */
@ExtendWith(NoStdout.class)
class AtomicFilesTest {
    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Files and folders get what plain createFile / createDirectory give under this process's umask. */
    @Test
    void outputsFollowTheUmask() throws IOException {
        Set<PosixFilePermission> fileMode = Files.getPosixFilePermissions(Files.createFile(tmp.resolve("ref-file")));
        Set<PosixFilePermission> dirMode = Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("ref-dir")));
        Npy.write(tmp.resolve("a.npy"), DType.INT32, new int[]{1, 2}, 2);
        assertEquals(fileMode, Files.getPosixFilePermissions(tmp.resolve("a.npy")));
        AtomicFiles.createDirectory(tmp.resolve("out"), false, d -> Files.writeString(d.resolve("x.txt"), "x"));
        assertEquals(dirMode, Files.getPosixFilePermissions(tmp.resolve("out")));
        assertEquals(fileMode, Files.getPosixFilePermissions(tmp.resolve("out/x.txt")));
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 1, 7);
        try (Store st = Store.init(tmp.resolve("store"), StoreRows.spec(3, 7, 2), StoreRows.meta(s), false)) {
            assertEquals(dirMode, Files.getPosixFilePermissions(st.dir()));
            for (String f : List.of("spec.json", "store.json", "masks.npy", "margins.npy", "_completed.npy")) {
                assertEquals(fileMode, Files.getPosixFilePermissions(st.dir().resolve(f)), f);
            }
        }
    }

    /** A subprocess under umask 002 makes a store its group can write: the umask, not a fixed 0700, decides. */
    @Test
    void groupWritableUnderUmask002() throws Exception {
        Path store = tmp.resolve("shared");
        Path sync = Files.createDirectory(tmp.resolve("sync"));
        Files.createFile(sync.resolve("go"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("sh", "-c", "umask 002 && exec \"$0\" -cp \"$1\" " + AtomicWriterMain.class
                .getName() + " \"$2\" \"$3\" w", java, System.getProperty("java.class.path"), store.toString(),
                sync.toString()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(Files.getPosixFilePermissions(store).contains(PosixFilePermission.GROUP_WRITE),
                "store folder mode " + Files.getPosixFilePermissions(store));
        assertTrue(Files.getPosixFilePermissions(store.resolve("who.txt")).contains(PosixFilePermission.GROUP_WRITE));
    }

    /** A 255-character name (the longest most file systems allow) works for files and folders. */
    @Test
    void longestNameWorks() throws IOException {
        String name = "n".repeat(251) + ".npy";
        assertEquals(255, name.length());
        Npy.write(tmp.resolve(name), DType.INT64, new long[]{7, 8, 9}, 3);
        assertArrayEquals(new long[]{7, 8, 9}, Npy.readLongs(tmp.resolve(name)));
        String dir = "d".repeat(255);
        AtomicFiles.createDirectory(tmp.resolve(dir), false, d -> Files.writeString(d.resolve("x.txt"), "hello"));
        assertEquals("hello", Files.readString(tmp.resolve(dir).resolve("x.txt")));
        assertEquals(List.of(dir, name), names(tmp), "no working files left");
    }

    /** A half-written folder and lock file of a killed writer (no lock held) are removed by the next write. */
    @Test
    void staleTemporariesOfADeadWriterAreRemoved() throws IOException {
        Path target = tmp.resolve("fit-out");
        String prefix = AtomicFiles.siblingPrefix(target);
        Path stale = Files.createDirectory(tmp.resolve(prefix + "new"));
        Files.write(stale.resolve("weights.npy"), new byte[1 << 20]);
        Files.createDirectory(tmp.resolve(prefix + "old"));
        Files.writeString(tmp.resolve(prefix + "lock"), "12345 dead");
        AtomicFiles.createDirectory(target, false, d -> Files.writeString(d.resolve("x.txt"), "new"));
        assertEquals(List.of("fit-out"), names(tmp));
        assertEquals("new", Files.readString(target.resolve("x.txt")));
    }

    /**
     * Two processes create one folder: while the first is writing, the second fails naming the path and leaves the
     * first's working folder alone; the first then wins, and a later non-forced write is refused.
     */
    @Test
    void secondWriterFailsWhileTheFirstWrites() throws Exception {
        Path target = tmp.resolve("store");
        Path sync = Files.createDirectory(tmp.resolve("sync"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AtomicWriterMain.class.getName(), target.toString(), sync.toString(), "first")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(sync.resolve("ready"))) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, "writer did not get ready");
                Thread.sleep(5);
            }
            Path working = tmp.resolve(AtomicFiles.siblingPrefix(target) + "new");
            assertTrue(Files.isDirectory(working), "the live writer's folder");
            FileSystemException e = assertThrows(FileSystemException.class, () ->
                    AtomicFiles.createDirectory(target, true, d -> Files.writeString(d.resolve("who.txt"), "second")));
            assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("another process"),
                    e.getMessage());
            assertTrue(Files.isDirectory(working), "a live writer's folder is not removed");
            assertFalse(Files.exists(target));
            Files.createFile(sync.resolve("go"));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        } finally {
            p.destroyForcibly();
        }
        assertEquals("first", Files.readString(target.resolve("who.txt")));
        assertEquals(List.of("store", "sync"), names(tmp));
        assertThrows(FileAlreadyExistsException.class, () ->
                AtomicFiles.createDirectory(target, false, d -> Files.writeString(d.resolve("who.txt"), "third")));
        assertEquals("first", Files.readString(target.resolve("who.txt")));
    }

    /** Of threads recording one file at once, exactly one writes it; the others find its text there. */
    @Test
    void writeStringOnceHasOneWriter() throws Exception {
        Path f = tmp.resolve("train.json");
        int n = 6;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<Boolean>> rs = new java.util.ArrayList<>();
            for (int k = 0; k < n; k++) {
                String text = "writer " + k + " " + "x".repeat(1 << 16);
                rs.add(pool.submit(() -> {
                    start.await();
                    return AtomicFiles.writeStringOnce(f, text);
                }));
            }
            int winner = -1;
            for (int k = 0; k < n; k++) {
                if (rs.get(k).get(60, TimeUnit.SECONDS)) {
                    assertEquals(-1, winner, "two writers");
                    winner = k;
                }
            }
            assertTrue(winner >= 0);
            assertTrue(Files.readString(f).startsWith("writer " + winner + " "));
            assertEquals(List.of("train.json"), names(tmp));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A long job checks --out when it starts and writes at the end: if another writer created or replaced the
     * path in between, the job fails and the other's result stays.
     */
    @Test
    void pathChangedSinceTheStartIsNotOverwritten() throws IOException {
        Path out = tmp.resolve("out");
        AtomicFiles.Snapshot absent = AtomicFiles.requireAbsent(out, false);
        AtomicFiles.createDirectory(out, false, d -> Files.writeString(d.resolve("who.txt"), "other"));
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () ->
                AtomicFiles.createDirectory(out, false, absent, d -> Files.writeString(d.resolve("who.txt"), "me")));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("created by another process"),
                e.getMessage());
        assertEquals("other", Files.readString(out.resolve("who.txt")));

        // with --force: replacing what was there at the start is fine, replacing someone else's newer result is not
        AtomicFiles.Snapshot before = AtomicFiles.requireAbsent(out, true);
        AtomicFiles.createDirectory(out, true, d -> Files.writeString(d.resolve("who.txt"), "newer"));
        FileAlreadyExistsException f = assertThrows(FileAlreadyExistsException.class, () ->
                AtomicFiles.createDirectory(out, true, before, d -> Files.writeString(d.resolve("who.txt"), "me")));
        assertTrue(f.getMessage().contains("replaced by another process"), f.getMessage());
        assertEquals("newer", Files.readString(out.resolve("who.txt")));
        AtomicFiles.Snapshot now = AtomicFiles.requireAbsent(out, true);
        AtomicFiles.createDirectory(out, true, now, d -> Files.writeString(d.resolve("who.txt"), "me"));
        assertEquals("me", Files.readString(out.resolve("who.txt")));

        Path file = tmp.resolve("p.npy");
        AtomicFiles.Snapshot fileAbsent = AtomicFiles.requireAbsent(file, false);
        Npy.write(file, DType.INT32, new int[]{1}, 1);
        assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.write(file, fileAbsent,
                t -> Npy.write(t, DType.INT32, new int[]{2}, 1)));
        assertArrayEquals(new long[]{1}, Npy.readLongs(file));
        assertEquals(List.of("out", "p.npy"), names(tmp));
    }
}
