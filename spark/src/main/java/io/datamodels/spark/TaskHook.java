package io.datamodels.spark;

import java.io.Serializable;

/**
 * Called on the executor each time a task has stored models; the failure tests throw from it to kill a task at a
 * chosen point. Runs on the training threads.
 */
@FunctionalInterface
public interface TaskHook extends Serializable {
    /** Does nothing. */
    TaskHook NONE = (from, to, attempt, count) -> { };

    /**
     * {@code count} more models of the task for rows {@code [from, to)} were stored (their rows completed) by its
     * attempt number {@code attempt} (Spark's {@code TaskContext.attemptNumber()}, 0 for the first; 0 outside Spark).
     *
     * @throws RuntimeException to fail the task attempt
     */
    void stored(long from, long to, int attempt, int count);
}
