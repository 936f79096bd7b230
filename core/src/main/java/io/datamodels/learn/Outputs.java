package io.datamodels.learn;

import io.datamodels.store.OutputKey;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-model outputs the built-in learners can write, by store key, with the shape each has in a store
 * ({@code T} targets, {@code C} classes):
 * <ul>
 *   <li>{@code margins} float32[T]: the correct-class logit minus the largest other logit (Ilyas et al. 2022);</li>
 *   <li>{@code logits} float32[T, C];</li>
 *   <li>{@code probs} float32[T]: softmax probability of the correct class;</li>
 *   <li>{@code correct} bool[T]: the arg-max is the correct class;</li>
 *   <li>{@code losses} float32[T]: cross-entropy of the correct class;</li>
 *   <li>{@code logodds} float32[T]: log-odds of the correct class, {@code log(p / (1 - p))} = its logit minus the
 *   log-sum-exp of the other logits (TRAK's model output; a smooth margin, and a decreasing function of the loss, so
 *   it ranks models exactly as minus the loss does);</li>
 *   <li>{@code train_accuracy} float32[] and {@code train_loss} float32[]: on the model's own training subset.</li>
 * </ul>
 */
public final class Outputs {
    public static final String MARGINS = "margins";
    public static final String LOGITS = "logits";
    public static final String PROBS = "probs";
    public static final String CORRECT = "correct";
    public static final String LOSSES = "losses";
    public static final String LOGODDS = "logodds";
    public static final String TRAIN_ACCURACY = "train_accuracy";
    public static final String TRAIN_LOSS = "train_loss";

    /** Every key with its {@code NAME=DTYPE[DIMS]} form for {@code init --output}. */
    public static final Map<String, String> ALL;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MARGINS, "margins=float32[T]");
        m.put(LOGITS, "logits=float32[T,C]");
        m.put(PROBS, "probs=float32[T]");
        m.put(CORRECT, "correct=bool_[T]");
        m.put(LOSSES, "losses=float32[T]");
        m.put(LOGODDS, "logodds=float32[T]");
        m.put(TRAIN_ACCURACY, "train_accuracy=float32[]");
        m.put(TRAIN_LOSS, "train_loss=float32[]");
        ALL = java.util.Collections.unmodifiableMap(m);
    }

    /** The outputs a store gets by default: margins plus each model's training accuracy and loss. */
    public static final List<String> DEFAULT = List.of(MARGINS, TRAIN_ACCURACY, TRAIN_LOSS);

    private Outputs() {
    }

    /** The {@code init} output keys for the given names. */
    public static List<OutputKey> keys(List<String> names) {
        return names.stream().map(n -> {
            String form = ALL.get(n);
            if (form == null) {
                throw new IllegalArgumentException("output must be one of " + ALL.keySet() + ", got '" + n + "'");
            }
            return OutputKey.parse(form);
        }).toList();
    }

    /** Every key name. */
    public static Set<String> names() {
        return ALL.keySet();
    }
}
