package io.datamodels.attribute;

import io.datamodels.kernel.Gemm;
import io.datamodels.learn.Network;

import java.lang.foreign.MemorySegment;

/**
 * Influence functions for the MLP (Koh and Liang 2017) by conjugate gradient on Hessian-vector products: for every
 * target t, {@code s_t = (G + (l2 + lambda) I)^-1 grad f_t}, and the weight of training example i is
 * {@code -(1/n) grad loss_i . s_t}. G is the Gauss-Newton matrix of the mean training loss over the model's subset
 * S ({@code (1/n) sum_{i in S} J_i^T (diag p_i - p_i p_i^T) J_i}, J_i the Jacobian of the logits), positive
 * semi-definite, so that CG applies; it differs from the exact Hessian by the ReLU network's curvature terms, which
 * for piecewise-linear networks come only from the loss's curvature through the logits. (dattri's IF-CG uses the
 * exact Hessian through autograd; with damping both are common choices.)
 *
 * <p>The Hessian-vector products of a block of B targets are computed together (Pearlmutter's R-operator, forward
 * then backward), so that every layer is a few large products through {@link Gemm}: a block's vectors are stored
 * per layer as one (nin + 1) x (B * nout) matrix, vector b's parameters in columns [b * nout, (b + 1) * nout) (bias
 * in the last row).
 */
final class CgInfluence {
    /** Targets solved together. */
    static final int BLOCK = 32;

    private CgInfluence() {
    }

    /** m x T weights; see the class comment. {@code train} holds the loss gradients of all m training examples. */
    static float[] scores(Network net, ExampleGradients train, int[] members, ExampleGradients targets, double l2,
                          double lambda, int iterations, double tolerance, Gemm gemm) {
        int[] sizes = net.sizes();
        int layers = sizes.length - 1;
        int c = sizes[layers];
        int n = members.length;
        int m = train.n;
        int t = targets.n;
        // The members' layer inputs (with the trailing 1) and softmax probabilities.
        float[][] am = new float[layers][];
        for (int l = 0; l < layers; l++) {
            int w = sizes[l] + 1;
            am[l] = new float[Math.multiplyExact(n, w)];
            for (int r = 0; r < n; r++) {
                System.arraycopy(train.a[l], members[r] * w, am[l], r * w, w);
            }
        }
        double[] probs = new double[n * c];
        for (int r = 0; r < n; r++) {
            int i = members[r];
            for (int j = 0; j < c; j++) {
                probs[r * c + j] = train.delta[layers - 1][i * c + j] + (train.label(i) == j ? 1 : 0);
            }
        }
        Hvp hvp = new Hvp(net, am, probs, n, l2 + lambda, gemm);
        float[] out = new float[Math.multiplyExact(m, t)];
        for (int t0 = 0; t0 < t; t0 += BLOCK) {
            int b = Math.min(BLOCK, t - t0);
            float[][] rhs = new float[layers][];
            for (int l = 0; l < layers; l++) {
                int nin = sizes[l] + 1;
                int nout = sizes[l + 1];
                rhs[l] = new float[nin * b * nout];
                for (int q = 0; q < b; q++) {
                    for (int a = 0; a < nin; a++) {
                        float aa = targets.a[l][(t0 + q) * nin + a];
                        for (int j = 0; j < nout; j++) {
                            rhs[l][a * b * nout + q * nout + j] = aa * targets.delta[l][(t0 + q) * nout + j];
                        }
                    }
                }
            }
            float[][] s = solve(hvp, rhs, b, iterations, tolerance);
            // weights: -(1/n) sum_l sum_j delta_l[i, j] (A_l S_l)[i, q * nout + j]
            for (int l = 0; l < layers; l++) {
                int nin = sizes[l] + 1;
                int nout = sizes[l + 1];
                float[] u = new float[Math.multiplyExact(m, b * nout)];
                gemm.sgemm(false, false, m, b * nout, nin, 1f, MemorySegment.ofArray(train.a[l]), nin,
                        MemorySegment.ofArray(s[l]), b * nout, 0f, MemorySegment.ofArray(u), b * nout);
                for (int i = 0; i < m; i++) {
                    for (int q = 0; q < b; q++) {
                        double acc = 0;
                        for (int j = 0; j < nout; j++) {
                            acc += train.delta[l][i * nout + j] * u[i * b * nout + q * nout + j];
                        }
                        out[i * t + t0 + q] -= (float) (acc / n);
                    }
                }
            }
        }
        return out;
    }

