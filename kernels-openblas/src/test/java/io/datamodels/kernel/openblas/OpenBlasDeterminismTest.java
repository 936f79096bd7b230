package io.datamodels.kernel.openblas;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * OpenBLAS (single-threaded, as the learners call it) gives the same bits for the same product whatever ran before
 * it, on whichever Java thread, and wherever in memory the operands sit: the learners' per-model slices of a group's
 * weights start at different offsets, so a result that depended on alignment would depend on a model's group.
 */
class OpenBlasDeterminismTest {
    @Test
    void sameBitsAcrossRepeatsThreadsAndOffsets() throws Exception {
        // The shapes of the MLP's products: 128-row batches through 784 -> 64 -> 10, forward and both gradients.
        int[][] shapes = {{128, 64, 784}, {128, 10, 64}, {784, 64, 128}, {64, 10, 128}, {128, 64, 10}, {7, 13, 29}};
        OpenBlasGemm g = new OpenBlasGemm();
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            SplittableRandom r = new SplittableRandom(m * 31L + n * 7L + k);
            float[] a = rand(r, m * k);
            float[] b = rand(r, k * n);
            float[] want = product(g, a, b, m, n, k, 0);
            for (int off = 1; off < 8; off++) {
                assertEquals(bits(want), bits(product(g, a, b, m, n, k, off)), "offset " + off + " floats, shape "
                        + m + "x" + n + "x" + k);
            }
            try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
                List<Future<float[]>> fs = new ArrayList<>();
                for (int t = 0; t < 40; t++) {
                    int off = t % 5;
                    fs.add(ex.submit(() -> product(g, a, b, m, n, k, off)));
                }
                for (Future<float[]> f : fs) {
                    assertEquals(bits(want), bits(f.get()), "concurrent, shape " + m + "x" + n + "x" + k);
                }
            }
        }
    }

    /** A * B with both operands and C copied {@code off} floats into larger arrays. */
    private static float[] product(OpenBlasGemm g, float[] a, float[] b, int m, int n, int k, int off) {
        float[] pa = new float[a.length + off];
        float[] pb = new float[b.length + off];
        float[] pc = new float[m * n + off];
        System.arraycopy(a, 0, pa, off, a.length);
        System.arraycopy(b, 0, pb, off, b.length);
        g.sgemm(false, false, m, n, k, 1f, MemorySegment.ofArray(pa).asSlice(4L * off), k,
                MemorySegment.ofArray(pb).asSlice(4L * off), n, 0f, MemorySegment.ofArray(pc).asSlice(4L * off), n);
        float[] c = new float[m * n];
        System.arraycopy(pc, off, c, 0, c.length);
        return c;
    }

    private static String bits(float[] c) {
        long h = 0xcbf29ce484222325L;
        for (float v : c) {
            h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
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
}
