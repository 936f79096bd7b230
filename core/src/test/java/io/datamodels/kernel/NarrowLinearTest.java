package io.datamodels.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link VectorNarrowLinear} against the scalar reference on random shapes, including 0/1 sizes and odd tails. */
class NarrowLinearTest {
    private static final double TOL = 1e-4;

    @Test
    void vectorMatchesReference() {
        SplittableRandom rnd = new SplittableRandom(7);
        NarrowLinear ref = new ScalarNarrowLinear();
        NarrowLinear vec = new VectorNarrowLinear();
        int[] ds = {0, 1, 3, 15, 16, 17, 63, 64, 65, 100, 784};
        int[] ns = {0, 1, 2, 3, 4, 5, 7, 9, 33};
        int[] cs = {0, 1, 4, 5, 6, 10, 11};
        for (int t = 0; t < 300; t++) {
            int d = ds[rnd.nextInt(ds.length)];
            int n = ns[rnd.nextInt(ns.length)];
            int c = cs[rnd.nextInt(cs.length)];
            int m = 1 + rnd.nextInt(40);
            float[] x = rand(rnd, m * d);
            int[] rows = new int[n];
            for (int r = 0; r < n; r++) {
                rows[r] = rnd.nextInt(m);
            }
            float[] wt = rand(rnd, c * d);
            float[] bias = rand(rnd, c);
            int ldo = c + rnd.nextInt(3);
            float[] o1 = rand(rnd, n * ldo);
            float[] o2 = o1.clone();
            ref.forward(x, d, rows, n, wt, bias, c, o1, ldo);
            vec.forward(x, d, rows, n, wt, bias, c, o2, ldo);
            for (int i = 0; i < o1.length; i++) {
                assertEquals(o1[i], o2[i], TOL * (d + 1), "forward d=" + d + " n=" + n + " c=" + c + " at " + i);
            }
            float[] g = rand(rnd, n * ldo);
            float beta = t % 3 == 0 ? 0f : (float) rnd.nextDouble();
            float[] g1 = rand(rnd, c * d);
            float[] g2 = g1.clone();
            ref.weightGrad(x, d, rows, n, g, ldo, c, beta, g1);
            vec.weightGrad(x, d, rows, n, g, ldo, c, beta, g2);
            for (int i = 0; i < g1.length; i++) {
                assertEquals(g1[i], g2[i], TOL * (n + 1), "grad d=" + d + " n=" + n + " c=" + c + " at " + i);
            }
        }
    }

    private static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }
}