    /** Conjugate gradient for each of the b vectors of the block, with the products batched. */
    static float[][] solve(Hvp hvp, float[][] rhs, int b, int iterations, double tolerance) {
        int layers = rhs.length;
        float[][] x = new float[layers][];
        float[][] r = new float[layers][];
        float[][] p = new float[layers][];
        for (int l = 0; l < layers; l++) {
            x[l] = new float[rhs[l].length];
            r[l] = rhs[l].clone();
            p[l] = rhs[l].clone();
        }
        double[] rr = dots(r, r, b, hvp.sizes);
        double[] stop = new double[b];
        boolean[] done = new boolean[b];
        for (int q = 0; q < b; q++) {
            stop[q] = tolerance * tolerance * rr[q];
            done[q] = rr[q] == 0;
        }
        for (int it = 0; it < iterations; it++) {
            boolean all = true;
            for (boolean dq : done) {
                all &= dq;
            }
            if (all) {
                break;
            }
            float[][] hp = hvp.apply(p, b);
            double[] php = dots(p, hp, b, hvp.sizes);
            double[] alpha = new double[b];
            for (int q = 0; q < b; q++) {
                alpha[q] = done[q] || php[q] <= 0 ? 0 : rr[q] / php[q];
            }
            axpy(x, alpha, p, b, hvp.sizes, 1);
            axpy(r, alpha, hp, b, hvp.sizes, -1);
            double[] rrNew = dots(r, r, b, hvp.sizes);
            double[] beta = new double[b];
            for (int q = 0; q < b; q++) {
                if (!done[q] && rrNew[q] <= stop[q]) {
                    done[q] = true;
                }
                beta[q] = done[q] ? 0 : rrNew[q] / rr[q];
                rr[q] = rrNew[q];
            }
            // p = r + beta p (vectors that are done keep p = 0: alpha 0 from then on)
            for (int l = 0; l < layers; l++) {
                int nout = hvp.sizes[l + 1];
                for (int i = 0; i < p[l].length; i++) {
                    int q = (i % (b * nout)) / nout;
                    p[l][i] = done[q] ? 0 : (float) (r[l][i] + beta[q] * p[l][i]);
                }
            }
        }
        return x;
    }

    private static double[] dots(float[][] u, float[][] v, int b, int[] sizes) {
        double[] d = new double[b];
        for (int l = 0; l < u.length; l++) {
            int nout = sizes[l + 1];
            for (int i = 0; i < u[l].length; i++) {
                d[(i % (b * nout)) / nout] += (double) u[l][i] * v[l][i];
            }
        }
        return d;
    }

    private static void axpy(float[][] y, double[] a, float[][] x, int b, int[] sizes, int sign) {
        for (int l = 0; l < y.length; l++) {
            int nout = sizes[l + 1];
            for (int i = 0; i < y[l].length; i++) {
                y[l][i] += (float) (sign * a[(i % (b * nout)) / nout] * x[l][i]);
            }
        }
    }

    /** Gauss-Newton-vector products of the damped mean training loss, for blocks of vectors in stacked layout. */
    static final class Hvp {
        final int[] sizes;
        private final Network net;
        private final float[][] am;
        private final double[] probs;
        private final int n;
        private final double diag;
        private final Gemm gemm;

        Hvp(Network net, float[][] am, double[] probs, int n, double diag, Gemm gemm) {
            this.net = net;
            this.sizes = net.sizes();
            this.am = am;
            this.probs = probs;
            this.n = n;
            this.diag = diag;
            this.gemm = gemm;
        }

