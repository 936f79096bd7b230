package io.datamodels.regress;

import io.datamodels.IndexRange;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.learn.Outputs;
import io.datamodels.store.Store;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Fitter#fit(Store, java.nio.file.Path, FitRequest)} fits and how; build one with {@link #builder()},
 * whose defaults are: masks key {@code masks}, outputs key {@code margins}, every target, every completed model,
 * {@link LassoConfig#defaults()}, the default kernel, no progress, no replacing of an existing output folder.
 *
 * @param masksKey   store key of the 0/1 masks (N x m)
 * @param outputsKey store key of the outputs (N x T)
 * @param targets    the target columns to fit; null: all
 * @param models     the store rows whose completed models are used; null: all
 * @param config     the regression settings
 * @param gemm       the dense kernel
 * @param force      replace an existing output folder
 * @param listener   progress
 * @param command    what made the fit, for the provenance in {@code fit.json}
 */
public record FitRequest(String masksKey, String outputsKey, IndexRange targets, IndexRange models,
                         LassoConfig config, Gemm gemm, boolean force, FitListener listener, String command) {
    /** The field name of {@link #targets} in messages. */
    public static final String TARGETS = "targets";
    /** The command recorded when the caller names none: a call of the library. */
    public static final String LIBRARY_CALL = "library call: io.datamodels.regress.Fitter.fit";

    public FitRequest {
        Objects.requireNonNull(masksKey, "masksKey");
        Objects.requireNonNull(outputsKey, "outputsKey");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(gemm, "gemm");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(command, "command");
    }

    /** The target range, when one was given. */
    public Optional<IndexRange> targetRange() {
        return Optional.ofNullable(targets);
    }

    /** The model (row) range, when one was given. */
    public Optional<IndexRange> modelRange() {
        return Optional.ofNullable(models);
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The request with every default. */
    public static FitRequest defaults() {
        return builder().build();
    }

    /** Builds a {@link FitRequest}; every setter replaces a default. */
    public static final class Builder {
        private String masksKey = Store.MASKS;
        private String outputsKey = Outputs.MARGINS;
        private IndexRange targets;
        private IndexRange models;
        private LassoConfig config;
        private Gemm gemm;
        private boolean force;
        private FitListener listener = FitListener.NONE;
        private String command = LIBRARY_CALL;

        private Builder() {
        }

        /** Store key of the masks (default {@code masks}). */
        public Builder masksKey(String key) {
            this.masksKey = key;
            return this;
        }

        /** Store key of the outputs (default {@code margins}). */
        public Builder outputsKey(String key) {
            this.outputsKey = key;
            return this;
        }

        /** Fit only target columns {@code [from, to)} of the outputs (default: all). */
        public Builder targets(IndexRange range) {
            this.targets = range;
            return this;
        }

        /** Use only the completed models among store rows {@code [from, to)} (default: all). */
        public Builder models(IndexRange range) {
            this.models = range;
            return this;
        }

        /** The regression settings (default {@link LassoConfig#defaults()}). */
        public Builder config(LassoConfig cfg) {
            this.config = cfg;
            return this;
        }

        /** The dense kernel (default {@link Kernels#gemm()}). */
        public Builder gemm(Gemm g) {
            this.gemm = g;
            return this;
        }

        /** Replace an existing output folder (default: refuse). */
        public Builder force(boolean replace) {
            this.force = replace;
            return this;
        }

        /** Progress (default: none). */
        public Builder listener(FitListener l) {
            this.listener = l;
            return this;
        }

        /** What made the fit, recorded in {@code fit.json}'s provenance (default {@link #LIBRARY_CALL}). */
        public Builder command(String cmd) {
            this.command = cmd;
            return this;
        }

        /** The request: the values set, the defaults for the rest. */
        public FitRequest build() {
            return new FitRequest(masksKey, outputsKey, targets, models,
                    config == null ? LassoConfig.defaults() : config, gemm == null ? Kernels.gemm() : gemm, force,
                    listener, command);
        }
    }
}
