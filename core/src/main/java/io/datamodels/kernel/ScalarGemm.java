package io.datamodels.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The plain reference: the textbook triple loop, one float accumulator per output element, summed in order of k. */
final class ScalarGemm implements Gemm {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
                      MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        Gemm.checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    float av = a.getAtIndex(F, transA ? (long) p * lda + i : (long) i * lda + p);
                    float bv = b.getAtIndex(F, transB ? (long) j * ldb + p : (long) p * ldb + j);
                    s += av * bv;
                }
                long ci = (long) i * ldc + j;
                float old = beta == 0 ? 0 : beta * c.getAtIndex(F, ci);
                c.setAtIndex(F, ci, alpha * s + old);
            }
        }
    }
}
