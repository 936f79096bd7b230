package io.datamodels.learn;

import java.util.Map;

/** What training one model gave: its output rows by store key, or why it failed. */
public sealed interface Outcome {
    /** The model trained; {@code outputs} maps store keys to rows (float[], boolean[], ...). */
    record Ok(Map<String, Object> outputs) implements Outcome {
    }

    /** The model failed; {@code reason} is one line. */
    record Failed(String reason) implements Outcome {
    }
}
