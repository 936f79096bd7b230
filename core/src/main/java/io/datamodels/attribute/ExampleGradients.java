package io.datamodels.attribute;

import io.datamodels.kernel.Gemm;
import io.datamodels.learn.Network;
import io.datamodels.learn.Outputs;

import java.lang.foreign.MemorySegment;

/**
 * Per-example gradients of one network, kept in factored form. For a dense layer {@code z = a W + b} the gradient of
 * any per-example function with respect to {@code (W; b)} is the outer product {@code [a, 1]^T delta} of the layer's
 * input (with a 1 appended for the bias) and {@code delta = df/dz}; so the gradient of {@code n} examples is held as,
 * per layer {@code l}, the inputs {@code A_l} (n x (nin + 1), row-major) and the deltas {@code D_l} (n x nout). The
 * dense gradient never exists, except in {@link #dense()} for tests.
 *
 * <p>Parameter order (the flat index of the dense gradient): layer by layer; within layer {@code l}, input row
 * {@code a} (bias last, {@code a = nin}) then output column {@code c}: index {@code offset_l + a * nout + c}.
 *
 * <p>The functions ({@link Fn}): {@code LOG_ODDS} is TRAK's output {@code f = log(p / (1 - p))} of the correct class,
 * equivalently {@code z_y - logsumexp_{j != y} z_j}, whose logit gradient is {@code e_y - q} with {@code q} the
 * softmax over the other classes; {@code LOSS} is the cross-entropy {@code -log p_y}, whose logit gradient is
 * {@code p - e_y}.
 */
final class ExampleGradients {
    /** The per-example function differentiated. */
    enum Fn { LOG_ODDS, LOSS }

    final int n;
    final int[] sizes;
    /** Per layer: n x (nin + 1), the layer's inputs with a trailing 1. */
    final float[][] a;
    /** Per layer: n x nout, d f / d z. */
    final float[][] delta;
    /** Softmax probability of each example's label. */
    final double[] p;
    /** Each example's logits, n x C. */
    final float[] logits;
    private final int[] labels;

    private ExampleGradients(int n, int[] sizes, float[][] a, float[][] delta, double[] p, float[] logits,
                             int[] labels) {
        this.labels = labels;
        this.n = n;
        this.sizes = sizes;
        this.a = a;
        this.delta = delta;
        this.p = p;
        this.logits = logits;
    }

    /** The label of example i. */
    int label(int i) {
        return labels[i];
    }

    /**
     * The value at example i of a store output: {@code margins} (the label's logit minus the largest other),
     * {@code probs} (the label's softmax probability), {@code losses} (its cross-entropy) or {@code logodds}
     * (log(p / (1 - p)) of the label).
     */
    double output(String key, int i) {
        int c = sizes[sizes.length - 1];
        int y = labels[i];
        return switch (key) {
            case Outputs.MARGINS -> logits[i * c + y] - largestOther(i, c, y);
            case Outputs.PROBS -> p[i];
            case Outputs.LOSSES -> -Math.log(p[i]);
            case Outputs.LOGODDS -> {
                float other = largestOther(i, c, y);
                double s = 0;
                for (int j = 0; j < c; j++) {
                    if (j != y) {
                        s += Math.exp(logits[i * c + j] - other);
                    }
                }
                yield logits[i * c + y] - other - Math.log(s);
            }
            default -> throw new IllegalArgumentException("output key: expected margins, probs, losses or logodds, "
                    + "got '" + key + "'");
        };
    }

