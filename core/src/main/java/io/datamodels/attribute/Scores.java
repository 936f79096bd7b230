package io.datamodels.attribute;

import io.datamodels.ConfigException;
import io.datamodels.kernel.Gemm;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.lang.foreign.MemorySegment;

/**
 * One model's contribution to each method's scores, as an m x T matrix (row-major, training example by target):
 * the kernels behind {@link Attributor}. Every method here predicts the effect on a target's output of including a
 * training example; the sign convention is that of datamodels' weights (positive: the example raises the output).
 */
final class Scores {
    /** Below this ratio of the smallest to the largest Cholesky pivot an undamped kernel counts as singular. */
    static final double SINGULAR = 1e-6;

    private Scores() {
    }

    /**
     * TRAK's per-model term {@code Phi (Phi^T Phi + lambda I)^-1 Phi_t^T} (m x T), Park et al. 2023 Eq. 17 without
     * the Q term (the caller averages it over models separately, as paper and MadryLab's code do). {@code phi} is
     * the projected output gradients of the training examples (m x k), {@code phiT} those of the targets (T x k).
     *
     * @throws ConfigException when {@code Phi^T Phi + lambda I} is singular (only possible for lambda = 0)
     */
    static float[] trak(float[] phi, int m, float[] phiT, int t, int k, double lambda, Gemm gemm)
            throws ConfigException {
        float[] xtx = new float[k * k];
        gemm.sgemm(true, false, k, k, m, 1f, MemorySegment.ofArray(phi), k, MemorySegment.ofArray(phi), k, 0f,
                MemorySegment.ofArray(xtx), k);
        DMatrixRMaj kernel = new DMatrixRMaj(k, k);
        for (int i = 0; i < k * k; i++) {
            kernel.data[i] = xtx[i];
        }
        for (int i = 0; i < k; i++) {
            kernel.data[i * k + i] += lambda;
        }
        DMatrixRMaj rhs = new DMatrixRMaj(k, t);
        for (int q = 0; q < t; q++) {
            for (int j = 0; j < k; j++) {
                rhs.data[j * t + q] = phiT[q * k + j];
            }
        }
        DMatrixRMaj sol = solveSpd(kernel, rhs, lambda, "TRAK kernel Phi^T Phi (k = " + k + ", m = " + m + ")");
        float[] x = new float[k * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) sol.data[i];
        }
        float[] out = new float[Math.multiplyExact(m, t)];
        gemm.sgemm(false, false, m, t, k, 1f, MemorySegment.ofArray(phi), k, MemorySegment.ofArray(x), t, 0f,
                MemorySegment.ofArray(out), t);
        return out;
    }

    /**
     * Solves {@code A X = B} for symmetric positive definite A by Cholesky.
     *
     * @throws ConfigException when A is not positive definite or nearly singular; the message says to add damping
     */
    static DMatrixRMaj solveSpd(DMatrixRMaj a, DMatrixRMaj b, double lambda, String what) throws ConfigException {
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(a.numRows);
        boolean ok = solver.setA(a);
        double ratio = 0;
        if (ok && lambda == 0) {
            // Without damping, a kernel of rank below its size may still factor in floating point: check the pivots.
            @SuppressWarnings({"rawtypes", "unchecked"})
            org.ejml.data.DMatrix l = (org.ejml.data.DMatrix) ((org.ejml.interfaces.decomposition
                    .CholeskyDecomposition) solver.getDecomposition()).getT(null);
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (int i = 0; i < l.getNumRows(); i++) {
                double v = Math.abs(l.get(i, i));
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            ratio = max == 0 ? 0 : min / max;
            ok = ratio >= SINGULAR;
        }
        if (!ok) {
            throw new ConfigException(what + ": expected a positive definite matrix, got a singular one"
                    + (lambda == 0 ? String.format(java.util.Locale.ROOT, " (Cholesky pivot ratio %.1e)", ratio)
                    : "") + " with damping " + lambda + "; add damping, e.g. --damping 1e-3"
                    + (lambda > 0 ? " or more" : ""));
        }
        DMatrixRMaj x = new DMatrixRMaj(b.numRows, b.numCols);
        solver.solve(b, x);
        return x;
    }

    /**
     * Gradient dot product: {@code -grad f_t . grad loss_i} (m x T): the first-order change of the target output
     * from one gradient step on example i (learning rate 1), as in TracIn with one checkpoint.
     */
    static float[] gradientDot(ExampleGradients trainLoss, ExampleGradients targets, Gemm gemm) {
        float[] d = ExampleGradients.dot(trainLoss, targets, gemm);
        for (int i = 0; i < d.length; i++) {
            d[i] = -d[i];
        }
        return d;
    }

    /**
     * Influence functions for softmax regression with the exact Hessian (Koh and Liang 2017): for training loss
     * {@code L = (1/n) sum_{i in S} loss_i + (l2 / 2) ||theta||^2} over the model's training subset S of size n,
     * {@code H = (1/n) sum_{i in S} (a_i a_i^T) (x) (diag p_i - p_i p_i^T) + (l2 + lambda) I} with {@code a_i} the input
     * with a trailing 1; the weight of example i for target t is {@code -(1/n) grad f_t^T H^-1 grad loss_i}, the
     * first-order change of {@code f_t} when i joins the training set. H is built block by block (class pairs)
     * through {@code gemm} and solved by Cholesky for all targets at once.
     */
    static float[] influenceExact(ExampleGradients trainLoss, int[] members, ExampleGradients targets, double l2,
                                  double lambda, Gemm gemm) throws ConfigException {
        if (trainLoss.sizes.length != 2) {
            throw new IllegalArgumentException("exact influence: expected softmax regression (one layer), got "
                    + (trainLoss.sizes.length - 1) + " layers");
        }
        int d1 = trainLoss.sizes[0] + 1;
        int c = trainLoss.sizes[1];
        int p = d1 * c;
        int n = members.length;
        int m = trainLoss.n;
        int t = targets.n;
        float[] am = new float[Math.multiplyExact(n, d1)];
        for (int r = 0; r < n; r++) {
            System.arraycopy(trainLoss.a[0], members[r] * d1, am, r * d1, d1);
        }
        float[] scaled = new float[am.length];
        float[] block = new float[d1 * d1];
        DMatrixRMaj h = new DMatrixRMaj(p, p);
        for (int c1 = 0; c1 < c; c1++) {
            for (int c2 = c1; c2 < c; c2++) {
                for (int r = 0; r < n; r++) {
                    int i = members[r];
                    double pi1 = trainLoss.delta[0][i * c + c1] + (trainLoss.label(i) == c1 ? 1 : 0);
                    double pi2 = trainLoss.delta[0][i * c + c2] + (trainLoss.label(i) == c2 ? 1 : 0);
                    float w = (float) (((c1 == c2 ? pi1 : 0) - pi1 * pi2) / n);
                    for (int j = 0; j < d1; j++) {
                        scaled[r * d1 + j] = am[r * d1 + j] * w;
                    }
                }
                gemm.sgemm(true, false, d1, d1, n, 1f, MemorySegment.ofArray(am), d1,
                        MemorySegment.ofArray(scaled), d1, 0f, MemorySegment.ofArray(block), d1);
                for (int a = 0; a < d1; a++) {
                    for (int b = 0; b < d1; b++) {
                        double v = block[a * d1 + b];
                        h.data[(a * c + c1) * p + b * c + c2] = v;
                        h.data[(b * c + c2) * p + a * c + c1] = v;
                    }
                }
            }
        }
        for (int i = 0; i < p; i++) {
            h.data[i * p + i] += l2 + lambda;
        }
        DMatrixRMaj rhs = new DMatrixRMaj(p, t);
        for (int q = 0; q < t; q++) {
            for (int a = 0; a < d1; a++) {
                float aa = targets.a[0][q * d1 + a];
                for (int j = 0; j < c; j++) {
                    rhs.data[(a * c + j) * t + q] = aa * targets.delta[0][q * c + j];
                }
            }
        }
        DMatrixRMaj v = solveSpd(h, rhs, lambda, "influence Hessian (P = " + p + ")");
        // V as (d + 1) x (T * C): row a, column q * C + j holds H^-1 grad f_q at parameter (a, j).
        float[] vm = new float[Math.multiplyExact(d1, t * c)];
        for (int a = 0; a < d1; a++) {
            for (int j = 0; j < c; j++) {
                for (int q = 0; q < t; q++) {
                    vm[a * t * c + q * c + j] = (float) v.data[(a * c + j) * t + q];
                }
            }
        }
        float[] u = new float[Math.multiplyExact(m, t * c)];
        gemm.sgemm(false, false, m, t * c, d1, 1f, MemorySegment.ofArray(trainLoss.a[0]), d1,
                MemorySegment.ofArray(vm), t * c, 0f, MemorySegment.ofArray(u), t * c);
        float[] out = new float[Math.multiplyExact(m, t)];
        for (int i = 0; i < m; i++) {
            for (int q = 0; q < t; q++) {
                double s = 0;
                for (int j = 0; j < c; j++) {
                    s += trainLoss.delta[0][i * c + j] * u[i * t * c + q * c + j];
                }
                out[i * t + q] = (float) (-s / n);
            }
        }
        return out;
    }
}
