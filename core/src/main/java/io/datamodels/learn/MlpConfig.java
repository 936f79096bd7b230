package io.datamodels.learn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Locale;

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
 * @param dropout      dropout probability after each hidden layer's ReLU during training (inverted dropout: kept
 *                     units scaled by 1 / (1 - p), as PyTorch's {@code nn.Dropout}), in [0, 1); null (absent from the
 *                     JSON) for none
 * @param inputMean    with {@code inputStd}: a fixed normalisation {@code (x - input_mean) / input_std} of every
 *                     input feature (e.g. MNIST's 0.1307 and 0.3081), instead of {@code normalize}'s per-feature
 *                     standardisation, which must then be false; null (absent) for none
 * @param inputStd     see {@code inputMean}; > 0
 */
public record MlpConfig(@JsonProperty("hidden") int[] hidden,
                        @JsonProperty("epochs") int epochs,
                        @JsonProperty("batch_size") int batchSize,
                        @JsonProperty("lr") double lr,
                        @JsonProperty("momentum") double momentum,
                        @JsonProperty("weight_decay") double weightDecay,
                        @JsonProperty("schedule") Schedule schedule,
                        @JsonProperty("normalize") boolean normalize,
                        @JsonProperty("mode") Mode mode,
                        @JsonProperty("group") int group,
                        @JsonProperty("data_order") Sharing dataOrder,
                        @JsonProperty("init") Sharing init,
                        @JsonProperty("dropout") @JsonInclude(JsonInclude.Include.NON_NULL) Double dropout,
                        @JsonProperty("input_mean") @JsonInclude(JsonInclude.Include.NON_NULL) Double inputMean,
                        @JsonProperty("input_std") @JsonInclude(JsonInclude.Include.NON_NULL) Double inputStd) {

    /** The learning-rate schedule over all steps: cosine decay, linear decay to 0, or constant. */
    public enum Schedule {
        COSINE, LINEAR, CONSTANT;

        /** The name configs use: {@code cosine}, {@code linear}, {@code constant}. */
        @JsonValue
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads {@code cosine}, {@code linear} or {@code constant}. */
        @JsonCreator
        public static Schedule of(String name) {
            return named("schedule", name, values());
        }
    }

    /** How models are batched: see the {@code mode} field. */
    public enum Mode {
        AUTO, GATHER, SHARED;

        /** The name configs use: {@code auto}, {@code gather}, {@code shared}. */
        @JsonValue
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads {@code auto}, {@code gather} or {@code shared}. */
        @JsonCreator
        public static Mode of(String name) {
            return named("mode", name, values());
        }
    }

    /** Whether a random choice (data order, initial weights) is each model's own or shared by all. */
    public enum Sharing {
        PER_MODEL, SHARED;

        /** The name configs use: {@code per_model}, {@code shared}. */
        @JsonValue
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads {@code per_model} or {@code shared}. */
        @JsonCreator
        public static Sharing of(String name) {
            return named("data_order and init", name, values());
        }
    }

    private static <E extends Enum<E>> E named(String field, String name, E[] values) {
        for (E e : values) {
            if (e.name().toLowerCase(Locale.ROOT).equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException(field + " must be one of " + java.util.Arrays.stream(values)
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got " + (name == null ? "null"
                : "'" + name + "'"));
    }

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
        required("schedule", schedule);
        required("mode", mode);
        required("data_order", dataOrder);
        required("init", init);
        if (group < 1) {
            throw new IllegalArgumentException("group must be >= 1, got " + group);
        }
        if (dropout != null && !(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (dropout != null && dropout > 0 && hidden.length == 0) {
            throw new IllegalArgumentException("dropout: expected no dropout for softmax regression (no hidden layer), "
                    + "got " + dropout);
        }
        if ((inputMean == null) != (inputStd == null)) {
            throw new IllegalArgumentException("input_mean and input_std: expected both or neither, got "
                    + (inputMean == null ? "input_std only" : "input_mean only"));
        }
        if (inputMean != null) {
            if (!Double.isFinite(inputMean) || !(inputStd > 0) || Double.isInfinite(inputStd)) {
                throw new IllegalArgumentException("input_std must be > 0 and finite and input_mean finite, got "
                        + inputMean + " and " + inputStd);
            }
            if (normalize) {
                throw new IllegalArgumentException("normalize: expected false with the fixed normalisation input_mean"
                        + " / input_std, got true (the two normalisations contradict each other)");
            }
        }
    }

    /** The config without dropout and fixed normalisation, as before those fields existed. */
    public MlpConfig(int[] hidden, int epochs, int batchSize, double lr, double momentum, double weightDecay,
                     Schedule schedule, boolean normalize, Mode mode, int group, Sharing dataOrder, Sharing init) {
        this(hidden, epochs, batchSize, lr, momentum, weightDecay, schedule, normalize, mode, group, dataOrder, init,
                null, null, null);
    }

    /** The dropout probability in effect (0 where unset). */
    public double dropoutRate() {
        return dropout == null ? 0 : dropout;
    }

    private static void required(String field, Object v) {
        if (v == null) {
            throw new IllegalArgumentException(field + ": required field is missing");
        }
    }

    /** The default MLP: one hidden layer of 64 (784-64-10 on Fashion-MNIST). */
    public static MlpConfig mlp() {
        return new MlpConfig(new int[]{64}, 10, 128, 0.05, 0.9, 5e-4, Schedule.COSINE, true, Mode.AUTO, 16,
                Sharing.PER_MODEL, Sharing.PER_MODEL);
    }

    /** The default softmax regression. */
    public static MlpConfig softmax() {
        return new MlpConfig(new int[0], 10, 128, 0.01, 0.9, 5e-4, Schedule.COSINE, true, Mode.AUTO, 16,
                Sharing.PER_MODEL, Sharing.PER_MODEL);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** A copy with {@code mode} replaced. */
    public MlpConfig withMode(Mode m) {
        return new MlpConfig(hidden, epochs, batchSize, lr, momentum, weightDecay, schedule, normalize, m, group,
                dataOrder, init, dropout, inputMean, inputStd);
    }

    /** A copy with {@code epochs} replaced. */
    public MlpConfig withEpochs(int e) {
        return new MlpConfig(hidden, e, batchSize, lr, momentum, weightDecay, schedule, normalize, mode, group,
                dataOrder, init, dropout, inputMean, inputStd);
    }

    /** The learning rate multiplier at step {@code t} of {@code total}. */
    double lrFactor(long t, long total) {
        double f = total <= 1 ? 0 : (double) t / total;
        return switch (schedule) {
            case COSINE -> 0.5 * (1 + Math.cos(Math.PI * f));
            case LINEAR -> 1 - f;
            case CONSTANT -> 1;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpConfig c && Arrays.equals(hidden, c.hidden) && epochs == c.epochs
                && batchSize == c.batchSize && lr == c.lr && momentum == c.momentum && weightDecay == c.weightDecay
                && schedule == c.schedule && normalize == c.normalize && mode == c.mode && group == c.group
                && dataOrder == c.dataOrder && init == c.init && java.util.Objects.equals(dropout, c.dropout)
                && java.util.Objects.equals(inputMean, c.inputMean) && java.util.Objects.equals(inputStd, c.inputStd);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hidden) * 31 + java.util.Objects.hash(epochs, batchSize, lr, momentum, weightDecay,
                schedule, normalize, mode, group, dataOrder, init, dropout, inputMean, inputStd);
    }

    @Override
    public String toString() {
        return "MlpConfig[hidden=" + Arrays.toString(hidden) + ", epochs=" + epochs + ", batch_size=" + batchSize
                + ", lr=" + lr + ", momentum=" + momentum + ", weight_decay=" + weightDecay + ", schedule="
                + schedule.jsonName() + ", normalize=" + normalize + ", mode=" + mode.jsonName() + ", group=" + group
                + ", data_order=" + dataOrder.jsonName() + ", init=" + init.jsonName()
                + (dropout == null ? "" : ", dropout=" + dropout)
                + (inputMean == null ? "" : ", input_mean=" + inputMean + ", input_std=" + inputStd) + "]";
    }
}
