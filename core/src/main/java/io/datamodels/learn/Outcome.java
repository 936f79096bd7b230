package io.datamodels.learn;

import java.util.Map;

/** What training one model gave: its output rows by store key, or why it failed. */
public sealed interface Outcome {
    /** The model trained; {@code outputs} maps store keys to rows (float[], boolean[], ...). */
    record Ok(Map<String, Object> outputs) implements Outcome {
    }

    /**
     * The model failed; {@code reason} is one line. {@code retryable} says whether another attempt may succeed
     * (a crash, a timeout, a full GPU) or would fail the same way (an output of the wrong dtype or shape, a NaN from
     * a seeded, deterministic training run); the runner retries only the former.
     */
    record Failed(String reason, boolean retryable) implements Outcome {
        /** A failure that another attempt may not repeat. */
        public Failed(String reason) {
            this(reason, true);
        }

        /** A failure that another attempt would repeat: the runner does not retry it. */
        public static Failed deterministic(String reason) {
            return new Failed(reason, false);
        }
    }
}
