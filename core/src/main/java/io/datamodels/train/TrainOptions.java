package io.datamodels.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.Json;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * How {@link Training} fills a store's rows: which learner with which config fields, how many threads and retries,
 * which root seed, which kernels, and what to record as the command in {@code train.json}'s provenance. Every
 * default is defined here, once; build with {@link #builder(LearnerKind)} and override only what matters:
 * <pre>{@code
 * TrainOptions o = TrainOptions.builder(LearnerKind.SOFTMAX).set("epochs", 5).threads(4).build();
 * }</pre>
 *
 * @param learner the learner kind
 * @param config  learner config fields over the learner's defaults (a JSON object; empty for the defaults); the
 *                resolved config is recorded in {@code train.json}
 * @param threads worker threads, >= 1 (default: the available processors)
 * @param retries extra attempts for a failed model, >= 0 (default {@link #DEFAULT_RETRIES})
 * @param seed    the root seed passed to every model's task; empty (the default) for the seed the store's
 *                {@code store.json} records, 0 for a store without one
 * @param gemm    the built-in learners' matrix product (default {@link Kernels#gemm()})
 * @param narrow  the built-in learners' narrow-layer kernel (default {@link NarrowLinear#choose()})
 * @param command what started the training, recorded in {@code train.json}'s provenance (default
 *                {@link #DEFAULT_COMMAND})
 */
public record TrainOptions(LearnerKind learner, ObjectNode config, int threads, int retries, OptionalLong seed,
                           Gemm gemm, NarrowLinear narrow, String command) {
    /** Extra attempts for a failed model unless set. */
    public static final int DEFAULT_RETRIES = 2;
    /** The command recorded in provenance unless set: a call of this library's API. */
    public static final String DEFAULT_COMMAND = "io.datamodels.train.Training (Java API)";

    public TrainOptions {
        Objects.requireNonNull(learner, "learner");
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(gemm, "gemm");
        Objects.requireNonNull(narrow, "narrow");
        Objects.requireNonNull(command, "command");
        if (config == null) {
            throw new IllegalArgumentException("config: expected a JSON object of learner config fields, got null");
        }
        config = config.deepCopy();
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
    }

    /** The config fields (a copy: the options do not change). */
    @Override
    public ObjectNode config() {
        return config.deepCopy();
    }

    /** Options for {@code learner} with every default. */
    public static Builder builder(LearnerKind learner) {
        return new Builder(learner);
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder(learner).config(config).threads(threads).retries(retries).gemm(gemm).narrow(narrow)
                .command(command);
        seed.ifPresent(b::seed);
        return b;
    }

    /** Builds {@link TrainOptions}; each setter replaces a default. */
    public static final class Builder {
        private final LearnerKind learner;
        private ObjectNode config = Json.object();
        private int threads = Runtime.getRuntime().availableProcessors();
        private int retries = DEFAULT_RETRIES;
        private OptionalLong seed = OptionalLong.empty();
        private Gemm gemm;
        private NarrowLinear narrow;
        private String command = DEFAULT_COMMAND;

        private Builder(LearnerKind learner) {
            this.learner = Objects.requireNonNull(learner, "learner");
        }

        /**
         * Replaces the config fields by those of {@code fields}, a JSON object (e.g. {@code {"epochs": 5}}); the
         * learner's defaults fill the rest.
         *
         * @throws IllegalArgumentException if {@code fields} is not a JSON object
         */
        public Builder config(JsonNode fields) {
            if (fields == null || !fields.isObject()) {
                throw new IllegalArgumentException("config: expected a JSON object of learner config fields, got "
                        + (fields == null ? "null" : fields.getNodeType()));
            }
            config = ((ObjectNode) fields).deepCopy();
            return this;
        }

        /** Sets one config field, e.g. {@code set("epochs", 5)} or {@code set("hidden", new int[]{128, 64})}. */
        public Builder set(String field, Object value) {
            config.set(Objects.requireNonNull(field, "field"), Json.tree(value));
            return this;
        }

        /** Worker threads, >= 1. */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Extra attempts for a failed model, >= 0. */
        public Builder retries(int retries) {
            this.retries = retries;
            return this;
        }

        /** The root seed of every model's task, instead of the one the store records. */
        public Builder seed(long seed) {
            this.seed = OptionalLong.of(seed);
            return this;
        }

        /** The matrix product of the built-in learners. */
        public Builder gemm(Gemm gemm) {
            this.gemm = Objects.requireNonNull(gemm, "gemm");
            return this;
        }

        /** The narrow-layer kernel of the built-in learners. */
        public Builder narrow(NarrowLinear narrow) {
            this.narrow = Objects.requireNonNull(narrow, "narrow");
            return this;
        }

        /** What started the training, for provenance (e.g. a command line). */
        public Builder command(String command) {
            this.command = Objects.requireNonNull(command, "command");
            return this;
        }

        /**
         * The options; kernels not set are chosen now.
         *
         * @throws IllegalArgumentException naming the first value out of range
         */
        public TrainOptions build() {
            return new TrainOptions(learner, config, threads, retries, seed, gemm != null ? gemm : Kernels.gemm(),
                    narrow != null ? narrow : NarrowLinear.choose(), command);
        }
    }
}
