package io.datamodels.learn;

import io.datamodels.data.Dataset;
import io.datamodels.subset.SeedStream;

/**
 * The plain one-model-at-a-time trainer that {@link MlpLearner} is checked against: the same network, initialisation,
 * data order, loss and SGD update (see {@link MlpConfig}), written as direct loops over examples with no batching
 * across models and no GEMM. Slow; for tests and as executable documentation of what the batched trainer computes.
 */
public final class ReferenceMlp {
    private final MlpConfig cfg;
    private final int[] sizes;
    private final float[][] w;
    private final float[][] b;

    /** The trained weights of one model: layer l maps sizes[l] inputs to sizes[l+1] outputs, w[l][i * out + j]. */
    private ReferenceMlp(MlpConfig cfg, int[] sizes) {
        this.cfg = cfg;
        this.sizes = sizes;
        int layers = sizes.length - 1;
        w = new float[layers][];
        b = new float[layers][];
        for (int l = 0; l < layers; l++) {
            w[l] = new float[sizes[l] * sizes[l + 1]];
            b[l] = new float[sizes[l + 1]];
        }
    }

    /**
     * Trains one model on {@code task}'s subset of {@code train} (features already standardised if the config asks
     * for it) and returns it.
     */
    public static ReferenceMlp train(float[] x, int[] y, int d, int classes, MlpConfig cfg, ModelTask task) {
        int[] h = cfg.hidden();
        int[] sizes = new int[h.length + 2];
        sizes[0] = d;
        System.arraycopy(h, 0, sizes, 1, h.length);
        sizes[sizes.length - 1] = classes;
        ReferenceMlp net = new ReferenceMlp(cfg, sizes);
        int layers = sizes.length - 1;
        SeedStream init = cfg.init() == MlpConfig.Sharing.SHARED ? new SeedStream(task.seed(), 0, MlpLearner.SALT_SHARED_INIT)
                : new SeedStream(task.seed(), task.index(), MlpLearner.SALT_INIT);
        for (int l = 0; l < layers; l++) {
            double bound = 1 / Math.sqrt(sizes[l]);
            for (int i = 0; i < net.w[l].length; i++) {
                net.w[l][i] = (float) ((init.nextDouble() * 2 - 1) * bound);
            }
            for (int j = 0; j < net.b[l].length; j++) {
                net.b[l][j] = (float) ((init.nextDouble() * 2 - 1) * bound);
            }
        }
        float[][] vw = new float[layers][];
        float[][] vb = new float[layers][];
        float[][] gw = new float[layers][];
        float[][] gb = new float[layers][];
        for (int l = 0; l < layers; l++) {
            vw[l] = new float[net.w[l].length];
            vb[l] = new float[net.b[l].length];
            gw[l] = new float[net.w[l].length];
            gb[l] = new float[net.b[l].length];
        }
        int m = y.length;
        int[] members = task.mask().indices();
        int n = members.length;
        int bs = Math.min(cfg.batchSize(), Math.max(1, n));
        long total = (long) ((n + bs - 1) / bs) * cfg.epochs();
        long step = 0;
        boolean sharedOrder = cfg.dataOrder() == MlpConfig.Sharing.SHARED;
        SeedStream order = sharedOrder ? new SeedStream(task.seed(), 0, MlpLearner.SALT_SHARED_ORDER)
                : new SeedStream(task.seed(), task.index(), MlpLearner.SALT_ORDER);
        int[] perm = sharedOrder ? MlpLearner.identity(m) : members.clone();
        int[] epochOrder = new int[n];
        float[][] act = new float[layers + 1][];
        float[][] delta = new float[layers][];
        for (int e = 0; e < cfg.epochs(); e++) {
            MlpLearner.shuffle(perm, order);
            if (sharedOrder) {
                int q = 0;
                for (int i : perm) {
                    if (task.mask().get(i)) {
                        epochOrder[q++] = i;
                    }
                }
            } else {
                System.arraycopy(perm, 0, epochOrder, 0, n);
            }
            for (int s = 0; s < n; s += bs) {
                int rows = Math.min(bs, n - s);
                for (int l = 0; l < layers; l++) {
                    java.util.Arrays.fill(gw[l], 0f);
                    java.util.Arrays.fill(gb[l], 0f);
                }
                for (int r = 0; r < rows; r++) {
                    int ex = epochOrder[s + r];
                    act[0] = java.util.Arrays.copyOfRange(x, ex * d, ex * d + d);
                    net.forward(act);
                    float[] p = softmax(act[layers]);
                    delta[layers - 1] = new float[classes];
                    for (int c = 0; c < classes; c++) {
                        delta[layers - 1][c] = (p[c] - (c == y[ex] ? 1f : 0f)) / rows;
                    }
                    for (int l = layers - 1; l >= 0; l--) {
                        int nin = sizes[l];
                        int nout = sizes[l + 1];
                        for (int i = 0; i < nin; i++) {
                            for (int j = 0; j < nout; j++) {
                                gw[l][i * nout + j] += act[l][i] * delta[l][j];
                            }
                        }
                        for (int j = 0; j < nout; j++) {
                            gb[l][j] += delta[l][j];
                        }
                        if (l > 0) {
                            delta[l - 1] = new float[nin];
                            for (int i = 0; i < nin; i++) {
                                float sum = 0;
                                for (int j = 0; j < nout; j++) {
                                    sum += net.w[l][i * nout + j] * delta[l][j];
                                }
                                delta[l - 1][i] = act[l][i] > 0 ? sum : 0f;
                            }
                        }
                    }
                }
                float lr = (float) (cfg.lr() * cfg.lrFactor(step++, total));
                float mu = (float) cfg.momentum();
                float wd = (float) cfg.weightDecay();
                for (int l = 0; l < layers; l++) {
                    sgd(net.w[l], vw[l], gw[l], lr, mu, wd);
                    sgd(net.b[l], vb[l], gb[l], lr, mu, wd);
                }
            }
        }
        return net;
    }

