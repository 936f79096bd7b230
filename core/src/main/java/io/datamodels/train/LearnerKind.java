package io.datamodels.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.List;

/**
 * The learners a store can be trained with, by the name that configs, {@code train.json} and the command line use:
 * {@code mlp} (ReLU MLP), {@code softmax} (softmax regression; both {@link io.datamodels.learn.MlpLearner}) and
 * {@code external} (a user's training command, {@link io.datamodels.learn.ExternalLearner}).
 */
public enum LearnerKind {
    /** An MLP with at least one hidden layer. */
    MLP("mlp"),
    /** Softmax regression: no hidden layer. */
    SOFTMAX("softmax"),
    /** A user's training command or worker process. */
    EXTERNAL("external");

    private final String jsonName;

    LearnerKind(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in JSON and on the command line: "mlp", "softmax" or "external". */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }

    /** Every name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(LearnerKind::jsonName).toList();
    }

    /**
     * The kind named {@code name}, exactly.
     *
     * @throws IllegalArgumentException "learner must be one of [mlp, softmax, external], got 'NAME'"
     */
    @JsonCreator
    public static LearnerKind of(String name) {
        for (LearnerKind k : values()) {
            if (k.jsonName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("learner must be one of " + names() + ", got '" + name + "'");
    }

    /** The JSON name, so that messages read as the configs do. */
    @Override
    public String toString() {
        return jsonName;
    }
}
