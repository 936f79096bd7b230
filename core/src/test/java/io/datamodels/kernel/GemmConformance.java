package io.datamodels.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a {@link Gemm} implementation against the {@link ScalarGemm} reference on random shapes, including 0 and 1
 * sized ones and sizes that are not multiples of any block, every transpose combination, alpha/beta, padded
 * leading dimensions, and both native and heap segments. Subclass it for each implementation.
 */
public abstract class GemmConformance {
    /** Float tolerance, relative to the magnitude of the sum of |a||b| terms. */
    public static final double FLOAT_TOL = 1e-4;

    protected abstract Gemm gemm();

    private final Gemm ref = new ScalarGemm();

    @Test
    void matchesTheReferenceOnRandomShapes() {
        SplittableRandom r = new SplittableRandom(20221);
        int[] sizes = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 65, 127, 257};
        try (Arena arena = Arena.ofConfined()) {
            for (int t = 0; t < 160; t++) {
                int m = sizes[r.nextInt(sizes.length)];
                int n = sizes[r.nextInt(sizes.length)];
                int k = t % 7 == 0 ? 300 + r.nextInt(300) : sizes[r.nextInt(sizes.length)];
                boolean ta = r.nextBoolean();
                boolean tb = r.nextBoolean();
                float alpha = t % 3 == 0 ? 1f : (float) (r.nextDouble() * 4 - 2);
                float beta = switch (t % 4) {
                    case 0 -> 0f;
                    case 1 -> 1f;
                    default -> (float) (r.nextDouble() * 2 - 1);
                };
                check(arena, r, m, n, k, ta, tb, alpha, beta, r.nextInt(3), t % 2 == 0);
            }
        }
    }

    @Test
    void betaZeroIgnoresNaNsInC() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4L * 6);
            MemorySegment b = arena.allocate(4L * 6);
            MemorySegment c = arena.allocate(4L * 4);
            for (int i = 0; i < 6; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1);
            }
            for (int i = 0; i < 4; i++) {
                c.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.NaN);
            }
            gemm().sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2);
            assertEquals(3f, c.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            assertEquals(12f, c.getAtIndex(ValueLayout.JAVA_FLOAT, 3));
        }
    }

    @Test
    void rejectsSegmentsThatAreTooSmall() {
        MemorySegment small = MemorySegment.ofArray(new float[5]);
        MemorySegment ok = MemorySegment.ofArray(new float[100]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> gemm().sgemm(false, false, 2, 3, 3, 1f, small, 3, ok, 3, 0f, ok, 3));
        assertTrue(e.getMessage().contains("A needs 6 floats"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> gemm().sgemm(false, false, 2, 3, 3, 1f, ok, 2, ok, 3, 0f, ok, 3));
    }

    private void check(Arena arena, SplittableRandom r, int m, int n, int k, boolean ta, boolean tb, float alpha,
                       float beta, int pad, boolean heap) {
        int aRows = ta ? k : m;
        int aCols = ta ? m : k;
        int bRows = tb ? n : k;
        int bCols = tb ? k : n;
        int lda = Math.max(1, aCols) + pad;
        int ldb = Math.max(1, bCols) + pad;
        int ldc = Math.max(1, n) + pad;
        MemorySegment a = random(arena, r, (long) aRows * lda, heap);
        MemorySegment b = random(arena, r, (long) bRows * ldb, heap);
        MemorySegment c = random(arena, r, (long) m * ldc, heap);
        MemorySegment cRef = arena.allocate(Math.max(1, c.byteSize()));
        MemorySegment.copy(c, 0, cRef, 0, c.byteSize());
        gemm().sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        ref.sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, cRef, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                long idx = (long) i * ldc + j;
                float got = c.getAtIndex(ValueLayout.JAVA_FLOAT, idx);
                float want = cRef.getAtIndex(ValueLayout.JAVA_FLOAT, idx);
                // Scale: |alpha| * sum_p |a||b| + |beta c|; inputs are in [-1, 1].
                double scale = Math.abs(alpha) * k + Math.abs(beta) + 1;
                assertEquals(want, got, FLOAT_TOL * scale, () -> gemm().name() + " m=" + m + " n=" + n + " k=" + k
                        + " ta=" + ta + " tb=" + tb + " at " + idx);
            }
        }
    }

    private static MemorySegment random(Arena arena, SplittableRandom r, long floats, boolean heap) {
        MemorySegment s = heap ? MemorySegment.ofArray(new float[(int) floats]) : arena.allocate(Math.max(1, floats) * 4);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }
}
