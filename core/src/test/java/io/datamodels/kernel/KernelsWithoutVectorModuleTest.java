package io.datamodels.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A library user's JVM started without {@code --add-modules jdk.incubator.vector}: {@link Kernels} and
 * {@link NarrowLinear#choose()} fall back to the scalar kernels (or to OpenBLAS where it is on the class path, see
 * the openblas module's test) with one warning, and never throw {@link NoClassDefFoundError}.
 */
public class KernelsWithoutVectorModuleTest {
    @Test
    void fallsBackToScalarWithOneWarning() throws Exception {
        // 2x2 product by hand: [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]; narrow forward: bias 1 + x . w.
        assertFallsBack("scalar scalar scalar false no-vector-width [19.0, 22.0, 43.0, 50.0] 13.0");
    }

    /**
     * Runs {@link Probe} in a JVM without the Vector API module and checks that it printed {@code expected} (GEMM,
     * narrow kernel, their description for train.json, whether the Vector API is on, the vector width, and the
     * results of a small product and a narrow forward), warned once, and threw nothing.
     */
    public static void assertFallsBack(String expected) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Probe.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), "probe failed:\n" + out + "\n" + err);
        assertEquals(expected, out, err);
        assertEquals(1, err.lines().filter(l -> l.contains("Vector API kernels are off")).count(), err);
        assertFalse(err.contains("Error") || err.contains("Exception"), err);
    }

    @Test
    void thisJvmHasTheModuleAndUsesTheVectorNarrowKernel() {
        assertTrue(Kernels.vectorApi());
        assertEquals("vector", NarrowLinear.choose().name());
    }

    /** Entry point of the forked JVM (no Vector API module): names the chosen kernels and runs them. */
    public static final class Probe {
        public static void main(String[] args) {
            Gemm g = Kernels.gemm();
            NarrowLinear n = NarrowLinear.choose();
            float[] c = new float[4];
            g.sgemm(false, false, 2, 2, 2, 1f, MemorySegment.ofArray(new float[]{1, 2, 3, 4}), 2,
                    MemorySegment.ofArray(new float[]{5, 6, 7, 8}), 2, 0f, MemorySegment.ofArray(c), 2);
            float[] o = new float[1];
            n.forward(new float[]{1, 2, 3}, 3, new int[]{0}, 1, new float[]{1, 1, 3}, new float[]{1}, 1, o, 1);
            Kernels.available();
            String width;
            try {
                width = Integer.toString(Kernels.vectorBits());
            } catch (IllegalStateException e) {
                width = "no-vector-width";
            }
            System.out.println(g.name() + " " + n.name() + " " + Kernels.describe(g, n) + " " + Kernels.vectorApi()
                    + " " + width + " " + java.util.Arrays.toString(c) + " " + o[0]);
        }
    }
}
