package io.datamodels.train;

import io.datamodels.learn.Outputs;
import io.datamodels.store.OutputKey;
import io.datamodels.subset.Sampler;

import java.util.List;
import java.util.Objects;

/**
 * How {@link StoreInit} makes a store: how many models, how their subsets are drawn, which outputs each model
 * writes, and what to record as the command in {@code store.json}'s provenance. Every default is defined here, once;
 * build with {@link #builder(long)}:
 * <pre>{@code
 * InitOptions o = InitOptions.builder(1000).alpha(0.5).seed(7).build();
 * }</pre>
 *
 * @param models  number of models (rows), >= 1
 * @param sampler how subsets are drawn (default {@link Sampler#BERNOULLI})
 * @param alpha   subset fraction in (0, 1) (default {@link #DEFAULT_ALPHA})
 * @param seed    root seed of every mask (default {@link #DEFAULT_SEED})
 * @param outputs output keys besides the masks (default {@link Outputs#DEFAULT}: margins, train_accuracy,
 *                train_loss)
 * @param replace replace an existing store at the folder (default false: an existing folder is an error)
 * @param command what made the store, for provenance (default {@link #DEFAULT_COMMAND})
 */
public record InitOptions(long models, Sampler sampler, double alpha, long seed, List<OutputKey> outputs,
                          boolean replace, String command) {
    /** Subset fraction unless set. */
    public static final double DEFAULT_ALPHA = 0.5;
    /** Root seed unless set. */
    public static final long DEFAULT_SEED = 0;
    /** The command recorded in provenance unless set: a call of this library's API. */
    public static final String DEFAULT_COMMAND = "io.datamodels.train.StoreInit (Java API)";

    public InitOptions {
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(command, "command");
        if (models < 1) {
            throw new IllegalArgumentException("models must be >= 1, got " + models);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
    }

    /** Options for {@code models} models with every default. */
    public static Builder builder(long models) {
        return new Builder(models);
    }

    /** Builds {@link InitOptions}; each setter replaces a default. */
    public static final class Builder {
        private final long models;
        private Sampler sampler = Sampler.BERNOULLI;
        private double alpha = DEFAULT_ALPHA;
        private long seed = DEFAULT_SEED;
        private List<OutputKey> outputs = Outputs.keys(Outputs.DEFAULT);
        private boolean replace;
        private String command = DEFAULT_COMMAND;

        private Builder(long models) {
            this.models = models;
        }

        /** How subsets are drawn. */
        public Builder sampler(Sampler sampler) {
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /** Subset fraction in (0, 1). */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Root seed of every mask. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Output keys besides the masks, e.g. {@code Outputs.keys(List.of("margins", "correct"))}. */
        public Builder outputs(List<OutputKey> outputs) {
            this.outputs = Objects.requireNonNull(outputs, "outputs");
            return this;
        }

        /** Replace an existing store at the folder. */
        public Builder replace(boolean replace) {
            this.replace = replace;
            return this;
        }

        /** What made the store, for provenance (e.g. a command line). */
        public Builder command(String command) {
            this.command = Objects.requireNonNull(command, "command");
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException naming the first value out of range
         */
        public InitOptions build() {
            return new InitOptions(models, sampler, alpha, seed, outputs, replace, command);
        }
    }
}
