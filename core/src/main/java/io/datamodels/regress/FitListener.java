package io.datamodels.regress;

/** Progress of a fit: the number of targets, each target whose path and refit finished, and the phases. */
public interface FitListener {
    /** A listener that ignores everything. */
    FitListener NONE = new FitListener() {
    };

    /** The fit of {@code targets} targets starts. */
    default void started(int targets) {
    }

    /** One more target's path and refit finished. */
    default void targetDone() {
    }

    /** A phase starts, named in a few words. */
    default void phase(String name) {
    }
}
