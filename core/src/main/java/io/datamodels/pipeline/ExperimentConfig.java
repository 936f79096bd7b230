package io.datamodels.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.IndexRange;
import io.datamodels.eval.Counterfactual;
import io.datamodels.eval.Support;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.train.InitOptions;
import io.datamodels.train.LearnerKind;

import java.util.List;

/**
 * One datamodels experiment, from data to evaluation, as {@code run} takes it (JSON, unknown fields are errors).
 * Every field is checked here, before any work starts; the optional ones take the defaults below (the regression's
 * from {@link LassoConfig#defaults()}), which is the only place they are defined.
 *
 * @param data          training data spec, e.g. "idx:../shared/data/fashion-mnist" or "embedded"
 * @param targetData    target data spec (null: the test split of {@code data} where it has one)
 * @param train         training selection
 * @param targets       target selection
 * @param learner       mlp, softmax or external (the JSON names of {@link LearnerKind})
 * @param learnerConfig learner config fields over its defaults (may be null)
 * @param sampler       bernoulli or exact
 * @param alpha         subset fraction (default 0.5)
 * @param seed          root seed of the training store's masks and runs (default 0)
 * @param models        models for fitting, at least {@link Fitter#MIN_MODELS}
 * @param heldOutModels models on fresh masks (seed + 1) for the LDS; 0 (the default) skips it
 * @param lambdas       LASSO path length (default 100)
 * @param lambdaRatio   smallest lambda / lambda_max (default 0.01)
 * @param valFraction   validation fraction of the models for choosing lambda (default 0.1)
 * @param outlierZ      leave out models with outputs more than this many robust sd from the median (default 0:
 *                      keep all)
 * @param counterfactual counterfactual settings, null to skip
 * @param support       support settings, null to skip
 * @param threads       worker threads (null: all cores)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentConfig(@JsonProperty("data") String data,
                               @JsonProperty("target_data") String targetData,
                               @JsonProperty("train") String train,
                               @JsonProperty("targets") String targets,
                               @JsonProperty("learner") LearnerKind learner,
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

    /** Default subset fraction: the stores' ({@link InitOptions#DEFAULT_ALPHA}). */
    public static final double DEFAULT_ALPHA = InitOptions.DEFAULT_ALPHA;
    /** Default root seed: the stores' ({@link InitOptions#DEFAULT_SEED}). */
    public static final long DEFAULT_SEED = InitOptions.DEFAULT_SEED;
    /** Default number of held-out models: none, so no LDS. */
    public static final long DEFAULT_HELD_OUT_MODELS = 0;
    /** Default retrained models per mask in the counterfactual and support stages. */
    public static final int DEFAULT_RETRAINS = 5;

    /** The fewest held-out models an LDS accepts. */
    public static final int MIN_HELD_OUT_MODELS = 3;

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
        if (models < Fitter.MIN_MODELS) {
            throw new IllegalArgumentException("models must be >= " + Fitter.MIN_MODELS + " (the fewest a fit "
                    + "accepts), got " + models);
        }
        if (heldOutModels < 0 || heldOutModels > 0 && heldOutModels < MIN_HELD_OUT_MODELS) {
            throw new IllegalArgumentException("held_out_models must be 0 or >= " + MIN_HELD_OUT_MODELS + ", got "
                    + heldOutModels);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        LassoConfig.defaults().with(lambdas, lambdaRatio, valFraction, seed).withOutlierZ(outlierZ); // checks each
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    /** Reads the JSON form: absent optional fields take their defaults, every field is checked. */
    @JsonCreator
    static ExperimentConfig fromJson(@JsonProperty("data") String data,
                                     @JsonProperty("target_data") String targetData,
                                     @JsonProperty("train") String train,
                                     @JsonProperty("targets") String targets,
                                     @JsonProperty("learner") LearnerKind learner,
                                     @JsonProperty("learner_config") JsonNode learnerConfig,
                                     @JsonProperty("sampler") String sampler,
                                     @JsonProperty("alpha") Double alpha,
                                     @JsonProperty("seed") Long seed,
                                     @JsonProperty("models") Long models,
                                     @JsonProperty("held_out_models") Long heldOutModels,
                                     @JsonProperty("lambdas") Integer lambdas,
                                     @JsonProperty("lambda_ratio") Double lambdaRatio,
                                     @JsonProperty("val_fraction") Double valFraction,
                                     @JsonProperty("outlier_z") Double outlierZ,
                                     @JsonProperty("counterfactual") CounterfactualConfig counterfactual,
                                     @JsonProperty("support") SupportConfig support,
                                     @JsonProperty("threads") Integer threads) {
        if (models == null) {
            throw new IllegalArgumentException("models: required field is missing");
        }
        LassoConfig lasso = LassoConfig.defaults();
        return new ExperimentConfig(data, targetData, train, targets, learner, learnerConfig, sampler,
                alpha == null ? DEFAULT_ALPHA : alpha, seed == null ? DEFAULT_SEED : seed, models,
                heldOutModels == null ? DEFAULT_HELD_OUT_MODELS : heldOutModels,
                lambdas == null ? lasso.lambdas() : lambdas, lambdaRatio == null ? lasso.lambdaRatio() : lambdaRatio,
                valFraction == null ? lasso.valFraction() : valFraction, outlierZ == null ? lasso.outlierZ() : outlierZ,
                counterfactual, support, threads);
    }

    /** The regression settings of this experiment. */
    public LassoConfig lasso(int threads) {
        return LassoConfig.defaults().with(lambdas, lambdaRatio, valFraction, seed).withThreads(threads)
                .withOutlierZ(outlierZ);
    }

    /**
     * Counterfactual stage: targets as a range of the fitted targets, removal sizes, base set (default full),
     * retrains (default {@link #DEFAULT_RETRAINS}); checked as {@link Counterfactual} checks them, now rather than
     * after training and fitting.
     */
    public record CounterfactualConfig(@JsonProperty("targets") String targets,
                                       @JsonProperty("k") List<Integer> k,
                                       @JsonProperty("base") String base,
                                       @JsonProperty("retrains") int retrains) {
        private static final String TARGETS = "counterfactual.targets";

        public CounterfactualConfig {
            if (targets == null || k == null || k.isEmpty()) {
                throw new IllegalArgumentException("targets and k are required");
            }
            base = base == null ? "full" : base;
            new Counterfactual(IndexRange.parse(TARGETS, targets).indices(), ks(k), base, retrains, 0);
        }

        @JsonCreator
        static CounterfactualConfig fromJson(@JsonProperty("targets") String targets,
                                             @JsonProperty("k") List<Integer> k,
                                             @JsonProperty("base") String base,
                                             @JsonProperty("retrains") Integer retrains) {
            return new CounterfactualConfig(targets, k, base, retrains == null ? DEFAULT_RETRAINS : retrains);
        }

        /** The targets, as indices into the fitted range. */
        public int[] targetIndices() {
            return IndexRange.parse(TARGETS, targets).indices();
        }
    }

    /**
     * Support stage: targets as a range, largest removal, report grid, base set (default random), retrains (default
     * {@link #DEFAULT_RETRAINS}); checked as {@link Support} checks them, now rather than after training and fitting.
     */
    public record SupportConfig(@JsonProperty("targets") String targets,
                                @JsonProperty("max_k") int maxK,
                                @JsonProperty("grid") List<Integer> grid,
                                @JsonProperty("base") String base,
                                @JsonProperty("retrains") int retrains) {
        private static final String TARGETS = "support.targets";

        public SupportConfig {
            if (targets == null || grid == null || grid.isEmpty()) {
                throw new IllegalArgumentException("targets and grid are required");
            }
            base = base == null ? "random" : base;
            new Support(IndexRange.parse(TARGETS, targets).indices(), maxK, ks(grid), base, retrains, 0);
        }

        @JsonCreator
        static SupportConfig fromJson(@JsonProperty("targets") String targets,
                                      @JsonProperty("max_k") Integer maxK,
                                      @JsonProperty("grid") List<Integer> grid,
                                      @JsonProperty("base") String base,
                                      @JsonProperty("retrains") Integer retrains) {
            if (maxK == null) {
                throw new IllegalArgumentException("max_k is required");
            }
            return new SupportConfig(targets, maxK, grid, base, retrains == null ? DEFAULT_RETRAINS : retrains);
        }

        /** The targets, as indices into the fitted range. */
        public int[] targetIndices() {
            return IndexRange.parse(TARGETS, targets).indices();
        }
    }

    private static int[] ks(List<Integer> k) {
        return k.stream().mapToInt(i -> {
            if (i == null) {
                throw new IllegalArgumentException("k and grid must hold integers, got null");
            }
            return i;
        }).toArray();
    }
}
