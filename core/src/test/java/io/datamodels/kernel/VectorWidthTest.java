package io.datamodels.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code datamodels.vector.bits} sets the Vector API kernels' width (one per JVM, so each width runs in a forked JVM):
 * every width the machine offers agrees with the scalar reference and is named in {@link Kernels#describe}; a bad
 * value is an error naming the property.
 */
class VectorWidthTest {
    private static final double TOL = 1e-4;

    @Test
    void everyWidthMatchesTheScalarReference() throws Exception {
        int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        for (int bits : new int[]{128, 256, 512}) {
            String out = fork("-D" + Kernels.VECTOR_BITS_PROPERTY + "=" + bits);
            int want = Math.min(bits, preferred);
            assertEquals("vector+vector" + want + " ok", out, "width " + bits);
        }
    }

    @Test
    void badWidthIsAnError() throws Exception {
        String out = fork("-D" + Kernels.VECTOR_BITS_PROPERTY + "=300");
        assertTrue(out.contains("datamodels.vector.bits must be 128, 256 or 512, got '300'"), out);
    }

    private static String fork(String flag) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", flag, "-cp", System.getProperty("java.class.path"),
                Probe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        return out.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).reduce("", (a, b) -> a + b).strip();
    }

    /** Entry point of the forked JVMs: "DESCRIPTION ok", or the first disagreement with the reference. */
    static final class Probe {
        public static void main(String[] args) {
            String name;
            try {
                name = Kernels.describe(new VectorGemm());
            } catch (IllegalArgumentException | ExceptionInInitializerError e) {
                System.out.println(e instanceof ExceptionInInitializerError x ? x.getCause().getMessage() : e.getMessage());
                return;
            }
            SplittableRandom rnd = new SplittableRandom(3);
            NarrowLinear vec = new VectorNarrowLinear();
            NarrowLinear ref = new ScalarNarrowLinear();
            for (int t = 0; t < 50; t++) {
                int d = 1 + rnd.nextInt(100);
                int n = rnd.nextInt(12);
                int c = 1 + rnd.nextInt(12);
                float[] x = rand(rnd, 20 * d);
                int[] rows = rnd.ints(n, 0, 20).toArray();
                float[] wt = rand(rnd, c * d);
                float[] bias = rand(rnd, c);
                float[] o1 = new float[n * c];
                float[] o2 = new float[n * c];
                ref.forward(x, d, rows, n, wt, bias, c, o1, c);
                vec.forward(x, d, rows, n, wt, bias, c, o2, c);
                float[] g = rand(rnd, n * c);
                float[] g1 = new float[c * d];
                float[] g2 = new float[c * d];
                ref.weightGrad(x, d, rows, n, g, c, c, 0f, g1);
                vec.weightGrad(x, d, rows, n, g, c, c, 0f, g2);
                float[] p1 = new float[n * c];
                float[] p2 = new float[n * c];
                MemorySegment a = MemorySegment.ofArray(rand(rnd, n * d));
                MemorySegment b = MemorySegment.ofArray(wt);
                new ScalarGemm().sgemm(false, true, n, c, d, 1f, a, d, b, d, 0f, MemorySegment.ofArray(p1), c);
                new VectorGemm().sgemm(false, true, n, c, d, 1f, a, d, b, d, 0f, MemorySegment.ofArray(p2), c);
                for (float[][] pair : new float[][][]{{o1, o2}, {g1, g2}, {p1, p2}}) {
                    for (int i = 0; i < pair[0].length; i++) {
                        if (Math.abs(pair[0][i] - pair[1][i]) > TOL * (d + n + 1)) {
                            System.out.println("case " + t + " d=" + d + " n=" + n + " c=" + c + ": " + pair[0][i]
                                    + " vs " + pair[1][i]);
                            return;
                        }
                    }
                }
            }
            System.out.println(name + " ok");
        }

        private static float[] rand(SplittableRandom r, int n) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) (r.nextDouble() * 2 - 1);
            }
            return a;
        }
    }
}
