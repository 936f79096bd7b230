package io.datamodels.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link NarrowLinear} on the Vector API, register-blocked so that each loaded vector feeds several fused
 * multiply-adds: the forward pass takes 4 rows x 5 outputs at a time along d (20 accumulators, reduced across lanes
 * at the end); the weight gradient takes 5 outputs x 4 vectors of d at a time along the rows (20 accumulators, no
 * reduction). Remainders fall back to narrower blocks and scalar tails.
 *
 * <p>Determinism: lanes are summed in a fixed pairwise tree ({@link #sumLanes}), never with
 * {@code reduceLanes(ADD)}, whose float order is unspecified and differs between the Java fallback (interpreter and
 * C1, lane by lane) and the C2 intrinsic (a tree): with it, the first models trained after a JVM start, before C2 has
 * compiled this class, got different outputs than the same models trained later. Every other operation here (fma,
 * add, loads, stores) is exact per lane on every tier, so a result depends only on the inputs and the vector width.
 */
final class VectorNarrowLinear implements NarrowLinear {
    private static final VectorSpecies<Float> S = Kernels.vectorSpecies();
    private static final int L = S.length();
    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void forward(float[] x, int d, int[] rows, int n, float[] wt, float[] bias, int outputs, float[] out, int ldo) {
        int dv = d - d % L;
        float[] tmp = new float[20 * L];
        int r = 0;
        for (; r + 4 <= n; r += 4) {
            int x0 = rows[r] * d;
            int x1 = rows[r + 1] * d;
            int x2 = rows[r + 2] * d;
            int x3 = rows[r + 3] * d;
            int c = 0;
            for (; c + 5 <= outputs; c += 5) {
                forward4x5(x, x0, x1, x2, x3, wt, c * d, d, dv, bias, c, out, r * ldo + c, ldo, tmp);
            }
            for (; c < outputs; c++) {
                for (int q = 0; q < 4; q++) {
                    out[(r + q) * ldo + c] = bias[c] + dot(x, rows[r + q] * d, wt, c * d, d, dv, tmp);
                }
            }
        }
        for (; r < n; r++) {
            for (int c = 0; c < outputs; c++) {
                out[r * ldo + c] = bias[c] + dot(x, rows[r] * d, wt, c * d, d, dv, tmp);
            }
        }
    }

    private static void forward4x5(float[] x, int x0, int x1, int x2, int x3, float[] wt, int w0, int d, int dv,
                                   float[] bias, int c, float[] out, int o, int ldo, float[] tmp) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        for (int j = 0; j < dv; j += L) {
            FloatVector w0v = FloatVector.fromArray(S, wt, w0 + j);
            FloatVector w1v = FloatVector.fromArray(S, wt, w0 + d + j);
            FloatVector w2v = FloatVector.fromArray(S, wt, w0 + 2 * d + j);
            FloatVector w3v = FloatVector.fromArray(S, wt, w0 + 3 * d + j);
            FloatVector w4v = FloatVector.fromArray(S, wt, w0 + 4 * d + j);
            FloatVector v = FloatVector.fromArray(S, x, x0 + j);
            a00 = v.fma(w0v, a00);
            a01 = v.fma(w1v, a01);
            a02 = v.fma(w2v, a02);
            a03 = v.fma(w3v, a03);
            a04 = v.fma(w4v, a04);
            v = FloatVector.fromArray(S, x, x1 + j);
            a10 = v.fma(w0v, a10);
            a11 = v.fma(w1v, a11);
            a12 = v.fma(w2v, a12);
            a13 = v.fma(w3v, a13);
            a14 = v.fma(w4v, a14);
            v = FloatVector.fromArray(S, x, x2 + j);
            a20 = v.fma(w0v, a20);
            a21 = v.fma(w1v, a21);
            a22 = v.fma(w2v, a22);
            a23 = v.fma(w3v, a23);
            a24 = v.fma(w4v, a24);
            v = FloatVector.fromArray(S, x, x3 + j);
            a30 = v.fma(w0v, a30);
            a31 = v.fma(w1v, a31);
            a32 = v.fma(w2v, a32);
            a33 = v.fma(w3v, a33);
            a34 = v.fma(w4v, a34);
        }
        a00.intoArray(tmp, 0 * L);
        a01.intoArray(tmp, 1 * L);
        a02.intoArray(tmp, 2 * L);
        a03.intoArray(tmp, 3 * L);
        a04.intoArray(tmp, 4 * L);
        a10.intoArray(tmp, 5 * L);
        a11.intoArray(tmp, 6 * L);
        a12.intoArray(tmp, 7 * L);
        a13.intoArray(tmp, 8 * L);
        a14.intoArray(tmp, 9 * L);
        a20.intoArray(tmp, 10 * L);
        a21.intoArray(tmp, 11 * L);
        a22.intoArray(tmp, 12 * L);
        a23.intoArray(tmp, 13 * L);
        a24.intoArray(tmp, 14 * L);
        a30.intoArray(tmp, 15 * L);
        a31.intoArray(tmp, 16 * L);
        a32.intoArray(tmp, 17 * L);
        a33.intoArray(tmp, 18 * L);
        a34.intoArray(tmp, 19 * L);
        out[o + 0 * ldo + 0] = bias[c + 0] + finish(tmp, 0 * L, x, x0, wt, w0 + 0 * d, dv, d);
        out[o + 0 * ldo + 1] = bias[c + 1] + finish(tmp, 1 * L, x, x0, wt, w0 + 1 * d, dv, d);
        out[o + 0 * ldo + 2] = bias[c + 2] + finish(tmp, 2 * L, x, x0, wt, w0 + 2 * d, dv, d);
        out[o + 0 * ldo + 3] = bias[c + 3] + finish(tmp, 3 * L, x, x0, wt, w0 + 3 * d, dv, d);
        out[o + 0 * ldo + 4] = bias[c + 4] + finish(tmp, 4 * L, x, x0, wt, w0 + 4 * d, dv, d);
        out[o + 1 * ldo + 0] = bias[c + 0] + finish(tmp, 5 * L, x, x1, wt, w0 + 0 * d, dv, d);
        out[o + 1 * ldo + 1] = bias[c + 1] + finish(tmp, 6 * L, x, x1, wt, w0 + 1 * d, dv, d);
        out[o + 1 * ldo + 2] = bias[c + 2] + finish(tmp, 7 * L, x, x1, wt, w0 + 2 * d, dv, d);
        out[o + 1 * ldo + 3] = bias[c + 3] + finish(tmp, 8 * L, x, x1, wt, w0 + 3 * d, dv, d);
        out[o + 1 * ldo + 4] = bias[c + 4] + finish(tmp, 9 * L, x, x1, wt, w0 + 4 * d, dv, d);
        out[o + 2 * ldo + 0] = bias[c + 0] + finish(tmp, 10 * L, x, x2, wt, w0 + 0 * d, dv, d);
        out[o + 2 * ldo + 1] = bias[c + 1] + finish(tmp, 11 * L, x, x2, wt, w0 + 1 * d, dv, d);
        out[o + 2 * ldo + 2] = bias[c + 2] + finish(tmp, 12 * L, x, x2, wt, w0 + 2 * d, dv, d);
        out[o + 2 * ldo + 3] = bias[c + 3] + finish(tmp, 13 * L, x, x2, wt, w0 + 3 * d, dv, d);
        out[o + 2 * ldo + 4] = bias[c + 4] + finish(tmp, 14 * L, x, x2, wt, w0 + 4 * d, dv, d);
        out[o + 3 * ldo + 0] = bias[c + 0] + finish(tmp, 15 * L, x, x3, wt, w0 + 0 * d, dv, d);
        out[o + 3 * ldo + 1] = bias[c + 1] + finish(tmp, 16 * L, x, x3, wt, w0 + 1 * d, dv, d);
        out[o + 3 * ldo + 2] = bias[c + 2] + finish(tmp, 17 * L, x, x3, wt, w0 + 2 * d, dv, d);
        out[o + 3 * ldo + 3] = bias[c + 3] + finish(tmp, 18 * L, x, x3, wt, w0 + 3 * d, dv, d);
        out[o + 3 * ldo + 4] = bias[c + 4] + finish(tmp, 19 * L, x, x3, wt, w0 + 4 * d, dv, d);
    }

    /**
     * Sum of the L lanes stored at {@code t[o ..]} in a fixed pairwise order: lane i + L/2 is added to lane i, then
     * lane i + L/4, and so on down to i + 1. Plain float adds in a fixed order give the same bits on every JIT tier,
     * unlike {@code reduceLanes(ADD)}. Vectors are stored by the caller, never passed here (a vector argument of a
     * method C2 does not inline is boxed), and the adds work on locals, not in place, so that the 20 sums of a block
     * overlap instead of waiting on each other's stores.
     */
    static float sumLanes(float[] t, int o) {
        float a0 = t[o];
        float a1 = t[o + 1];
        float a2 = t[o + 2];
        float a3 = t[o + 3];
        if (L >= 8) {
            float a4 = t[o + 4];
            float a5 = t[o + 5];
            float a6 = t[o + 6];
            float a7 = t[o + 7];
            if (L == 16) {
                a0 += t[o + 8];
                a1 += t[o + 9];
                a2 += t[o + 10];
                a3 += t[o + 11];
                a4 += t[o + 12];
                a5 += t[o + 13];
                a6 += t[o + 14];
                a7 += t[o + 15];
            }
            a0 += a4;
            a1 += a5;
            a2 += a6;
            a3 += a7;
        }
        return (a0 + a2) + (a1 + a3);
    }

    /** Lane sum of the accumulator stored at {@code t[o ..]} plus the scalar tail of the dot product from dv to d. */
    private static float finish(float[] t, int o, float[] x, int xo, float[] w, int wo, int dv, int d) {
        float s = sumLanes(t, o);
        for (int j = dv; j < d; j++) {
            s += x[xo + j] * w[wo + j];
        }
        return s;
    }

    private static float dot(float[] x, int xo, float[] w, int wo, int d, int dv, float[] tmp) {
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < dv; j += L) {
            acc = FloatVector.fromArray(S, x, xo + j).fma(FloatVector.fromArray(S, w, wo + j), acc);
        }
        acc.intoArray(tmp, 0);
        float s = sumLanes(tmp, 0);
        for (int j = dv; j < d; j++) {
            s += x[xo + j] * w[wo + j];
        }
        return s;
    }

    @Override
    public void weightGrad(float[] x, int d, int[] rows, int n, float[] g, int ldg, int outputs, float beta, float[] gt) {
        int block = 4 * L;
        int db = d - d % block;
        int dv = d - d % L;
        FloatVector vb = FloatVector.broadcast(S, beta);
        int c = 0;
        for (; c + 5 <= outputs; c += 5) {
            for (int j = 0; j < db; j += block) {
                grad5x4(x, d, rows, n, g, ldg, c, j, beta, vb, gt);
            }
            for (int j = db; j < dv; j += L) {
                for (int p = 0; p < 5; p++) {
                    gradVector(x, d, rows, n, g, ldg, c + p, j, beta, vb, gt);
                }
            }
            for (int p = 0; p < 5; p++) {
                gradTail(x, d, rows, n, g, ldg, c + p, dv, beta, gt);
            }
        }
        for (; c < outputs; c++) {
            for (int j = 0; j < dv; j += L) {
                gradVector(x, d, rows, n, g, ldg, c, j, beta, vb, gt);
            }
            gradTail(x, d, rows, n, g, ldg, c, dv, beta, gt);
        }
    }

    private static void grad5x4(float[] x, int d, int[] rows, int n, float[] g, int ldg, int c, int j, float beta,
                                FloatVector vb, float[] gt) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector a40 = a00, a41 = a00, a42 = a00, a43 = a00;
        for (int r = 0; r < n; r++) {
            int xo = rows[r] * d + j;
            FloatVector x0 = FloatVector.fromArray(S, x, xo);
            FloatVector x1 = FloatVector.fromArray(S, x, xo + L);
            FloatVector x2 = FloatVector.fromArray(S, x, xo + 2 * L);
            FloatVector x3 = FloatVector.fromArray(S, x, xo + 3 * L);
            int go = r * ldg + c;
            FloatVector gv = FloatVector.broadcast(S, g[go]);
            a00 = x0.fma(gv, a00);
            a01 = x1.fma(gv, a01);
            a02 = x2.fma(gv, a02);
            a03 = x3.fma(gv, a03);
            gv = FloatVector.broadcast(S, g[go + 1]);
            a10 = x0.fma(gv, a10);
            a11 = x1.fma(gv, a11);
            a12 = x2.fma(gv, a12);
            a13 = x3.fma(gv, a13);
            gv = FloatVector.broadcast(S, g[go + 2]);
            a20 = x0.fma(gv, a20);
            a21 = x1.fma(gv, a21);
            a22 = x2.fma(gv, a22);
            a23 = x3.fma(gv, a23);
            gv = FloatVector.broadcast(S, g[go + 3]);
            a30 = x0.fma(gv, a30);
            a31 = x1.fma(gv, a31);
            a32 = x2.fma(gv, a32);
            a33 = x3.fma(gv, a33);
            gv = FloatVector.broadcast(S, g[go + 4]);
            a40 = x0.fma(gv, a40);
            a41 = x1.fma(gv, a41);
            a42 = x2.fma(gv, a42);
            a43 = x3.fma(gv, a43);
        }
        store(a00, (c + 0) * d + j + 0 * L, beta, vb, gt);
        store(a01, (c + 0) * d + j + 1 * L, beta, vb, gt);
        store(a02, (c + 0) * d + j + 2 * L, beta, vb, gt);
        store(a03, (c + 0) * d + j + 3 * L, beta, vb, gt);
        store(a10, (c + 1) * d + j + 0 * L, beta, vb, gt);
        store(a11, (c + 1) * d + j + 1 * L, beta, vb, gt);
        store(a12, (c + 1) * d + j + 2 * L, beta, vb, gt);
        store(a13, (c + 1) * d + j + 3 * L, beta, vb, gt);
        store(a20, (c + 2) * d + j + 0 * L, beta, vb, gt);
        store(a21, (c + 2) * d + j + 1 * L, beta, vb, gt);
        store(a22, (c + 2) * d + j + 2 * L, beta, vb, gt);
        store(a23, (c + 2) * d + j + 3 * L, beta, vb, gt);
        store(a30, (c + 3) * d + j + 0 * L, beta, vb, gt);
        store(a31, (c + 3) * d + j + 1 * L, beta, vb, gt);
        store(a32, (c + 3) * d + j + 2 * L, beta, vb, gt);
        store(a33, (c + 3) * d + j + 3 * L, beta, vb, gt);
        store(a40, (c + 4) * d + j + 0 * L, beta, vb, gt);
        store(a41, (c + 4) * d + j + 1 * L, beta, vb, gt);
        store(a42, (c + 4) * d + j + 2 * L, beta, vb, gt);
        store(a43, (c + 4) * d + j + 3 * L, beta, vb, gt);
    }

    private static void gradVector(float[] x, int d, int[] rows, int n, float[] g, int ldg, int c, int j, float beta,
                                   FloatVector vb, float[] gt) {
        FloatVector acc = FloatVector.zero(S);
        for (int r = 0; r < n; r++) {
            acc = FloatVector.fromArray(S, x, rows[r] * d + j).fma(FloatVector.broadcast(S, g[r * ldg + c]), acc);
        }
        store(acc, c * d + j, beta, vb, gt);
    }

    private static void gradTail(float[] x, int d, int[] rows, int n, float[] g, int ldg, int c, int j0, float beta,
                                 float[] gt) {
        for (int j = j0; j < d; j++) {
            float s = 0;
            for (int r = 0; r < n; r++) {
                s += x[rows[r] * d + j] * g[r * ldg + c];
            }
            int i = c * d + j;
            gt[i] = beta == 0 ? s : beta * gt[i] + s;
        }
    }

    private static void store(FloatVector acc, int i, float beta, FloatVector vb, float[] gt) {
        if (beta == 0) {
            acc.intoArray(gt, i);
        } else {
            FloatVector.fromArray(S, gt, i).fma(vb, acc).intoArray(gt, i);
        }
    }
}
