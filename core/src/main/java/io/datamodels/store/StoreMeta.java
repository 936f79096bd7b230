package io.datamodels.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.Provenance;
import io.datamodels.subset.Sampling;

/**
 * Our own {@code store.json} beside MadryLab's {@code spec.json}: how the subsets were drawn, which data the model
 * indices refer to, and what created the store. A store written by the Python tool has none; it still opens.
 *
 * @param format     "datamodels-store/1"
 * @param sampling   subset sampler, alpha, root seed and train-set size
 * @param dataset    the data source and selections, with content fingerprints
 * @param provenance versions, JDK, OS, command and time of creation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoreMeta(@JsonProperty("format") String format,
                        @JsonProperty("sampling") Sampling sampling,
                        @JsonProperty("dataset") DatasetRef dataset,
                        @JsonProperty("provenance") Provenance provenance) {
    public static final String FORMAT = "datamodels-store/1";

    @JsonCreator
    public StoreMeta {
        if (format == null) {
            throw new IllegalArgumentException("format: required field is missing");
        }
        if (!format.equals(FORMAT)) {
            throw new IllegalArgumentException("format: expected '" + FORMAT + "', got '" + format + "'");
        }
    }

    /**
     * Which examples the mask columns and the target outputs refer to.
     *
     * @param source             the dataset spec (format, path, split) as JSON
     * @param train              the train selection, e.g. "5000" (first 5000) or "0:5000"
     * @param targets            the target selection, from the target split
     * @param targetSource       the target dataset spec, where it differs from {@code source}'s split
     * @param trainSize          selected training examples m (mask length)
     * @param targetCount        selected targets T
     * @param trainFingerprint   SHA-256 of the selected training data
     * @param targetsFingerprint SHA-256 of the selected targets
     * @param sourceAsGiven      {@code source} with its path as given to {@code init} (perhaps relative to the
     *                           folder it ran in), where that differs: provenance only; {@code source} holds the
     *                           absolute path that is used
     * @param targetSourceAsGiven the same for {@code target_source}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DatasetRef(@JsonProperty("source") JsonNode source,
                             @JsonProperty("train") String train,
                             @JsonProperty("target_source") JsonNode targetSource,
                             @JsonProperty("targets") String targets,
                             @JsonProperty("train_size") int trainSize,
                             @JsonProperty("target_count") int targetCount,
                             @JsonProperty("train_fingerprint") String trainFingerprint,
                             @JsonProperty("targets_fingerprint") String targetsFingerprint,
                             @JsonProperty("source_as_given") JsonNode sourceAsGiven,
                             @JsonProperty("target_source_as_given") JsonNode targetSourceAsGiven) {
        @JsonCreator
        public DatasetRef {
        }

        /** A reference without the as-given sources (paths recorded as they are). */
        public DatasetRef(JsonNode source, String train, JsonNode targetSource, String targets, int trainSize,
                          int targetCount, String trainFingerprint, String targetsFingerprint) {
            this(source, train, targetSource, targets, trainSize, targetCount, trainFingerprint, targetsFingerprint,
                    null, null);
        }
    }
}
