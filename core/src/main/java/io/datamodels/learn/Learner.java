package io.datamodels.learn;

import java.util.List;
import java.util.Set;

/**
 * Trains models on subsets of one training set and reports their outputs on fixed targets: the second step of
 * datamodels (Ilyas et al. 2022). An instance is bound to its data and config; {@link #train} may be called from
 * several threads at once with disjoint tasks.
 */
public interface Learner extends AutoCloseable {
    /** Short name recorded in provenance. */
    String name();

    /** The store keys this learner can fill (the store may ask for a subset). */
    Set<String> outputKeys();

    /** How many models one {@link #train} call handles best; the runner passes at most this many. */
    default int preferredBatch() {
        return 1;
    }

    /**
     * Trains one model per task and returns one outcome per task, in order. A failing model yields
     * {@link Outcome.Failed} and does not affect the others.
     *
     * @param tasks the models to train
     * @param keys  the store keys to produce, a subset of {@link #outputKeys()}
     */
    List<Outcome> train(List<ModelTask> tasks, Set<String> keys);

    /** Releases what the learner holds between calls (an external learner's worker processes); no-op by default. */
    @Override
    default void close() {
    }
}
