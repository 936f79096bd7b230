package io.datamodels.attribute;

import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.Network;
import io.datamodels.subset.SeedStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-example gradients against central finite differences of a plain double-precision forward pass
 * ({@link Network#logits}), and TRAK's projected kernel against a dense computation.
 */
class GradientsTest {
    static final Gemm GEMM = Kernels.gemm();

    static Network randomNetwork(int[] sizes, long seed) {
        SeedStream r = new SeedStream(seed, 0, 9);
        float[][] w = new float[sizes.length - 1][];
        float[][] b = new float[sizes.length - 1][];
        for (int l = 0; l + 1 < sizes.length; l++) {
            w[l] = new float[sizes[l] * sizes[l + 1]];
            b[l] = new float[sizes[l + 1]];
            for (int i = 0; i < w[l].length; i++) {
                w[l][i] = (float) r.nextGaussian() * 0.8f;
            }
            for (int i = 0; i < b[l].length; i++) {
                b[l][i] = (float) r.nextGaussian() * 0.3f;
            }
        }
        return new Network(sizes, w, b);
    }

    static float[] randomInputs(int n, int d, long seed) {
        SeedStream r = new SeedStream(seed, 1, 9);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** f of one example from logits in double: log-odds of the label, or its cross-entropy. */
    static double f(double[] z, int off, int c, int y, ExampleGradients.Fn fn) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
            max = Math.max(max, z[off + j]);
        }
        double all = 0;
        double others = 0;
        for (int j = 0; j < c; j++) {
            double e = Math.exp(z[off + j] - max);
            all += e;
            others += j == y ? 0 : e;
        }
        double logp = z[off + y] - max - Math.log(all);
        return fn == ExampleGradients.Fn.LOSS ? -logp : z[off + y] - max - Math.log(others);
    }

    /** Gradient of f for every example by central differences in the parameter order of ExampleGradients. */
    static double[] finiteDifferences(Network net, float[] x, int[] y, int n, ExampleGradients.Fn fn) {
        int[] sizes = net.sizes();
        int c = net.classes();
        int p = (int) net.parameters();
        double[] g = new double[n * p];
        int off = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            for (int a = 0; a <= nin; a++) {
                for (int j = 0; j < nout; j++) {
                    float[] arr = a < nin ? net.weights()[l] : net.biases()[l];
                    int idx = a < nin ? a * nout + j : j;
                    float keep = arr[idx];
                    float h = 1e-2f;
                    arr[idx] = keep + h;
                    double[] up = net.logits(x, n);
                    arr[idx] = keep - h;
                    double[] down = net.logits(x, n);
                    arr[idx] = keep;
                    double step = (double) (keep + h) - (double) (keep - h);
                    for (int i = 0; i < n; i++) {
                        g[i * p + off + a * nout + j] = (f(up, i * c, c, y[i], fn) - f(down, i * c, c, y[i], fn))
                                / step;
                    }
                }
            }
            off += (nin + 1) * nout;
        }
        return g;
    }

    @Test
    void perExampleGradientsMatchFiniteDifferencesForSoftmaxAndMlp() {
        for (int[] sizes : new int[][]{{5, 3}, {4, 6, 5, 3}}) {
            Network net = randomNetwork(sizes, 3);
            int n = 7;
            float[] x = randomInputs(n, sizes[0], 4);
            int[] y = {0, 1, 2, 2, 1, 0, 1};
            for (ExampleGradients.Fn fn : ExampleGradients.Fn.values()) {
                float[] g = ExampleGradients.of(net, x, y, n, fn, GEMM).dense();
                double[] fd = finiteDifferences(net, x, y, n, fn);
                assertEquals(fd.length, g.length);
                double scale = 0;
                for (double v : fd) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < g.length; i++) {
                    assertEquals(fd[i], g[i], 2e-3 * scale, "sizes " + java.util.Arrays.toString(sizes) + " " + fn
                            + " entry " + i);
                }
            }
        }
    }

    @Test
    void dotProductsMatchDenseGradients() {
        Network net = randomNetwork(new int[]{4, 6, 3}, 5);
        float[] x = randomInputs(9, 4, 6);
        int[] y = {0, 1, 2, 0, 1, 2, 0, 1, 2};
        ExampleGradients u = ExampleGradients.of(net, x, y, 9, ExampleGradients.Fn.LOSS, GEMM);
        ExampleGradients v = ExampleGradients.of(net, java.util.Arrays.copyOf(x, 12), y, 3,
                ExampleGradients.Fn.LOG_ODDS, GEMM);
        float[] gu = u.dense();
        float[] gv = v.dense();
        int p = (int) u.parameters();
        float[] dot = ExampleGradients.dot(u, v, GEMM);
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int q = 0; q < p; q++) {
                    s += (double) gu[i * p + q] * gv[j * p + q];
                }
                assertEquals(s, dot[i * 3 + j], 1e-4 * Math.max(1, Math.abs(s)));
            }
        }
    }

    /** The outputs attributions predict: the log-odds output is log(p / (1 - p)) and minus the loss decreases in it. */
    @Test
    void logOddsOutputIsTheLogOddsOfTheCorrectClass() {
        Network net = randomNetwork(new int[]{4, 6, 3}, 7);
        float[] x = randomInputs(9, 4, 8);
        int[] y = {0, 1, 2, 0, 1, 2, 0, 1, 2};
        ExampleGradients g = ExampleGradients.of(net, x, y, 9, ExampleGradients.Fn.LOG_ODDS, GEMM);
        for (int i = 0; i < 9; i++) {
            double p = g.output(io.datamodels.learn.Outputs.PROBS, i);
            assertEquals(Math.log(p / (1 - p)), g.output(io.datamodels.learn.Outputs.LOGODDS, i), 1e-6);
            double loss = g.output(io.datamodels.learn.Outputs.LOSSES, i);
            assertEquals(-loss - Math.log(-Math.expm1(-loss)), g.output(io.datamodels.learn.Outputs.LOGODDS, i), 1e-6);
        }
    }

    /**
     * TRAK on a tiny MLP: the blocked projection and the kernel solve of {@link Scores#trak} against
     * {@code Phi (Phi^T Phi + lambda I)^-1 Phi_t^T} computed densely in double from the dense gradients and the dense
     * projection matrix, with a plain Gauss-Jordan inverse.
     */
    @Test
    void trakProjectedKernelMatchesDenseComputation() throws Exception {
        Network net = randomNetwork(new int[]{6, 5, 3}, 11);
        int n = 40;
        int t = 4;
        float[] x = randomInputs(n, 6, 12);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
        }
        float[] xt = randomInputs(t, 6, 13);
        int[] yt = {2, 0, 1, 1};
        int k = 7;
        Projector proj = new Projector(99, k, AttributeOptions.Projection.RADEMACHER);
        ExampleGradients g = ExampleGradients.of(net, x, y, n, ExampleGradients.Fn.LOG_ODDS, GEMM);
        ExampleGradients gt = ExampleGradients.of(net, xt, yt, t, ExampleGradients.Fn.LOG_ODDS, GEMM);
        double lambda = 0.05;
        float[] got = Scores.trak(g.project(proj, GEMM), n, gt.project(proj, GEMM), t, k, lambda, GEMM);

        int p = (int) net.parameters();
        float[] r = new float[p * k];
        proj.rows(0, p, r);
        for (float v : r) {
            assertEquals(1 / Math.sqrt(k), Math.abs(v), 1e-6, "Rademacher entries are +-1/sqrt(k)");
        }
        double[] phi = times(g.dense(), n, p, r, k);
        double[] phiT = times(gt.dense(), t, p, r, k);
        double[] kern = new double[k * k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                double s = a == b ? lambda : 0;
                for (int i = 0; i < n; i++) {
                    s += phi[i * k + a] * phi[i * k + b];
                }
                kern[a * k + b] = s;
            }
        }
        double[] inv = invert(kern, k);
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < t; q++) {
                double s = 0;
                for (int a = 0; a < k; a++) {
                    for (int b = 0; b < k; b++) {
                        s += phi[i * k + a] * inv[a * k + b] * phiT[q * k + b];
                    }
                }
                assertEquals(s, got[i * t + q], 1e-3 * Math.max(1, Math.abs(s)), "example " + i + " target " + q);
            }
        }
    }

    @Test
    void singularKernelWithoutDampingIsAnError() {
        Network net = randomNetwork(new int[]{3, 2}, 1);
        float[] x = randomInputs(3, 3, 2);
        int[] y = {0, 1, 0};
        ExampleGradients g = ExampleGradients.of(net, x, y, 3, ExampleGradients.Fn.LOG_ODDS, GEMM);
        Projector proj = new Projector(1, 6, AttributeOptions.Projection.GAUSSIAN);
        float[] phi = g.project(proj, GEMM);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(io.datamodels.ConfigException.class,
                () -> Scores.trak(phi, 3, phi, 3, 6, 0, GEMM));
        assertTrue(e.getMessage().contains("singular") && e.getMessage().contains("--damping"), e.getMessage());
    }

    static double[] times(float[] a, int rows, int inner, float[] b, int cols) {
        double[] c = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int q = 0; q < inner; q++) {
                double v = a[i * inner + q];
                for (int j = 0; j < cols; j++) {
                    c[i * cols + j] += v * b[q * cols + j];
                }
            }
        }
        return c;
    }

    /** Gauss-Jordan inverse with partial pivoting. */
    static double[] invert(double[] a, int k) {
        double[] m = a.clone();
        double[] inv = new double[k * k];
        for (int i = 0; i < k; i++) {
            inv[i * k + i] = 1;
        }
        for (int col = 0; col < k; col++) {
            int piv = col;
            for (int r = col + 1; r < k; r++) {
                if (Math.abs(m[r * k + col]) > Math.abs(m[piv * k + col])) {
                    piv = r;
                }
            }
            for (int j = 0; j < k; j++) {
                double t1 = m[col * k + j];
                m[col * k + j] = m[piv * k + j];
                m[piv * k + j] = t1;
                double t2 = inv[col * k + j];
                inv[col * k + j] = inv[piv * k + j];
                inv[piv * k + j] = t2;
            }
            double d = m[col * k + col];
            for (int j = 0; j < k; j++) {
                m[col * k + j] /= d;
                inv[col * k + j] /= d;
            }
            for (int r = 0; r < k; r++) {
                if (r != col) {
                    double f = m[r * k + col];
                    for (int j = 0; j < k; j++) {
                        m[r * k + j] -= f * m[col * k + j];
                        inv[r * k + j] -= f * inv[col * k + j];
                    }
                }
            }
        }
        return inv;
    }
}