    private static void sgd(float[] p, float[] v, float[] g, float lr, float mu, float wd) {
        for (int i = 0; i < p.length; i++) {
            v[i] = mu * v[i] + g[i] + wd * p[i];
            p[i] -= lr * v[i];
        }
    }

    /** act[0] is the input; fills act[1..layers], ReLU on hidden layers, logits last. */
    private void forward(float[][] act) {
        int layers = sizes.length - 1;
        for (int l = 0; l < layers; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            float[] out = new float[nout];
            for (int j = 0; j < nout; j++) {
                float s = 0;
                for (int i = 0; i < nin; i++) {
                    s += act[l][i] * w[l][i * nout + j];
                }
                s += b[l][j];
                out[j] = l < layers - 1 && s < 0 ? 0 : s;
            }
            act[l + 1] = out;
        }
    }

    private static float[] softmax(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        float[] p = new float[z.length];
        float sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** The logits of one input row. */
    public float[] logits(float[] input) {
        float[][] act = new float[sizes.length][];
        act[0] = input;
        forward(act);
        return act[sizes.length - 1];
    }

    /** Fraction of rows of {@code x} (rows x d) whose arg-max logit is the label. */
    public double accuracy(float[] x, int[] y, int d) {
        int correct = 0;
        for (int i = 0; i < y.length; i++) {
            float[] z = logits(java.util.Arrays.copyOfRange(x, i * d, i * d + d));
            int arg = 0;
            for (int c = 1; c < z.length; c++) {
                if (z[c] > z[arg]) {
                    arg = c;
                }
            }
            if (arg == y[i]) {
                correct++;
            }
        }
        return y.length == 0 ? 0 : (double) correct / y.length;
    }

    /** The config it was trained with. */
    public MlpConfig config() {
        return cfg;
    }

    /**
     * The features of {@code train} and {@code other} standardised as {@link MlpLearner} does (train statistics),
     * as two new arrays.
     */
    public static float[][] standardised(Dataset train, Dataset other) {
        float[] a = train.features();
        float[] o = other.features();
        MlpLearner.standardise(a, o, train.rows(), train.cols());
        return new float[][]{a, o};
    }
}
