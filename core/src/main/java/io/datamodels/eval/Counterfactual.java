package io.datamodels.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.kernel.Gemm;
import io.datamodels.regress.BaseSet;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitException;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.subset.BitMask;
import io.datamodels.train.Runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Counterfactual check of datamodels (Ilyas et al. 2022, section 3): for chosen targets and k on a grid, remove the
 * k training examples with the largest positive weights (those that support the target) from a base set, predict
 * the output change as {@code -sum of their weights}, retrain R models with different seeds on the reduced set and
 * on the base set, and compare the predicted with the actual mean change.
 *
 * @param targets  targets, as indices into the fitted range
 * @param ks       removal sizes
 * @param base     "full" (the whole training set) or "random" (a fresh alpha-subset)
 * @param retrains models per mask
 * @param seed     seed of the retraining runs and of a random base
 */
public record Counterfactual(int[] targets, int[] ks, String base, int retrains, long seed) {
    public Counterfactual {
        BaseSet.parse(base);
        if (retrains < 1) {
            throw new IllegalArgumentException("retrains must be >= 1, got " + retrains);
        }
        for (int k : ks) {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, got " + k);
            }
        }
    }

    /** One (target, k) point of the scatter. */
    public record Point(int target, int k, double predicted, double actual) {
    }

    /** The correlations, overall and per k, written as {@code counterfactual.json}. */
    public record Summary(@JsonProperty("points") int points,
                          @JsonProperty("pearson") double pearson,
                          @JsonProperty("spearman") double spearman,
                          @JsonProperty("k") int[] ks,
                          @JsonProperty("pearson_per_k") double[] pearsonPerK,
                          @JsonProperty("spearman_per_k") double[] spearmanPerK,
                          @JsonProperty("base") String base,
                          @JsonProperty("retrains") int retrains,
                          @JsonProperty("base_size") int baseSize) {
    }

    /** The scatter and its summary. */
    public record Result(List<Point> points, Summary summary) {
    }

    /**
     * Runs the experiment on the datamodels in {@code fitDir}, fitted on {@code store}, retraining in
     * {@code workDir} (resumable).
     */
    public Result run(Path fitDir, Store store, Path workDir, Gemm gemm, int threads, Runner.Listener listener)
            throws IOException {
        FitFolder f = FitFolder.load(fitDir, store);
        Fitter.Summary fit = f.summary();
        Datamodels dm = f.datamodels();
        int m = dm.trainSize();
        BitMask baseMask = BaseSet.parse(base).mask(store, seed, m);
        int baseSize = baseMask.cardinality();
        for (int k : ks) {
            if (k > baseSize) {
                throw new FitException("k: expected at most " + baseSize + " (the base set's size), got " + k);
            }
        }
        for (int q : targets) {
            if (q < 0 || q >= dm.targets()) {
                throw new FitException("targets: expected indices in [0, " + dm.targets() + ") of the fitted targets, got "
                        + q);
            }
        }
        List<BitMask> masks = new ArrayList<>();
        for (int r = 0; r < retrains; r++) {
            masks.add(baseMask);
        }
        int[] members = baseMask.indices();
        for (int q : targets) {
            int[] order = dm.bySupport(q, members);
            for (int k : ks) {
                BitMask reduced = new BitMask(m);
                for (int j : members) {
                    reduced.set(j);
                }
                for (int i = 0; i < k; i++) {
                    reduced.clear(order[i]);
                }
                for (int r = 0; r < retrains; r++) {
                    masks.add(reduced);
                }
            }
        }
        float[] y = Retrain.run(store, masks, fit.y(), workDir, seed, gemm, threads, listener);
        int cols = y.length / masks.size();
        List<Point> points = new ArrayList<>();
        int row = retrains;
        for (int q : targets) {
            int col = fit.targetFrom() + q;
            double baseMean = 0;
            for (int r = 0; r < retrains; r++) {
                baseMean += y[r * cols + col];
            }
            baseMean /= retrains;
            int[] order = dm.bySupport(q, members);
            for (int k : ks) {
                double predicted = 0;
                for (int i = 0; i < k; i++) {
                    predicted -= dm.weight(order[i], q);
                }
                double mean = 0;
                for (int r = 0; r < retrains; r++) {
                    mean += y[(row + r) * cols + col];
                }
                mean /= retrains;
                row += retrains;
                points.add(new Point(fit.targetFrom() + q, k, predicted, mean - baseMean));
            }
        }
        double[] pk = new double[ks.length];
        double[] sk = new double[ks.length];
        for (int i = 0; i < ks.length; i++) {
            int k = ks[i];
            double[] p = points.stream().filter(x -> x.k() == k).mapToDouble(Point::predicted).toArray();
            double[] a = points.stream().filter(x -> x.k() == k).mapToDouble(Point::actual).toArray();
            pk[i] = Correlation.pearson(p, a);
            sk[i] = Correlation.spearman(p, a);
        }
        double[] p = points.stream().mapToDouble(Point::predicted).toArray();
        double[] a = points.stream().mapToDouble(Point::actual).toArray();
        return new Result(points, new Summary(points.size(), Correlation.pearson(p, a), Correlation.spearman(p, a),
                ks.clone(), pk, sk, base, retrains, baseSize));
    }

    /** Writes {@code counterfactual.json} and {@code counterfactual_points.csv} (the scatter) into {@code out}. */
    public static void write(Result r, Path out, boolean force) throws IOException {
        StringBuilder csv = new StringBuilder("target,k,predicted_change,actual_change\n");
        for (Point pt : r.points()) {
            csv.append(pt.target()).append(',').append(pt.k()).append(',').append(pt.predicted()).append(',')
                    .append(pt.actual()).append('\n');
        }
        AtomicFiles.createDirectory(out, force, dir -> {
            Files.writeString(dir.resolve("counterfactual_points.csv"), csv);
            Files.writeString(dir.resolve("counterfactual.json"), Json.write(r.summary()));
        });
    }
}
