package io.datamodels.regress;

import io.datamodels.kernel.Gemm;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.BitMask;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Fitted datamodels: for target t, the prediction for a 0/1 training-subset mask x is
 * {@code bias[t] + sum_j x_j * weights[j][t]} (weights row-major m x T, as {@link Fitter} writes them).
 */
public final class Datamodels {
    private final int m;
    private final int t;
    private final float[] weights;
    private final float[] bias;

    private Datamodels(int m, int t, float[] weights, float[] bias) {
        this.m = m;
        this.t = t;
        this.weights = weights;
        this.bias = bias;
    }

    /** Datamodels of {@code weights} (m x T, row-major, raw scale) and {@code bias} (T), not copied. */
    static Datamodels of(int m, int t, float[] weights, float[] bias) {
        return new Datamodels(m, t, weights, bias);
    }

    /** Loads {@code weights.npy} and {@code bias.npy} from a fit folder. */
    public static Datamodels load(Path dir) throws IOException {
        long[] shape;
        try (NpyArray w = NpyArray.open(dir.resolve(Fitter.WEIGHTS))) {
            shape = w.shape();
        }
        if (shape.length != 2) {
            throw new FitException("weights.npy: shape: expected (m, T), got " + java.util.Arrays.toString(shape));
        }
        float[] w = Npy.readFloats(dir.resolve(Fitter.WEIGHTS));
        float[] b = Npy.readFloats(dir.resolve(Fitter.BIAS));
        if (b.length != shape[1]) {
            throw new FitException("bias.npy: shape: expected (" + shape[1] + ",), got (" + b.length + ",)");
        }
        return new Datamodels((int) shape[0], (int) shape[1], w, b);
    }

    /** Training-set size m. */
    public int trainSize() {
        return m;
    }

    /** Number of targets T. */
    public int targets() {
        return t;
    }

    /** The number of targets whose weights are all zero (their datamodel predicts a constant). */
    public int targetsWithoutWeights() {
        int none = 0;
        for (int q = 0; q < t; q++) {
            boolean any = false;
            for (int j = 0; j < m && !any; j++) {
                any = weights[j * t + q] != 0;
            }
            none += any ? 0 : 1;
        }
        return none;
    }

    /**
     * A warning when many targets (at least a tenth, and at least 2) have all-zero weights, the sign of too few
     * models for m training examples (the validation split then prefers a constant); null otherwise.
     */
    public String fewModelsWarning(long models) {
        int none = targetsWithoutWeights();
        if (none < 2 || none * 10 < t) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "warning: %d of %d targets have no non-zero weight: too few models (%,d) for m = %,d "
                + "training examples? Train more models (the paper uses tens of thousands) and fit again", none, t,
                models, m);
    }

    /** Weight of training example j for target q. */
    public float weight(int j, int q) {
        return weights[j * t + q];
    }

    /** Bias of target q. */
    public float bias(int q) {
        return bias[q];
    }

    /**
     * The {@code k} training examples (mask columns) with the largest positive weights for target {@code q}, largest
     * first, ties by lower index; fewer where fewer than {@code k} weights are positive.
     */
    public int[] topSupporters(int q, int k) {
        return top(q, k, 1);
    }

    /** As {@link #topSupporters}, for the most negative weights: the examples whose presence lowers the output most. */
    public int[] topOpposers(int q, int k) {
        return top(q, k, -1);
    }

    private int[] top(int q, int k, int sign) {
        if (q < 0 || q >= t) {
            throw new IndexOutOfBoundsException("target " + q + " is outside [0, " + t + ")");
        }
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        return java.util.stream.IntStream.range(0, m).filter(j -> sign * weight(j, q) > 0).boxed()
                .sorted((a, b) -> Float.compare(sign * weight(b, q), sign * weight(a, q)))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** {@code members} (training indices) ordered by decreasing weight for target q: its strongest supporters first. */
    public int[] bySupport(int q, int[] members) {
        return java.util.Arrays.stream(members).boxed()
                .sorted((a, b) -> Float.compare(weight(b, q), weight(a, q)))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Predicted outputs of all targets for one mask. */
    public float[] predict(BitMask mask) {
        if (mask.size() != m) {
            throw new IllegalArgumentException("mask: expected length " + m + ", got " + mask.size());
        }
        double[] acc = new double[t];
        for (int j : mask.indices()) {
            int o = j * t;
            for (int q = 0; q < t; q++) {
                acc[q] += weights[o + q];
            }
        }
        float[] out = new float[t];
        for (int q = 0; q < t; q++) {
            out[q] = (float) (bias[q] + acc[q]);
        }
        return out;
    }

    /** Predicted outputs (n x T, row-major) for n masks given as 0/1 floats (n x m, row-major), by one GEMM. */
    public float[] predict(float[] masks, int n, Gemm gemm) {
        if (masks.length != (long) n * m) {
            throw new IllegalArgumentException("masks: expected " + n + " x " + m + " values, got " + masks.length);
        }
        float[] out = new float[Math.multiplyExact(n, t)];
        for (int i = 0; i < n; i++) {
            System.arraycopy(bias, 0, out, i * t, t);
        }
        gemm.sgemm(false, false, n, t, m, 1f, MemorySegment.ofArray(masks), Math.max(1, m),
                MemorySegment.ofArray(weights), Math.max(1, t), 1f, MemorySegment.ofArray(out), Math.max(1, t));
        return out;
    }
}
