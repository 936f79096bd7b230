package io.datamodels.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.learn.AveragingLearner;
import io.datamodels.learn.ExternalConfig;
import io.datamodels.learn.ExternalLearner;
import io.datamodels.learn.Learner;
import io.datamodels.learn.MlpConfig;
import io.datamodels.learn.MlpLearner;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a learner for a store from its kind and a JSON config: the glue between a store and the learners. The
 * defaults of every learner config are defined here and in the config records, once: {@link MlpConfig#mlp()},
 * {@link MlpConfig#softmax()}, and {@link ExternalConfig#DEFAULT_TIMEOUT_SECONDS} for the external learner.
 *
 * <p>Every learner's config also takes {@code runs_per_mask} (default 1): train each model index that many times on
 * its mask with different seeds and store the mean outputs ({@link AveragingLearner}), a training-noise control.
 */
public final class Learners {
    /** The config field, common to all learners, for averaging several runs per mask. */
    public static final String RUNS_PER_MASK = "runs_per_mask";
    /** The largest {@code runs_per_mask} accepted. */
    public static final int MAX_RUNS_PER_MASK = 1000;

    private Learners() {
    }

    /**
     * A learner bound to a store, with the config it resolved to (defaults overlaid by the given fields) and the
     * number of classes of its data (0 where unknown, as for an external learner).
     */
    public record Bound(Learner learner, JsonNode config, int classes) {
        public Bound(Learner learner, JsonNode config) {
            this(learner, config, 0);
        }
    }

    /**
     * The default config of {@code kind} overlaid with {@code overrides} (a JSON object; null or empty for the
     * defaults), validated. The external learner has no default command; its timeout defaults to
     * {@link ExternalConfig#DEFAULT_TIMEOUT_SECONDS}.
     *
     * @throws ConfigException for an unknown field or a value out of range
     */
    public static JsonNode resolveConfig(LearnerKind kind, JsonNode overrides) throws ConfigException {
        String name = kind.jsonName();
        ObjectNode base = switch (kind) {
            case MLP -> Json.tree(MlpConfig.mlp());
            case SOFTMAX -> Json.tree(MlpConfig.softmax());
            case EXTERNAL -> Json.object().put("timeout_seconds",
                    ExternalConfig.DEFAULT_TIMEOUT_SECONDS);
        };
        if (overrides != null && !overrides.isNull()) {
            if (!overrides.isObject()) {
                throw new ConfigException("learner config: expected a JSON object, got " + overrides.getNodeType());
            }
            base.setAll((ObjectNode) overrides);
        }
        checkHiddenMatchesLearner(kind, base.get("hidden"));
        int runs = 1;
        JsonNode r = base.remove(RUNS_PER_MASK);
        if (r != null) {
            if (!r.canConvertToExactIntegral() || r.asLong() < 1 || r.asLong() > MAX_RUNS_PER_MASK) {
                throw new ConfigException(name + " config: " + RUNS_PER_MASK + ": expected an integer in [1, "
                        + MAX_RUNS_PER_MASK + "], got " + r);
            }
            runs = r.asInt();
        }
        Class<?> type = kind == LearnerKind.EXTERNAL ? ExternalConfig.class : MlpConfig.class;
        Object cfg = Json.parse(name + " config", base.toString(), type);
        ObjectNode resolved = Json.tree(cfg);
        resolved.put(RUNS_PER_MASK, runs);
        return resolved;
    }

    /**
     * Refuses a {@code hidden} field that contradicts the learner's name, so that {@code train.json} never says
     * softmax for an MLP: softmax has no hidden layers, an MLP has at least one.
     */
    private static void checkHiddenMatchesLearner(LearnerKind kind, JsonNode hidden) throws ConfigException {
        if (hidden == null || !hidden.isArray()) {
            return; // absent or mistyped: MlpConfig names the problem
        }
        if (kind == LearnerKind.SOFTMAX && !hidden.isEmpty()) {
            throw new ConfigException("softmax config: hidden: expected [] (softmax regression has no hidden layers), "
                    + "got " + hidden + "; use learner mlp for hidden layers");
        }
        if (kind == LearnerKind.MLP && hidden.isEmpty()) {
            throw new ConfigException("mlp config: hidden: expected at least one hidden layer width, got []; use "
                    + "learner softmax for softmax regression");
        }
    }

    /** The {@code runs_per_mask} of a resolved config (1 where absent, as in configs recorded before it existed). */
    public static int runsPerMask(JsonNode resolved) {
        JsonNode r = resolved.get(RUNS_PER_MASK);
        return r == null ? 1 : r.asInt();
    }

    /** The learner-specific part of a resolved config, without the common fields. */
    private static JsonNode specific(JsonNode resolved) {
        ObjectNode copy = resolved.deepCopy();
        copy.remove(RUNS_PER_MASK);
        return copy;
    }

    /**
     * Binds a learner of {@code kind} to {@code store}: built-in learners load the store's data (checking its
     * fingerprints) and size shared batches from its alpha; the external learner needs only the schema.
     *
     * @param gemm   the built-in learners' matrix product
     * @param narrow the built-in learners' narrow-layer kernel (softmax regression in gather mode)
     */
    public static Bound create(Store store, LearnerKind kind, JsonNode overrides, Gemm gemm, NarrowLinear narrow)
            throws IOException {
        String name = kind.jsonName();
        JsonNode cfg = resolveConfig(kind, overrides);
        int runs = runsPerMask(cfg);
        if (runs > 1) {
            for (Map.Entry<String, StoreSpec.KeySpec> e : store.spec().schema().entrySet()) {
                String dt = e.getValue().dtype();
                if (!e.getKey().equals(Store.MASKS) && !dt.startsWith("float") && !dt.equals("bool_")) {
                    throw new ConfigException(name + " config: " + RUNS_PER_MASK + " = " + runs + " averages outputs,"
                            + " so every store key must be float or bool; key '" + e.getKey() + "' is " + dt);
                }
            }
        }
        int m = (int) store.array(Store.MASKS).rowElements();
        if (kind == LearnerKind.EXTERNAL) {
            Map<String, StoreSpec.KeySpec> keys = new LinkedHashMap<>(store.spec().schema());
            keys.remove(Store.MASKS);
            ExternalConfig ec = Json.convert("learner config", specific(cfg), ExternalConfig.class);
            return new Bound(AveragingLearner.of(new ExternalLearner(ec, keys, m, ExternalLearner.Context.of(store)),
                    runs), cfg);
        }
        StoreMeta meta = store.meta().orElseThrow(() -> new StoreException(Store.META_FILE
                + ": file does not exist; learner " + name + " needs the store's dataset (made by 'datamodels init')"));
        if (meta.dataset() == null) {
            throw new StoreException(Store.META_FILE + ": dataset: required for learner " + name + ", got none");
        }
        DataBinding.Loaded data = DataBinding.loadVerified(meta.dataset(), store.dir());
        if (data.train().rows() != m) {
            throw new StoreException("masks.npy: shape: expected rows of " + data.train().rows()
                    + " (the training set), got " + m);
        }
        double alpha = meta.sampling() == null ? Double.NaN : meta.sampling().alpha();
        MlpConfig mc = Json.convert("learner config", specific(cfg), MlpConfig.class);
        return new Bound(AveragingLearner.of(new MlpLearner(data.train(), data.targets(), mc, gemm, narrow, alpha), runs), cfg,
                Math.max(data.train().numClasses(), data.targets().numClasses()));
    }
}
