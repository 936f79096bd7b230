package io.datamodels.regress;

import io.datamodels.kernel.Kernels;
import io.datamodels.subset.SeedStream;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Gram-matrix coordinate descent against the KKT conditions recomputed from the raw data, a brute-force solve
 * over sign patterns, and a plain residual-update coordinate descent written here independently.
 */
@ExtendWith(NoStdout.class)
class TargetSolverTest {
    /** A random problem: 0/1 masks (n x m, some columns constant) and outputs (n x t), held in memory. */
    record Problem(int n, int m, int t, float[] x, float[] y) implements Design.Rows {
        static Problem random(long seed, int n, int m, int t, boolean constantColumns) {
            SeedStream r = new SeedStream(seed, 0);
            float[] x = new float[n * m];
            float[] y = new float[n * t];
            double[] w = new double[m * t];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextDouble() < 0.3 ? r.nextGaussian() : 0;
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    boolean constant = constantColumns && j % 7 == 3;
                    x[i * m + j] = constant ? (j % 2) : (r.nextDouble() < 0.5 ? 1 : 0);
                }
                for (int q = 0; q < t; q++) {
                    double v = 0.3 * r.nextGaussian() + q;
                    for (int j = 0; j < m; j++) {
                        v += x[i * m + j] * w[j * t + q];
                    }
                    y[i * t + q] = (float) v;
                }
            }
            return new Problem(n, m, t, x, y);
        }

        @Override
        public void masks(int[] rows, int from, int count, float[] dst) {
            for (int r = 0; r < count; r++) {
                System.arraycopy(x, rows[from + r] * m, dst, r * m, m);
            }
        }

        @Override
        public void outputs(int[] rows, int from, int count, float[] dst) {
            for (int r = 0; r < count; r++) {
                System.arraycopy(y, rows[from + r] * t, dst, r * t, t);
            }
        }

        int[] all() {
            return java.util.stream.IntStream.range(0, n).toArray();
        }

        /** Standardised design column j and centred output q, in double, straight from the data. */
        double[][] standardised(int q) {
            double[][] out = new double[m + 1][n];
            for (int j = 0; j < m; j++) {
                double mu = 0;
                for (int i = 0; i < n; i++) {
                    mu += x[i * m + j];
                }
                mu /= n;
                double sd = Math.sqrt(mu * (1 - mu));
                for (int i = 0; i < n; i++) {
                    out[j][i] = sd == 0 ? 0 : (x[i * m + j] - mu) / sd;
                }
            }
            double ybar = 0;
            for (int i = 0; i < n; i++) {
                ybar += y[i * t + q];
            }
            ybar /= n;
            for (int i = 0; i < n; i++) {
                out[m][i] = y[i * t + q] - ybar;
            }
            return out;
        }
    }

    @Test
    void kktHoldsAlongThePathOnRandomProblems() {
        for (long seed = 1; seed <= 6; seed++) {
            int n = 40 + (int) seed * 17;
            int m = 5 + (int) seed * 9;
            Problem p = Problem.random(seed, n, m, 3, seed % 2 == 0);
            try (Design d = Design.of(p, p.all(), Kernels.gemm(), 2)) {
                TargetSolver s = new TargetSolver(d, 1e-18, 100_000);
                for (int q = 0; q < p.t; q++) {
                    double[][] z = p.standardised(q);
                    s.reset(q, null);
                    double lmax = s.lambdaMax();
                    double prev = lmax;
                    for (int k = 0; k < 20; k++) {
                        double lam = lmax * Math.pow(0.01, k / 19.0);
                        s.solve(lam, prev);
                        prev = lam;
                        assertTrue(s.kkt < 1e-6, "solver's own KKT check " + s.kkt + " at lambda " + lam);
                        // KKT from the raw data: r_j = x~_j . (y - X~ w) / n
                        double[] res = z[m].clone();
                        for (int j = 0; j < m; j++) {
                            for (int i = 0; i < n; i++) {
                                res[i] -= z[j][i] * s.w[j];
                            }
                        }
                        for (int j = 0; j < m; j++) {
                            double rj = 0;
                            for (int i = 0; i < n; i++) {
                                rj += z[j][i] * res[i];
                            }
                            rj /= n;
                            boolean constant = d.sigma[j] == 0;
                            if (constant) {
                                assertEquals(0, s.w[j]);
                            } else if (s.w[j] != 0) {
                                assertEquals(lam * Math.signum(s.w[j]), rj, 1e-5 * (1 + lam), "seed " + seed + " j " + j);
                            } else {
                                assertTrue(Math.abs(rj) <= lam * (1 + 1e-5) + 1e-7, "seed " + seed + " j " + j
                                        + ": |r| " + Math.abs(rj) + " > lambda " + lam);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void equalsABruteForceSolve() {
        for (long seed = 10; seed < 16; seed++) {
            int m = 3 + (int) (seed % 4);
            Problem p = Problem.random(seed, 60, m, 1, false);
            try (Design d = Design.of(p, p.all(), Kernels.gemm(), 2)) {
                TargetSolver s = new TargetSolver(d, 1e-15, 100_000);
                s.reset(0, null);
                double lmax = s.lambdaMax();
                for (double f : new double[]{0.9, 0.5, 0.2, 0.05, 0.01}) {
                    double lam = f * lmax;
                    s.solve(lam, lam);
                    double[] want = bruteForce(d, lam);
                    for (int j = 0; j < m; j++) {
                        assertEquals(want[j], s.w[j], 1e-7, "seed " + seed + " lambda " + f + " j " + j);
                    }
                }
            }
        }
    }

    /** The LASSO solution by trying every active set and sign pattern: G_AA w_A = c_A - lambda s_A, checked. */
    private static double[] bruteForce(Design d, double lam) {
        int m = d.m;
        double bestObj = Double.POSITIVE_INFINITY;
        double[] best = new double[m];
        int patterns = 1;
        for (int j = 0; j < m; j++) {
            patterns *= 3;
        }
        for (int code = 0; code < patterns; code++) {
            int[] sign = new int[m];
            int c = code;
            int size = 0;
            for (int j = 0; j < m; j++) {
                sign[j] = c % 3 - 1;
                c /= 3;
                size += sign[j] != 0 ? 1 : 0;
            }
            int[] a = new int[size];
            for (int j = 0, k = 0; j < m; j++) {
                if (sign[j] != 0) {
                    a[k++] = j;
                }
            }
            double[][] mat = new double[size][size + 1];
            for (int u = 0; u < size; u++) {
                for (int v = 0; v < size; v++) {
                    mat[u][v] = d.g(a[u], a[v]);
                }
                mat[u][size] = d.c[a[u] * d.t] - lam * sign[a[u]];
            }
            double[] sol = solve(mat, size);
            if (sol == null) {
                continue;
            }
            double[] w = new double[m];
            boolean ok = true;
            for (int u = 0; u < size; u++) {
                w[a[u]] = sol[u];
                ok &= Math.signum(sol[u]) == sign[a[u]];
            }
            if (!ok) {
                continue;
            }
            double obj = 0;
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    obj += 0.5 * w[j] * d.g(j, k) * w[k];
                }
                obj += -d.c[j * d.t] * w[j] + lam * Math.abs(w[j]);
            }
            if (obj < bestObj) {
                bestObj = obj;
                best = w;
            }
        }
        return best;
    }

    private static double[] solve(double[][] a, int n) {
        for (int col = 0; col < n; col++) {
            int piv = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) {
                    piv = r;
                }
            }
            if (Math.abs(a[piv][col]) < 1e-12) {
                return null;
            }
            double[] tmp = a[col];
            a[col] = a[piv];
            a[piv] = tmp;
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int k = col; k <= n; k++) {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = a[i][n] / a[i][i];
        }
        return x;
    }

    @Test
    void equalsAPlainResidualCoordinateDescent() {
        Problem p = Problem.random(77, 150, 30, 2, true);
        try (Design d = Design.of(p, p.all(), Kernels.gemm(), 2)) {
            TargetSolver s = new TargetSolver(d, 1e-15, 100_000);
            for (int q = 0; q < 2; q++) {
                double[][] z = p.standardised(q);
                s.reset(q, null);
                double lmax = s.lambdaMax();
                for (double f : new double[]{0.7, 0.3, 0.1, 0.03}) {
                    s.solve(f * lmax, f * lmax);
                    double[] want = plainCd(z, p.n, p.m, f * lmax);
                    for (int j = 0; j < p.m; j++) {
                        assertEquals(want[j], s.w[j], 1e-6, "q " + q + " f " + f + " j " + j);
                    }
                }
            }
        }
    }

    /** Textbook coordinate descent on (1/2n)||y - Z w||^2 + lambda |w|_1 with a residual vector, from zero. */
    private static double[] plainCd(double[][] z, int n, int m, double lam) {
        double[] w = new double[m];
        double[] res = z[m].clone();
        for (int sweep = 0; sweep < 100_000; sweep++) {
            double change = 0;
            for (int j = 0; j < m; j++) {
                double norm = 0;
                double rho = 0;
                for (int i = 0; i < n; i++) {
                    norm += z[j][i] * z[j][i];
                    rho += z[j][i] * (res[i] + z[j][i] * w[j]);
                }
                norm /= n;
                rho /= n;
                if (norm == 0) {
                    continue;
                }
                double nw = Math.signum(rho) * Math.max(Math.abs(rho) - lam, 0) / norm;
                double delta = nw - w[j];
                if (delta != 0) {
                    for (int i = 0; i < n; i++) {
                        res[i] -= z[j][i] * delta;
                    }
                    w[j] = nw;
                    change = Math.max(change, Math.abs(delta));
                }
            }
            if (change < 1e-13) {
                break;
            }
        }
        return w;
    }
}
