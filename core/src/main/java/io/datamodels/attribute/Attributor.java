package io.datamodels.attribute;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.ConfigException;
import io.datamodels.IndexRange;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.internal.MaskRows;
import io.datamodels.learn.Learner;
import io.datamodels.learn.MlpLearner;
import io.datamodels.learn.ModelTask;
import io.datamodels.learn.Network;
import io.datamodels.learn.Outputs;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Learners;
import io.datamodels.train.TrainRecord;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Gradient-based attribution beside datamodels: TRAK (Park et al. 2023), influence functions (Koh and Liang 2017)
 * and the gradient dot product, for the built-in learners (softmax regression and the MLP), written as a fit folder
 * exactly like {@code fit}'s ({@code weights.npy} m x T, {@code bias.npy}, {@code fit.json}) plus
 * {@code attribute.json}, so that {@code eval lds}, {@code eval counterfactual}, {@code predict} and {@code explore}
 * read it unchanged. Prediction for a 0/1 mask x: {@code bias[t] + x . weights[:, t]}.
 *
 * <p>The models are trained by the store's own learner and config (its {@code train.json}), bound through
 * {@link Learners#create} and trained by {@link MlpLearner#trainNetwork}: the very models the store's rows are. With
 * {@link AttributeOptions.TrainOn#SUBSETS}, model i is the store's model i (its mask and seeds); with {@code FULL},
 * model i is trained on every training example with the task seed {@code (options.seed, i)}.
 *
 * <p>Choices where the TRAK paper and MadryLab's code differ, and what this class does:
 * <ul>
 *   <li>The paper sparsifies the final scores by soft-thresholding (its Eq. 18, threshold chosen by
 *   cross-validation); MadryLab's {@code trak} code does not, and neither does this class: the scores are dense.</li>
 *   <li>Ensembling: both average the per-model terms {@code Phi_t (Phi^T Phi)^-1 Phi^T} and, separately, the
 *   {@code Q = diag(1 - p_i)} terms, and multiply the two averages; so does this class.</li>
 *   <li>The kernel: MadryLab's code takes {@code lambda_reg = 0} by default and inverts in float; here the kernel
 *   is formed in float and factorised by Cholesky in double, with {@code damping} on the diagonal (default 0), and a
 *   singular kernel is an error, not a pseudo-inverse.</li>
 *   <li>The projection: entries {@code +-1/sqrt(k)} (or {@code N(0, 1/k)}), a fresh projection for every model of
 *   the ensemble (seeded from the root seed and the model index, {@link Projector#forModel}), as in MadryLab's code
 *   and dattri; the training and target gradients of one model share its projection. Both references also divide
 *   the gradients by sqrt(P); like the scaling by {@code 1/sqrt(k)}, that changes nothing but the meaning of
 *   {@code damping}.</li>
 *   <li>The output: {@code f = log(p / (1 - p))} of the correct class, as both, also when the store's output is a
 *   margin or a probability; for {@code losses} (the cross-entropy, a decreasing function of f) the scores change
 *   sign.</li>
 * </ul>
 *
 * <p>Influence functions differentiate the store's output itself (for margins and probs the smooth log-odds f, for
 * losses the cross-entropy) and use the training objective of the learner, including its weight decay as an L2
 * term; softmax regression gets the exact Hessian, the MLP conjugate gradient on Gauss-Newton Hessian-vector
 * products ({@link CgInfluence}). All methods predict the effect of including an example, so weights have the sign
 * of datamodels' weights; their scale is each method's own. The bias anchors the predictions at the masks the
 * attributed models were trained on: with {@code FULL}, the all-ones mask predicts the models' mean output
 * ({@code bias_t = mean output_t - sum_i weights[i, t]}); with {@code SUBSETS}, a mask of the store's subset
 * fraction alpha does ({@code bias_t = mean output_t - alpha * sum_i weights[i, t]}).
 */
public final class Attributor {
    /** One model's contribution, held until every earlier model's has been added. */
    private record ModelPart(float[] part, double[] q, double[] out) {
    }

    /** The store outputs an attribution can predict. */
    public static final Set<String> OUTPUT_KEYS = Set.of(Outputs.MARGINS, Outputs.PROBS, Outputs.LOSSES,
            Outputs.LOGODDS);
    /** The extra file of the fit folder: the method, its options and costs. */
    public static final String ATTRIBUTE_JSON = "attribute.json";

    private Attributor() {
    }

    /** Progress of a run: called once per model attributed, from worker threads. */
    public interface Listener {
        /** Model {@code done} of {@code total} has been trained and attributed. */
        default void modelDone(int done, int total) {
        }
    }

    /**
     * What a run did, written as {@code attribute.json}.
     *
     * @param method              the method
     * @param learner             the learner of the store
     * @param learnerConfig       its config (from {@code train.json})
     * @param outputKey           the output predicted
     * @param models              ensemble size
     * @param trainOn             full or subsets
     * @param parameters          parameters per model P
     * @param projDim             TRAK's k (0 for the other methods)
     * @param projection          TRAK's projection entries (a fresh projection per model, seeded by the root seed
     *                            and the model index)
     * @param damping             lambda in effect
     * @param seed                the root seed of projection and full-data models
     * @param targetFrom          first target
     * @param targetTo            end of the targets, exclusive
     * @param trainCpuSeconds     CPU time of training the models (all threads)
     * @param attributeCpuSeconds CPU time of the attribution itself (all threads)
     * @param wallSeconds         wall time of the run
     * @param provenance          versions, kernel, command, time
     */
    public record Summary(@JsonProperty("method") String method,
                          @JsonProperty("learner") String learner,
                          @JsonProperty("learner_config") JsonNode learnerConfig,
                          @JsonProperty("output") String outputKey,
                          @JsonProperty("models") int models,
                          @JsonProperty("train_on") String trainOn,
                          @JsonProperty("parameters") long parameters,
                          @JsonProperty("proj_dim") int projDim,
                          @JsonProperty("projection") String projection,
                          @JsonProperty("damping") double damping,
                          @JsonProperty("seed") long seed,
                          @JsonProperty("target_from") int targetFrom,
                          @JsonProperty("target_to") int targetTo,
                          @JsonProperty("train_cpu_seconds") double trainCpuSeconds,
                          @JsonProperty("attribute_cpu_seconds") double attributeCpuSeconds,
                          @JsonProperty("wall_seconds") double wallSeconds,
                          @JsonProperty("provenance") Provenance provenance) {
    }

    /**
     * The {@code attribute.json} of the fit folder {@code fitDir} whose {@code fit.json} is {@code fit}: present for a
     * folder written by {@link #run} (also before {@code fit.json} named the method), empty for a LASSO fit.
     *
     * @throws ConfigException where {@code fit.json} names an attribution method and {@code attribute.json} is
     *                         missing or names another
     */
    public static java.util.Optional<Summary> readSummary(Path fitDir, Fitter.Summary fit) throws IOException {
        Path file = fitDir.resolve(ATTRIBUTE_JSON);
        if (!Files.isRegularFile(file)) {
            if (!fit.isLasso()) {
                throw new ConfigException(file + ": expected the options of the " + fit.methodName() + " attribution "
                        + "that " + Fitter.FIT_JSON + " names, got no file");
            }
            return java.util.Optional.empty();
        }
        Summary s = Json.read(file, Summary.class);
        if (fit.method() != null && !fit.method().equals(s.method())) {
            throw new ConfigException(file + ": method: expected '" + fit.method() + "' (as " + Fitter.FIT_JSON
                    + " says), got '" + s.method() + "'");
        }
        return java.util.Optional.of(s);
    }

    /**
     * Trains {@code options.models()} models with the learner of {@code store} and writes the attribution of the
     * store's targets to its training examples into the new folder {@code out} (a fit folder; see the class
     * comment).
     *
     * @throws ConfigException for a method the store's learner cannot serve (the external learner has no
     *                         gradients), a projection dimension above the parameter count (unless allowed), a
     *                         singular kernel or Hessian, or a target range out of bounds
     * @throws StoreException  for a store without {@code train.json} or {@code store.json}
     */
    public static Summary run(Store store, Path out, AttributeOptions options, Listener listener) throws IOException {
        long t0 = System.nanoTime();
        AtomicFiles.Snapshot atStart = AtomicFiles.requireAbsent(out, options.force());
        Path trainJson = store.dir().resolve(TrainRecord.FILE);
        if (!Files.isRegularFile(trainJson)) {
            throw new StoreException(trainJson + ": expected the store's learner and config (written by the first "
                    + "'datamodels train' on it), got no file; train at least one row first (--rows 1)");
        }
        TrainRecord rec = Json.read(trainJson, TrainRecord.class);
        if (rec.learner() == LearnerKind.EXTERNAL) {
            throw new ConfigException(TrainRecord.FILE + ": learner: method " + options.method() + " needs the "
                    + "model's gradients, which the built-in learners (softmax, mlp) have and the external learner "
                    + "does not; got 'external' (use 'datamodels fit' for datamodels of any learner)");
        }
        StoreMeta meta = store.meta().orElseThrow(() -> new StoreException(Store.META_FILE
                + ": file does not exist; attribute needs the store's dataset (made by 'datamodels init')"));
        JsonNode cfg = rec.config();
        if (Learners.runsPerMask(cfg) != 1) {
            throw new ConfigException(TrainRecord.FILE + ": config: runs_per_mask: expected 1 for attribution (each "
                    + "model is attributed by itself; use --models for an ensemble), got " + Learners.runsPerMask(cfg));
        }
        com.fasterxml.jackson.databind.node.ObjectNode fields = cfg.deepCopy();
        fields.remove(Learners.RUNS_PER_MASK);
        Learners.Bound bound = Learners.create(store, rec.learner(), fields, options.gemm(), options.narrow());
        try (Learner l = bound.learner()) {
            if (!(l instanceof MlpLearner learner)) {
                throw new ConfigException(TrainRecord.FILE + ": learner: expected a built-in learner, got "
                        + l.name());
            }
            return attribute(store, meta, rec, learner, out, atStart, options, listener, t0);
        }
    }

    private static Summary attribute(Store store, StoreMeta meta, TrainRecord rec, MlpLearner learner, Path out,
                                     AtomicFiles.Snapshot atStart, AttributeOptions o, Listener listener, long t0)
            throws IOException {
        int[] sizes = learner.sizes();
        long params = Network.parameters(sizes);
        boolean exactHessian = sizes.length == 2;
        if (o.method() == Method.INFLUENCE && exactHessian && o.cgSet()) {
            String option = o.cgIterations() != 0 ? "cg_iterations (--cg-iterations)" : "cg_tolerance (--cg-tolerance)";
            throw new ConfigException(option + " is a limit of influence's conjugate gradient on the MLP; method "
                    + "influence on softmax regression (" + TrainRecord.FILE + ": learner " + rec.learner().jsonName()
                    + ") solves the exact Hessian and does not use it, got " + (o.cgIterations() != 0
                    ? o.cgIterations() : o.cgTolerance()));
        }
        int k = 0;
        if (o.method() == Method.TRAK) {
            int m0 = learner.trainLabels().length;
            k = o.projDim() == 0 ? (int) Math.max(1, Math.min(AttributeOptions.DEFAULT_PROJ_DIM,
                    Math.min(params / 2, m0 / AttributeOptions.DEFAULT_PROJ_DIM_DIVISOR))) : o.projDim();
            if (k > params && !o.allowLargeProjection()) {
                throw new ConfigException("proj_dim: expected at most the parameter count " + params + " of the "
                        + rec.learner().jsonName() + " model, got " + k + " (a projection cannot add information; "
                        + "allow it explicitly to compare with the unprojected kernel)");
            }
        }
        float[] x = learner.trainInputs();
        int[] y = learner.trainLabels();
        float[] xtAll = learner.targetInputs();
        int[] ytAll = learner.targetLabels();
        int m = y.length;
        int d = sizes[0];
        int tAll = ytAll.length;
        IndexRange range = o.targets() == null ? new IndexRange(0, tAll) : o.targets();
        if (range.to() > tAll) {
            throw new ConfigException("targets: expected a range within [0, " + tAll + "), got " + range.from() + ":"
                    + range.to());
        }
        int t = range.to() - range.from();
        float[] xt = java.util.Arrays.copyOfRange(xtAll, range.from() * d, range.to() * d);
        int[] yt = java.util.Arrays.copyOfRange(ytAll, range.from(), range.to());
        double alpha = meta.sampling() == null ? 0.5 : meta.sampling().alpha();
        long rootSeed = meta.sampling() == null ? 0 : meta.sampling().seed();
        if (o.trainOn() == AttributeOptions.TrainOn.SUBSETS && o.models() > store.numModels()) {
            throw new ConfigException("models: expected at most the store's " + store.numModels() + " rows (train_on "
                    + "subsets takes model i's mask from row i), got " + o.models());
        }
        List<ModelTask> tasks = new ArrayList<>();
        NpyArray masks = store.array(Store.MASKS);
        for (int i = 0; i < o.models(); i++) {
            tasks.add(o.trainOn() == AttributeOptions.TrainOn.FULL ? new ModelTask(i, MaskRows.all(m), o.effectiveSeed())
                    : new ModelTask(i, MaskRows.read(masks, i), rootSeed));
        }
        double damping = o.effectiveDamping();
        final int kDim = k;
        double l2 = learner.config().weightDecay();
        float[] sum = new float[Math.multiplyExact(m, t)];
        double[] qSum = new double[m];
        double[] outSum = new double[t];
        double[] cpu = new double[2];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int[] done = {0};
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(o.threads(), o.models()));
        try {
            List<Future<?>> futures = new ArrayList<>();
            Map<Integer, ModelPart> pending = new HashMap<>();
            int[] nextPos = {0};
            for (int ti = 0; ti < tasks.size(); ti++) {
                ModelTask task = tasks.get(ti);
                int pos = ti;
                futures.add(pool.submit(() -> {
                    long c0 = mx.getCurrentThreadCpuTime();
                    Network net = learner.trainNetwork(task);
                    long c1 = mx.getCurrentThreadCpuTime();
                    float[] part;
                    double[] q = null;
                    ExampleGradients.Fn targetFn = o.method() != Method.TRAK && o.outputKey().equals(Outputs.LOSSES)
                            ? ExampleGradients.Fn.LOSS : ExampleGradients.Fn.LOG_ODDS;
                    ExampleGradients gt = ExampleGradients.of(net, xt, yt, t, targetFn, o.gemm());
                    switch (o.method()) {
                        case TRAK -> {
                            Projector proj = Projector.forModel(o.effectiveSeed(), task.index(), kDim,
                                    o.effectiveProjection());
                            ExampleGradients g = ExampleGradients.of(net, x, y, m, ExampleGradients.Fn.LOG_ODDS,
                                    o.gemm());
                            part = Scores.trak(g.project(proj, o.gemm()), m, gt.project(proj, o.gemm()), t, kDim,
                                    damping, o.gemm());
                            q = new double[m];
                            for (int i = 0; i < m; i++) {
                                q[i] = 1 - g.p[i];
                            }
                        }
                        case GRADIENT_DOT -> part = Scores.gradientDot(
                                ExampleGradients.of(net, x, y, m, ExampleGradients.Fn.LOSS, o.gemm()), gt, o.gemm());
                        case INFLUENCE -> {
                            ExampleGradients g = ExampleGradients.of(net, x, y, m, ExampleGradients.Fn.LOSS, o.gemm());
                            int[] members = task.mask().indices();
                            part = exactHessian
                                    ? Scores.influenceExact(g, members, gt, l2, damping, o.gemm())
                                    : CgInfluence.scores(net, g, members, gt, l2, damping, o.effectiveCgIterations(),
                                    o.effectiveCgTolerance(), o.gemm());
                        }
                        default -> throw new IllegalStateException();
                    }
                    long c2 = mx.getCurrentThreadCpuTime();
                    double[] outputs = new double[t];
                    for (int j = 0; j < t; j++) {
                        outputs[j] = gt.output(o.outputKey(), j);
                    }
                    synchronized (sum) {
                        // Summed in model order, whatever order the threads finish in: the result is bit-identical
                        // for any thread count.
                        pending.put(pos, new ModelPart(part, q, outputs));
                        for (ModelPart next; (next = pending.remove(nextPos[0])) != null; nextPos[0]++) {
                            for (int i = 0; i < next.part().length; i++) {
                                sum[i] += next.part()[i];
                            }
                            if (next.q() != null) {
                                for (int i = 0; i < m; i++) {
                                    qSum[i] += next.q()[i];
                                }
                            }
                            for (int j = 0; j < t; j++) {
                                outSum[j] += next.out()[j];
                            }
                        }
                        cpu[0] += (c1 - c0) / 1e9;
                        cpu[1] += (c2 - c1) / 1e9;
                        done[0]++;
                        listener.modelDone(done[0], tasks.size());
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        } finally {
            pool.shutdownNow();
        }
        int nm = tasks.size();
        double sign = o.method() == Method.TRAK && o.outputKey().equals(Outputs.LOSSES) ? -1 : 1;
        float[] w = new float[sum.length];
        for (int i = 0; i < m; i++) {
            double qi = o.method() == Method.TRAK ? qSum[i] / nm : 1;
            for (int j = 0; j < t; j++) {
                w[i * t + j] = (float) (sign * sum[i * t + j] / nm * qi);
            }
        }
        float[] bias = new float[t];
        // The fraction of the training set in the masks the attributed models saw: all of it, or alpha.
        double anchor = o.trainOn() == AttributeOptions.TrainOn.FULL ? 1 : alpha;
        for (int j = 0; j < t; j++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += w[i * t + j];
            }
            bias[j] = (float) (outSum[j] / nm - anchor * s);
        }
        for (float v : w) {
            if (!Float.isFinite(v)) {
                throw new ConfigException(o.method() + ": got non-finite scores (a diverged model, or a nearly "
                        + "singular kernel: add damping)");
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Provenance prov = Provenance.now(o.gemm().name(), o.command());
        Summary summary = new Summary(o.method().jsonName(), rec.learner().jsonName(), rec.config(), o.outputKey(),
                nm, o.trainOn().jsonName(), params, k, k > 0 ? o.effectiveProjection().jsonName() : null, damping,
                o.effectiveSeed(),
                range.from(), range.to(), cpu[0], cpu[1], seconds, prov);
        Fitter.Summary fit = new Fitter.Summary(store.dir().toAbsolutePath().toString(), store.specSource(),
                Store.MASKS, o.outputKey(), range.from(), range.to(), m, nm, 0, new int[0], nm, 0, new int[0], 0, 0,
                seconds, null, meta.dataset(), prov, o.method().jsonName());
        AtomicFiles.createDirectory(out, o.force(), atStart, dir -> {
            Npy.write(dir.resolve(Fitter.WEIGHTS), DType.FLOAT32, w, m, t);
            Npy.write(dir.resolve(Fitter.BIAS), DType.FLOAT32, bias, t);
            Files.writeString(dir.resolve(Fitter.FIT_JSON), Json.write(fit));
            Files.writeString(dir.resolve(ATTRIBUTE_JSON), Json.write(summary));
        });
        return summary;
    }
}
