package io.datamodels.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.kernel.Gemm;
import io.datamodels.regress.BaseSet;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitException;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.subset.BitMask;
import io.datamodels.train.Runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A direction of the target embedding checked by retraining (Ilyas et al. 2022, section 4.3: removing the training
 * examples at one end of a principal component moves the test examples at the matching end, while leaving average
 * accuracy almost unchanged).
 *
 * <p>Given each training example's loading on the direction and each fitted target's score (for a principal
 * component: a column of {@code explore embed}'s pca_loadings.npy and pca_scores.npy), it draws a base set
 * ({@link BaseSet}, as {@link Counterfactual} does) and trains {@code retrains} models in each of three arms:
 * <ul>
 *   <li>{@code base}: the base set;</li>
 *   <li>{@code remove_high}: the base set without its k members of largest loading;</li>
 *   <li>{@code remove_low}: the base set without its k members of smallest loading.</li>
 * </ul>
 * Each arm is a store of its own trained through {@link Retrain} with the same root seed, so model r of every arm
 * has the same seed (initialisation and data-order stream): the changes are paired. For model r of arm a and fitted
 * target q the change is {@code y[a][r][q] - y[base][r][q]}; it is averaged over the {@code endTargets} targets of
 * highest score (the high end), of lowest score (the low end), and over the others. The accuracy of a model is the
 * fraction of the fitted targets with output above 0 (meaningful for margins). The datamodels' prediction of a
 * target's change is {@code -sum of its weights on the removed examples}. Ties in loadings and scores are broken as
 * {@code explore embed}'s pca_ends.json lists them: the lower position first at the high end, the higher first at the
 * low end.
 *
 * @param component  the component's index, as recorded (not used in the computation)
 * @param k          training examples removed at each end
 * @param endTargets targets at each end whose changes are averaged
 * @param base       the base set the ends are removed from
 * @param retrains   models per arm, seeds shared across arms
 * @param seed       root seed of the retraining and of a random base
 */
public record ComponentCheck(int component, int k, int endTargets, BaseSet base, int retrains, long seed) {
    /** Names of the three arms, in the order of outputs.npy. */
    public static final List<String> ARMS = List.of("base", "remove_high", "remove_low");
    /** The summary file. */
    public static final String JSON = "component_check.json";

    /** Checks the counts and that there is a base set. */
    public ComponentCheck {
        if (base == null) {
            throw new IllegalArgumentException("base: expected one of " + java.util.Arrays.stream(BaseSet.values())
                    .map(BaseSet::id).toList() + ", got none");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        if (endTargets < 1) {
            throw new IllegalArgumentException("end targets must be >= 1, got " + endTargets);
        }
        if (retrains < 1) {
            throw new IllegalArgumentException("retrains must be >= 1, got " + retrains);
        }
    }

    /**
     * Mean and sample standard deviation over the retrained seeds of one quantity (standard deviation 0 for one
     * seed), and the value of each seed.
     */
    public record Spread(@JsonProperty("mean") double mean, @JsonProperty("sd") double sd,
                         @JsonProperty("per_seed") double[] perSeed) {
        static Spread of(double[] v) {
            double m = 0;
            for (double x : v) {
                m += x;
            }
            m /= v.length;
            double ss = 0;
            for (double x : v) {
                ss += (x - m) * (x - m);
            }
            return new Spread(m, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0, v.clone());
        }
    }

    /**
     * What one removal did: mean output change of the high-end, low-end and other targets (each over seeds), the
     * datamodels' predicted mean change of each group, and the accuracy change over all fitted targets.
     */
    public record ArmSummary(@JsonProperty("arm") String arm,
                             @JsonProperty("removed") int[] removed,
                             @JsonProperty("change_high_targets") Spread changeHigh,
                             @JsonProperty("change_low_targets") Spread changeLow,
                             @JsonProperty("change_other_targets") Spread changeOther,
                             @JsonProperty("predicted_change_high_targets") double predictedHigh,
                             @JsonProperty("predicted_change_low_targets") double predictedLow,
                             @JsonProperty("predicted_change_other_targets") double predictedOther,
                             @JsonProperty("accuracy") Spread accuracy,
                             @JsonProperty("accuracy_change") Spread accuracyChange) {
    }

    /** The JSON summary ({@value #JSON}). */
    public record Summary(@JsonProperty("fit") String fit,
                          @JsonProperty("embed") String embed,
                          @JsonProperty("component") int component,
                          @JsonProperty("explained_variance_ratio") double explained,
                          @JsonProperty("k") int k,
                          @JsonProperty("end_targets") int endTargets,
                          @JsonProperty("base") String base,
                          @JsonProperty("base_size") int baseSize,
                          @JsonProperty("retrains") int retrains,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("output") String output,
                          @JsonProperty("targets") int targets,
                          @JsonProperty("target_from") int targetFrom,
                          @JsonProperty("high_targets") int[] highTargets,
                          @JsonProperty("low_targets") int[] lowTargets,
                          @JsonProperty("base_accuracy") Spread baseAccuracy,
                          @JsonProperty("arms") List<ArmSummary> arms,
                          @JsonProperty("rule") String rule,
                          @JsonProperty("files") String files,
                          @JsonProperty("provenance") Provenance provenance) {
    }

    /**
     * Everything measured.
     *
     * @param outputs     retrained outputs on the fitted targets, (3 x R x T) row-major, arms in {@link #ARMS} order
     * @param removed     training positions removed: [0] at the high end, [1] at the low end, most extreme first
     * @param highTargets fitted target columns at the high end, highest score first
     * @param lowTargets  fitted target columns at the low end, lowest score first
     * @param predicted   datamodel-predicted change of each target under each removal (2 x T)
     * @param scores      each fitted target's score on the direction (length T)
     * @param summary     the summary (provenance null until written)
     */
    public record Result(float[] outputs, int[][] removed, int[] highTargets, int[] lowTargets, double[][] predicted,
                         double[] scores, Summary summary) {
    }

    /**
     * Runs the check on the datamodels in {@code fitDir}, fitted on {@code store}, retraining in {@code workDir}
     * (sub-folders base, remove_high, remove_low; each resumable).
     *
     * @param loadings   each training example's loading on the direction (length m)
     * @param scores     each fitted target's score on it (length T)
     * @param explained  the component's explained variance ratio (recorded only)
     * @param embed      where the direction came from (recorded only)
     * @throws FitException if the lengths do not match the fit, or k or endTargets are too large
     */
    public Result run(Path fitDir, Store store, double[] loadings, double[] scores, double explained, String embed,
                      Path workDir, Gemm gemm, int threads, Runner.Listener listener) throws IOException {
        FitFolder f = FitFolder.load(fitDir, store);
        Fitter.Summary fit = f.summary();
        Datamodels dm = f.datamodels();
        int m = dm.trainSize();
        int t = dm.targets();
        if (loadings.length != m) {
            throw new FitException("loadings: expected " + m + " (the fit's training examples), got " + loadings.length);
        }
        if (scores.length != t) {
            throw new FitException("scores: expected " + t + " (the fit's targets), got " + scores.length);
        }
        if (2 * endTargets > t) {
            throw new FitException("end targets: expected at most " + t / 2 + " (half of the " + t
                    + " fitted targets), got " + endTargets);
        }
        BitMask baseMask = base.mask(store, seed, m);
        int[] members = baseMask.indices();
        if (2 * k > members.length) {
            throw new FitException("k: expected at most " + members.length / 2 + " (half of the base set's "
                    + members.length + " examples), got " + k);
        }
        Integer[] byLoading = ascending(members, loadings);
        int[] high = new int[k];
        int[] low = new int[k];
        for (int i = 0; i < k; i++) {
            high[i] = byLoading[members.length - 1 - i];
            low[i] = byLoading[i];
        }
        int[] all = new int[t];
        for (int q = 0; q < t; q++) {
            all[q] = q;
        }
        Integer[] byScore = ascending(all, scores);
        int[] highTargets = new int[endTargets];
        int[] lowTargets = new int[endTargets];
        for (int i = 0; i < endTargets; i++) {
            highTargets[i] = byScore[t - 1 - i];
            lowTargets[i] = byScore[i];
        }
        int[][] removed = {high, low};
        float[][] y = new float[3][];
        y[0] = arm(store, baseMask, null, fit, workDir.resolve(ARMS.get(0)), gemm, threads, listener);
        for (int a = 0; a < 2; a++) {
            y[a + 1] = arm(store, baseMask, removed[a], fit, workDir.resolve(ARMS.get(a + 1)), gemm, threads, listener);
        }
        float[] outputs = new float[3 * retrains * t];
        for (int a = 0; a < 3; a++) {
            System.arraycopy(y[a], 0, outputs, a * retrains * t, retrains * t);
        }
        boolean[] atEnd = new boolean[t];
        for (int q : highTargets) {
            atEnd[q] = true;
        }
        for (int q : lowTargets) {
            atEnd[q] = true;
        }
        double[][] predicted = new double[2][t];
        boolean margins = "margins".equals(fit.y());
        Spread baseAcc = margins ? Spread.of(accuracy(y[0], t)) : null;
        List<ArmSummary> arms = new ArrayList<>();
        for (int a = 0; a < 2; a++) {
            for (int q = 0; q < t; q++) {
                double p = 0;
                for (int j : removed[a]) {
                    p -= dm.weight(j, q);
                }
                predicted[a][q] = p;
            }
            double[] ch = new double[retrains];
            double[] cl = new double[retrains];
            double[] co = new double[retrains];
            for (int r = 0; r < retrains; r++) {
                double sh = 0;
                double sl = 0;
                double so = 0;
                for (int q = 0; q < t; q++) {
                    double d = (double) y[a + 1][r * t + q] - y[0][r * t + q];
                    if (!atEnd[q]) {
                        so += d;
                    }
                }
                for (int q : highTargets) {
                    sh += (double) y[a + 1][r * t + q] - y[0][r * t + q];
                }
                for (int q : lowTargets) {
                    sl += (double) y[a + 1][r * t + q] - y[0][r * t + q];
                }
                ch[r] = sh / endTargets;
                cl[r] = sl / endTargets;
                co[r] = t > 2 * endTargets ? so / (t - 2 * endTargets) : Double.NaN;
            }
            double ph = mean(predicted[a], highTargets);
            double pl = mean(predicted[a], lowTargets);
            double po = 0;
            for (int q = 0; q < t; q++) {
                po += atEnd[q] ? 0 : predicted[a][q];
            }
            po = t > 2 * endTargets ? po / (t - 2 * endTargets) : Double.NaN;
            Spread acc = null;
            Spread dacc = null;
            if (margins) {
                double[] armAcc = accuracy(y[a + 1], t);
                double[] diff = new double[retrains];
                for (int r = 0; r < retrains; r++) {
                    diff[r] = armAcc[r] - baseAcc.perSeed()[r];
                }
                acc = Spread.of(armAcc);
                dacc = Spread.of(diff);
            }
            arms.add(new ArmSummary(ARMS.get(a + 1), shift(removed[a], 0), Spread.of(ch), Spread.of(cl),
                    Spread.of(co), ph, pl, po, acc, dacc));
        }
        Summary summary = new Summary(fitDir.toString(), embed, component, explained, k, endTargets, base.id(),
                members.length, retrains, seed, fit.y(), t, fit.targetFrom(), shift(highTargets, fit.targetFrom()),
                shift(lowTargets, fit.targetFrom()), baseAcc, arms,
                "arms base / remove_high / remove_low: the base set, without its k members of largest loading, "
                        + "without its k members of smallest loading; R models each, model r of every arm with the "
                        + "same seed; change = arm output - base output of the same seed, averaged over the "
                        + "end_targets targets of highest score (high), of lowest score (low), and the rest (other); "
                        + "predicted change = -sum of the target's weights on the removed examples; accuracy = "
                        + "fraction of fitted targets with output > 0 (margins only); spread: mean and sample sd "
                        + "over seeds",
                "outputs.npy (3, R, T) float32: retrained outputs on the fitted targets, arms base/remove_high/"
                        + "remove_low; removed.npy (2, k) int32: training positions removed at the high/low end, most "
                        + "extreme first; end_targets.npy (2, end_targets) int32: target-selection positions at the "
                        + "high/low end; component_check.csv: one row per (arm, seed); target_changes.csv: one row "
                        + "per fitted target", null);
        return new Result(outputs, removed, highTargets, lowTargets, predicted, scores.clone(), summary);
    }

    private float[] arm(Store store, BitMask baseMask, int[] remove, Fitter.Summary fit, Path work, Gemm gemm,
                        int threads, Runner.Listener listener) throws IOException {
        BitMask mask = baseMask;
        if (remove != null) {
            mask = new BitMask(baseMask.size());
            for (int j : baseMask.indices()) {
                mask.set(j);
            }
            for (int j : remove) {
                mask.clear(j);
            }
        }
        List<BitMask> masks = new ArrayList<>();
        for (int r = 0; r < retrains; r++) {
            masks.add(mask);
        }
        Files.createDirectories(work.getParent());
        float[] y = Retrain.run(store, masks, fit.y(), work, seed, gemm, threads, listener);
        int cols = y.length / retrains;
        int t = fit.targetTo() - fit.targetFrom();
        float[] out = new float[retrains * t];
        for (int r = 0; r < retrains; r++) {
            System.arraycopy(y, r * cols + fit.targetFrom(), out, r * t, t);
        }
        return out;
    }

    private static double[] accuracy(float[] y, int t) {
        double[] acc = new double[y.length / t];
        for (int r = 0; r < acc.length; r++) {
            int c = 0;
            for (int q = 0; q < t; q++) {
                c += y[r * t + q] > 0 ? 1 : 0;
            }
            acc[r] = (double) c / t;
        }
        return acc;
    }

    private static double mean(double[] v, int[] idx) {
        double s = 0;
        for (int i : idx) {
            s += v[i];
        }
        return s / idx.length;
    }

    private static int[] shift(int[] v, int by) {
        int[] o = v.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] += by;
        }
        return o;
    }

    /** The positions {@code pos} by increasing value, ties by position (so the high end lists the higher first). */
    private static Integer[] ascending(int[] pos, double[] v) {
        Integer[] o = Arrays.stream(pos).boxed().toArray(Integer[]::new);
        Arrays.sort(o, (a, b) -> {
            int c = Double.compare(v[a], v[b]);
            return c != 0 ? c : Integer.compare(b, a);
        });
        return o;
    }

    /**
     * Writes the new folder {@code out}: {@value #JSON} (the summary with {@code provenance}), outputs.npy,
     * removed.npy, end_targets.npy, component_check.csv and target_changes.csv, as the summary's {@code files} says.
     *
     * @return the summary as written
     * @throws java.nio.file.FileAlreadyExistsException if {@code out} exists and {@code force} is not set
     */
    public static Summary write(Result r, Path out, boolean force, Provenance provenance) throws IOException {
        Summary s0 = r.summary();
        Summary s = new Summary(s0.fit(), s0.embed(), s0.component(), s0.explained(), s0.k(), s0.endTargets(),
                s0.base(), s0.baseSize(), s0.retrains(), s0.seed(), s0.output(), s0.targets(), s0.targetFrom(),
                s0.highTargets(), s0.lowTargets(), s0.baseAccuracy(), s0.arms(), s0.rule(), s0.files(), provenance);
        int t = s.targets();
        int rr = s.retrains();
        StringBuilder perSeed = new StringBuilder("arm,seed,change_high_targets,change_low_targets,"
                + "change_other_targets,accuracy,accuracy_change\n");
        for (ArmSummary a : s.arms()) {
            for (int i = 0; i < rr; i++) {
                perSeed.append(a.arm()).append(',').append(i).append(',')
                        .append(num(a.changeHigh().perSeed()[i])).append(',')
                        .append(num(a.changeLow().perSeed()[i])).append(',')
                        .append(num(a.changeOther().perSeed()[i])).append(',')
                        .append(a.accuracy() == null ? "" : num(a.accuracy().perSeed()[i])).append(',')
                        .append(a.accuracyChange() == null ? "" : num(a.accuracyChange().perSeed()[i])).append('\n');
            }
        }
        String[] end = new String[t];
        Arrays.fill(end, "none");
        for (int q : r.highTargets()) {
            end[q] = "high";
        }
        for (int q : r.lowTargets()) {
            end[q] = "low";
        }
        StringBuilder perTarget = new StringBuilder("target,end,score,predicted_change_remove_high,"
                + "actual_change_remove_high,predicted_change_remove_low,actual_change_remove_low\n");
        float[] y = r.outputs();
        for (int q = 0; q < t; q++) {
            perTarget.append(s.targetFrom() + q).append(',').append(end[q]).append(',').append(num(r.scores()[q]));
            for (int a = 0; a < 2; a++) {
                double d = 0;
                for (int i = 0; i < rr; i++) {
                    d += (double) y[((a + 1) * rr + i) * t + q] - y[i * t + q];
                }
                perTarget.append(',').append(num(r.predicted()[a][q])).append(',').append(num(d / rr));
            }
            perTarget.append('\n');
        }
        int k = s.k();
        int[] removed = new int[2 * k];
        System.arraycopy(r.removed()[0], 0, removed, 0, k);
        System.arraycopy(r.removed()[1], 0, removed, k, k);
        int n = s.endTargets();
        int[] ends = new int[2 * n];
        System.arraycopy(s.highTargets(), 0, ends, 0, n);
        System.arraycopy(s.lowTargets(), 0, ends, n, n);
        AtomicFiles.createDirectory(out, force, dir -> {
            Npy.write(dir.resolve("outputs.npy"), DType.FLOAT32, y, 3, rr, t);
            Npy.write(dir.resolve("removed.npy"), DType.INT32, removed, 2, k);
            Npy.write(dir.resolve("end_targets.npy"), DType.INT32, ends, 2, n);
            Files.writeString(dir.resolve("component_check.csv"), perSeed);
            Files.writeString(dir.resolve("target_changes.csv"), perTarget);
            Files.writeString(dir.resolve(JSON), Json.write(s) + "\n");
        });
        return s;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }
}
