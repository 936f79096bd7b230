package io.datamodels.attribute;

import io.datamodels.learn.Network;
import io.datamodels.subset.SeedStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import static io.datamodels.attribute.GradientsTest.GEMM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Influence functions against references: the exact leave-one-out change of a tiny L2-regularised softmax regression
 * trained to convergence (Newton's method, in this test), and conjugate gradient on the MLP against a dense solve
 * with the Gauss-Newton matrix built from finite-difference Jacobians.
 */
class InfluenceTest {
    static final int D = 3;
    static final int C = 3;
    static final double L2 = 0.05;

    /** Newton's method on (1/n) sum CE + (L2/2)||theta||^2 over rows {@code use}; theta (D + 1) x C row-major. */
    static double[] newton(float[] x, int[] y, int[] use) {
        int p = (D + 1) * C;
        double[] th = new double[p];
        for (int it = 0; it < 50; it++) {
            double[] g = new double[p];
            DMatrixRMaj h = new DMatrixRMaj(p, p);
            for (int i : use) {
                double[] a = {x[i * D], x[i * D + 1], x[i * D + 2], 1};
                double[] pr = probs(th, a);
                for (int r = 0; r <= D; r++) {
                    for (int c = 0; c < C; c++) {
                        g[r * C + c] += a[r] * (pr[c] - (y[i] == c ? 1 : 0)) / use.length;
                        for (int r2 = 0; r2 <= D; r2++) {
                            for (int c2 = 0; c2 < C; c2++) {
                                h.add(r * C + c, r2 * C + c2, a[r] * a[r2] * ((c == c2 ? pr[c] : 0) - pr[c] * pr[c2])
                                        / use.length);
                            }
                        }
                    }
                }
            }
            for (int q = 0; q < p; q++) {
                g[q] += L2 * th[q];
                h.add(q, q, L2);
            }
            DMatrixRMaj step = new DMatrixRMaj(p, 1);
            CommonOps_DDRM.solve(h, new DMatrixRMaj(p, 1, true, g), step);
            for (int q = 0; q < p; q++) {
                th[q] -= step.get(q, 0);
            }
        }
        return th;
    }

    static double[] probs(double[] th, double[] a) {
        double[] z = new double[C];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < C; c++) {
            for (int r = 0; r <= D; r++) {
                z[c] += a[r] * th[r * C + c];
            }
            max = Math.max(max, z[c]);
        }
        double s = 0;
        for (int c = 0; c < C; c++) {
            z[c] = Math.exp(z[c] - max);
            s += z[c];
        }
        for (int c = 0; c < C; c++) {
            z[c] /= s;
        }
        return z;
    }

    static Network network(double[] th) {
        float[] w = new float[D * C];
        float[] b = new float[C];
        for (int r = 0; r < D; r++) {
            for (int c = 0; c < C; c++) {
                w[r * C + c] = (float) th[r * C + c];
            }
        }
        for (int c = 0; c < C; c++) {
            b[c] = (float) th[D * C + c];
        }
        return new Network(new int[]{D, C}, new float[][]{w}, new float[][]{b});
    }

    static double logOdds(double[] th, float[] x, int i, int y) {
        double[] pr = probs(th, new double[]{x[i * D], x[i * D + 1], x[i * D + 2], 1});
        return Math.log(pr[y] / (1 - pr[y]));
    }

    @Test
    void exactInfluenceMatchesLeaveOneOutRetraining() throws Exception {
        int n = 150;
        SeedStream r = new SeedStream(5, 0, 1);
        float[] x = new float[n * D];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(C);
            for (int j = 0; j < D; j++) {
                x[i * D + j] = (float) (r.nextGaussian() + (j == y[i] ? 1.0 : 0));
            }
        }
        float[] xt = {0.5f, -0.2f, 0.1f, -1f, 1.2f, 0.3f};
        int[] yt = {0, 2};
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        double[] th = newton(x, y, all);
        Network net = network(th);
        ExampleGradients g = ExampleGradients.of(net, x, y, n, ExampleGradients.Fn.LOSS, GEMM);
        ExampleGradients gt = ExampleGradients.of(net, xt, yt, 2, ExampleGradients.Fn.LOG_ODDS, GEMM);
        float[] w = Scores.influenceExact(g, all, gt, L2, 0, GEMM);
        double maxErr = 0;
        double maxAbs = 0;
        double[] pred = new double[2 * n];
        double[] act = new double[2 * n];
        for (int i = 0; i < n; i++) {
            final int left = i;
            double[] loo = newton(x, y, java.util.Arrays.stream(all).filter(j -> j != left).toArray());
            for (int q = 0; q < 2; q++) {
                double actual = logOdds(th, xt, q, yt[q]) - logOdds(loo, xt, q, yt[q]);
                pred[q * n + i] = w[i * 2 + q];
                act[q * n + i] = actual;
                maxErr = Math.max(maxErr, Math.abs(actual - w[i * 2 + q]));
                maxAbs = Math.max(maxAbs, Math.abs(actual));
            }
        }
        assertTrue(maxAbs > 1e-3, "the removals change the outputs: " + maxAbs);
        assertTrue(maxErr < 0.1 * maxAbs, "first-order influence vs leave-one-out: max error " + maxErr
                + " of max change " + maxAbs);
        assertTrue(pearson(pred, act) > 0.99, "Pearson " + pearson(pred, act));
    }

    static double pearson(double[] a, double[] b) {
        double ma = java.util.Arrays.stream(a).average().orElseThrow();
        double mb = java.util.Arrays.stream(b).average().orElseThrow();
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    @Test
    void conjugateGradientMatchesDenseGaussNewtonSolve() {
        int[] sizes = {4, 5, 3};
        Network net = GradientsTest.randomNetwork(sizes, 21);
        int n = 30;
        float[] x = GradientsTest.randomInputs(n, 4, 22);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 7) % 3;
        }
        int[] members = java.util.stream.IntStream.range(0, n).filter(i -> i % 4 != 1).toArray();
        float[] xt = GradientsTest.randomInputs(3, 4, 23);
        int[] yt = {1, 0, 2};
        double l2 = 1e-3;
        double lambda = 1e-2;
        ExampleGradients g = ExampleGradients.of(net, x, y, n, ExampleGradients.Fn.LOSS, GEMM);
        ExampleGradients gt = ExampleGradients.of(net, xt, yt, 3, ExampleGradients.Fn.LOG_ODDS, GEMM);
        float[] got = CgInfluence.scores(net, g, members, gt, l2, lambda, 500, 1e-7, GEMM);

        // Dense: G = (1/n) sum J^T (diag p - p p^T) J with J the logit Jacobian by central differences.
        int p = (int) net.parameters();
        double[] jac = new double[n * C * p];
        int off = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            for (int a = 0; a <= sizes[l]; a++) {
                for (int j = 0; j < sizes[l + 1]; j++) {
                    float[] arr = a < sizes[l] ? net.weights()[l] : net.biases()[l];
                    int idx = a < sizes[l] ? a * sizes[l + 1] + j : j;
                    float keep = arr[idx];
                    arr[idx] = keep + 1e-2f;
                    double[] up = net.logits(x, n);
                    arr[idx] = keep - 1e-2f;
                    double[] down = net.logits(x, n);
                    arr[idx] = keep;
                    double step = (double) (keep + 1e-2f) - (double) (keep - 1e-2f);
                    for (int q = 0; q < n * C; q++) {
                        jac[q * p + off + a * sizes[l + 1] + j] = (up[q] - down[q]) / step;
                    }
                }
            }
            off += (sizes[l] + 1) * sizes[l + 1];
        }
        double[] z = net.logits(x, n);
        DMatrixRMaj gn = new DMatrixRMaj(p, p);
        for (int i : members) {
            double[] pr = new double[C];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < C; c++) {
                max = Math.max(max, z[i * C + c]);
            }
            double s = 0;
            for (int c = 0; c < C; c++) {
                pr[c] = Math.exp(z[i * C + c] - max);
                s += pr[c];
            }
            for (int c = 0; c < C; c++) {
                pr[c] /= s;
            }
            for (int c1 = 0; c1 < C; c1++) {
                for (int c2 = 0; c2 < C; c2++) {
                    double hc = ((c1 == c2 ? pr[c1] : 0) - pr[c1] * pr[c2]) / members.length;
                    for (int u = 0; u < p; u++) {
                        double ju = jac[(i * C + c1) * p + u] * hc;
                        for (int v = 0; v < p; v++) {
                            gn.add(u, v, ju * jac[(i * C + c2) * p + v]);
                        }
                    }
                }
            }
        }
        for (int u = 0; u < p; u++) {
            gn.add(u, u, l2 + lambda);
        }
        DMatrixRMaj inv = new DMatrixRMaj(p, p);
        CommonOps_DDRM.invert(gn, inv);
        float[] gl = g.dense();
        float[] gtl = gt.dense();
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < 3; q++) {
                double s = 0;
                for (int u = 0; u < p; u++) {
                    for (int v = 0; v < p; v++) {
                        s += gl[i * p + u] * inv.get(u, v) * gtl[q * p + v];
                    }
                }
                double want = -s / members.length;
                assertEquals(want, got[i * 3 + q], 2e-3 * Math.max(1, Math.abs(want)), "example " + i + " target " + q);
            }
        }
    }
}
