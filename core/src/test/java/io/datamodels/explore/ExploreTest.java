package io.datamodels.explore;

import io.datamodels.regress.Datamodels;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Neighbours, k-means, ARI and spectral clustering against plain independent computations. */
class ExploreTest {
    private static final double FLOAT_TOL = 1e-4;

    @TempDir
    Path tmp;

    /** Datamodels of the m x T row-major weights, through the fit folder files. */
    static Datamodels datamodels(Path dir, float[] w, int m, int t) throws IOException {
        Files.createDirectories(dir);
        Npy.write(dir.resolve("weights.npy"), DType.FLOAT32, w, m, t);
        Npy.write(dir.resolve("bias.npy"), DType.FLOAT32, new float[t], t);
        return Datamodels.load(dir);
    }

    @Test
    void neighboursMatchABruteForceSortAndCosine() throws IOException {
        int m = 37;
        int t = 11;
        int k = 5;
        Random rnd = new Random(3);
        float[] w = new float[m * t];
        for (int i = 0; i < w.length; i++) {
            // sparse, as LASSO weights are; some targets get fewer than k positive weights
            w[i] = rnd.nextDouble() < (i % t == 4 ? 0.05 : 0.5) ? (float) rnd.nextGaussian() : 0f;
        }
        for (int j = 0; j < m; j++) {
            w[j * t + 7] = 0; // a target without weights
        }
        Datamodels dm = datamodels(tmp.resolve("fit"), w, m, t);
        int from = 100;
        Neighbours n = Neighbours.of(dm, from, new Neighbours.Options(k));
        int[] sup = n.supporters();
        int[] opp = n.opposers();
        int[] near = n.nearestTargets();
        float[] sim = n.nearestSimilarity();
        for (int q = 0; q < t; q++) {
            List<int[]> pos = new ArrayList<>();
            List<int[]> neg = new ArrayList<>();
            for (int j = 0; j < m; j++) {
                // key: weight scaled to an int order-preserving form is overkill; compare floats directly below
                if (w[j * t + q] > 0) {
                    pos.add(new int[] {j});
                } else if (w[j * t + q] < 0) {
                    neg.add(new int[] {j});
                }
            }
            final int qq = q;
            pos.sort((a, b) -> Float.compare(w[b[0] * t + qq], w[a[0] * t + qq]));
            neg.sort((a, b) -> Float.compare(w[a[0] * t + qq], w[b[0] * t + qq]));
            for (int i = 0; i < k; i++) {
                assertEquals(i < pos.size() ? pos.get(i)[0] : -1, sup[q * k + i], "supporter " + i + " of " + q);
                assertEquals(i < neg.size() ? neg.get(i)[0] : -1, opp[q * k + i], "opposer " + i + " of " + q);
            }
            // cosine from first principles
            double[] cos = new double[t];
            int others = 0;
            for (int r = 0; r < t; r++) {
                double dot = 0;
                double nq = 0;
                double nr = 0;
                for (int j = 0; j < m; j++) {
                    dot += (double) w[j * t + q] * w[j * t + r];
                    nq += (double) w[j * t + q] * w[j * t + q];
                    nr += (double) w[j * t + r] * w[j * t + r];
                }
                cos[r] = nq == 0 || nr == 0 || r == q ? Double.NaN : dot / Math.sqrt(nq * nr);
                others += Double.isNaN(cos[r]) ? 0 : 1;
            }
            for (int i = 0; i < k; i++) {
                if (q == 7 || i >= others) {
                    assertEquals(-1, near[q * k + i], "nearest " + i + " of " + q);
                    assertTrue(Float.isNaN(sim[q * k + i]));
                    continue;
                }
                int r = near[q * k + i] - from;
                assertEquals(cos[r], sim[q * k + i], FLOAT_TOL);
                int better = 0;
                for (int s = 0; s < t; s++) {
                    better += cos[s] > cos[r] || cos[s] == cos[r] && s < r ? 1 : 0;
                }
                assertEquals(i, better, "rank of nearest " + i + " of target " + q);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Neighbours.of(dm, 0, new Neighbours.Options(m + 1)));
        assertThrows(IllegalArgumentException.class, () -> new Neighbours.Options(0));
    }

    @Test
    void adjustedRandIndexOfHandComputedTables() {
        // contingency [[2,1,0],[0,1,2]]: I = 2, A = 6, B = 3, E = 18/15, ARI = (2 - 1.2) / (4.5 - 1.2) = 8/33
        assertEquals(8.0 / 33, Clustering.adjustedRandIndex(new int[] {0, 0, 0, 1, 1, 1}, new int[] {0, 0, 1, 1, 2, 2}),
                1e-12);
        assertEquals(1.0, Clustering.adjustedRandIndex(new int[] {0, 0, 1, 1, 2}, new int[] {5, 5, 3, 3, 9}), 1e-12);
        // one cluster each: identical partitions, defined as 1
        assertEquals(1.0, Clustering.adjustedRandIndex(new int[] {1, 1, 1}, new int[] {0, 0, 0}), 1e-12);
        // [[1,1],[1,1]]: I = 0, A = B = 2, E = 4/6, ARI = -(2/3) / (2 - 2/3) = -0.5
        assertEquals(-0.5, Clustering.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Clustering.adjustedRandIndex(new int[2], new int[3]));
    }

    @Test
    void kMeansRecoversWellSeparatedBlobs() {
        int per = 40;
        int k = 4;
        int d = 3;
        Random rnd = new Random(7);
        double[] x = new double[per * k * d];
        int[] truth = new int[per * k];
        for (int i = 0; i < per * k; i++) {
            truth[i] = i % k;
            for (int f = 0; f < d; f++) {
                x[i * d + f] = 10 * ((truth[i] >> f & 1) + (f == 2 && truth[i] == 3 ? 1 : 0)) + rnd.nextGaussian();
            }
        }
        int[] a = Clustering.kMeans(x, per * k, d, k, 0, 10);
        assertEquals(1.0, Clustering.adjustedRandIndex(a, truth), 1e-12);
        assertArrayEquals(a, Clustering.kMeans(x, per * k, d, k, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> Clustering.kMeans(x, per * k, d, per * k + 1, 0, 1));
    }

    @Test
    void spectralClusteringSeparatesTargetsWithDisjointSupporters() throws IOException {
        // three groups of targets; each group's weights live on its own block of training examples
        int groups = 3;
        int per = 8;
        int t = groups * per;
        int m = 30;
        Random rnd = new Random(11);
        float[] w = new float[m * t];
        int[] truth = new int[t];
        for (int q = 0; q < t; q++) {
            truth[q] = q % groups;
            for (int j = truth[q] * 10; j < truth[q] * 10 + 10; j++) {
                w[j * t + q] = (float) (0.5 + rnd.nextDouble());
            }
        }
        Datamodels dm = datamodels(tmp.resolve("fit"), w, m, t);
        Embedding.Options o = Embedding.Options.defaults().withComponents(3).withClusters(groups)
                .withGraphNeighbours(5);
        Embedding e = Embedding.of(dm, 0, o);
        assertEquals(1.0, e.ari(truth), 1e-12);
        assertArrayEquals(e.clusters(), Embedding.of(dm, 0, o).clusters());
        // all T components share out the whole variance, in decreasing order
        double[] r = Embedding.of(dm, 0, o.withComponents(t)).explained();
        assertEquals(1.0, Arrays.stream(r).sum(), 1e-9);
        for (int i = 1; i < t; i++) {
            assertTrue(r[i] <= r[i - 1] + 1e-12, "ratio " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Embedding.of(dm, 0, o.withComponents(t + 1)));
        assertThrows(IllegalArgumentException.class, () -> Embedding.of(dm, 0, o.withClusters(t + 1)));
        assertTrue(Arrays.stream(e.clusters()).allMatch(c -> c >= 0 && c < groups));
    }
}
