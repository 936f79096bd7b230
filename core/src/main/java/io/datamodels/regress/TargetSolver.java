package io.datamodels.regress;

import java.util.Arrays;

/**
 * LASSO for one target by coordinate descent on the Gram matrix (Friedman, Hastie and Tibshirani 2010), with
 * sequential strong rules (Tibshirani et al. 2012) and a KKT check over every feature after each solve:
 * <pre>
 *   minimise  (1/2) w^T G w - c^T w + lambda ||w||_1       (= (1/2n)||y - ybar - X~ w||^2 + lambda ||w||_1 + const)
 *   gradient  r = c - G w;  optimal iff  r_j = lambda sign(w_j) where w_j != 0,  |r_j| <= lambda where w_j = 0
 * </pre>
 * Coordinate descent runs on a working set S only, on a dense copy of G[S, S] with covariance updates of r_S; then
 * r is recomputed exactly for all features ({@code c - sum_k w_k G[k, :]}, G symmetric), features that violate
 * the KKT conditions join S, and it repeats until none do. S holds every feature that was in a strong set or
 * violated the KKT conditions since the last {@link #reset}, so along a path it only grows and G[S, S] is extended
 * by the new features' rows instead of being extracted anew for every solve. Not thread-safe; one per worker thread.
 */
final class TargetSolver {
    private final Design d;
    private final int m;
    private final double tolerance;
    private final int maxSweeps;
    final double[] w;
    final double[] r;
    private final boolean[] inS;
    private int[] s = new int[16];
    private int sn;
    /** G[S, S] for the first {@code extracted} features of S, row a at {@code a * ld}. */
    private double[] gs = new double[0];
    private int ld;
    private int extracted;
    private double[] rs = new double[16];
    private final float[] row;
    private final double[] acc;
    private int target = -1;
    /** Max relative KKT violation after the last solve, max_j viol_j / lambda. */
    double kkt;
    /** Coordinate descent sweeps in the last solve. */
    int sweeps;

    TargetSolver(Design d, double tolerance, int maxSweeps) {
        this.d = d;
        this.m = d.m;
        this.tolerance = tolerance;
        this.maxSweeps = maxSweeps;
        w = new double[m];
        r = new double[m];
        inS = new boolean[m];
        row = new float[m];
        acc = new double[m];
    }

    /** Starts target {@code t} from w = {@code start} (null: zero) and computes its exact gradient. */
    void reset(int t, double[] start) {
        target = t;
        Arrays.fill(inS, false);
        sn = 0;
        extracted = 0;
        if (start == null) {
            Arrays.fill(w, 0);
        } else {
            System.arraycopy(start, 0, w, 0, m);
            for (int j = 0; j < m; j++) {
                if (d.sigma[j] == 0) {
                    w[j] = 0;
                }
            }
        }
        fullGradient();
    }

    /** lambda_max: the smallest lambda whose solution is w = 0, max_j |c_jt|. */
    double lambdaMax() {
        double mx = 0;
        for (int j = 0; j < m; j++) {
            mx = Math.max(mx, Math.abs(d.c[j * d.t + target]));
        }
        return mx;
    }

    /** r = c - G w, exactly. */
    private void fullGradient() {
        for (int j = 0; j < m; j++) {
            r[j] = d.c[j * d.t + target];
        }
        d.subtractGw(r, w, row, acc);
    }

    /**
     * Solves at {@code lambda}, warm-started from the current w; {@code lambdaPrev} is the previous lambda on the path
     * (equal to lambda for a cold or single solve), used by the strong rule.
     */
    void solve(double lambda, double lambdaPrev) {
        double strong = 2 * lambda - lambdaPrev;
        for (int j = 0; j < m; j++) {
            if (!inS[j] && d.sigma[j] > 0 && (w[j] != 0 || Math.abs(r[j]) >= strong)) {
                add(j);
            }
        }
        double stop = tolerance * Math.max(d.yy[target], Double.MIN_NORMAL);
        sweeps = 0;
        while (true) {
            coordinateDescent(lambda, stop);
            fullGradient();
            int added = 0;
            for (int j = 0; j < m; j++) {
                if (!inS[j] && d.sigma[j] > 0 && Math.abs(r[j]) > lambda) {
                    add(j);
                    added++;
                }
            }
            if (added == 0) {
                break;
            }
        }
        kkt = kktViolation(lambda);
    }

