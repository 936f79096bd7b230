package io.datamodels.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Pure-Java GEMM on the Vector API: op(A) and op(B) are packed into row-major heap arrays (so transposes cost one
 * pass), then a register-blocked micro-kernel computes 4 rows x 2 vectors of C at a time with fused multiply-adds,
 * over k in cache-sized blocks. The fallback when OpenBLAS is unavailable.
 */
final class VectorGemm implements Gemm {
    private static final VectorSpecies<Float> S = Kernels.vectorSpecies();
    private static final int L = S.length();
    private static final int KC = 256;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
                      MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        Gemm.checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        float[] pa = pack(a, transA, m, k, lda);
        float[] pb = pack(b, transB, k, n, ldb);
        float[] pc = new float[m * n];
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            kernel(pa, pb, pc, m, n, k, p0, p1);
        }
        for (int i = 0; i < m; i++) {
            long row = (long) i * ldc;
            for (int j = 0; j < n; j++) {
                float v = alpha * pc[i * n + j];
                c.setAtIndex(F, row + j, beta == 0 ? v : v + beta * c.getAtIndex(F, row + j));
            }
        }
    }

    /** Row-major copy of op(X), rows x cols, where X is stored with leading dimension ld. */
    private static float[] pack(MemorySegment x, boolean trans, int rows, int cols, int ld) {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        if (!trans) {
            for (int i = 0; i < rows; i++) {
                MemorySegment.copy(x, F, (long) i * ld * Float.BYTES, out, i * cols, cols);
            }
        } else {
            for (int j = 0; j < cols; j++) {
                long base = (long) j * ld;
                for (int i = 0; i < rows; i++) {
                    out[i * cols + j] = x.getAtIndex(F, base + i);
                }
            }
        }
        return out;
    }

    /** pc += pa[:, p0:p1] * pb[p0:p1, :]. */
    static void kernel(float[] pa, float[] pb, float[] pc, int m, int n, int k, int p0, int p1) {
        int nv = n - n % (2 * L);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j < nv; j += 2 * L) {
                FloatVector c00 = FloatVector.fromArray(S, pc, i * n + j);
                FloatVector c01 = FloatVector.fromArray(S, pc, i * n + j + L);
                FloatVector c10 = FloatVector.fromArray(S, pc, (i + 1) * n + j);
                FloatVector c11 = FloatVector.fromArray(S, pc, (i + 1) * n + j + L);
                FloatVector c20 = FloatVector.fromArray(S, pc, (i + 2) * n + j);
                FloatVector c21 = FloatVector.fromArray(S, pc, (i + 2) * n + j + L);
                FloatVector c30 = FloatVector.fromArray(S, pc, (i + 3) * n + j);
                FloatVector c31 = FloatVector.fromArray(S, pc, (i + 3) * n + j + L);
                for (int p = p0; p < p1; p++) {
                    FloatVector b0 = FloatVector.fromArray(S, pb, p * n + j);
                    FloatVector b1 = FloatVector.fromArray(S, pb, p * n + j + L);
                    FloatVector a0 = FloatVector.broadcast(S, pa[i * k + p]);
                    FloatVector a1 = FloatVector.broadcast(S, pa[(i + 1) * k + p]);
                    FloatVector a2 = FloatVector.broadcast(S, pa[(i + 2) * k + p]);
                    FloatVector a3 = FloatVector.broadcast(S, pa[(i + 3) * k + p]);
                    c00 = a0.fma(b0, c00);
                    c01 = a0.fma(b1, c01);
                    c10 = a1.fma(b0, c10);
                    c11 = a1.fma(b1, c11);
                    c20 = a2.fma(b0, c20);
                    c21 = a2.fma(b1, c21);
                    c30 = a3.fma(b0, c30);
                    c31 = a3.fma(b1, c31);
                }
                c00.intoArray(pc, i * n + j);
                c01.intoArray(pc, i * n + j + L);
                c10.intoArray(pc, (i + 1) * n + j);
                c11.intoArray(pc, (i + 1) * n + j + L);
                c20.intoArray(pc, (i + 2) * n + j);
                c21.intoArray(pc, (i + 2) * n + j + L);
                c30.intoArray(pc, (i + 3) * n + j);
                c31.intoArray(pc, (i + 3) * n + j + L);
            }
            for (int r = i; r < i + 4; r++) {
                tail(pa, pb, pc, n, k, p0, p1, r, j);
            }
        }
        for (; i < m; i++) {
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector acc = FloatVector.fromArray(S, pc, i * n + j);
                for (int p = p0; p < p1; p++) {
                    acc = FloatVector.broadcast(S, pa[i * k + p]).fma(FloatVector.fromArray(S, pb, p * n + j), acc);
                }
                acc.intoArray(pc, i * n + j);
            }
            tail(pa, pb, pc, n, k, p0, p1, i, j);
        }
    }

    private static void tail(float[] pa, float[] pb, float[] pc, int n, int k, int p0, int p1, int i, int j0) {
        for (int j = j0; j < n; j++) {
            float s = pc[i * n + j];
            for (int p = p0; p < p1; p++) {
                s = Math.fma(pa[i * k + p], pb[p * n + j], s);
            }
            pc[i * n + j] = s;
        }
    }
}
