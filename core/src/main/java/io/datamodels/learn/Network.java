package io.datamodels.learn;

import java.util.Arrays;

/**
 * The parameters of one trained network of the built-in learners: an MLP with ReLU hidden layers, or softmax
 * regression when {@code sizes} has two entries. Layer {@code l} maps {@code sizes[l]} inputs to {@code sizes[l + 1]}
 * outputs: {@code z = a W_l + b_l}, ReLU after every layer but the last, whose outputs are the logits.
 *
 * <p>Layout (row-major): {@code weights[l]} is {@code sizes[l] x sizes[l + 1]}, element (i, j) at
 * {@code i * sizes[l + 1] + j}; {@code biases[l]} has {@code sizes[l + 1]} entries. The inputs are the learner's
 * prepared inputs ({@link MlpLearner#trainInputs()}), already normalised.
 *
 * @param sizes   layer widths, input first, classes last
 * @param weights one matrix per layer
 * @param biases  one vector per layer
 */
public record Network(int[] sizes, float[][] weights, float[][] biases) {
    public Network {
        if (sizes == null || sizes.length < 2) {
            throw new IllegalArgumentException("sizes: expected at least 2 layer widths, got "
                    + Arrays.toString(sizes));
        }
        int layers = sizes.length - 1;
        if (weights == null || biases == null || weights.length != layers || biases.length != layers) {
            throw new IllegalArgumentException("weights, biases: expected " + layers + " layers each");
        }
        for (int l = 0; l < layers; l++) {
            if (weights[l].length != sizes[l] * sizes[l + 1] || biases[l].length != sizes[l + 1]) {
                throw new IllegalArgumentException("layer " + l + ": expected a " + sizes[l] + " x " + sizes[l + 1]
                        + " weight matrix and " + sizes[l + 1] + " biases, got " + weights[l].length + " and "
                        + biases[l].length + " values");
            }
        }
    }

    /** Number of layers (1 for softmax regression). */
    public int layers() {
        return sizes.length - 1;
    }

    /** Number of parameters, weights and biases: sum over layers of {@code (sizes[l] + 1) * sizes[l + 1]}. */
    public long parameters() {
        return parameters(sizes);
    }

    /**
     * Number of parameters of a network with layer widths {@code sizes} (input first, classes last): sum over layers
     * of {@code (sizes[l] + 1) * sizes[l + 1]}.
     */
    public static long parameters(int[] sizes) {
        long p = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            p += (long) (sizes[l] + 1) * sizes[l + 1];
        }
        return p;
    }

    /** Number of classes (the last width). */
    public int classes() {
        return sizes[sizes.length - 1];
    }

    /**
     * The logits of {@code rows} inputs {@code x} (rows x sizes[0], row-major), as rows x classes, computed plainly in
     * double precision (a reference, not a fast path).
     */
    public double[] logits(float[] x, int rows) {
        int d = sizes[0];
        double[] a = new double[rows * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = x[i];
        }
        for (int l = 0; l < layers(); l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            double[] z = new double[rows * nout];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < nout; j++) {
                    double s = biases[l][j];
                    for (int i = 0; i < nin; i++) {
                        s += a[r * nin + i] * weights[l][i * nout + j];
                    }
                    z[r * nout + j] = l < layers() - 1 ? Math.max(0, s) : s;
                }
            }
            a = z;
        }
        return a;
    }

    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Network n && Arrays.equals(sizes, n.sizes) && Arrays.deepEquals(weights, n.weights)
                && Arrays.deepEquals(biases, n.biases);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sizes) * 31 + Arrays.deepHashCode(weights) * 17 + Arrays.deepHashCode(biases);
    }

    @Override
    public String toString() {
        return "Network" + Arrays.toString(sizes);
    }
}
