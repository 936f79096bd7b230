package io.datamodels.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.IndexRange;
import io.datamodels.regress.LassoConfig;

import java.util.List;

/**
 * One datamodels experiment, from data to evaluation, as {@code run} takes it (JSON, unknown fields are errors):
 *
 * @param data          training data spec, e.g. "idx:../shared/data/fashion-mnist" or "embedded"
 * @param targetData    target data spec (null: the test split of {@code data} where it has one)
 * @param train         training selection
 * @param targets       target selection
 * @param learner       mlp, softmax or external
 * @param learnerConfig learner config fields over its defaults (may be null)
 * @param sampler       bernoulli or exact
 * @param alpha         subset fraction
 * @param seed          root seed of the training store's masks and runs
 * @param models        models for fitting
 * @param heldOutModels models on fresh masks (seed + 1) for the LDS; 0 skips it
 * @param lambdas       LASSO path length
 * @param lambdaRatio   smallest lambda / lambda_max
 * @param valFraction   held-out fraction for choosing lambda
 * @param outlierZ      leave out models with outputs more than this many robust sd from the median (0: keep all)
 * @param counterfactual counterfactual settings, null to skip
 * @param support       support settings, null to skip
 * @param threads       worker threads (null: all cores)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentConfig(@JsonProperty("data") String data,
                               @JsonProperty("target_data") String targetData,
                               @JsonProperty("train") String train,
                               @JsonProperty("targets") String targets,
                               @JsonProperty("learner") String learner,
                               @JsonProperty("learner_config") JsonNode learnerConfig,
                               @JsonProperty("sampler") String sampler,
                               @JsonProperty("alpha") double alpha,
                               @JsonProperty("seed") long seed,
                               @JsonProperty("models") long models,
                               @JsonProperty("held_out_models") long heldOutModels,
                               @JsonProperty("lambdas") int lambdas,
                               @JsonProperty("lambda_ratio") double lambdaRatio,
                               @JsonProperty("val_fraction") double valFraction,
                               @JsonProperty("outlier_z") double outlierZ,
                               @JsonProperty("counterfactual") CounterfactualConfig counterfactual,
                               @JsonProperty("support") SupportConfig support,
                               @JsonProperty("threads") Integer threads) {

    @JsonCreator
    public ExperimentConfig {
        if (data == null) {
            throw new IllegalArgumentException("data: required field is missing");
        }
        if (learner == null) {
            throw new IllegalArgumentException("learner: required field is missing");
        }
        train = train == null ? "all" : train;
        targets = targets == null ? "all" : targets;
        sampler = sampler == null ? "bernoulli" : sampler;
        if (models < 3) {
            throw new IllegalArgumentException("models must be >= 3, got " + models);
        }
        if (heldOutModels < 0 || heldOutModels == 1 || heldOutModels == 2) {
            throw new IllegalArgumentException("held_out_models must be 0 or >= 3, got " + heldOutModels);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        LassoConfig.checkOutlierZ(outlierZ);
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    /** Counterfactual stage: targets as a range of the fitted targets, removal sizes, base set, retrains. */
    public record CounterfactualConfig(@JsonProperty("targets") String targets,
                                       @JsonProperty("k") List<Integer> k,
                                       @JsonProperty("base") String base,
                                       @JsonProperty("retrains") int retrains) {
        private static final String TARGETS = "counterfactual.targets";

        @JsonCreator
        public CounterfactualConfig {
            if (targets == null || k == null || k.isEmpty()) {
                throw new IllegalArgumentException("counterfactual: targets and k are required");
            }
            IndexRange.parse(TARGETS, targets); // refused now, not after training and fitting
            base = base == null ? "full" : base;
        }

        /** The targets, as indices into the fitted range. */
        public int[] targetIndices() {
            return IndexRange.parse(TARGETS, targets).indices();
        }
    }

    /** Support stage: targets as a range, largest removal, report grid, base set (default random), retrains. */
    public record SupportConfig(@JsonProperty("targets") String targets,
                                @JsonProperty("max_k") int maxK,
                                @JsonProperty("grid") List<Integer> grid,
                                @JsonProperty("base") String base,
                                @JsonProperty("retrains") int retrains) {
        private static final String TARGETS = "support.targets";

        @JsonCreator
        public SupportConfig {
            if (targets == null || grid == null || grid.isEmpty()) {
                throw new IllegalArgumentException("support: targets and grid are required");
            }
            IndexRange.parse(TARGETS, targets); // refused now, not after training and fitting
            base = base == null ? "random" : base;
        }

        /** The targets, as indices into the fitted range. */
        public int[] targetIndices() {
            return IndexRange.parse(TARGETS, targets).indices();
        }
    }
}
