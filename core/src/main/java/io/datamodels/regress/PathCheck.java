package io.datamodels.regress;

import io.datamodels.kernel.Gemm;
import io.datamodels.store.Store;

import java.io.IOException;
import java.util.Arrays;

/**
 * Measures how far the path solutions at a given tolerance are from tight-tolerance solutions: on the train part of
 * the {@link ValidationSplit} that {@link Fitter} uses, for each sampled target and every lambda of the full path,
 * the relative gap {@code (f(w_tol) - f(w_tight)) / f(w_tight)} of the LASSO objective f.
 */
public final class PathCheck {
    private PathCheck() {
    }

    /** The worst and the median relative objective gap over the sampled targets and all their lambdas. */
    public record Gap(double max, double median, int solves) {
    }

    /** Checks {@code targets} (indices into the fitted range starting at {@code from}) at {@code cfg}'s tolerance. */
    public static Gap run(Store store, String xKey, String yKey, int from, int to, int[] targets, LassoConfig cfg,
                          double tightTolerance, Gemm gemm) throws IOException {
        int[] completed = Arrays.stream(store.completedIndices()).mapToInt(Math::toIntExact).toArray();
        int[] train = ValidationSplit.draw(completed, cfg).train();
        StoreRows rows = new StoreRows(store.array(xKey), store.array(yKey), from, to);
        double[] gaps = new double[targets.length * cfg.lambdas()];
        int n = 0;
        try (Design d = Design.of(rows, train, gemm, cfg.threads())) {
            TargetSolver fast = new TargetSolver(d, cfg.tolerance(), cfg.maxSweeps());
            TargetSolver tight = new TargetSolver(d, tightTolerance, 1_000_000);
            for (int q : targets) {
                fast.reset(q, null);
                tight.reset(q, null);
                double lmax = fast.lambdaMax();
                double prev = lmax;
                for (int s = 0; s < cfg.lambdas(); s++) {
                    double lam = LassoPath.lambdaAt(cfg, lmax, s);
                    fast.solve(lam, prev);
                    tight.solve(lam, prev);
                    prev = lam;
                    double ft = tight.objective(lam);
                    gaps[n++] = (fast.objective(lam) - ft) / Math.abs(ft);
                }
            }
        }
        double[] g = Arrays.copyOf(gaps, n);
        Arrays.sort(g);
        return new Gap(n == 0 ? 0 : g[n - 1], n == 0 ? 0 : g[n / 2], n);
    }
}
