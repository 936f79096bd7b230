package io.datamodels.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which examples a store's mask columns and target outputs refer to, with SHA-256 fingerprints of the selected data:
 * the {@code dataset} field of a store's {@code store.json}, also copied into a fit's {@code fit.json}. Made by
 * {@link DataBinding#load()}; {@link DataBinding#loadVerified} loads the data again and checks the fingerprints.
 *
 * @param source             the dataset spec (format, path, split) as JSON
 * @param train              the train selection, e.g. "5000" (first 5000) or "0:5000"
 * @param targets            the target selection, from the target split
 * @param targetSource       the target dataset spec, where it differs from {@code source}'s split
 * @param trainSize          selected training examples m (mask length)
 * @param targetCount        selected targets T
 * @param trainFingerprint   SHA-256 of the selected training data
 * @param targetsFingerprint SHA-256 of the selected targets
 * @param sourceAsGiven      {@code source} with its path as given when the store was made (perhaps relative to the
 *                           folder that ran in), where that differs: provenance only; {@code source} holds the
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
    /** The file of a store that records this reference (its {@code dataset} field), named in errors. */
    public static final String RECORDED_IN = "store.json";

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