    /** The largest logit of example {@code i} other than its label's. */
    private float largestOther(int i, int c, int y) {
        float other = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
            if (j != y) {
                other = Math.max(other, logits[i * c + j]);
            }
        }
        return other;
    }

    /** Number of parameters of the network. */
    long parameters() {
        return Network.parameters(sizes);
    }

    /**
     * The gradients of {@code fn} at {@code n} examples {@code x} (n x d, row-major) with labels {@code labels}, for
     * network {@code net}: one forward and one backward pass over all examples, the products through {@code gemm}.
     */
    static ExampleGradients of(Network net, float[] x, int[] labels, int n, Fn fn, Gemm gemm) {
        int[] sizes = net.sizes();
        int layers = sizes.length - 1;
        int c = sizes[layers];
        float[][] a = new float[layers][];
        float[][] z = new float[layers][];
        float[] in = x;
        for (int l = 0; l < layers; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            float[] al = new float[Math.multiplyExact(n, nin + 1)];
            for (int i = 0; i < n; i++) {
                System.arraycopy(in, i * nin, al, i * (nin + 1), nin);
                al[i * (nin + 1) + nin] = 1f;
            }
            a[l] = al;
            float[] zl = new float[Math.multiplyExact(n, nout)];
            gemm.sgemm(false, false, n, nout, nin, 1f, MemorySegment.ofArray(in), Math.max(1, nin),
                    MemorySegment.ofArray(net.weights()[l]), nout, 0f, MemorySegment.ofArray(zl), nout);
            float[] b = net.biases()[l];
            boolean relu = l < layers - 1;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < nout; j++) {
                    float v = zl[i * nout + j] + b[j];
                    zl[i * nout + j] = relu && v < 0 ? 0 : v;
                }
            }
            z[l] = zl;
            in = zl;
        }
        float[] logits = z[layers - 1];
        double[] p = new double[n];
        float[][] delta = new float[layers][];
        float[] dl = new float[n * c];
        double[] e = new double[c];
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, logits[i * c + j]);
            }
            double sum = 0;
            double others = 0;
            for (int j = 0; j < c; j++) {
                e[j] = Math.exp(logits[i * c + j] - max);
                sum += e[j];
                others += j == y ? 0 : e[j];
            }
            p[i] = e[y] / sum;
            for (int j = 0; j < c; j++) {
                double g = switch (fn) {
                    case LOG_ODDS -> j == y ? 1 : -e[j] / others;
                    case LOSS -> e[j] / sum - (j == y ? 1 : 0);
                };
                dl[i * c + j] = (float) g;
            }
        }
        delta[layers - 1] = dl;
        for (int l = layers - 1; l > 0; l--) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            float[] prev = new float[n * nin];
            gemm.sgemm(false, true, n, nin, nout, 1f, MemorySegment.ofArray(delta[l]), nout,
                    MemorySegment.ofArray(net.weights()[l]), nout, 0f, MemorySegment.ofArray(prev), nin);
            float[] act = z[l - 1];
            for (int i = 0; i < prev.length; i++) {
                if (act[i] <= 0) {
                    prev[i] = 0;
                }
            }
            delta[l - 1] = prev;
        }
        return new ExampleGradients(n, sizes, a, delta, p, logits, labels.clone());
    }

    /** The dense gradients, n x P row-major in the parameter order of the class comment (tests, tiny models). */
    float[] dense() {
        int pp = Math.toIntExact(parameters());
        float[] g = new float[Math.multiplyExact(n, pp)];
        int off = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            int nin = sizes[l] + 1;
            int nout = sizes[l + 1];
            for (int i = 0; i < n; i++) {
                for (int r = 0; r < nin; r++) {
                    float ar = a[l][i * nin + r];
                    for (int c = 0; c < nout; c++) {
                        g[i * pp + off + r * nout + c] = ar * delta[l][i * nout + c];
                    }
                }
            }
            off += nin * nout;
        }
        return g;
    }

    /**
     * The projected gradients {@code G R} (n x k, row-major) for the projection {@code proj} (P x k), in blocks of
     * parameters: each block's gradient columns are formed from the factors and multiplied by the block's rows of R.
     */
    float[] project(Projector proj, Gemm gemm) {
        int k = proj.dim();
        float[] out = new float[Math.multiplyExact(n, k)];
        MemorySegment outSeg = MemorySegment.ofArray(out);
        long off = 0;
        for (int l = 0; l + 1 < sizes.length; l++) {
            int nin = sizes[l] + 1;
            int nout = sizes[l + 1];
            int rowsPerBlock = Math.max(1, Projector.BLOCK / nout);
            float[] g = new float[Math.multiplyExact(n, rowsPerBlock * nout)];
            float[] r = new float[Math.multiplyExact(rowsPerBlock * nout, k)];
            for (int r0 = 0; r0 < nin; r0 += rowsPerBlock) {
                int rows = Math.min(rowsPerBlock, nin - r0);
                int width = rows * nout;
                for (int i = 0; i < n; i++) {
                    for (int q = 0; q < rows; q++) {
                        float ar = a[l][i * nin + r0 + q];
                        int base = i * width + q * nout;
                        for (int c = 0; c < nout; c++) {
                            g[base + c] = ar * delta[l][i * nout + c];
                        }
                    }
                }
                proj.rows(off + (long) r0 * nout, width, r);
                gemm.sgemm(false, false, n, k, width, 1f, MemorySegment.ofArray(g), width, MemorySegment.ofArray(r),
                        k, 1f, outSeg, k);
            }
            off += (long) nin * nout;
        }
        return out;
    }

    /**
     * The inner products of every gradient of {@code u} with every gradient of {@code v}, u.n x v.n row-major:
     * {@code sum_l (A_l^u A_l^v^T) .* (D_l^u D_l^v^T)}, without forming a gradient.
     */
    static float[] dot(ExampleGradients u, ExampleGradients v, Gemm gemm) {
        float[] out = new float[Math.multiplyExact(u.n, v.n)];
        float[] ta = new float[out.length];
        float[] td = new float[out.length];
        for (int l = 0; l + 1 < u.sizes.length; l++) {
            int nin = u.sizes[l] + 1;
            int nout = u.sizes[l + 1];
            gemm.sgemm(false, true, u.n, v.n, nin, 1f, MemorySegment.ofArray(u.a[l]), nin,
                    MemorySegment.ofArray(v.a[l]), nin, 0f, MemorySegment.ofArray(ta), v.n);
            gemm.sgemm(false, true, u.n, v.n, nout, 1f, MemorySegment.ofArray(u.delta[l]), nout,
                    MemorySegment.ofArray(v.delta[l]), nout, 0f, MemorySegment.ofArray(td), v.n);
            for (int i = 0; i < out.length; i++) {
                out[i] += ta[i] * td[i];
            }
        }
        return out;
    }
}
