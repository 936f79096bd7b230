package io.datamodels.learn;

import io.datamodels.data.Dataset;
import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.SeedStream;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in learners: an MLP with ReLU hidden layers, or softmax regression when there are none, trained on
 * many subsets at once so that the dense work is a few large matrix products through {@link Gemm}.
 *
 * <p>Two ways to batch K models (see {@link MlpConfig#mode()}):
 * <ul>
 *   <li><b>gather</b>: each model steps on {@code batch_size} rows of its own subset, copied ("gathered") into a
 *   contiguous block; its products are separate GEMMs. No wasted arithmetic; the runner runs models in parallel.
 *   Softmax regression skips the copy: its one narrow layer runs through {@link NarrowLinear}, which reads the rows
 *   by index.</li>
 *   <li><b>shared</b>: the K models of a group step together on one batch of {@code round(batch_size / alpha)} rows
 *   of the full training set, each row's loss weighted 1 / n_k for models whose subset holds it (n_k of them in
 *   the batch) and 0 otherwise. The first layer of all K models is then a single GEMM
 *   {@code X_b (rows x d) * [W_1 ... W_K] (d x K*h)}, and its gradient another. Each model still sees about
 *   {@code batch_size} of its own examples per step (a Binomial(round(batch_size/alpha), alpha) count instead of a
 *   fixed one) and about the same number of steps per epoch; the cost is 1/alpha more arithmetic, and the data
 *   order is necessarily one order of the full set shared by the group.</li>
 * </ul>
 *
 * <p>Layout (row-major throughout): layer 0's weights for a group are one {@code d x (K * n_1)} matrix, model k's
 * columns at {@code [k * n_1, (k + 1) * n_1)}; deeper layers are stacked per model, model k's {@code n_l x n_(l+1)}
 * block at offset {@code k * n_l * n_(l+1)}. Activations are {@code rows x (K * n_l)}, model k's columns in its block.
 *
 * <p>Randomness: a model's initial weights come from {@code SeedStream(seed, index, 1)} (PyTorch's default
 * uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases), its data order from
 * {@code SeedStream(seed, index, 2)}; with the shared controls, from index-free streams of the root seed.
 */
public final class MlpLearner implements Learner {
    static final long SALT_INIT = 1;
    static final long SALT_ORDER = 2;
    static final long SALT_SHARED_INIT = 3;
    static final long SALT_SHARED_ORDER = 4;
    static final long SALT_DROPOUT = 5;
    private static final int EVAL_CHUNK = 256;

    private final MlpConfig cfg;
    private final Gemm gemm;
    private final int m;
    private final int d;
    private final int classes;
    private final int nTargets;
    private final float[] x;
    private final int[] y;
    private final float[] xt;
    private final int[] yt;
    private final int[] sizes;
    private final boolean shared;
    private final double alpha;
    private final NarrowLinear narrow;

    /**
     * Binds a learner to its data: {@code train} is the training set S (mask column j = row j), {@code targets} the
     * examples whose outputs are recorded.
     *
     * @param gemm   the matrix product of every dense layer
     * @param narrow the kernel of softmax regression's one layer in gather mode (see {@link NarrowLinear}); the
     *               default is {@link NarrowLinear#choose()}
     * @param alpha  the subset fraction of the masks it will see, which sizes shared-mode batches; NaN to use the
     *               mean of each group's masks (then a model's result depends on its group)
     */
    public MlpLearner(Dataset train, Dataset targets, MlpConfig cfg, Gemm gemm, NarrowLinear narrow, double alpha) {
        if (train.cols() != targets.cols()) {
            throw new IllegalArgumentException("targets: expected " + train.cols() + " features like the training set, got "
                    + targets.cols());
        }
        this.cfg = cfg;
        this.gemm = gemm;
        this.alpha = alpha;
        this.narrow = java.util.Objects.requireNonNull(narrow, "narrow");
        this.m = train.rows();
        this.d = train.cols();
        this.classes = Math.max(train.numClasses(), targets.numClasses());
        this.nTargets = targets.rows();
        this.x = train.features();
        this.y = train.labels();
        this.xt = targets.features();
        this.yt = targets.labels();
        if (cfg.normalize()) {
            standardise(x, xt, m, d);
        }
        if (cfg.inputMean() != null) {
            float mu = (float) (double) cfg.inputMean();
            float inv = (float) (1 / cfg.inputStd());
            for (float[] arr : new float[][]{x, xt}) {
                for (int i = 0; i < arr.length; i++) {
                    arr[i] = (arr[i] - mu) * inv;
                }
            }
        }
        int[] h = cfg.hidden();
        sizes = new int[h.length + 2];
        sizes[0] = d;
        System.arraycopy(h, 0, sizes, 1, h.length);
        sizes[sizes.length - 1] = classes;
        // auto: gather, the faster of the two for both architectures at alpha = 0.5 (BENCHMARKS.md).
        shared = cfg.mode() == MlpConfig.Mode.SHARED;
    }

