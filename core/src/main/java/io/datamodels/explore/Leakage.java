package io.datamodels.explore;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Candidate train-test near-duplicates from datamodel weights alone (the leakage use of Ilyas et al. 2022, Sec. 4):
 * a training example whose weight on a target stands out both among that target's weights and among that training
 * example's weights on all targets.
 *
 * <p>Layout: {@code weights} is m x T, row-major, {@code weights[j * T + q]} = weight of training example j on target
 * q (as {@code regress.Fitter} writes {@code weights.npy}).
 *
 * <p>The score ({@link #RULE}) of pair (q, j) is {@code s = min(zc, zr)} with leave-one-out z-scores
 * <pre>
 *   zc[j,q] = (W[j,q] - mean_{i != j} W[i,q]) / sd_{i != j} W[i,q]        (against target q's other weights)
 *   zr[j,q] = (zc[j,q] - mean_{r != q} zc[j,r]) / sd_{r != q} zc[j,r]     (against example j's other targets)
 * </pre>
 * (population standard deviation of the other values; where those are all equal, that of all values). The row z is
 * taken on column z-scores because targets' weights live on different scales (a confident target has small weights
 * everywhere). Leaving the value out keeps one large outlier from inflating its own scale (a z including it cannot
 * pass sqrt(n)); mean and standard deviation rather than median and MAD, because LASSO weights are sparse and most of
 * a column is 0, which makes the MAD 0 or tiny.
 * The column z alone ranks "hubs" (examples large on many targets) as leaks; the row z removes them. The threshold is
 * chosen from the data by the target-decoy (knockoff+) rule of Barber and Candès 2015: the decoy of a pair is its
 * score on the sign-flipped matrix, {@code d = min(-zc, -zr)}, which is distributed like s wherever the weights are
 * symmetric about their means (estimation noise); the threshold is the smallest score value tau with
 * {@code (1 + #{d >= tau}) / max(1, #{s >= tau}) <= fdr}. Real opposers (large negative weights) add decoys, which
 * makes the rule conservative. Where no tau passes, nothing is flagged and the threshold is reported as infinite.
 * The rule controls false discoveries against "the weight is noise", not against "the example is a close look-alike
 * rather than a copy": docs/RESULTS.md measures it on planted copies, where small models' datamodels give strong,
 * specific weights to look-alikes as well.
 */
public final class Leakage {
    /** The score rule, as written to {@code leakage.json}. */
    public static final String RULE = "min(zc, zr): zc[j,q] = z of W[j,q] against target q's other weights, "
            + "zr[j,q] = z of zc[j,q] against training example j's zc on the other targets (leave-one-out mean and "
            + "standard deviation)";
    /** The output file of flagged pairs. */
    public static final String CSV = "leakage.csv";
    /** The summary file beside it. */
    public static final String JSON = "leakage.json";
    /** The header of {@link #CSV}. */
    public static final String CSV_HEADER = "target,train,score";

    private Leakage() {
    }

    /**
     * One candidate pair.
     *
     * @param target position in the target selection (column of W)
     * @param train  position in the training selection (row of W)
     * @param score  its leakage score
     */
    public record Pair(int target, int train, double score) {
    }

    /**
     * What {@link #find} flagged.
     *
     * @param trainSize     m
     * @param targets       T
     * @param options       the options used
     * @param threshold     the threshold applied (chosen or given); +infinity when no data-chosen threshold passed
     * @param decoysAbove   decoy scores at or above the threshold
     * @param estimatedFdr  (1 + decoysAbove) / max(1, flagged), the knockoff+ estimate at the threshold
     * @param pairs         the flagged pairs, score descending (ties: lower target, then lower train position)
     */
    public record Result(int trainSize, int targets, LeakageOptions options, double threshold, long decoysAbove,
                         double estimatedFdr, List<Pair> pairs) {
        /** The result with its pairs copied, unmodifiable. */
        public Result {
            pairs = List.copyOf(pairs);
        }
    }

    /** {@link #find(float[], int, int, LeakageOptions)} on fitted datamodels. */
    public static Result find(Datamodels dm, LeakageOptions options) {
        return find(weights(dm), dm.trainSize(), dm.targets(), options);
    }

    /** {@link #scores(float[], int, int)} of fitted datamodels: m x T row-major, pair (q, j) at {@code j * T + q}. */
    public static double[] scores(Datamodels dm) {
        return scores(weights(dm), dm.trainSize(), dm.targets());
    }

    /** The weights of {@code dm} as the m x T row-major matrix of the class comment. */
    private static float[] weights(Datamodels dm) {
        int m = dm.trainSize();
        int t = dm.targets();
        float[] w = new float[Math.multiplyExact(m, t)];
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                w[j * t + q] = dm.weight(j, q);
            }
        }
        return w;
    }

    /**
     * Scores every (target, train) pair of the m x T matrix {@code weights} (not modified) and flags those at or above
     * the threshold (given, or chosen by the decoy rule of the class comment).
     *
     * @throws IllegalArgumentException for a length that is not m * T, m or T below 3, or a non-finite weight
     */
    public static Result find(float[] weights, int m, int t, LeakageOptions options) {
        double[] zc = new double[weights.length];
        double[] zr = new double[weights.length];
        leaveOneOutZ(weights, m, t, zc, zr);
        double[] s = new double[weights.length];
        double[] d = new double[weights.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.min(zc[i], zr[i]);
            d[i] = Math.min(-zc[i], -zr[i]);
        }
        double tau = options.thresholdFromData() ? decoyThreshold(s, d, options.fdr()) : options.threshold();
        List<Pair> pairs = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                if (s[j * t + q] >= tau) {
                    pairs.add(new Pair(q, j, s[j * t + q]));
                }
            }
        }
        pairs.sort((a, b) -> a.score() != b.score() ? Double.compare(b.score(), a.score())
                : a.target() != b.target() ? Integer.compare(a.target(), b.target())
                : Integer.compare(a.train(), b.train()));
        long decoys = 0;
        for (double v : d) {
            decoys += v >= tau ? 1 : 0;
        }
        return new Result(m, t, options, tau, decoys, (1.0 + decoys) / Math.max(1, pairs.size()), pairs);
    }

    /**
     * The leakage score of every pair, m x T row-major like {@code weights}: {@code min(zc, zr)} of the class comment.
     */
    public static double[] scores(float[] weights, int m, int t) {
        double[] zc = new double[weights.length];
        double[] zr = new double[weights.length];
        leaveOneOutZ(weights, m, t, zc, zr);
        for (int i = 0; i < zc.length; i++) {
            zc[i] = Math.min(zc[i], zr[i]);
        }
        return zc;
    }

    private static void leaveOneOutZ(float[] w, int m, int t, double[] zc, double[] zr) {
        if (m < 3 || t < 3) {
            throw new IllegalArgumentException("weights: expected at least 3 training examples and 3 targets, got m = "
                    + m + ", T = " + t);
        }
        if (w.length != (long) m * t) {
            throw new IllegalArgumentException("weights: expected m * T = " + m + " * " + t + " = " + (long) m * t
                    + " values, got " + w.length);
        }
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new IllegalArgumentException("weights: expected finite values, got " + w[i] + " at training "
                        + "position " + i / t + ", target " + i % t);
            }
        }
        double[] buf = new double[Math.max(m, t)];
        for (int q = 0; q < t; q++) {
            for (int j = 0; j < m; j++) {
                buf[j] = w[j * t + q];
            }
            looZ(buf, m, zc, q, t);
        }
        for (int j = 0; j < m; j++) {
            System.arraycopy(zc, j * t, buf, 0, t);
            looZ(buf, t, zr, j * t, 1);
        }
    }

    /**
     * z of each of {@code x[0..n)} against the other n - 1 values, written to {@code z[off + i * stride]}: with mean
     * mu and C = sum (x - mu)^2 over all n, the others have mean mu - (x_i - mu) / (n - 1) and sum of squares
     * C - (x_i - mu)^2 n / (n - 1), so z_i = (x_i - mu) n / (n - 1) / sqrt(that / (n - 1)). Where the others are all
     * equal, the scale is the standard deviation of all n values (0 only for a constant vector, where z = 0).
     */
    static void looZ(double[] x, int n, double[] z, int off, int stride) {
        double mu = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            mu += x[i];
            lo = Math.min(lo, x[i]);
            hi = Math.max(hi, x[i]);
        }
        mu /= n;
        double c = 0;
        int atLo = 0;
        int atHi = 0;
        for (int i = 0; i < n; i++) {
            c += (x[i] - mu) * (x[i] - mu);
            atLo += x[i] == lo ? 1 : 0;
            atHi += x[i] == hi ? 1 : 0;
        }
        double sdAll = Math.sqrt(c / n);
        for (int i = 0; i < n; i++) {
            double dev = x[i] - mu;
            // The others are all equal exactly when x_i is the one value off a constant (e.g. the one non-zero weight
            // of a sparse column); the formula would give rounding noise there, not 0.
            boolean othersEqual = lo == hi || (x[i] == lo && atLo == 1 && atHi == n - 1)
                    || (x[i] == hi && atHi == 1 && atLo == n - 1);
            double sd = othersEqual ? sdAll : Math.sqrt(Math.max(0, c - dev * dev * n / (n - 1)) / (n - 1));
            z[off + i * stride] = sd == 0 ? 0 : dev * n / (n - 1) / sd;
        }
    }

    /**
     * The smallest score value tau with {@code (1 + #{d >= tau}) / max(1, #{s >= tau}) <= fdr}, or +infinity where
     * none passes. Only positive tau are considered.
     */
    static double decoyThreshold(double[] s, double[] d, double fdr) {
        double[] ss = s.clone();
        double[] dd = d.clone();
        Arrays.sort(ss);
        Arrays.sort(dd);
        double best = Double.POSITIVE_INFINITY;
        int di = dd.length; // dd[di..] >= tau
        for (int k = ss.length - 1; k >= 0 && ss[k] > 0; k--) {
            double tau = ss[k];
            if (k > 0 && ss[k - 1] == tau) {
                continue; // count ties once, at their lowest index
            }
            while (di > 0 && dd[di - 1] >= tau) {
                di--;
            }
            long above = ss.length - k;
            long decoys = dd.length - di;
            if ((1.0 + decoys) / above <= fdr) {
                best = tau;
            }
        }
        return best;
    }

    /**
     * {@link #write(Result, int, Path, boolean, String, Provenance)} of weights whose column 0 is target 0 of the
     * target selection.
     */
    public static void write(Result result, Path out, boolean force, String source, Provenance provenance)
            throws IOException {
        write(result, 0, out, force, source, provenance);
    }

    /**
     * Writes {@code result} into the new folder {@code out} (atomically; an existing one only with {@code force}):
     * {@value #CSV} with header {@value #CSV_HEADER}, one row per flagged pair in rank order, its {@code target} the
     * position in the target selection ({@code targetFrom} + the pair's weight column, as fit.json's
     * {@code target_from} places the fitted columns), and {@value #JSON} with the rule, threshold, counts,
     * {@code target_from}, {@code source} (e.g. the fit folder) and {@code provenance}.
     */
    public static void write(Result result, int targetFrom, Path out, boolean force, String source,
                             Provenance provenance) throws IOException {
        if (targetFrom < 0) {
            throw new IllegalArgumentException("targetFrom must be >= 0, got " + targetFrom);
        }
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (Pair p : result.pairs()) {
            csv.append(targetFrom + p.target()).append(',').append(p.train()).append(',')
                    .append(String.format(Locale.ROOT, "%.6g", p.score())).append('\n');
        }
        ObjectNode json = Json.object();
        json.put("rule", RULE);
        json.put("threshold_rule", result.options().thresholdFromData()
                ? "decoy (knockoff+) false-discovery control: smallest tau with (1 + #{decoy >= tau}) / #{score >= tau}"
                + " <= fdr, decoy = score of -W" : "given");
        json.put("fdr", result.options().fdr());
        if (Double.isInfinite(result.threshold())) {
            json.putNull("threshold");
        } else {
            json.put("threshold", result.threshold());
        }
        json.put("flagged", result.pairs().size());
        json.put("decoys_above_threshold", result.decoysAbove());
        json.put("estimated_fdr", result.estimatedFdr());
        json.put("train_size", result.trainSize());
        json.put("targets", result.targets());
        json.put("target_from", targetFrom);
        json.put("source", source);
        json.set("provenance", Json.tree(provenance));
        AtomicFiles.createDirectory(out, force, dir -> {
            Files.writeString(dir.resolve(CSV), csv);
            Files.writeString(dir.resolve(JSON), Json.write(json) + "\n");
        });
    }
}
