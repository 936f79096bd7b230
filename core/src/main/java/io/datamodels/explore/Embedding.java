package io.datamodels.explore;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.regress.Datamodels;
import io.datamodels.regress.FitException;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The targets embedded by their datamodel weight vectors (Ilyas et al. 2022, section 4.3): PCA of the weight vectors
 * and spectral clustering of the targets.
 *
 * <p><b>PCA.</b> E (T x m) holds target q's raw-scale weights {@code W[:,q]} in row q; each column of E is centred
 * (the mean over targets subtracted). The symmetric eigendecomposition (EJML) of the T x T matrix
 * {@code G = E E^T / (T - 1)} gives eigenvalues {@code l_1 >= l_2 >= ...} and unit eigenvectors {@code u_i}.
 * Component i has explained variance ratio {@code l_i / trace(G)}, target scores {@code u_i sqrt((T - 1) l_i)}
 * (= E v_i) and training loadings {@code v_i = E^T u_i / ||E^T u_i||}. Signs: each component is flipped so that its
 * training loading of largest magnitude is positive. Scores are T x c, row-major; loadings m x c.
 *
 * <p><b>Spectral clustering</b> (Ng, Jordan &amp; Weiss 2001). S is the cosine similarity of the weight columns
 * ({@link Neighbours#NORMALISATION}); the affinity A keeps {@code max(S[q,r], 0)} for r among q's
 * {@code graphNeighbours} nearest targets, symmetrised as {@code max(A, A^T)}, with a zero diagonal. The top
 * {@code clusters} eigenvectors of {@code D^-1/2 A D^-1/2} (D the degrees; a target without edges gets a zero row)
 * form the rows that, normalised to unit length, {@link Clustering#kMeans} clusters with 10 restarts.
 */
public final class Embedding {
    /** k-means restarts in the spectral clustering. */
    public static final int RESTARTS = 10;

    /**
     * Options of {@link #of}.
     *
     * @param components      principal components c (at most T and m)
     * @param clusters        spectral clusters (at most T)
     * @param graphNeighbours nearest targets per target in the similarity graph
     * @param ends            targets and training examples listed at each end of a component
     * @param seed            seed of the k-means++ seeding
     */
    public record Options(@JsonProperty("components") int components,
                          @JsonProperty("clusters") int clusters,
                          @JsonProperty("graph_neighbours") int graphNeighbours,
                          @JsonProperty("ends") int ends,
                          @JsonProperty("seed") long seed) {
        /** Default principal components. */
        public static final int DEFAULT_COMPONENTS = 10;
        /** Default clusters (the classes of Fashion-MNIST and CIFAR-10). */
        public static final int DEFAULT_CLUSTERS = 10;
        /** Default nearest targets per target in the similarity graph. */
        public static final int DEFAULT_GRAPH_NEIGHBOURS = 10;
        /** Default examples listed at each end of a component. */
        public static final int DEFAULT_ENDS = 10;

        /** Checks every count is at least 1. */
        public Options {
            positive("components", components);
            positive("clusters", clusters);
            positive("graph_neighbours", graphNeighbours);
            positive("ends", ends);
        }

        private static void positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + v);
            }
        }

        /** The defaults, seed 0. */
        public static Options defaults() {
            return new Options(DEFAULT_COMPONENTS, DEFAULT_CLUSTERS, DEFAULT_GRAPH_NEIGHBOURS, DEFAULT_ENDS, 0);
        }

        /** These options with {@code c} components. */
        public Options withComponents(int c) {
            return new Options(c, clusters, graphNeighbours, ends, seed);
        }

        /** These options with {@code c} clusters. */
        public Options withClusters(int c) {
            return new Options(components, c, graphNeighbours, ends, seed);
        }

        /** These options with {@code g} graph neighbours. */
        public Options withGraphNeighbours(int g) {
            return new Options(components, clusters, g, ends, seed);
        }

        /** These options with {@code e} ends. */
        public Options withEnds(int e) {
            return new Options(components, clusters, graphNeighbours, e, seed);
        }

        /** These options with seed {@code s}. */
        public Options withSeed(long s) {
            return new Options(components, clusters, graphNeighbours, ends, s);
        }
    }

    /** One example at an end of a component: its position, source row (-1 unknown), label (-1 unknown), value. */
    public record End(@JsonProperty("index") int index, @JsonProperty("source_row") int sourceRow,
                      @JsonProperty("label") int label, @JsonProperty("value") double value) {
    }

    /** Both ends of one component: targets by score, training examples by loading; highest and lowest first. */
    public record Ends(@JsonProperty("component") int component,
                       @JsonProperty("explained_variance_ratio") double explained,
                       @JsonProperty("high_targets") List<End> highTargets,
                       @JsonProperty("low_targets") List<End> lowTargets,
                       @JsonProperty("high_train") List<End> highTrain,
                       @JsonProperty("low_train") List<End> lowTrain) {
    }

    /** The JSON summary written beside the arrays ({@code embed.json}). */
    public record Summary(@JsonProperty("fit") String fit,
                          @JsonProperty("targets") int targets,
                          @JsonProperty("train_size") int trainSize,
                          @JsonProperty("target_from") int targetFrom,
                          @JsonProperty("options") Options options,
                          @JsonProperty("pca") String pca,
                          @JsonProperty("explained_variance_ratio") double[] explained,
                          @JsonProperty("spectral") String spectral,
                          @JsonProperty("cluster_sizes") int[] clusterSizes,
                          @JsonProperty("adjusted_rand_index") Double ari,
                          @JsonProperty("source_rows_known") boolean sourceRowsKnown,
                          @JsonProperty("files") String files,
                          @JsonProperty("provenance") Provenance provenance) {
    }

    private final int m;
    private final int t;
    private final int targetFrom;
    private final Options options;
    private final double[] explained;
    private final double[] scores;
    private final double[] loadings;
    private final int[] clusters;

    private Embedding(int m, int t, int targetFrom, Options options, double[] explained, double[] scores,
                      double[] loadings, int[] clusters) {
        this.m = m;
        this.t = t;
        this.targetFrom = targetFrom;
        this.options = options;
        this.explained = explained;
        this.scores = scores;
        this.loadings = loadings;
        this.clusters = clusters;
    }

    /**
     * PCA and spectral clustering of the targets of {@code dm}.
     *
     * @param targetFrom the target-selection position of weight column 0 (fit.json's {@code target_from})
     * @throws IllegalArgumentException if there are fewer than 2 targets, more components than T or m, or more
     *                                  clusters than T
     */
    public static Embedding of(Datamodels dm, int targetFrom, Options options) {
        int m = dm.trainSize();
        int t = dm.targets();
        int c = options.components();
        if (t < 2) {
            throw new IllegalArgumentException("targets: expected at least 2 to embed, got " + t);
        }
        if (c > Math.min(t, m)) {
            throw new IllegalArgumentException("components: expected at most " + Math.min(t, m) + " (T = " + t
                    + " targets, m = " + m + " training examples), got " + c);
        }
        if (options.clusters() > t) {
            throw new IllegalArgumentException("clusters: expected at most T = " + t + " (the fitted targets), got "
                    + options.clusters());
        }
        double[] e = new double[Math.multiplyExact(t, m)];
        for (int j = 0; j < m; j++) {
            double mean = 0;
            for (int q = 0; q < t; q++) {
                mean += dm.weight(j, q);
            }
            mean /= t;
            for (int q = 0; q < t; q++) {
                e[q * m + j] = dm.weight(j, q) - mean;
            }
        }
        DMatrixRMaj g = new DMatrixRMaj(t, t);
        for (int q = 0; q < t; q++) {
            for (int r = q; r < t; r++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += e[q * m + j] * e[r * m + j];
                }
                g.set(q, r, s / (t - 1));
                g.set(r, q, s / (t - 1));
            }
        }
        double trace = 0;
        for (int q = 0; q < t; q++) {
            trace += g.get(q, q);
        }
        Eigen eig = Eigen.of(g);
        double[] explained = new double[c];
        double[] scores = new double[Math.multiplyExact(t, c)];
        double[] loadings = new double[Math.multiplyExact(m, c)];
        for (int i = 0; i < c; i++) {
            double l = Math.max(0, eig.values[i]);
            explained[i] = trace > 0 ? l / trace : Double.NaN;
            double[] u = eig.vector(i);
            double[] v = new double[m];
            for (int q = 0; q < t; q++) {
                for (int j = 0; j < m; j++) {
                    v[j] += e[q * m + j] * u[q];
                }
            }
            double norm = 0;
            int arg = 0;
            for (int j = 0; j < m; j++) {
                norm += v[j] * v[j];
                if (Math.abs(v[j]) > Math.abs(v[arg])) {
                    arg = j;
                }
            }
            norm = Math.sqrt(norm);
            double sign = v[arg] < 0 ? -1 : 1;
            double scale = Math.sqrt((t - 1) * l);
            for (int q = 0; q < t; q++) {
                scores[q * c + i] = sign * u[q] * scale;
            }
            for (int j = 0; j < m; j++) {
                loadings[j * c + i] = norm > 0 ? sign * v[j] / norm : 0;
            }
        }
        int[] clusters = spectral(Cosine.similarity(dm), t, options);
        return new Embedding(m, t, targetFrom, options, explained, scores, loadings, clusters);
    }

    /** Spectral clustering (Ng, Jordan &amp; Weiss) of the T x T similarity {@code s}, as the class comment says. */
    static int[] spectral(double[] s, int t, Options options) {
        int k = options.clusters();
        double[] a = new double[t * t];
        int g = Math.min(options.graphNeighbours(), t - 1);
        for (int q = 0; q < t; q++) {
            for (int r : Cosine.nearest(s, t, q, g)) {
                if (r >= 0 && s[q * t + r] > 0) {
                    a[q * t + r] = s[q * t + r];
                    a[r * t + q] = Math.max(a[r * t + q], s[q * t + r]);
                }
            }
        }
        double[] dInv = new double[t];
        for (int q = 0; q < t; q++) {
            double d = 0;
            for (int r = 0; r < t; r++) {
                d += a[q * t + r];
            }
            dInv[q] = d > 0 ? 1 / Math.sqrt(d) : 0;
        }
        DMatrixRMaj l = new DMatrixRMaj(t, t);
        for (int q = 0; q < t; q++) {
            for (int r = 0; r < t; r++) {
                l.set(q, r, dInv[q] * a[q * t + r] * dInv[r]);
            }
        }
        Eigen eig = Eigen.of(l);
        double[] y = new double[t * k];
        for (int i = 0; i < k; i++) {
            double[] u = eig.vector(i);
            for (int q = 0; q < t; q++) {
                y[q * k + i] = u[q];
            }
        }
        for (int q = 0; q < t; q++) {
            double n = 0;
            for (int i = 0; i < k; i++) {
                n += y[q * k + i] * y[q * k + i];
            }
            for (int i = 0; n > 0 && i < k; i++) {
                y[q * k + i] /= Math.sqrt(n);
            }
        }
        return Clustering.kMeans(y, t, k, k, options.seed(), RESTARTS);
    }

    /** A symmetric eigendecomposition by EJML, eigenvalues in decreasing order (ties by EJML's order). */
    private record Eigen(double[] values, double[][] vectors) {
        static Eigen of(DMatrixRMaj sym) {
            int n = sym.numRows;
            EigenDecomposition_F64<DMatrixRMaj> e = DecompositionFactory_DDRM.eig(n, true, true);
            if (!e.decompose(sym.copy())) {
                throw new ArithmeticException("symmetric eigendecomposition of a " + n + " x " + n
                        + " matrix did not converge");
            }
            Integer[] order = new Integer[n];
            double[] val = new double[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
                val[i] = e.getEigenvalue(i).real;
            }
            Arrays.sort(order, (p, q) -> Double.compare(val[q], val[p]));
            double[] values = new double[n];
            double[][] vectors = new double[n][];
            for (int i = 0; i < n; i++) {
                values[i] = val[order[i]];
                vectors[i] = e.getEigenVector(order[i]).getData().clone();
            }
            return new Eigen(values, vectors);
        }

        double[] vector(int i) {
            return vectors[i];
        }
    }

    /** Number of targets T. */
    public int targets() {
        return t;
    }

    /** Explained variance ratio of each component (a copy). */
    public double[] explained() {
        return explained.clone();
    }

    /** Target scores, T x c row-major (a copy). */
    public double[] scores() {
        return scores.clone();
    }

    /** Training loadings, m x c row-major, unit columns (a copy). */
    public double[] loadings() {
        return loadings.clone();
    }

    /** Spectral cluster of each target, in [0, clusters) (a copy). */
    public int[] clusters() {
        return clusters.clone();
    }

    /** Adjusted Rand index of the clusters against {@code labels} (label of each fitted target). */
    public double ari(int[] labels) {
        return Clustering.adjustedRandIndex(clusters, labels);
    }

    /** The ends of every component, {@link Options#ends()} examples each (fewer where T or m is smaller). */
    public List<Ends> ends(FitData data) {
        int c = options.components();
        List<Ends> out = new ArrayList<>();
        for (int i = 0; i < c; i++) {
            final int comp = i;
            Integer[] byScore = order(t, q -> scores[q * c + comp]);
            Integer[] byLoading = order(m, j -> loadings[j * c + comp]);
            int nt = Math.min(options.ends(), t);
            int nm = Math.min(options.ends(), m);
            List<End> ht = new ArrayList<>();
            List<End> lt = new ArrayList<>();
            List<End> hm = new ArrayList<>();
            List<End> lm = new ArrayList<>();
            for (int r = 0; r < nt; r++) {
                int hi = byScore[t - 1 - r];
                int lo = byScore[r];
                ht.add(new End(targetFrom + hi, data.targetRow(hi), data.label(hi), scores[hi * c + i]));
                lt.add(new End(targetFrom + lo, data.targetRow(lo), data.label(lo), scores[lo * c + i]));
            }
            for (int r = 0; r < nm; r++) {
                int hi = byLoading[m - 1 - r];
                int lo = byLoading[r];
                hm.add(new End(hi, data.trainRow(hi), -1, loadings[hi * c + i]));
                lm.add(new End(lo, data.trainRow(lo), -1, loadings[lo * c + i]));
            }
            out.add(new Ends(i, explained[i], ht, lt, hm, lm));
        }
        return out;
    }

    private static Integer[] order(int n, java.util.function.IntToDoubleFunction v) {
        Integer[] o = new Integer[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        Arrays.sort(o, (a, b) -> {
            int cmp = Double.compare(v.applyAsDouble(a), v.applyAsDouble(b));
            return cmp != 0 ? cmp : Integer.compare(b, a);
        });
        return o;
    }

    /**
     * One principal component read back from a folder that {@link #write} wrote.
     *
     * @param component   its index (the column of pca_scores.npy and pca_loadings.npy; pca_ends.json's
     *                    {@code component})
     * @param explained   its explained variance ratio
     * @param scores      the score of each embedded target (length T; row q = target {@code targetFrom + q})
     * @param loadings    the loading of each training example (length m)
     * @param targetFrom  the target-selection position of row 0 (embed.json's {@code target_from})
     * @param fit         the fit folder the embedding was made from, as embed.json records it
     */
    public record Component(int component, double explained, double[] scores, double[] loadings, int targetFrom,
                            String fit) {
    }

    /**
     * Reads component {@code component} of the embedding in {@code dir} (embed.json, pca_explained.npy,
     * pca_scores.npy, pca_loadings.npy), checking the arrays' shapes against embed.json.
     *
     * @throws java.nio.file.NoSuchFileException if a file is missing
     * @throws FitException naming the file and field when a shape differs from embed.json or the component is out
     *                      of range
     */
    public static Component readComponent(Path dir, int component) throws IOException {
        for (String f : new String[] {"embed.json", "pca_explained.npy", "pca_scores.npy", "pca_loadings.npy"}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new java.nio.file.NoSuchFileException(dir.resolve(f).toString(), null,
                        "missing: expected a folder written by 'explore embed' with " + f);
            }
        }
        Summary s = Json.read(dir.resolve("embed.json"), Summary.class);
        if (s.options() == null || s.explained() == null) {
            throw new FitException(dir.resolve("embed.json") + ": options, explained_variance_ratio: expected both, "
                    + "got none");
        }
        int c = s.options().components();
        int t = s.targets();
        int m = s.trainSize();
        if (component < 0 || component >= c) {
            throw new FitException("component: expected 0.." + (c - 1) + " (embed.json: options.components = " + c
                    + ", counted from 0), got " + component);
        }
        double[] ex = readShaped(dir.resolve("pca_explained.npy"), c);
        double[] sc = readShaped(dir.resolve("pca_scores.npy"), t, c);
        double[] ld = readShaped(dir.resolve("pca_loadings.npy"), m, c);
        double[] scores = new double[t];
        double[] loadings = new double[m];
        for (int q = 0; q < t; q++) {
            scores[q] = sc[q * c + component];
        }
        for (int j = 0; j < m; j++) {
            loadings[j] = ld[j * c + component];
        }
        return new Component(component, ex[component], scores, loadings, s.targetFrom(), s.fit());
    }

    private static double[] readShaped(Path p, long... shape) throws IOException {
        try (io.datamodels.store.npy.NpyArray a = io.datamodels.store.npy.NpyArray.open(p)) {
            if (!Arrays.equals(a.shape(), shape)) {
                throw new FitException(p + ": shape: expected " + Arrays.toString(shape) + " (from embed.json), got "
                        + Arrays.toString(a.shape()));
            }
        }
        return Npy.readDoubles(p);
    }

    /**
     * Writes the new folder {@code out}: pca_explained.npy (c, float64), pca_scores.npy (T x c, float64),
     * pca_loadings.npy (m x c, float64), pca_ends.json ({@link #ends}), clusters.npy (T, int32) and embed.json (with
     * the adjusted Rand index of the clusters against the targets' labels where {@code data} knows them).
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code out} exists and {@code force} is not set
     */
    public Summary write(Path out, boolean force, Path fit, FitData data, Provenance provenance) throws IOException {
        int c = options.components();
        int[] sizes = new int[options.clusters()];
        for (int q : clusters) {
            sizes[q]++;
        }
        Double ari = data.known() ? ari(data.labels()) : null;
        Summary summary = new Summary(fit.toString(), t, m, targetFrom, options,
                "E (T x m): target q's raw-scale weights in row q, columns centred over targets; eigendecomposition "
                        + "(EJML, symmetric) of E E^T / (T - 1); ratio l_i / trace; scores u_i sqrt((T - 1) l_i); "
                        + "loadings E^T u_i normalised; each component's largest-magnitude loading positive",
                explained.clone(), "Ng-Jordan-Weiss on the cosine similarity of the raw-scale weight columns: max(S, 0) "
                + "on each target's " + options.graphNeighbours() + " nearest targets, symmetrised by max, zero "
                + "diagonal; top eigenvectors of D^-1/2 A D^-1/2 (EJML), rows normalised; k-means++ with "
                + RESTARTS + " restarts", sizes, ari, data.known(),
                "pca_explained.npy (c), pca_scores.npy (T x c), pca_loadings.npy (m x c) float64; clusters.npy (T) "
                        + "int32; row q = target target_from + q", provenance);
        List<Ends> ends = ends(data);
        AtomicFiles.createDirectory(out, force, dir -> {
            Npy.write(dir.resolve("pca_explained.npy"), DType.FLOAT64, explained, c);
            Npy.write(dir.resolve("pca_scores.npy"), DType.FLOAT64, scores, t, c);
            Npy.write(dir.resolve("pca_loadings.npy"), DType.FLOAT64, loadings, m, c);
            Npy.write(dir.resolve("clusters.npy"), DType.INT32, clusters, t);
            Files.writeString(dir.resolve("pca_ends.json"), Json.write(ends));
            Files.writeString(dir.resolve("embed.json"), Json.write(summary));
        });
        return summary;
    }
}
