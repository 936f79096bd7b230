package io.datamodels.explore;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Per target, the training examples that support it most (largest positive weights) and oppose it most (most
 * negative weights), and its nearest targets in datamodel space (Ilyas et al. 2022, section 4).
 *
 * <p>Similarity of targets q and r is {@link #NORMALISATION}: {@code S[q,r] = W[:,q]·W[:,r] / (||W[:,q]|| ||W[:,r]||)}
 * over the raw-scale weights. A target whose weights are all zero has no neighbours (-1, NaN) and is no one's.
 *
 * <p>Layout: every table is T x k, row-major, row q for fitted target column q. Supporters and opposers are training
 * positions (mask columns) padded with -1 (weights NaN) where fewer than k weights have the sign; nearest targets are
 * target-selection positions ({@code targetFrom + column}), padded with -1 (similarity NaN).
 */
public final class Neighbours {
    /** How target similarity is computed, as written to neighbours.json. */
    public static final String NORMALISATION = "cosine similarity of the raw-scale weight columns: each target's "
            + "column W[:,q] divided by its L2 norm, then dot products; a target whose weights are all zero has no "
            + "neighbours (-1, NaN) and is nobody's neighbour";

    /**
     * Options of {@link #of}.
     *
     * @param k supporters, opposers and nearest targets per target (at least 1, at most m)
     */
    public record Options(int k) {
        /** Default k. */
        public static final int DEFAULT_K = 10;

        /** Checks {@code k >= 1}. */
        public Options {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, got " + k);
            }
        }

        /** The defaults: k = {@value #DEFAULT_K}. */
        public static Options defaults() {
            return new Options(DEFAULT_K);
        }

        /** These options with {@code k}. */
        public Options withK(int k) {
            return new Options(k);
        }
    }

    /** The JSON summary written beside the tables ({@code neighbours.json}). */
    public record Summary(@JsonProperty("fit") String fit,
                          @JsonProperty("targets") int targets,
                          @JsonProperty("train_size") int trainSize,
                          @JsonProperty("target_from") int targetFrom,
                          @JsonProperty("options") Options options,
                          @JsonProperty("normalisation") String normalisation,
                          @JsonProperty("targets_without_weights") int targetsWithoutWeights,
                          @JsonProperty("source_rows_known") boolean sourceRowsKnown,
                          @JsonProperty("nearest_same_class") Double nearestSameClass,
                          @JsonProperty("same_class_chance") Double sameClassChance,
                          @JsonProperty("files") String files,
                          @JsonProperty("provenance") Provenance provenance) {
    }

    private final int m;
    private final int t;
    private final int k;
    private final int targetFrom;
    private final int[] supporters;
    private final float[] supporterWeights;
    private final int[] opposers;
    private final float[] opposerWeights;
    private final int[] nearest;
    private final float[] similarity;
    private final int withoutWeights;

    private Neighbours(int m, int t, int k, int targetFrom, int[] supporters, float[] supporterWeights, int[] opposers,
                       float[] opposerWeights, int[] nearest, float[] similarity, int withoutWeights) {
        this.m = m;
        this.t = t;
        this.k = k;
        this.targetFrom = targetFrom;
        this.supporters = supporters;
        this.supporterWeights = supporterWeights;
        this.opposers = opposers;
        this.opposerWeights = opposerWeights;
        this.nearest = nearest;
        this.similarity = similarity;
        this.withoutWeights = withoutWeights;
    }

    /**
     * The neighbours of every target of {@code dm}.
     *
     * @param targetFrom the target-selection position of weight column 0 (fit.json's {@code target_from})
     * @throws IllegalArgumentException if {@code k} exceeds the training-set size m
     */
    public static Neighbours of(Datamodels dm, int targetFrom, Options options) {
        int m = dm.trainSize();
        int t = dm.targets();
        int k = options.k();
        if (k > m) {
            throw new IllegalArgumentException("k: expected at most m = " + m + " (the training examples of the fit), "
                    + "got " + k);
        }
        int n = Math.multiplyExact(t, k);
        int[] sup = new int[n];
        int[] opp = new int[n];
        int[] near = new int[n];
        float[] supW = new float[n];
        float[] oppW = new float[n];
        float[] sim = new float[n];
        Arrays.fill(sup, -1);
        Arrays.fill(opp, -1);
        Arrays.fill(supW, Float.NaN);
        Arrays.fill(oppW, Float.NaN);
        Arrays.fill(sim, Float.NaN);
        double[] s = Cosine.similarity(dm);
        for (int q = 0; q < t; q++) {
            int[] a = dm.topSupporters(q, k);
            for (int i = 0; i < a.length; i++) {
                sup[q * k + i] = a[i];
                supW[q * k + i] = dm.weight(a[i], q);
            }
            int[] b = dm.topOpposers(q, k);
            for (int i = 0; i < b.length; i++) {
                opp[q * k + i] = b[i];
                oppW[q * k + i] = dm.weight(b[i], q);
            }
            int[] c = Cosine.nearest(s, t, q, k);
            for (int i = 0; i < k; i++) {
                near[q * k + i] = c[i] < 0 ? -1 : targetFrom + c[i];
                sim[q * k + i] = c[i] < 0 ? Float.NaN : (float) s[q * t + c[i]];
            }
        }
        return new Neighbours(m, t, k, targetFrom, sup, supW, opp, oppW, near, sim, dm.targetsWithoutWeights());
    }

    /** Number of targets T. */
    public int targets() {
        return t;
    }

    /** Entries per target. */
    public int k() {
        return k;
    }

    /** Supporters, T x k training positions, -1 padded (a copy). */
    public int[] supporters() {
        return supporters.clone();
    }

    /** Weights of {@link #supporters()}, NaN padded (a copy). */
    public float[] supporterWeights() {
        return supporterWeights.clone();
    }

    /** Opposers, T x k training positions, most negative first, -1 padded (a copy). */
    public int[] opposers() {
        return opposers.clone();
    }

    /** Weights of {@link #opposers()}, NaN padded (a copy). */
    public float[] opposerWeights() {
        return opposerWeights.clone();
    }

    /** Nearest targets, T x k target-selection positions, most similar first, -1 padded (a copy). */
    public int[] nearestTargets() {
        return nearest.clone();
    }

    /** Cosine similarities of {@link #nearestTargets()}, NaN padded (a copy). */
    public float[] nearestSimilarity() {
        return similarity.clone();
    }

    /**
     * The fraction of targets with a nearest target whose nearest target has their label, over those targets; NaN
     * when none has one. {@code labels[q]} is the label of fitted column q.
     */
    public double nearestSameClass(int[] labels) {
        int n = 0;
        int same = 0;
        for (int q = 0; q < t; q++) {
            int r = nearest[q * k];
            if (r >= 0) {
                n++;
                same += labels[q] == labels[r - targetFrom] ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) same / n;
    }

    /**
     * What {@link #nearestSameClass} would be for a neighbour drawn uniformly from the other targets: the mean over
     * targets q of (targets other than q with q's label) / (T - 1).
     */
    public static double sameClassChance(int[] labels) {
        int t = labels.length;
        if (t < 2) {
            return Double.NaN;
        }
        java.util.Map<Integer, Integer> count = new java.util.HashMap<>();
        for (int l : labels) {
            count.merge(l, 1, Integer::sum);
        }
        double s = 0;
        for (int l : labels) {
            s += (count.get(l) - 1) / (double) (t - 1);
        }
        return s / t;
    }

    /**
     * Writes the new folder {@code out}: supporters.npy, supporter_weights.npy, opposers.npy, opposer_weights.npy,
     * nearest_targets.npy, nearest_similarity.npy (T x k, int32 / float32), neighbours.csv and neighbours.json.
     *
     * <p>neighbours.csv has the header {@code target,target_source_row,kind,rank,index,source_row,value}: one row
     * per entry that exists; {@code kind} is {@code supporter}, {@code opposer} or {@code nearest_target};
     * {@code rank} counts from 0; {@code index} is a training position (supporter, opposer) or a target-selection
     * position (nearest_target); {@code source_row} is that example's row in its source dataset (-1 when unknown);
     * {@code value} is the weight or the cosine similarity.
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code out} exists and {@code force} is not set
     */
    public Summary write(Path out, boolean force, Path fit, FitData data, Provenance provenance) throws IOException {
        Double same = data.known() ? nearestSameClass(data.labels()) : null;
        Double chance = data.known() ? sameClassChance(data.labels()) : null;
        Summary summary = new Summary(fit.toString(), t, m,
                targetFrom, new Options(k), NORMALISATION, withoutWeights, data.known(), same, chance,
                "supporters/opposers.npy: T x k int32 training positions (-1 padded), *_weights.npy float32 (NaN "
                        + "padded); nearest_targets.npy: T x k int32 target-selection positions, "
                        + "nearest_similarity.npy float32; row q = target target_from + q", provenance);
        StringBuilder csv = new StringBuilder("target,target_source_row,kind,rank,index,source_row,value\n");
        for (int q = 0; q < t; q++) {
            rows(csv, data, q, "supporter", supporters, supporterWeights, false);
            rows(csv, data, q, "opposer", opposers, opposerWeights, false);
            rows(csv, data, q, "nearest_target", nearest, similarity, true);
        }
        AtomicFiles.createDirectory(out, force, dir -> {
            Npy.write(dir.resolve("supporters.npy"), DType.INT32, supporters, t, k);
            Npy.write(dir.resolve("supporter_weights.npy"), DType.FLOAT32, supporterWeights, t, k);
            Npy.write(dir.resolve("opposers.npy"), DType.INT32, opposers, t, k);
            Npy.write(dir.resolve("opposer_weights.npy"), DType.FLOAT32, opposerWeights, t, k);
            Npy.write(dir.resolve("nearest_targets.npy"), DType.INT32, nearest, t, k);
            Npy.write(dir.resolve("nearest_similarity.npy"), DType.FLOAT32, similarity, t, k);
            Files.writeString(dir.resolve("neighbours.csv"), csv);
            Files.writeString(dir.resolve("neighbours.json"), Json.write(summary));
        });
        return summary;
    }

    private void rows(StringBuilder csv, FitData data, int q, String kind, int[] idx, float[] val, boolean targets) {
        for (int i = 0; i < k; i++) {
            int j = idx[q * k + i];
            if (j < 0) {
                break;
            }
            int src = targets ? data.targetRow(j - targetFrom) : data.trainRow(j);
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%d,%d,%d,%s%n", targetFrom + q, data.targetRow(q), kind,
                    i, j, src, Float.toString(val[q * k + i])));
        }
    }
}
