package io.datamodels.kernel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API kernels give the same bits whatever JIT tier runs them: a forked JVM that only interprets
 * ({@code -Xint}, the Vector API's Java fallback) or stops at C1 must print the same output bits as this JVM after
 * C2 has compiled the kernels. Before the fixed-order lane sum, {@code reduceLanes(ADD)} made the interpreted forward
 * pass differ from the compiled one in the last bits, so the first models after a JVM start differed from a rerun.
 */
class KernelDeterminismTest {
    /** Shapes with full 4 x 5 blocks and every remainder path: d not a multiple of any vector width. */
    private static final int D = 787;
    private static final int N = 11;
    private static final int C = 12;
    private static final int M = 40;

    @Test
    void interpretedAndC1MatchC2() throws Exception {
        String warm = null;
        for (int i = 0; i < 3000; i++) {
            warm = fingerprint();
        }
        String warmAgain = fingerprint();
        assertEquals(warm, warmAgain, "the kernels are not even repeatable in one JVM");
        assertEquals(warm, forked("-Xint"), "interpreted (Java fallback) vs C2-compiled kernel outputs");
        assertEquals(warm, forked("-XX:TieredStopAtLevel=1"), "C1-compiled vs C2-compiled kernel outputs");
    }

    /** Runs {@link Probe} in a fresh JVM with {@code flag}; returns what it printed. */
    private static String forked(String flag) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", flag, "-cp", System.getProperty("java.class.path"),
                Probe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe with " + flag + " did not finish");
        assertEquals(0, p.exitValue(), "probe with " + flag + " failed: " + err);
        return out;
    }

    /**
     * Hex of the exact bits of: VectorNarrowLinear forward and weight gradient, and VectorGemm, on fixed seeded
     * inputs. A 64-bit FNV-1a hash over every output float's bits.
     */
    static String fingerprint() {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] x = rand(rnd, M * D);
        int[] rows = new int[N];
        for (int r = 0; r < N; r++) {
            rows[r] = rnd.nextInt(M);
        }
        float[] wt = rand(rnd, C * D);
        float[] bias = rand(rnd, C);
        float[] g = rand(rnd, N * C);
        VectorNarrowLinear k = new VectorNarrowLinear();
        float[] out = new float[N * C];
        k.forward(x, D, rows, N, wt, bias, C, out, C);
        float[] gt = rand(rnd, C * D);
        k.weightGrad(x, D, rows, N, g, C, C, 0.9f, gt);
        float[] c = rand(rnd, 13 * 21);
        new VectorGemm().sgemm(true, false, 13, 21, 300, 1f, MemorySegment.ofArray(x), 13,
                MemorySegment.ofArray(wt), 21, 0.5f, MemorySegment.ofArray(c), 21);
        long h = 0xcbf29ce484222325L;
        for (float[] a : new float[][]{out, gt, c}) {
            for (float v : a) {
                h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
            }
        }
        return Long.toHexString(h);
    }

    private static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Entry point of the forked JVMs: prints {@link #fingerprint()} of a cold run. */
    static final class Probe {
        public static void main(String[] args) {
            System.out.println(fingerprint());
        }
    }
}
