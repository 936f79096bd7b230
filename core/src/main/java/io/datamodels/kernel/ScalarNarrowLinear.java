package io.datamodels.kernel;

/** The plain reference for {@link NarrowLinear}: direct loops, one float accumulator per result, in order of j or r. */
final class ScalarNarrowLinear implements NarrowLinear {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void forward(float[] x, int d, int[] rows, int n, float[] wt, float[] bias, int outputs, float[] out, int ldo) {
        for (int r = 0; r < n; r++) {
            int xo = rows[r] * d;
            for (int c = 0; c < outputs; c++) {
                float s = 0;
                for (int j = 0; j < d; j++) {
                    s += x[xo + j] * wt[c * d + j];
                }
                out[r * ldo + c] = bias[c] + s;
            }
        }
    }

    @Override
    public void weightGrad(float[] x, int d, int[] rows, int n, float[] g, int ldg, int outputs, float beta, float[] gt) {
        for (int c = 0; c < outputs; c++) {
            for (int j = 0; j < d; j++) {
                float s = 0;
                for (int r = 0; r < n; r++) {
                    s += x[rows[r] * d + j] * g[r * ldg + c];
                }
                int i = c * d + j;
                gt[i] = beta == 0 ? s : beta * gt[i] + s;
            }
        }
    }
}
