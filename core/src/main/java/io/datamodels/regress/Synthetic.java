package io.datamodels.regress;

import io.datamodels.Provenance;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;
import io.datamodels.subset.SeedStream;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Planted-truth regression problems for tests and benchmarks: Bernoulli(alpha) masks and, per target, a sparse
 * linear outcome with {@code s} non-zero weights of heavy-tailed size plus Gaussian noise,
 * <pre>
 *   y_t = b_t + sum_{j in S_t} w_jt x_j + noise_std * N(0, 1),   |w_jt| = scale * exp(N(0, 1)), random sign
 * </pre>
 * All randomness derives from {@code seed}.
 *
 * @param m        training-set size (mask length)
 * @param t        targets
 * @param s        non-zero weights per target
 * @param scale    weight scale
 * @param noiseStd noise standard deviation
 * @param alpha    mask density
 * @param seed     root seed
 */
public record Synthetic(int m, int t, int s, double scale, double noiseStd, double alpha, long seed) {
    public Synthetic {
        if (m < 1 || t < 1) {
            throw new IllegalArgumentException("train size and targets must be >= 1, got m = " + m + ", T = " + t);
        }
        if (s < 0 || s > m) {
            throw new IllegalArgumentException("planted non-zeros must be in [0, train size " + m + "], got " + s);
        }
    }

    /** The planted support (sorted) and weights of each target, and the biases. */
    public record Truth(int[][] support, double[][] weights, double[] bias) {
    }

    /** Draws the truth. */
    public Truth truth() {
        int[][] sup = new int[t][];
        double[][] w = new double[t][];
        double[] b = new double[t];
        for (int q = 0; q < t; q++) {
            SeedStream r = new SeedStream(seed, q, 11);
            int[] perm = new int[m];
            for (int j = 0; j < m; j++) {
                perm[j] = j;
            }
            for (int j = 0; j < s; j++) {
                int k = j + r.nextInt(m - j);
                int tmp = perm[j];
                perm[j] = perm[k];
                perm[k] = tmp;
            }
            sup[q] = java.util.Arrays.copyOf(perm, s);
            java.util.Arrays.sort(sup[q]);
            w[q] = new double[s];
            for (int j = 0; j < s; j++) {
                w[q][j] = (r.nextDouble() < 0.5 ? -1 : 1) * scale * Math.exp(r.nextGaussian());
            }
            b[q] = r.nextGaussian();
        }
        return new Truth(sup, w, b);
    }

    /** The noiseless outcome of every target for one mask. */
    public static double[] expected(Truth truth, BitMask mask) {
        double[] y = new double[truth.bias().length];
        for (int q = 0; q < y.length; q++) {
            double v = truth.bias()[q];
            for (int k = 0; k < truth.support()[q].length; k++) {
                if (mask.get(truth.support()[q][k])) {
                    v += truth.weights()[q][k];
                }
            }
            y[q] = v;
        }
        return y;
    }

    /**
     * Writes a store with {@code n} models at {@code dir}: key {@code masks} and key {@code y} (float32 [T]); rows
     * whose index is in {@code skip} are left not completed.
     */
    public Truth writeStore(Path dir, int n, java.util.Set<Integer> skip) throws IOException {
        Truth truth = truth();
        Sampling sampling = new Sampling(Sampling.BERNOULLI, alpha, seed, m);
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, m));
        schema.put("y", StoreSpec.KeySpec.of(DType.FLOAT32, t));
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, sampling, null, Provenance.now("none", "synthetic " + this));
        try (Store st = Store.init(dir, new StoreSpec((long) n, schema), meta, true)) {
            int batch = 256;
            for (int i0 = 0; i0 < n; i0 += batch) {
                List<Long> idx = new ArrayList<>();
                List<Map<String, ?>> rows = new ArrayList<>();
                for (int i = i0; i < Math.min(n, i0 + batch); i++) {
                    if (skip.contains(i)) {
                        continue;
                    }
                    double[] y = expected(truth, sampling.mask(i));
                    SeedStream noise = new SeedStream(seed, i, 12);
                    float[] yf = new float[t];
                    for (int q = 0; q < t; q++) {
                        yf[q] = (float) (y[q] + noiseStd * noise.nextGaussian());
                    }
                    idx.add((long) i);
                    rows.add(Map.of("y", yf));
                }
                st.writeRows(idx.stream().mapToLong(Long::longValue).toArray(), rows);
            }
        }
        return truth;
    }
}
