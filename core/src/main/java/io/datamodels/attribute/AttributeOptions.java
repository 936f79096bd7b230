package io.datamodels.attribute;

import io.datamodels.IndexRange;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.learn.Outputs;

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
 * @param projection   TRAK's random projection: Rademacher or Gaussian entries; null (the default) for Rademacher
 * @param allowLargeProjection accept k > P (a projection that cannot reduce anything), refused otherwise
 * @param damping      lambda added to the diagonal of TRAK's kernel or the influence Hessian, >= 0; NaN (the
 *                     default) for the method's default: 0 for TRAK (as MadryLab's code), 1e-3 for influence
 * @param outputKey    the store output the attribution predicts: {@code margins} (default), {@code probs} or
 *                     {@code losses}; {@code eval lds} compares the predictions with this key of a held-out store
 * @param targets      only these targets (null: all)
 * @param seed         the root seed of the projection and of the full-data models; null (the default) for 0
 * @param threads      models trained and attributed at once, >= 1
 * @param cgIterations the most conjugate-gradient iterations per target (influence on an MLP), >= 1; 0 (the
 *                     default) for {@link #DEFAULT_CG_ITERATIONS}
 * @param cgTolerance  CG stops at residual norm <= tolerance * right-hand-side norm, > 0; NaN (the default) for
 *                     {@link #DEFAULT_CG_TOLERANCE}
 * @param gemm         the matrix product of training and attribution
 * @param narrow       the learners' narrow-layer kernel
 * @param command      what started the run, for provenance
 * @param force        replace an existing output folder
 *
 * <p>An option the method does not use is refused when set (not at its unset value above), so that it is never
 * silently ignored: the projection options for all but TRAK, damping for the gradient dot product, the
 * conjugate-gradient limits for all but influence (and, found by {@link Attributor#run} from the store's learner, for
 * influence on softmax regression, which solves the exact Hessian), and the seed where nothing is drawn from it
 * (influence and the gradient dot product on the store's subsets, whose models the store's seeds train).
 */
public record AttributeOptions(Method method, int models, TrainOn trainOn, int projDim, Projection projection,
                               boolean allowLargeProjection, double damping, String outputKey, IndexRange targets,
                               Long seed, int threads, int cgIterations, double cgTolerance, Gemm gemm,
                               NarrowLinear narrow, String command, boolean force) {
    /**
     * TRAK's projection dimension unless set, or half the parameters or a tenth of the training examples where
     * smaller. The kernel {@code (Phi^T Phi)^-1} is k x k from m projected gradients; with k near m it amplifies
     * directions that few examples span. Measured on 5,000 Fashion-MNIST images (docs/RESULTS.md, "Cheaper
     * attribution"): softmax regression, 10 models, LDS 0.36 at k = 2048 and 0.59 at k = 512; dattri's MNIST benchmark
     * also uses k = 512 for 5,000 examples.
     */
    public static final int DEFAULT_PROJ_DIM = 2048;
    /** The default projection dimension is at most the training examples divided by this. */
    public static final int DEFAULT_PROJ_DIM_DIVISOR = 10;
    /** The influence functions' damping unless set. */
    public static final double DEFAULT_INFLUENCE_DAMPING = 1e-3;
    /** The conjugate-gradient iterations unless set. */
    public static final int DEFAULT_CG_ITERATIONS = 100;
    /** The conjugate-gradient relative tolerance unless set. */
    public static final double DEFAULT_CG_TOLERANCE = 1e-4;
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
        if (cgIterations < 0) {
            throw new IllegalArgumentException("cg_iterations must be >= 1 (or 0 for the default), got "
                    + cgIterations);
        }
        if (!Double.isNaN(cgTolerance) && !(cgTolerance > 0)) {
            throw new IllegalArgumentException("cg_tolerance must be > 0, got " + cgTolerance);
        }
        if (method != Method.TRAK) {
            requireUnset(projDim == 0, "proj_dim (--proj-dim)", "TRAK's projection dimension", method, projDim);
            requireUnset(projection == null, "projection (--projection)", "TRAK's projection entries", method,
                    projection == null ? null : projection.jsonName());
            requireUnset(!allowLargeProjection, "allow_large_projection (--allow-large-projection)",
                    "about TRAK's projection", method, true);
            requireUnset(trainOn == TrainOn.FULL || seed == null, "seed (--seed)", "the seed of TRAK's projection "
                    + "and of models trained on the full set (train_on subsets trains the store's models with the "
                    + "store's seeds)", method, seed);
        }
        requireUnset(method != Method.GRADIENT_DOT || Double.isNaN(damping), "damping (--damping)",
                "added to TRAK's kernel or the influence Hessian", method, damping);
        requireUnset(method == Method.INFLUENCE || cgIterations == 0, "cg_iterations (--cg-iterations)",
                "a limit of influence's conjugate gradient", method, cgIterations);
        requireUnset(method == Method.INFLUENCE || Double.isNaN(cgTolerance), "cg_tolerance (--cg-tolerance)",
                "a limit of influence's conjugate gradient", method, cgTolerance);
    }

    /** Refuses an option that was set ({@code unset} false) but that {@code method} does not use. */
    static void requireUnset(boolean unset, String option, String what, Method method, Object value) {
        if (!unset) {
            throw new IllegalArgumentException(option + " is " + what + "; method " + method.jsonName()
                    + " does not use it, got " + value);
        }
    }

    /** The projection entries in effect: the given ones, or Rademacher. */
    public Projection effectiveProjection() {
        return projection == null ? Projection.RADEMACHER : projection;
    }

    /** The root seed in effect: the given one, or 0. */
    public long effectiveSeed() {
        return seed == null ? 0 : seed;
    }

    /** The conjugate-gradient iterations in effect: the given ones, or {@link #DEFAULT_CG_ITERATIONS}. */
    public int effectiveCgIterations() {
        return cgIterations == 0 ? DEFAULT_CG_ITERATIONS : cgIterations;
    }

    /** The conjugate-gradient tolerance in effect: the given one, or {@link #DEFAULT_CG_TOLERANCE}. */
    public double effectiveCgTolerance() {
        return Double.isNaN(cgTolerance) ? DEFAULT_CG_TOLERANCE : cgTolerance;
    }

    /** Whether the conjugate-gradient limits were set (not at their unset values). */
    boolean cgSet() {
        return cgIterations != 0 || !Double.isNaN(cgTolerance);
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

    /**
     * Builds {@link AttributeOptions}; every field starts at its default, and an option left alone is unset, so
     * that only what the caller sets is checked against the method.
     */
    public static final class Builder {
        private final Method method;
        private int models = 1;
        private TrainOn trainOn = TrainOn.FULL;
        private int projDim;
        private Projection projection;
        private boolean allowLargeProjection;
        private double damping = Double.NaN;
        private String outputKey = Outputs.MARGINS;
        private IndexRange targets;
        private Long seed;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int cgIterations;
        private double cgTolerance = Double.NaN;
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

        /** TRAK's projection entries (null: unset, Rademacher). */
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

        /** Conjugate gradient limits (influence on an MLP; 0 and NaN: unset, the defaults). */
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
