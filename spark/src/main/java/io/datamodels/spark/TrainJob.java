package io.datamodels.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.TrainOptions;

import java.io.Serializable;

/**
 * What every task of a distributed training needs to rebuild the core's {@link TrainOptions} on its executor: plain
 * strings and numbers, so that Spark can ship it with the task.
 *
 * @param store   the store folder, absolute, as the executors see it (a shared file system)
 * @param learner the learner's name ({@link LearnerKind#jsonName()})
 * @param config  the learner config fields over the defaults, as a JSON object
 * @param threads training threads per task
 * @param retries extra attempts for a failed model, within a task
 * @param seed    the root seed, or null for the one the store records
 * @param command what started the job, for {@code train.json}'s provenance
 */
public record TrainJob(String store, String learner, String config, int threads, int retries, Long seed,
                       String command) implements Serializable {
    public TrainJob {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        LearnerKind.of(learner);
    }

    /** The core's options for this job; the kernels are the executor's defaults. */
    public TrainOptions options() throws java.io.IOException {
        JsonNode cfg = Json.parseTree("learner config", config);
        TrainOptions.Builder b = TrainOptions.builder(LearnerKind.of(learner)).config((ObjectNode) cfg)
                .threads(threads).retries(retries).command(command);
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }

}
