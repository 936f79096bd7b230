package io.datamodels.attribute;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** An attribution method of {@link Attributor}, by the name the command line and {@code attribute.json} use. */
public enum Method {
    /** TRAK (Park et al. 2023): projected gradients, the kernel (Phi^T Phi + lambda I)^-1, the Q = 1 - p term. */
    TRAK("trak"),
    /** Influence functions (Koh and Liang 2017): -grad f_t^T H^-1 grad loss_i / n. */
    INFLUENCE("influence"),
    /** The gradient dot product -grad f_t . grad loss_i: one SGD step's first-order effect, the cheapest baseline. */
    GRADIENT_DOT("gradient-dot");

    private final String jsonName;

    Method(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name on the command line and in JSON: "trak", "influence" or "gradient-dot". */
    public String jsonName() {
        return jsonName;
    }

    /**
     * The method named {@code name}.
     *
     * @throws IllegalArgumentException "method must be one of [trak, influence, gradient-dot], got 'NAME'"
     */
    public static Method of(String name) {
        for (Method m : values()) {
            if (m.jsonName.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("method must be one of " + names() + ", got '" + name + "'");
    }

    /** Every name. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Method::jsonName).toList();
    }

    @Override
    public String toString() {
        return jsonName;
    }
}