    /** Standardises every feature of {@code a} (and {@code b}, with {@code a}'s statistics) in place. */
    static void standardise(float[] a, float[] b, int rows, int cols) {
        double[] mean = new double[cols];
        double[] sq = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = a[i * cols + j];
                mean[j] += v;
                sq[j] += v * v;
            }
        }
        float[] mu = new float[cols];
        float[] inv = new float[cols];
        for (int j = 0; j < cols; j++) {
            double mj = rows == 0 ? 0 : mean[j] / rows;
            double var = rows == 0 ? 0 : Math.max(0, sq[j] / rows - mj * mj);
            mu[j] = (float) mj;
            inv[j] = (float) (1 / Math.max(Math.sqrt(var), 1e-2));
        }
        for (float[] arr : new float[][]{a, b}) {
            for (int i = 0; i < arr.length; i++) {
                int j = i % cols;
                arr[i] = (arr[i] - mu[j]) * inv[j];
            }
        }
    }

    @Override
    public String name() {
        return sizes.length == 2 ? "softmax" : "mlp";
    }

    /** The resolved batching mode: "shared" or "gather". */
    public String mode() {
        return shared ? "shared" : "gather";
    }

    @Override
    public Set<String> outputKeys() {
        return Outputs.names();
    }

    @Override
    public int preferredBatch() {
        return shared ? cfg.group() : 1;
    }

    @Override
    public List<Outcome> train(List<ModelTask> tasks, Set<String> keys) {
        List<Outcome> out = new ArrayList<>(tasks.size());
        for (ModelTask t : tasks) {
            if (t.mask().size() != m) {
                throw new IllegalArgumentException("mask of model " + t.index() + ": expected length " + m + ", got "
                        + t.mask().size());
            }
        }
        if (shared && !tasks.isEmpty()) {
            Net net = new Net(tasks.size());
            net.init(tasks);
            net.trainShared(tasks);
            for (int k = 0; k < tasks.size(); k++) {
                out.add(net.outcome(k, tasks.get(k), keys));
            }
        } else {
            for (ModelTask t : tasks) {
                Net net = new Net(1);
                net.init(List.of(t));
                net.trainGather(t);
                out.add(net.outcome(0, t, keys));
            }
        }
        return out;
    }

    /**
     * Trains one model on its task exactly as {@link #train} does and returns its parameters instead of its outputs:
     * the entry point of the gradient-based attribution methods ({@code io.datamodels.attribute}), so that they
     * attribute the very models this learner trains.
     */
    public Network trainNetwork(ModelTask t) {
        if (t.mask().size() != m) {
            throw new IllegalArgumentException("mask of model " + t.index() + ": expected length " + m + ", got "
                    + t.mask().size());
        }
        Net net = new Net(1);
        net.init(List.of(t));
        if (shared) {
            net.trainShared(List.of(t));
        } else {
            net.trainGather(t);
        }
        int layers = sizes.length - 1;
        float[][] w = new float[layers][];
        float[][] b = new float[layers][];
        for (int l = 0; l < layers; l++) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            w[l] = new float[nin * nout];
            for (int i = 0; i < nin; i++) {
                for (int j = 0; j < nout; j++) {
                    w[l][i * nout + j] = net.w[l][net.wIndex(l, 0, i, j)];
                }
            }
            b[l] = net.b[l].clone();
        }
        return new Network(sizes.clone(), w, b);
    }

    /** The training inputs as the networks see them (normalised where the config says so), m x d row-major, a copy. */
    public float[] trainInputs() {
        return x.clone();
    }

    /** The target inputs as the networks see them, T x d row-major, a copy. */
    public float[] targetInputs() {
        return xt.clone();
    }

    /** The training labels, a copy. */
    public int[] trainLabels() {
        return y.clone();
    }

    /** The target labels, a copy. */
    public int[] targetLabels() {
        return yt.clone();
    }

    /** The layer widths: inputs, hidden layers, classes (the shape of every {@link Network} it trains). */
    public int[] sizes() {
        return sizes.clone();
    }

    /** The learner's config. */
    public MlpConfig config() {
        return cfg;
    }

    /** The weights, momenta and activation buffers of a group of K models. */
    private final class Net {
        final int k;
        final int layers;
        final float[][] w;
        final float[][] b;
        final float[][] vw;
        final float[][] vb;
        final MemorySegment[] ws;
        final MemorySegment[] vws;
        float[][] act = new float[0][];
        MemorySegment[] acts = new MemorySegment[0];
        float[] tmp = new float[0];
        float[] xb = new float[0];
        int[] idxBuf = new int[0];
        int cap;
        /** Softmax regression, one model: layer 0 stored transposed (C x d) for {@link NarrowLinear}, no gathers. */
        final boolean narrowLayer;
        final double[][] evalLoss;
        final int[][] evalCorrect;
        /** Set during training steps when the config has dropout: the hidden activations' dropout stream. */
        SeedStream dropout;

        Net(int k) {
            this.k = k;
            this.layers = sizes.length - 1;
            w = new float[layers][];
            b = new float[layers][];
            vw = new float[layers][];
            vb = new float[layers][];
            ws = new MemorySegment[layers];
            vws = new MemorySegment[layers];
            for (int l = 0; l < layers; l++) {
                w[l] = new float[Math.multiplyExact(Math.multiplyExact(sizes[l], sizes[l + 1]), k)];
                vw[l] = new float[w[l].length];
                b[l] = new float[k * sizes[l + 1]];
                vb[l] = new float[b[l].length];
                ws[l] = MemorySegment.ofArray(w[l]);
                vws[l] = MemorySegment.ofArray(vw[l]);
            }
            evalLoss = new double[k][2];
            evalCorrect = new int[k][2];
            // Gather mode only: shared mode's forward and backward passes run GEMMs on the untransposed layout.
            narrowLayer = layers == 1 && k == 1 && !shared;
        }

        /** Index of weight (i, j) of layer l for model kk. */
        int wIndex(int l, int kk, int i, int j) {
            int nin = sizes[l];
            int nout = sizes[l + 1];
            if (l == 0 && narrowLayer) {
                return j * nin + i;
            }
            return l == 0 ? i * (k * nout) + kk * nout + j : kk * nin * nout + i * nout + j;
        }

        void init(List<ModelTask> tasks) {
            for (int kk = 0; kk < k; kk++) {
                ModelTask t = tasks.get(kk);
                SeedStream r = cfg.init() == MlpConfig.Sharing.SHARED ? new SeedStream(t.seed(), 0, SALT_SHARED_INIT)
                        : new SeedStream(t.seed(), t.index(), SALT_INIT);
                for (int l = 0; l < layers; l++) {
                    int nin = sizes[l];
                    int nout = sizes[l + 1];
                    double bound = 1 / Math.sqrt(nin);
                    for (int i = 0; i < nin; i++) {
                        for (int j = 0; j < nout; j++) {
                            w[l][wIndex(l, kk, i, j)] = (float) ((r.nextDouble() * 2 - 1) * bound);
                        }
                    }
                    for (int j = 0; j < nout; j++) {
                        b[l][kk * nout + j] = (float) ((r.nextDouble() * 2 - 1) * bound);
                    }
                }
            }
        }

        void ensure(int rows) {
            if (rows <= cap) {
                return;
            }
            cap = rows;
            act = new float[layers][];
            acts = new MemorySegment[layers];
            int maxWidth = 0;
            for (int l = 0; l < layers; l++) {
                act[l] = new float[Math.multiplyExact(rows, k * sizes[l + 1])];
                acts[l] = MemorySegment.ofArray(act[l]);
                maxWidth = Math.max(maxWidth, sizes[l + 1]);
            }
            tmp = new float[rows * maxWidth];
            xb = new float[Math.multiplyExact(rows, d)];
            idxBuf = new int[rows];
        }

        /** Forward pass of rows {@code idx[off .. off + n)} of {@code src} (rows of d floats). */
        void forwardRows(float[] src, int[] idx, int off, int n) {
            if (narrowLayer) {
                System.arraycopy(idx, off, idxBuf, 0, n);
                narrow.forward(src, d, idxBuf, n, w[0], b[0], classes, act[0], classes);
                return;
            }
            for (int r = 0; r < n; r++) {
                System.arraycopy(src, idx[off + r] * d, xb, r * d, d);
            }
            forward(MemorySegment.ofArray(xb), n);
        }

        /** Forward pass of {@code rows} inputs in {@code xs} (rows x d); logits end in act[layers - 1]. */
        void forward(MemorySegment xs, int rows) {
            for (int l = 0; l < layers; l++) {
                int nin = sizes[l];
                int nout = sizes[l + 1];
                int wide = k * nout;
                if (l == 0) {
                    gemm.sgemm(false, false, rows, wide, nin, 1f, xs, Math.max(1, nin), ws[0], wide, 0f, acts[0], wide);
                } else {
                    for (int kk = 0; kk < k; kk++) {
                        gemm.sgemm(false, false, rows, nout, nin, 1f, acts[l - 1].asSlice(4L * kk * nin), k * nin,
                                ws[l].asSlice(4L * kk * nin * nout), nout, 0f, acts[l].asSlice(4L * kk * nout), wide);
                    }
                }
                float[] a = act[l];
                float[] bias = b[l];
                boolean relu = l < layers - 1;
                for (int r = 0; r < rows; r++) {
                    int base = r * wide;
                    for (int j = 0; j < wide; j++) {
                        float v = a[base + j] + bias[j];
                        a[base + j] = relu && v < 0 ? 0 : v;
                    }
                }
                if (relu && dropout != null) {
                    double p = cfg.dropoutRate();
                    float keep = (float) (1 / (1 - p));
                    for (int i = 0; i < rows * wide; i++) {
                        a[i] = dropout.nextDouble() < p ? 0 : a[i] * keep;
                    }
                }
            }
        }

        /**
         * Turns the logits of {@code rows} rows into loss gradients, in place: {@code (softmax - onehot) * weight},
         * where {@code weight(kk, r)} is given by {@code weights} (rows x K, row-major), or {@code 1/rows} if null.
         */
        void lossGradient(int[] labels, int rows, float[] weights) {
            float[] z = act[layers - 1];
            int c = classes;
            for (int r = 0; r < rows; r++) {
                int yr = labels[r];
                for (int kk = 0; kk < k; kk++) {
                    int o = r * k * c + kk * c;
                    float wgt = weights == null ? 1f / rows : weights[r * k + kk];
                    if (wgt == 0) {
                        java.util.Arrays.fill(z, o, o + c, 0f);
                        continue;
                    }
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) {
                        max = Math.max(max, z[o + j]);
                    }
                    float sum = 0;
                    for (int j = 0; j < c; j++) {
                        float e = (float) Math.exp(z[o + j] - max);
                        z[o + j] = e;
                        sum += e;
                    }
                    float inv = wgt / sum;
                    for (int j = 0; j < c; j++) {
                        z[o + j] *= inv;
                    }
                    z[o + yr] -= wgt;
                }
            }
        }

        /** Backward pass and SGD step for the batch in {@code xs} whose gradients lossGradient left in place. */
        void backwardAndStep(MemorySegment xs, int rows, double lr) {
            float mu = (float) cfg.momentum();
            for (int l = layers - 1; l >= 0; l--) {
                int nin = sizes[l];
                int nout = sizes[l + 1];
                int wide = k * nout;
                float[] g = act[l];
                for (int j = 0; j < wide; j++) {
                    float s = 0;
                    for (int r = 0; r < rows; r++) {
                        s += g[r * wide + j];
                    }
                    vb[l][j] = mu * vb[l][j] + s;
                }
                if (l == 0 && narrowLayer) {
                    narrow.weightGrad(x, d, idxBuf, rows, act[0], wide, wide, mu, vw[0]);
                    continue;
                }
                if (l == 0) {
                    gemm.sgemm(true, false, nin, wide, rows, 1f, xs, Math.max(1, nin), acts[0], wide, mu, vws[0], wide);
                    continue;
                }
                float[] a = act[l - 1];
                // inverted dropout: a kept unit's output was scaled by 1 / (1 - p), and so is its gradient
                float dropScale = dropout == null ? 1f : (float) (1 / (1 - cfg.dropoutRate()));
                MemorySegment tmpSeg = MemorySegment.ofArray(tmp);
                for (int kk = 0; kk < k; kk++) {
                    MemorySegment ak = acts[l - 1].asSlice(4L * kk * nin);
                    MemorySegment gk = acts[l].asSlice(4L * kk * nout);
                    MemorySegment wk = ws[l].asSlice(4L * kk * nin * nout);
                    gemm.sgemm(true, false, nin, nout, rows, 1f, ak, k * nin, gk, wide, mu,
                            vws[l].asSlice(4L * kk * nin * nout), nout);
                    gemm.sgemm(false, true, rows, nin, nout, 1f, gk, wide, wk, nout, 0f, tmpSeg, nin);
                    for (int r = 0; r < rows; r++) {
                        int ao = r * k * nin + kk * nin;
                        int to = r * nin;
                        for (int i = 0; i < nin; i++) {
                            a[ao + i] = a[ao + i] > 0 ? tmp[to + i] * dropScale : 0f;
                        }
                    }
                }
            }
            float wd = (float) cfg.weightDecay();
            float step = (float) lr;
            for (int l = 0; l < layers; l++) {
                update(w[l], vw[l], wd, step);
                update(b[l], vb[l], wd, step);
            }
        }

        private static void update(float[] p, float[] v, float wd, float lr) {
            for (int i = 0; i < p.length; i++) {
                float vi = v[i] + wd * p[i];
                v[i] = vi;
                p[i] -= lr * vi;
            }
        }

        /** Gather mode: SGD on the model's own subset, batches of batch_size. */
        void trainGather(ModelTask t) {
            int[] members = t.mask().indices();
            int n = members.length;
            int bs = Math.min(cfg.batchSize(), Math.max(1, n));
            ensure(Math.max(bs, EVAL_CHUNK));
            int[] labels = new int[bs];
            MemorySegment xbs = MemorySegment.ofArray(xb);
            long stepsPerEpoch = (n + bs - 1) / bs;
            long total = stepsPerEpoch * cfg.epochs();
            long step = 0;
            boolean sharedOrder = cfg.dataOrder() == MlpConfig.Sharing.SHARED;
            SeedStream order = sharedOrder ? new SeedStream(t.seed(), 0, SALT_SHARED_ORDER)
                    : new SeedStream(t.seed(), t.index(), SALT_ORDER);
            int[] perm = sharedOrder ? identity(m) : members.clone();
            int[] epochOrder = new int[n];
            dropout = cfg.dropoutRate() > 0 ? new SeedStream(t.seed(), t.index(), SALT_DROPOUT) : null;
            for (int e = 0; e < cfg.epochs(); e++) {
                shuffle(perm, order);
                if (sharedOrder) {
                    int q = 0;
                    for (int i : perm) {
                        if (t.mask().get(i)) {
                            epochOrder[q++] = i;
                        }
                    }
                } else {
                    System.arraycopy(perm, 0, epochOrder, 0, n);
                }
                for (int s = 0; s < n; s += bs) {
                    int rows = Math.min(bs, n - s);
                    for (int r = 0; r < rows; r++) {
                        labels[r] = y[epochOrder[s + r]];
                    }
                    forwardRows(x, epochOrder, s, rows);
                    lossGradient(labels, rows, null);
                    backwardAndStep(xbs, rows, cfg.lr() * cfg.lrFactor(step++, total));
                }
            }
            dropout = null;
            evaluateTrain(members);
        }

        /** Shared mode: every step is one batch of the full training set, weighted per model by its mask. */
        void trainShared(List<ModelTask> tasks) {
            long members = 0;
            for (ModelTask t : tasks) {
                members += t.mask().cardinality();
            }

            double a = !Double.isNaN(alpha) ? alpha : members == 0 ? 1 : (double) members / ((double) m * k);
            int bs = (int) Math.max(1, Math.min(m, Math.round(cfg.batchSize() / a)));
            ensure(Math.max(bs, EVAL_CHUNK));
            float[] weights = new float[bs * k];
            int[] labels = new int[bs];
            int[] counts = new int[k];
            MemorySegment xbs = MemorySegment.ofArray(xb);
            long stepsPerEpoch = (m + bs - 1) / bs;
            long total = stepsPerEpoch * cfg.epochs();
            long step = 0;
            SeedStream order = new SeedStream(tasks.getFirst().seed(), 0, SALT_SHARED_ORDER);
            int[] perm = identity(m);
            dropout = cfg.dropoutRate() > 0 ? new SeedStream(tasks.getFirst().seed(), tasks.getFirst().index(),
                    SALT_DROPOUT) : null;
            for (int e = 0; e < cfg.epochs(); e++) {
                shuffle(perm, order);
                for (int s = 0; s < m; s += bs) {
                    int rows = Math.min(bs, m - s);
                    java.util.Arrays.fill(counts, 0);
                    for (int r = 0; r < rows; r++) {
                        int i = perm[s + r];
                        System.arraycopy(x, i * d, xb, r * d, d);
                        labels[r] = y[i];
                        for (int kk = 0; kk < k; kk++) {
                            if (tasks.get(kk).mask().get(i)) {
                                counts[kk]++;
                            }
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        int i = perm[s + r];
                        for (int kk = 0; kk < k; kk++) {
                            weights[r * k + kk] = tasks.get(kk).mask().get(i) ? 1f / counts[kk] : 0f;
                        }
                    }
                    forward(xbs, rows);
                    lossGradient(labels, rows, weights);
                    backwardAndStep(xbs, rows, cfg.lr() * cfg.lrFactor(step++, total));
                }
            }
            dropout = null;
            // Training accuracy and loss on each model's own subset: one pass over S serves the whole group.
            for (int s = 0; s < m; s += EVAL_CHUNK) {
                int rows = Math.min(EVAL_CHUNK, m - s);
                forward(MemorySegment.ofArray(x).asSlice(4L * s * d), rows);
                for (int kk = 0; kk < k; kk++) {
                    BitMask mk = tasks.get(kk).mask();
                    for (int r = 0; r < rows; r++) {
                        if (mk.get(s + r)) {
                            accumulate(kk, r, y[s + r]);
                        }
                    }
                }
            }
        }

        private void evaluateTrain(int[] members) {
            for (int s = 0; s < members.length; s += EVAL_CHUNK) {
                int rows = Math.min(EVAL_CHUNK, members.length - s);
                forwardRows(x, members, s, rows);
                for (int r = 0; r < rows; r++) {
                    accumulate(0, r, y[members[s + r]]);
                }
            }
        }

        /** Adds row r's loss and correctness for model kk to the training statistics. */
        private void accumulate(int kk, int r, int label) {
            float[] z = act[layers - 1];
            int o = r * k * classes + kk * classes;
            int arg = 0;
            float max = z[o];
            for (int j = 1; j < classes; j++) {
                if (z[o + j] > max) {
                    max = z[o + j];
                    arg = j;
                }
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(z[o + j] - max);
            }
            evalLoss[kk][0] += Math.log(sum) + max - z[o + label];
            evalLoss[kk][1] += 1;
            if (arg == label) {
                evalCorrect[kk][0]++;
            }
        }

        /** Model kk's outputs on the targets (requested keys only), or why they cannot be stored. */
        Outcome outcome(int kk, ModelTask t, Set<String> keys) {
            int c = classes;
            float[] margins = new float[nTargets];
            float[] logits = new float[nTargets * c];
            float[] probs = new float[nTargets];
            boolean[] correct = new boolean[nTargets];
            float[] losses = new float[nTargets];
            boolean wantLogodds = keys.contains(Outputs.LOGODDS);
            float[] logodds = wantLogodds ? new float[nTargets] : null;
            int[] all = identity(nTargets);
            for (int s = 0; s < nTargets; s += EVAL_CHUNK) {
                int rows = Math.min(EVAL_CHUNK, nTargets - s);
                if (narrowLayer) {
                    forwardRows(xt, all, s, rows);
                } else {
                    forward(MemorySegment.ofArray(xt).asSlice(4L * s * d), rows);
                }
                float[] z = act[layers - 1];
                for (int r = 0; r < rows; r++) {
                    int o = r * k * c + kk * c;
                    int ti = s + r;
                    int label = yt[ti];
                    float other = Float.NEGATIVE_INFINITY;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) {
                        float v = z[o + j];
                        logits[ti * c + j] = v;
                        max = Math.max(max, v);
                        if (j != label) {
                            other = Math.max(other, v);
                        }
                    }
                    double sum = 0;
                    for (int j = 0; j < c; j++) {
                        sum += Math.exp(z[o + j] - max);
                    }
                    double logp = z[o + label] - max - Math.log(sum);
                    if (wantLogodds) {
                        double sumOther = 0;
                        for (int j = 0; j < c; j++) {
                            if (j != label) {
                                sumOther += Math.exp(z[o + j] - other);
                            }
                        }
                        logodds[ti] = (float) (z[o + label] - other - Math.log(sumOther));
                    }
                    margins[ti] = z[o + label] - other;
                    probs[ti] = (float) Math.exp(logp);
                    losses[ti] = (float) -logp;
                    correct[ti] = margins[ti] > 0;
                }
            }
            Map<String, Object> out = new HashMap<>();
            double n = evalLoss[kk][1];
            for (String key : keys) {
                out.put(key, switch (key) {
                    case Outputs.MARGINS -> margins;
                    case Outputs.LOGITS -> logits;
                    case Outputs.PROBS -> probs;
                    case Outputs.CORRECT -> correct;
                    case Outputs.LOSSES -> losses;
                    case Outputs.LOGODDS -> logodds;
                    case Outputs.TRAIN_ACCURACY -> new float[]{n == 0 ? Float.NaN : (float) (evalCorrect[kk][0] / n)};
                    case Outputs.TRAIN_LOSS -> new float[]{n == 0 ? Float.NaN : (float) (evalLoss[kk][0] / n)};
                    default -> throw new IllegalArgumentException("output key: expected one of " + Outputs.names()
                            + ", got '" + key + "'");
                });
            }
            for (float v : margins) {
                if (!Float.isFinite(v)) {
                    return new Outcome.Failed("model " + t.index() + " diverged: non-finite margins (lower lr?)");
                }
            }
            return new Outcome.Ok(out);
        }
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Fisher-Yates shuffle of {@code a} in place with {@code r}. */
    static void shuffle(int[] a, SeedStream r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
