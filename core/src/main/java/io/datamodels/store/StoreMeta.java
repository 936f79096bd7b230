package io.datamodels.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Provenance;
import io.datamodels.data.DatasetRef;
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
}
