package io.datamodels.learn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.List;

/**
 * Hyperparameters of the built-in learners: a multilayer perceptron with ReLU hidden layers, or softmax
 * (multinomial logistic) regression when {@code hidden} is empty, trained by minibatch SGD with momentum and
 * weight decay (PyTorch's convention: {@code v = momentum * v + grad + weight_decay * w; w -= lr_t * v}).
 *
 * @param hidden       hidden layer widths; empty for softmax regression
 * @param epochs       passes over each model's training subset
 * @param batchSize    examples per step, per model
 * @param lr           peak learning rate
 * @param momentum     heavy-ball momentum in [0, 1)
 * @param weightDecay  L2 penalty coefficient, >= 0
 * @param schedule     learning-rate schedule over all steps: {@code cosine}, {@code linear} (to 0) or {@code constant}
 * @param normalize    standardise each input feature with the training set's mean and standard deviation
 * @param mode         how models are batched: {@code gather} (each model steps on its own rows), {@code shared}
 *                     (all models of a group step on one batch of the full training set, each row weighted 0/1 by the
 *                     model's mask) or {@code auto} (the faster for this architecture and alpha, as measured in
 *                     BENCHMARKS.md)
 * @param group        models trained together in shared mode
 * @param dataOrder    {@code per_model}: each model shuffles its subset with its own stream; {@code shared}: one
 *                     order of the full training set per root seed, each model taking its members in that order
 * @param init         {@code per_model}: each model's initial weights from its own stream; {@code shared}: the same
 *                     initial weights for every model of a root seed
 */
public record MlpConfig(@JsonProperty("hidden") int[] hidden,
                        @JsonProperty("epochs") int epochs,
                        @JsonProperty("batch_size") int batchSize,
                        @JsonProperty("lr") double lr,
                        @JsonProperty("momentum") double momentum,
                        @JsonProperty("weight_decay") double weightDecay,
                        @JsonProperty("schedule") String schedule,
                        @JsonProperty("normalize") boolean normalize,
                        @JsonProperty("mode") String mode,
                        @JsonProperty("group") int group,
                        @JsonProperty("data_order") String dataOrder,
                        @JsonProperty("init") String init) {

    static final List<String> SCHEDULES = List.of("cosine", "linear", "constant");
    static final List<String> MODES = List.of("auto", "gather", "shared");
    static final List<String> SHARING = List.of("per_model", "shared");

    @JsonCreator
    public MlpConfig {
        if (hidden == null) {
            throw new IllegalArgumentException("hidden: required field is missing");
        }
        hidden = hidden.clone();
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden must hold widths >= 1, got " + Arrays.toString(hidden));
            }
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr must be > 0 and finite, got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight_decay must be >= 0 and finite, got " + weightDecay);
        }
        check("schedule", schedule, SCHEDULES);
        check("mode", mode, MODES);
        check("data_order", dataOrder, SHARING);
        check("init", init, SHARING);
        if (group < 1) {
            throw new IllegalArgumentException("group must be >= 1, got " + group);
        }
    }

    private static void check(String field, String v, List<String> allowed) {
        if (v == null || !allowed.contains(v)) {
            throw new IllegalArgumentException(field + " must be one of " + allowed + ", got "
                    + (v == null ? "null" : "'" + v + "'"));
        }
    }

    /** The default MLP: one hidden layer of 64 (784-64-10 on Fashion-MNIST). */
    public static MlpConfig mlp() {
        return new MlpConfig(new int[]{64}, 10, 128, 0.05, 0.9, 5e-4, "cosine", true, "auto", 16, "per_model",
                "per_model");
    }

    /** The default softmax regression. */
    public static MlpConfig softmax() {
        return new MlpConfig(new int[0], 10, 128, 0.01, 0.9, 5e-4, "cosine", true, "auto", 16, "per_model",
                "per_model");
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** A copy with {@code mode} replaced. */
    public MlpConfig withMode(String m) {
        return new MlpConfig(hidden, epochs, batchSize, lr, momentum, weightDecay, schedule, normalize, m, group,
                dataOrder, init);
    }

    /** A copy with {@code epochs} replaced. */
    public MlpConfig withEpochs(int e) {
        return new MlpConfig(hidden, e, batchSize, lr, momentum, weightDecay, schedule, normalize, mode, group,
                dataOrder, init);
    }

    /** The learning rate multiplier at step {@code t} of {@code total}. */
    double lrFactor(long t, long total) {
        double f = total <= 1 ? 0 : (double) t / total;
        return switch (schedule) {
            case "cosine" -> 0.5 * (1 + Math.cos(Math.PI * f));
            case "linear" -> 1 - f;
            default -> 1;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpConfig c && Arrays.equals(hidden, c.hidden) && epochs == c.epochs
                && batchSize == c.batchSize && lr == c.lr && momentum == c.momentum && weightDecay == c.weightDecay
                && schedule.equals(c.schedule) && normalize == c.normalize && mode.equals(c.mode) && group == c.group
                && dataOrder.equals(c.dataOrder) && init.equals(c.init);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hidden) * 31 + java.util.Objects.hash(epochs, batchSize, lr, momentum, weightDecay,
                schedule, normalize, mode, group, dataOrder, init);
    }

    @Override
    public String toString() {
        return "MlpConfig[hidden=" + Arrays.toString(hidden) + ", epochs=" + epochs + ", batch_size=" + batchSize
                + ", lr=" + lr + ", momentum=" + momentum + ", weight_decay=" + weightDecay + ", schedule=" + schedule
                + ", normalize=" + normalize + ", mode=" + mode + ", group=" + group + ", data_order=" + dataOrder
                + ", init=" + init + "]";
    }
}