    private void add(int j) {
        if (sn == s.length) {
            s = Arrays.copyOf(s, 2 * sn);
        }
        s[sn++] = j;
        inS[j] = true;
    }

    private void coordinateDescent(double lambda, double stop) {
        int n = sn;
        extend(n);
        if (rs.length < n) {
            rs = new double[Math.max(n, 2 * rs.length)];
        }
        for (int a = 0; a < n; a++) {
            rs[a] = r[s[a]];
        }
        for (int sweep = 0; sweep < maxSweeps; sweep++) {
            sweeps++;
            double maxDelta = 0;
            for (int a = 0; a < n; a++) {
                int j = s[a];
                double gjj = gs[a * ld + a];
                double old = w[j];
                double z = rs[a] + gjj * old;
                double nw = z > lambda ? (z - lambda) / gjj : z < -lambda ? (z + lambda) / gjj : 0;
                double delta = nw - old;
                if (delta != 0) {
                    w[j] = nw;
                    int off = a * ld;
                    for (int b = 0; b < n; b++) {
                        rs[b] -= delta * gs[off + b];
                    }
                    maxDelta = Math.max(maxDelta, gjj * delta * delta);
                }
            }
            if (maxDelta <= stop) {
                break;
            }
        }
    }

    /** Makes gs hold G[S, S] for the first n features of S: moves it to a larger stride if needed, adds new rows. */
    private void extend(int n) {
        if (n > ld) {
            int cap = Math.min(m, Math.max(n, 2 * ld));
            double[] grown = new double[Math.multiplyExact(cap, cap)];
            for (int a = 0; a < extracted; a++) {
                System.arraycopy(gs, a * ld, grown, a * cap, extracted);
            }
            gs = grown;
            ld = cap;
        }
        if (n > extracted) {
            d.extractRows(s, extracted, n, gs, ld, row);
            for (int a = 0; a < extracted; a++) {
                for (int b = extracted; b < n; b++) {
                    gs[a * ld + b] = gs[b * ld + a];
                }
            }
            extracted = n;
        }
    }

    /** max_j of the KKT violation at lambda relative to lambda, with r exact. */
    private double kktViolation(double lambda) {
        double worst = 0;
        for (int j = 0; j < m; j++) {
            if (d.sigma[j] == 0) {
                continue;
            }
            double v = w[j] != 0 ? Math.abs(r[j] - Math.signum(w[j]) * lambda) : Math.max(0, Math.abs(r[j]) - lambda);
            worst = Math.max(worst, v);
        }
        return lambda > 0 ? worst / lambda : worst;
    }

    /** The LASSO objective (1/2n)||y - ybar - X~ w||^2 + lambda ||w||_1 at the current w, with r exact. */
    double objective(double lambda) {
        // (1/2) yy - c^T w + (1/2) w^T G w = (1/2) yy - (1/2) c^T w - (1/2) r^T w   since G w = c - r
        double cw = 0;
        double rw = 0;
        double l1 = 0;
        for (int j = 0; j < m; j++) {
            if (w[j] != 0) {
                cw += d.c[j * d.t + target] * w[j];
                rw += r[j] * w[j];
                l1 += Math.abs(w[j]);
            }
        }
        return 0.5 * d.yy[target] - 0.5 * cw - 0.5 * rw + lambda * l1;
    }

    /** Number of non-zero weights. */
    int nnz() {
        int c = 0;
        for (double v : w) {
            if (v != 0) {
                c++;
            }
        }
        return c;
    }
}
