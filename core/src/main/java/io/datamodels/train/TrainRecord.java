package io.datamodels.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code train.json} in a store: the learner and config that fill its rows, the kernel, and the provenance of the
 * first training run. Every later run on the store must use the same learner and config, so that all rows come from
 * one experiment.
 *
 * @param learner    the learner (its JSON name, e.g. "softmax")
 * @param config     its config as JSON
 * @param kernel     dense kernel of the first run
 * @param provenance versions, command and time of the first run
 */
public record TrainRecord(@JsonProperty("learner") LearnerKind learner,
                          @JsonProperty("config") JsonNode config,
                          @JsonProperty("kernel") String kernel,
                          @JsonProperty("provenance") Provenance provenance) {
    public static final String FILE = "train.json";

    @JsonCreator
    public TrainRecord {
        if (learner == null || config == null) {
            throw new IllegalArgumentException("learner and config: required fields are missing");
        }
    }

    /**
     * Writes this record into {@code store} if it has none; otherwise checks that the recorded learner and config
     * equal this one's.
     *
     * @return the recorded kernel where it differs from this run's (outputs may then differ in the last bits), else
     *     null
     * @throws StoreException naming the field that differs
     */
    public String recordOrCheck(Store store) throws IOException {
        Path f = store.dir().resolve(FILE);
        // Of runners starting together, one records; the others check against its record.
        if (AtomicFiles.writeStringOnce(f, Json.write(this))) {
            return null;
        }
        TrainRecord old = Json.read(f, TrainRecord.class);
        if (old.learner != learner) {
            throw new StoreException(FILE + ": learner: expected '" + old.learner + "' (the store's rows so far), got '"
                    + learner + "'; use a new store for another learner");
        }
        JsonNode was = old.config;
        if (was.isObject() && !was.has(Learners.RUNS_PER_MASK)) {
            // recorded before runs_per_mask existed: those rows are single runs
            was = ((com.fasterxml.jackson.databind.node.ObjectNode) was.deepCopy()).put(Learners.RUNS_PER_MASK, 1);
        }
        if (!was.equals(Json.parseTree(FILE, config.toString()))) {
            throw new StoreException(FILE + ": config: expected " + old.config + " (the store's rows so far), got "
                    + config + "; use a new store for another config");
        }
        return old.kernel.equals(kernel) ? null : old.kernel;
    }
}
