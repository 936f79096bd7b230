package io.datamodels.store;

import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three JVMs write interleaved, disjoint rows of one store at the same time (as array jobs on a cluster would);
 * afterwards every row is complete with the right values and the masks from init are intact.
 */
@ExtendWith(NoStdout.class)
class StoreMultiProcessTest {
    private static final int WORKERS = 3;
    private static final int N = 150;
    private static final int M = 65;
    private static final int T = 4;

    @TempDir
    Path parent;

    @Test
    void threeProcessesWriteInterleavedRows() throws Exception {
        Path dir = parent.resolve("store");
        Sampling s = new Sampling(Sampling.BERNOULLI, 0.5, 99, M);
        Store.init(dir, StoreRows.spec(N, M, T), StoreRows.meta(s), false).close();

        Path sync = Files.createDirectory(parent.resolve("sync"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        List<Path> errs = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Path err = parent.resolve("worker" + w + ".err");
            errs.add(err);
            procs.add(new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), StoreWriterMain.class.getName(),
                    dir.toString(), Integer.toString(w), Integer.toString(WORKERS), Integer.toString(T),
                    sync.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(err.toFile())
                    .redirectErrorStream(true)
                    .start());
        }
        try {
            // all workers have the store open before any writes
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int w = 0; w < WORKERS; w++) {
                while (!Files.exists(sync.resolve("ready-" + w)) && procs.get(w).isAlive()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
            Files.createFile(sync.resolve("go"));
            for (int w = 0; w < WORKERS; w++) {
                Process p = procs.get(w);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "worker " + w + " did not finish in 60 s");
                int ww = w;
                assertEquals(0, p.exitValue(), () -> "worker " + ww + " failed:\n" + read(errs.get(ww)));
                assertEquals("", read(errs.get(w)), "worker " + w + " output");
            }
        } finally {
            for (Process p : procs) {
                p.destroyForcibly();
            }
        }

        try (Store st = Store.open(dir, false)) {
            assertEquals(N, st.completedCount());
            for (long i = 0; i < N; i++) {
                StoreRows.assertRow(st, i, T);
                assertArrayEquals(s.mask(i).toBytes(), StoreTest.rowBytes(st.array(Store.MASKS), i, M), "mask " + i);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(cannot read " + p + ": " + e.getMessage() + ")";
        }
    }
}
