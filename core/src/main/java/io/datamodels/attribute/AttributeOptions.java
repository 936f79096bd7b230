package io.datamodels.attribute;

import io.datamodels.IndexRange;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;

import java.util.Locale;
import java.util.Objects;

/**
 * What {@link Attributor#run} computes and how. Every default is defined here, once; a caller sets only what it
 * cares about through {@link #builder(Method)}.
 *
 * @param method       the attribution method
 * @param models       how many models to train and attribute through (the ensemble), >= 1 (default 1)
 * @param trainOn      {@code FULL}: model i is trained on the whole training set with its own seed;
 *                     {@code SUBSETS}: model i on the store's mask of row i, as the store's model i (default FULL)
 * @param projDim      TRAK's projection dimension k; 0 (the default) for min(2048, P / 2, m / 2) with P the parameter
 *                     count and m the training examples: the kernel Phi^T Phi has rank at most m, and less than P
 *                     (softmax outputs do not change when a constant is added to every logit, so output gradients
 *                     have no component along those directions), so k near either is singular without damping
 * @param projection   TRAK's random projection: Rademacher (default) or Gaussian entries
 * @param allowLargeProjection accept k > P (a projection that cannot reduce anything), refused otherwise
 * @param damping      lambda added to the diagonal of TRAK's kernel or the influence Hessian, >= 0; NaN (the
 *                     default) for the method's default: 0 for TRAK (as MadryLab's code), 1e-3 for influence
 * @param outputKey    the store output the attribution predicts: {@code margins} (default), {@code probs} or
 *                     {@code losses}; {@code eval lds} compares the predictions with this key of a held-out store
 * @param targets      only these targets (null: all)
 * @param seed         the root seed of the projection and of the full-data models (default 0)
 * @param threads      models trained and attributed at once, >= 1
 * @param cgIterations the most conjugate-gradient iterations per target (influence on an MLP), >= 1 (default 100)
 * @param cgTolerance  CG stops at residual norm <= tolerance * right-hand-side norm, > 0 (default 1e-4)
 * @param gemm         the matrix product of training and attribution
 * @param narrow       the learners' narrow-layer kernel
 * @param command      what started the run, for provenance
 * @param force        replace an existing output folder
 */
