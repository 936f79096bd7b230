package io.datamodels.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Single-precision matrix product on row-major matrices held in {@link MemorySegment}s (native-order floats):
 * <pre>
 *   C = alpha * op(A) * op(B) + beta * C        op(X) = X or X^T
 *   op(A) is m x k, op(B) is k x n, C is m x n
 *   element (i, j) of a row-major matrix with leading dimension ld sits at float index i * ld + j
 * </pre>
 * Only {@code c} is modified. When {@code beta == 0}, C is not read (NaNs in it do not propagate), as in BLAS.
 * Implementations are single-threaded; callers parallelise over independent products. See {@link Kernels} for how
 * one is chosen.
 */
public interface Gemm {
    /** Short name recorded in provenance: "openblas", "vector" or "scalar". */
    String name();

    /**
     * Computes {@code C = alpha * op(A) * op(B) + beta * C}.
     *
     * @param transA use A^T (A is then stored k x m)
     * @param transB use B^T (B is then stored n x k)
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
               MemorySegment b, int ldb, float beta, MemorySegment c, int ldc);

    /** Checks dimensions and segment sizes, the common part of every implementation's argument checks. */
    static void checkArgs(boolean transA, boolean transB, int m, int n, int k, MemorySegment a, int lda,
                          MemorySegment b, int ldb, MemorySegment c, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: dimensions must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        need("A", a, aRows, aCols, lda);
        need("B", b, bRows, bCols, ldb);
        need("C", c, m, n, ldc);
    }

    private static void need(String name, MemorySegment s, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: ld" + name.toLowerCase() + " must be >= " + Math.max(1, cols)
                    + ", got " + ld);
        }
        long floats = rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
        if (s.byteSize() < floats * Float.BYTES) {
            throw new IllegalArgumentException("sgemm: " + name + " needs " + floats + " floats, segment holds "
                    + s.byteSize() / Float.BYTES);
        }
    }
}
