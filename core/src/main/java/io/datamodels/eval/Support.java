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
 * Data support, or brittleness (Ilyas et al. 2022, section 4.1): for each target, rank the members of a base set
 * (the full training set, or a fresh alpha-subset, where the datamodels' linear predictions are made in the
 * setting they were fitted in) by datamodel weight and find the smallest k such that removing the top k is
 * predicted to flip the prediction (margin below 0); then verify each estimate by retraining R models on the base
 * set without those examples and taking the majority vote of their margins.
 *
 * @param targets  targets (indices into the fitted range); those the full-data datamodel already predicts wrong are
 *                 skipped
 * @param maxK     largest removal considered
 * @param grid     k values at which the fraction of flipped targets is reported
 * @param base     "full" or "random"
 * @param retrains models per verification
 * @param seed     seed of the retraining runs
 */
public record Support(int[] targets, int maxK, int[] grid, String base, int retrains, long seed) {
    public Support {
        BaseSet.parse(base);
        if (maxK < 1) {
            throw new IllegalArgumentException("max_k must be >= 1, got " + maxK);
        }
        if (retrains < 1) {
            throw new IllegalArgumentException("retrains must be >= 1, got " + retrains);
        }
        for (int k : grid) {
            if (k < 1 || k > maxK) {
                throw new IllegalArgumentException("grid must hold values in [1, max_k = " + maxK + "], got " + k);
            }
        }
    }

    /** One target's estimate and verification; k = -1 when no k up to max_k is predicted to flip it. */
    public record Row(int target, double fullMargin, int k, boolean verified, double retrainedMargin) {
    }

    /** Fractions of the considered targets, written as {@code support.json}. */
    public record Summary(@JsonProperty("targets_considered") int considered,
                          @JsonProperty("grid") int[] grid,
                          @JsonProperty("predicted_flip_fraction") double[] predicted,
                          @JsonProperty("verified_flip_fraction") double[] verified,
                          @JsonProperty("verified_of_predicted") double verifiedOfPredicted,
                          @JsonProperty("max_k") int maxK,
                          @JsonProperty("base") String base,
                          @JsonProperty("retrains") int retrains) {
    }

    /** Per-target rows and the summary. */
    public record Result(List<Row> rows, Summary summary) {
    }

    /** Runs the estimate and the verification (retraining in {@code workDir}, resumable). */
    public Result run(Path fitDir, Store store, Path workDir, Gemm gemm, int threads, Runner.Listener listener)
            throws IOException {
        FitFolder f = FitFolder.load(fitDir, store);
        Fitter.Summary fit = f.summary();
        Datamodels dm = f.datamodels();
        int m = dm.trainSize();
        BitMask baseMask = BaseSet.parse(base).mask(store, seed, m);
        int[] members = baseMask.indices();
        if (maxK > members.length) {
            throw new FitException("max_k: expected at most " + members.length + " (the base set's size), got " + maxK);
        }
        List<int[]> removals = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (int q : targets) {
            if (q < 0 || q >= dm.targets()) {
                throw new FitException("targets: expected indices in [0, " + dm.targets() + ") of the fitted targets, got "
                        + q);
            }
            double margin = dm.bias(q);
            for (int j : members) {
                margin += dm.weight(j, q);
            }
            if (margin <= 0) {
                continue;
            }
            int[] order = dm.bySupport(q, members);
            double pred = margin;
            int k = -1;
            for (int i = 0; i < maxK; i++) {
                pred -= dm.weight(order[i], q);
                if (pred < 0) {
                    k = i + 1;
                    break;
                }
            }
            rows.add(new Row(fit.targetFrom() + q, margin, k, false, Double.NaN));
            if (k > 0) {
                int[] rem = new int[k];
                for (int i = 0; i < k; i++) {
                    rem[i] = order[i];
                }
                removals.add(rem);
            } else {
                removals.add(null);
            }
        }
        List<BitMask> masks = new ArrayList<>();
        for (int[] rem : removals) {
            if (rem == null) {
                continue;
            }
            BitMask b = new BitMask(m);
            for (int j : members) {
                b.set(j);
            }
            for (int j : rem) {
                b.clear(j);
            }
            for (int r = 0; r < retrains; r++) {
                masks.add(b);
            }
        }
        if (!masks.isEmpty()) {
            float[] y = Retrain.run(store, masks, fit.y(), workDir, seed, gemm, threads, listener);
            int cols = y.length / masks.size();
            int at = 0;
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                if (row.k() < 0) {
                    continue;
                }
                int flips = 0;
                double mean = 0;
                for (int r = 0; r < retrains; r++) {
                    float v = y[(at + r) * cols + row.target()];
                    mean += v;
                    flips += v < 0 ? 1 : 0;
                }
                at += retrains;
                rows.set(i, new Row(row.target(), row.fullMargin(), row.k(), 2 * flips > retrains, mean / retrains));
            }
        }
        int n = rows.size();
        double[] pred = new double[grid.length];
        double[] ver = new double[grid.length];
        for (int g = 0; g < grid.length; g++) {
            int kg = grid[g];
            pred[g] = n == 0 ? Double.NaN : rows.stream().filter(r -> r.k() > 0 && r.k() <= kg).count() / (double) n;
            ver[g] = n == 0 ? Double.NaN
                    : rows.stream().filter(r -> r.k() > 0 && r.k() <= kg && r.verified()).count() / (double) n;
        }
        long predicted = rows.stream().filter(r -> r.k() > 0).count();
        long verified = rows.stream().filter(Row::verified).count();
        return new Result(rows, new Summary(n, grid.clone(), pred, ver,
                predicted == 0 ? Double.NaN : verified / (double) predicted, maxK, base, retrains));
    }

    /** Writes {@code support.json} and {@code support_targets.csv} into {@code out}. */
    public static void write(Result r, Path out, boolean force) throws IOException {
        StringBuilder csv = new StringBuilder("target,full_margin,k,verified,retrained_margin\n");
        for (Row row : r.rows()) {
            csv.append(row.target()).append(',').append(row.fullMargin()).append(',').append(row.k()).append(',')
                    .append(row.verified()).append(',').append(row.retrainedMargin()).append('\n');
        }
        AtomicFiles.createDirectory(out, force, dir -> {
            Files.writeString(dir.resolve("support_targets.csv"), csv);
            Files.writeString(dir.resolve("support.json"), Json.write(r.summary()));
        });
    }
}
