package io.datamodels.kernel;

/**
 * A linear layer with few outputs (e.g. the 10 classes of softmax regression) applied to rows picked by index from
 * a row-major matrix, with no copy of the rows. Plain GEMM is poor at such narrow products, and copying ("gathering")
 * each model's minibatch first costs as much again. Weights are stored transposed, one row per output.
 * <pre>
 *   x   (rows of d floats)   row r of the batch is x[rows[r] * d .. + d)
 *   wt  (outputs x d)        output c's weights at wt[c * d + j]
 *   forward:     out[r * ldo + c] = bias[c] + sum_j x[rows[r] * d + j] * wt[c * d + j]
 *   weightGrad:  gt[c * d + j]    = beta * gt[c * d + j] + sum_r x[rows[r] * d + j] * g[r * ldg + c]
 * </pre>
 * Only {@code out} (forward) and {@code gt} (weightGrad) are modified. Implementations are single-threaded.
 */
public interface NarrowLinear {
    /** "vector" or "scalar". */
    String name();

    /** The forward product above, for {@code n} rows and {@code outputs} outputs. */
    void forward(float[] x, int d, int[] rows, int n, float[] wt, float[] bias, int outputs, float[] out, int ldo);

    /** The weight gradient above, accumulated into {@code gt} scaled by {@code beta} (0: overwrite). */
    void weightGrad(float[] x, int d, int[] rows, int n, float[] g, int ldg, int outputs, float beta, float[] gt);

    /**
     * The default implementation for the current {@code datamodels.kernel} choice: scalar if forced or if the JVM
     * lacks the Vector API module ({@link Kernels#vectorApi()}), else the Vector API. Learners do not call this: they
     * receive their kernel, as they receive their {@link Gemm}, and train.json records both
     * ({@link Kernels#describe(Gemm, NarrowLinear)}).
     */
    /** The plain scalar reference, always available. */
    static NarrowLinear scalar() {
        return new ScalarNarrowLinear();
    }

    static NarrowLinear choose() {
        return "scalar".equals(System.getProperty(Kernels.PROPERTY)) || !Kernels.vectorApi() ? new ScalarNarrowLinear()
                : new VectorNarrowLinear();
    }
}
