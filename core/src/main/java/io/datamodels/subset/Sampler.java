package io.datamodels.subset;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How {@link Sampling} draws a subset: by the name {@code store.json} and configs use ({@link Sampling#sampler()}). */
public enum Sampler {
    /** Each example in independently with probability alpha. */
    BERNOULLI(Sampling.BERNOULLI),
    /** Exactly floor(alpha * m) examples, uniformly without replacement. */
    EXACT(Sampling.EXACT);

    private final String jsonName;

    Sampler(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in JSON and on the command line: "bernoulli" or "exact". */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }

    /**
     * The sampler named {@code name}, in any case, as {@link Sampling} reads it.
     *
     * @throws IllegalArgumentException "sampler must be one of [bernoulli, exact], got 'NAME'"
     */
    @JsonCreator
    public static Sampler of(String name) {
        for (Sampler s : values()) {
            if (name != null && s.jsonName.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("sampler must be one of " + names() + ", got '" + name + "'");
    }

    /** Every name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Sampler::jsonName).toList();
    }

    /** The JSON name. */
    @Override
    public String toString() {
        return jsonName;
    }
}