        /** (G + diag I) v for the b vectors of {@code v}. */
        float[][] apply(float[][] v, int b) {
            int layers = sizes.length - 1;
            int c = sizes[layers];
            // forward: Rz_l = Ra_{l-1} W_l + [a_{l-1}, 1] V_l, Ra_l = relu'(z_l) Rz_l
            float[] rz = null;
            for (int l = 0; l < layers; l++) {
                int nin = sizes[l];
                int nout = sizes[l + 1];
                float[] next = new float[Math.multiplyExact(n, b * nout)];
                gemm.sgemm(false, false, n, b * nout, nin + 1, 1f, MemorySegment.ofArray(am[l]), nin + 1,
                        MemorySegment.ofArray(v[l]), b * nout, 0f, MemorySegment.ofArray(next), b * nout);
                if (l > 0) {
                    // Ra_{l-1}: Rz_{l-1} masked where the activation (layer l's input) is zero
                    for (int r = 0; r < n; r++) {
                        for (int q = 0; q < b; q++) {
                            for (int j = 0; j < nin; j++) {
                                if (am[l][r * (nin + 1) + j] <= 0) {
                                    rz[r * b * nin + q * nin + j] = 0;
                                }
                            }
                        }
                    }
                    MemorySegment rzs = MemorySegment.ofArray(rz);
                    MemorySegment ns = MemorySegment.ofArray(next);
                    for (int q = 0; q < b; q++) {
                        gemm.sgemm(false, false, n, nout, nin, 1f, rzs.asSlice(4L * q * nin), b * nin,
                                MemorySegment.ofArray(net.weights()[l]), nout, 1f, ns.asSlice(4L * q * nout),
                                b * nout);
                    }
                }
                rz = next;
            }
            // output curvature: Rg = (diag p - p p^T) Rz / n
            float[] g = new float[rz.length];
            for (int r = 0; r < n; r++) {
                for (int q = 0; q < b; q++) {
                    int o = r * b * c + q * c;
                    double pz = 0;
                    for (int j = 0; j < c; j++) {
                        pz += probs[r * c + j] * rz[o + j];
                    }
                    for (int j = 0; j < c; j++) {
                        g[o + j] = (float) (probs[r * c + j] * (rz[o + j] - pz) / n);
                    }
                }
            }
            // backward
            float[][] out = new float[layers][];
            for (int l = layers - 1; l >= 0; l--) {
                int nin = sizes[l];
                int nout = sizes[l + 1];
                out[l] = new float[(nin + 1) * b * nout];
                gemm.sgemm(true, false, nin + 1, b * nout, n, 1f, MemorySegment.ofArray(am[l]), nin + 1,
                        MemorySegment.ofArray(g), b * nout, 0f, MemorySegment.ofArray(out[l]), b * nout);
                for (int i = 0; i < out[l].length; i++) {
                    out[l][i] += (float) (diag * v[l][i]);
                }
                if (l > 0) {
                    float[] prev = new float[Math.multiplyExact(n, b * nin)];
                    MemorySegment gs = MemorySegment.ofArray(g);
                    MemorySegment ps = MemorySegment.ofArray(prev);
                    for (int q = 0; q < b; q++) {
                        gemm.sgemm(false, true, n, nin, nout, 1f, gs.asSlice(4L * q * nout), b * nout,
                                MemorySegment.ofArray(net.weights()[l]), nout, 0f, ps.asSlice(4L * q * nin), b * nin);
                    }
                    for (int r = 0; r < n; r++) {
                        for (int q = 0; q < b; q++) {
                            for (int j = 0; j < nin; j++) {
                                if (am[l][r * (nin + 1) + j] <= 0) {
                                    prev[r * b * nin + q * nin + j] = 0;
                                }
                            }
                        }
                    }
                    g = prev;
                }
            }
            return out;
        }
    }
}
