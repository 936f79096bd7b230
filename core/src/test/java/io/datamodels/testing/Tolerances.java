package io.datamodels.testing;

/** The comparison tolerances of every test, defined once. */
public final class Tolerances {
    /** Absolute tolerance for double results. */
    public static final double DOUBLE = 1e-10;
    /** Absolute tolerance for float results. */
    public static final double FLOAT = 1e-4;

    private Tolerances() {
    }
}
