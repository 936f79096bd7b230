package io.datamodels.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.store.npy.DType;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The schema of a store, exactly as MadryLab's {@code datamodels} writes {@code spec.json}:
 * {@code {"num_models": N, "schema": {KEY: {"shape": [...], "dtype": NAME}}}}. Key {@code KEY} lives in
 * {@code KEY.npy} with shape {@code (N, *shape)}.
 *
 * @param numModels number of model rows N
 * @param schema    per-key row shape and dtype, in file order
 */
public record StoreSpec(@JsonProperty("num_models") Long numModels,
                        @JsonProperty("schema") Map<String, KeySpec> schema) {

    /** The name of the completion-flag file's key; it is not part of {@link #schema()}. */
    public static final String COMPLETED = "_completed";

    @JsonCreator
    public StoreSpec {
        if (numModels == null) {
            throw new IllegalArgumentException("num_models: required field is missing");
        }
        if (numModels < 0) {
            throw new IllegalArgumentException("num_models: expected >= 0, got " + numModels);
        }
        if (schema == null) {
            throw new IllegalArgumentException("schema: required field is missing");
        }
        for (Map.Entry<String, KeySpec> e : schema.entrySet()) {
            String k = e.getKey();
            if (!k.matches("[A-Za-z0-9][A-Za-z0-9_.-]*") || k.equals(COMPLETED)) {
                throw new IllegalArgumentException("schema: key names must match [A-Za-z0-9][A-Za-z0-9_.-]* and not be "
                        + COMPLETED + ", got '" + k + "'");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("schema." + k + ": expected {\"shape\": [...], \"dtype\": ...}, got null");
            }
        }
        schema = Collections.unmodifiableMap(new LinkedHashMap<>(schema));
    }

    /**
     * Where an open store's spec came from, recorded by {@code info} and in a fit's provenance: the store's own
     * {@code spec.json} ({@link #STORE}); a spec file outside the store ({@link #FILE}), as MadryLab's
     * {@code initialize_store --logging.spec=FILE} reads it from wherever the user keeps it; or none at all
     * ({@link #INFERRED}): the number of models from {@code _completed.npy}, one key per other {@code .npy}, its row
     * shape and dtype from the file's header.
     *
     * @param kind {@link #STORE}, {@link #FILE} or {@link #INFERRED}
     * @param file the spec file's absolute path for {@link #FILE}, else null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(@JsonProperty("kind") String kind, @JsonProperty("file") String file) {
        public static final String STORE = "store";
        public static final String FILE = "file";
        public static final String INFERRED = "inferred";

        @JsonCreator
        public Source {
            if (!STORE.equals(kind) && !FILE.equals(kind) && !INFERRED.equals(kind)) {
                throw new IllegalArgumentException("kind: expected one of " + STORE + ", " + FILE + ", " + INFERRED
                        + ", got " + kind);
            }
            if (FILE.equals(kind) != (file != null)) {
                throw new IllegalArgumentException("file: expected a path exactly when kind is " + FILE + ", got "
                        + file);
            }
        }

        /** One line for people, e.g. {@code spec.json in the store}. */
        public String describe() {
            return switch (kind) {
                case STORE -> "spec.json in the store";
                case FILE -> file + " (outside the store)";
                default -> "inferred from the .npy headers (no spec.json)";
            };
        }
    }

    /** The shape and dtype of one key's rows. */
    public record KeySpec(@JsonProperty("shape") long[] shape, @JsonProperty("dtype") String dtype) {
        @JsonCreator
        public KeySpec {
            if (shape == null) {
                throw new IllegalArgumentException("shape: required field is missing");
            }
            if (dtype == null) {
                throw new IllegalArgumentException("dtype: required field is missing");
            }
            shape = shape.clone();
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("shape: expected non-negative dimensions, got "
                            + Arrays.toString(shape));
                }
            }
            DType.fromName(dtype);
        }

        /** A key of {@code dtype} with row shape {@code shape}. */
        public static KeySpec of(DType dtype, long... shape) {
            return new KeySpec(shape, dtype.numpyName());
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The parsed dtype. */
        public DType type() {
            return DType.fromName(dtype);
        }

        /** Elements per row. */
        public long rowElements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeySpec k && Arrays.equals(shape, k.shape) && type() == k.type();
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape) * 31 + type().hashCode();
        }

        @Override
        public String toString() {
            return type().numpyName() + Arrays.toString(shape);
        }
    }
}
