package io.datamodels.train;

import io.datamodels.learn.Outputs;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.NpyArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How good the trained models of a store are, over its completed rows: the mean of their own training accuracy
 * ({@code train_accuracy}) and their mean accuracy on the targets ({@code correct}, else the fraction of
 * {@code margins} above 0), each NaN where the store lacks the key. Datamodels of models near chance explain
 * noise, so {@link #warnings()} says when to tune the learner first.
 *
 * @param models      completed models averaged over
 * @param trainAcc    mean training accuracy, NaN where unknown
 * @param targetAcc   mean accuracy on the targets, NaN where unknown
 * @param classes     number of classes, 0 where unknown
 */
public record ModelQuality(long models, double trainAcc, double targetAcc, int classes) {
    /** Warn when an accuracy is within this of chance (1 / classes). */
    public static final double NEAR_CHANCE = 0.05;
    /** Warn when the models fit less than this fraction of their own training subsets. */
    public static final double UNDERFIT = 0.5;

    /** Measures the completed rows of {@code store}; {@code classes} is 0 where unknown. */
    public static ModelQuality of(Store store, int classes) throws StoreException {
        long[] done = store.completedIndices();
        double train = Double.NaN;
        double target = Double.NaN;
        if (store.spec().schema().containsKey(Outputs.TRAIN_ACCURACY)) {
            train = mean(store.array(Outputs.TRAIN_ACCURACY), done, false);
        }
        if (store.spec().schema().containsKey(Outputs.CORRECT)) {
            target = mean(store.array(Outputs.CORRECT), done, false);
        } else if (store.spec().schema().containsKey(Outputs.MARGINS)) {
            target = mean(store.array(Outputs.MARGINS), done, true);
        }
        return new ModelQuality(done.length, train, target, classes);
    }

    /** Mean over rows {@code done} of every element (or of element > 0 with {@code positive}). */
    private static double mean(NpyArray a, long[] done, boolean positive) {
        long w = a.rowElements();
        double s = 0;
        for (long i : done) {
            for (long k = 0; k < w; k++) {
                double v = a.getDouble(i * w + k);
                s += positive ? (v > 0 ? 1 : 0) : v;
            }
        }
        return done.length == 0 || w == 0 ? Double.NaN : s / (done.length * (double) w);
    }

    /** One line: the accuracies that are known. */
    public String line() {
        List<String> parts = new ArrayList<>();
        if (!Double.isNaN(trainAcc)) {
            parts.add(String.format(Locale.ROOT, "mean training accuracy %.3f", trainAcc));
        }
        if (!Double.isNaN(targetAcc)) {
            parts.add(String.format(Locale.ROOT, "mean target accuracy %.3f", targetAcc));
        }
        if (classes > 0) {
            parts.add(String.format(Locale.ROOT, "chance 1/%d = %.3f", classes, 1.0 / classes));
        }
        return parts.isEmpty() ? null : "models (" + models + " completed): " + String.join("; ", parts);
    }

    /**
     * The learner config fields that the warnings suggest, with their values: a larger learning rate and more epochs,
     * which took default softmax regression on a 26-class table from underfitting to about 70% accuracy.
     */
    public static final Map<String, String> TUNING;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lr", "0.1");
        m.put("epochs", "30");
        TUNING = java.util.Collections.unmodifiableMap(m);
    }

    /** Plain-language warnings: accuracy near chance, or models that underfit their own training subsets. */
    public List<String> warnings() {
        return warnings(fields -> "config fields " + String.join(", ", fields.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList()));
    }

    /**
     * {@link #warnings()}, with the suggested config fields ({@link #TUNING}) written by {@code howToSet}, e.g. as the
     * options of a command line.
     */
    public List<String> warnings(Function<Map<String, String>, String> howToSet) {
        List<String> w = new ArrayList<>();
        String tune = "tune the learner on a few hundred models before training many: a larger learning rate and more"
                + " epochs (e.g. " + howToSet.apply(TUNING) + "), or learner mlp";
        if (classes > 0) {
            double chance = 1.0 / classes;
            if (targetAcc < chance + NEAR_CHANCE || trainAcc < chance + NEAR_CHANCE) {
                w.add(String.format(Locale.ROOT, "warning: accuracy near chance (1/%d = %.3f): the models have "
                        + "learned almost nothing, so their datamodels would explain noise; %s", classes, chance,
                        tune));
                return w;
            }
        }
        if (trainAcc < UNDERFIT) {
            w.add(String.format(Locale.ROOT, "warning: the models fit only %.0f%% of their own training examples "
                    + "(they underfit), so their outputs carry little signal for datamodels; %s", 100 * trainAcc,
                    tune));
        }
        return w;
    }
}