public record AttributeOptions(Method method, int models, TrainOn trainOn, int projDim, Projection projection,
                               boolean allowLargeProjection, double damping, String outputKey, IndexRange targets,
                               long seed, int threads, int cgIterations, double cgTolerance, Gemm gemm,
                               NarrowLinear narrow, String command, boolean force) {
    /** TRAK's projection dimension unless set (or half the parameters or training examples where smaller). */
    public static final int DEFAULT_PROJ_DIM = 2048;
    /** The influence functions' damping unless set. */
    public static final double DEFAULT_INFLUENCE_DAMPING = 1e-3;
    /** The command recorded in provenance unless set. */
    public static final String DEFAULT_COMMAND = "io.datamodels.attribute.Attributor (Java API)";

    /** Which training sets the ensemble's models see. */
    public enum TrainOn {
        FULL, SUBSETS;

        /** "full" or "subsets". */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads "full" or "subsets". */
        public static TrainOn of(String s) {
            for (TrainOn t : values()) {
                if (t.jsonName().equals(s)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("train_on must be one of [full, subsets], got '" + s + "'");
        }
    }

    /** TRAK's projection entries. */
    public enum Projection {
        RADEMACHER, GAUSSIAN;

        /** "rademacher" or "gaussian". */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads "rademacher" or "gaussian". */
        public static Projection of(String s) {
            for (Projection t : values()) {
                if (t.jsonName().equals(s)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("projection must be one of [rademacher, gaussian], got '" + s + "'");
        }
    }

    public AttributeOptions {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(trainOn, "trainOn");
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(outputKey, "outputKey");
        Objects.requireNonNull(gemm, "gemm");
        Objects.requireNonNull(narrow, "narrow");
        Objects.requireNonNull(command, "command");
        if (models < 1) {
            throw new IllegalArgumentException("models must be >= 1, got " + models);
        }
        if (projDim < 0) {
            throw new IllegalArgumentException("proj_dim must be >= 1 (or 0 for the default), got " + projDim);
        }
        if (!Double.isNaN(damping) && !(damping >= 0 && damping < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("damping must be >= 0 and finite, got " + damping);
        }
        if (!Attributor.OUTPUT_KEYS.contains(outputKey)) {
            throw new IllegalArgumentException("output must be one of " + Attributor.OUTPUT_KEYS + ", got '"
                    + outputKey + "'");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (cgIterations < 1) {
            throw new IllegalArgumentException("cg_iterations must be >= 1, got " + cgIterations);
        }
        if (!(cgTolerance > 0)) {
            throw new IllegalArgumentException("cg_tolerance must be > 0, got " + cgTolerance);
        }
    }

    /** The damping in effect: the given one, or the method's default. */
    public double effectiveDamping() {
        if (!Double.isNaN(damping)) {
            return damping;
        }
        return method == Method.INFLUENCE ? DEFAULT_INFLUENCE_DAMPING : 0;
    }

    /** Options for {@code method} with every default. */
    public static Builder builder(Method method) {
        return new Builder(method);
    }

    /** Builds {@link AttributeOptions}; every field starts at its default. */
    public static final class Builder {
        private final Method method;
        private int models = 1;
        private TrainOn trainOn = TrainOn.FULL;
        private int projDim;
        private Projection projection = Projection.RADEMACHER;
        private boolean allowLargeProjection;
        private double damping = Double.NaN;
        private String outputKey = "margins";
        private IndexRange targets;
        private long seed;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int cgIterations = 100;
        private double cgTolerance = 1e-4;
        private Gemm gemm;
        private NarrowLinear narrow;
        private String command = DEFAULT_COMMAND;
        private boolean force;

        private Builder(Method method) {
            this.method = Objects.requireNonNull(method, "method");
        }

        /** Ensemble size M. */
        public Builder models(int m) {
            models = m;
            return this;
        }

        /** Full training set or the store's subsets. */
        public Builder trainOn(TrainOn t) {
            trainOn = t;
            return this;
        }

        /** TRAK's projection dimension (0: default). */
        public Builder projDim(int k) {
            projDim = k;
            return this;
        }

        /** TRAK's projection entries. */
        public Builder projection(Projection p) {
            projection = p;
            return this;
        }

        /** Accept a projection dimension above the parameter count. */
        public Builder allowLargeProjection(boolean b) {
            allowLargeProjection = b;
            return this;
        }

        /** Damping lambda (NaN: the method's default). */
        public Builder damping(double d) {
            damping = d;
            return this;
        }

        /** The store output predicted. */
        public Builder outputKey(String k) {
            outputKey = k;
            return this;
        }

        /** Only these targets. */
        public Builder targets(IndexRange r) {
            targets = r;
            return this;
        }

        /** Root seed of the projection and full-data models. */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Models attributed at once. */
        public Builder threads(int t) {
            threads = t;
            return this;
        }

        /** Conjugate gradient limits (influence on an MLP). */
        public Builder cg(int iterations, double tolerance) {
            cgIterations = iterations;
            cgTolerance = tolerance;
            return this;
        }

        /** The matrix product. */
        public Builder gemm(Gemm g) {
            gemm = g;
            return this;
        }

        /** The learners' narrow-layer kernel. */
        public Builder narrow(NarrowLinear n) {
            narrow = n;
            return this;
        }

        /** What started the run, for provenance. */
        public Builder command(String c) {
            command = c;
            return this;
        }

        /** Replace an existing output folder. */
        public Builder force(boolean f) {
            force = f;
            return this;
        }

        /** The options; kernels not set are chosen now. */
        public AttributeOptions build() {
            return new AttributeOptions(method, models, trainOn, projDim, projection, allowLargeProjection, damping,
                    outputKey, targets, seed, threads, cgIterations, cgTolerance,
                    gemm != null ? gemm : Kernels.gemm(), narrow != null ? narrow : NarrowLinear.choose(), command,
                    force);
        }
    }
}
