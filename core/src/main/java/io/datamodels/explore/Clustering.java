package io.datamodels.explore;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * k-means with k-means++ seeding (Arthur &amp; Vassilvitskii 2007) and Lloyd iterations, and the adjusted Rand index
 * (Hubert &amp; Arabie 1985) to compare two partitions. Deterministic for a seed.
 */
public final class Clustering {
    /** Lloyd iterations at most, per restart. */
    public static final int MAX_ITERATIONS = 300;

    private Clustering() {
    }

    /**
     * k-means of {@code n} points of dimension {@code d} ({@code x} n x d, row-major): {@code restarts} k-means++
     * seedings from {@code SplittableRandom(seed)}, each refined by Lloyd iterations until no point moves (at most
     * {@link #MAX_ITERATIONS}); the run with the lowest inertia (sum of squared distances to the centres) wins, the
     * earlier on ties. Points go to the nearest centre, ties to the lower index; an empty cluster keeps its centre.
     * Clusters are numbered in order of first appearance among the points.
     *
     * @return the cluster of each point, in {@code [0, k)}
     * @throws IllegalArgumentException unless {@code 1 <= k <= n}
     */
    public static int[] kMeans(double[] x, int n, int d, int k, long seed, int restarts) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("clusters: expected in [1, " + n + "] (the points), got " + k);
        }
        if (x.length != (long) n * d) {
            throw new IllegalArgumentException("x: expected " + n + " x " + d + " values, got " + x.length);
        }
        SplittableRandom root = new SplittableRandom(seed);
        int[] best = null;
        double bestInertia = Double.POSITIVE_INFINITY;
        for (int r = 0; r < Math.max(1, restarts); r++) {
            SplittableRandom rnd = root.split();
            double[] c = seedPlusPlus(x, n, d, k, rnd);
            int[] a = new int[n];
            Arrays.fill(a, -1);
            double inertia = 0;
            for (int it = 0; it < MAX_ITERATIONS; it++) {
                boolean moved = false;
                inertia = 0;
                for (int i = 0; i < n; i++) {
                    int arg = 0;
                    double min = Double.POSITIVE_INFINITY;
                    for (int j = 0; j < k; j++) {
                        double dist = dist2(x, i, c, j, d);
                        if (dist < min) {
                            min = dist;
                            arg = j;
                        }
                    }
                    inertia += min;
                    moved |= a[i] != arg;
                    a[i] = arg;
                }
                if (!moved) {
                    break;
                }
                double[] sum = new double[k * d];
                int[] size = new int[k];
                for (int i = 0; i < n; i++) {
                    size[a[i]]++;
                    for (int f = 0; f < d; f++) {
                        sum[a[i] * d + f] += x[i * d + f];
                    }
                }
                for (int j = 0; j < k; j++) {
                    for (int f = 0; size[j] > 0 && f < d; f++) {
                        c[j * d + f] = sum[j * d + f] / size[j];
                    }
                }
            }
            if (inertia < bestInertia) {
                bestInertia = inertia;
                best = a;
            }
        }
        return renumber(best, k);
    }

    private static double[] seedPlusPlus(double[] x, int n, int d, int k, SplittableRandom rnd) {
        double[] c = new double[k * d];
        int first = rnd.nextInt(n);
        System.arraycopy(x, first * d, c, 0, d);
        double[] near = new double[n];
        for (int i = 0; i < n; i++) {
            near[i] = dist2(x, i, c, 0, d);
        }
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (double v : near) {
                total += v;
            }
            int pick;
            if (total <= 0) {
                pick = rnd.nextInt(n);
            } else {
                double u = rnd.nextDouble() * total;
                pick = n - 1;
                for (int i = 0; i < n; i++) {
                    u -= near[i];
                    if (u < 0) {
                        pick = i;
                        break;
                    }
                }
            }
            System.arraycopy(x, pick * d, c, j * d, d);
            for (int i = 0; i < n; i++) {
                near[i] = Math.min(near[i], dist2(x, i, c, j, d));
            }
        }
        return c;
    }

    private static double dist2(double[] x, int i, double[] c, int j, int d) {
        double s = 0;
        for (int f = 0; f < d; f++) {
            double v = x[i * d + f] - c[j * d + f];
            s += v * v;
        }
        return s;
    }

    private static int[] renumber(int[] a, int k) {
        int[] map = new int[k];
        Arrays.fill(map, -1);
        int next = 0;
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (map[a[i]] < 0) {
                map[a[i]] = next++;
            }
            out[i] = map[a[i]];
        }
        return out;
    }

    /**
     * The adjusted Rand index of two partitions of the same items (any int labels). With the contingency table
     * {@code n_ij}, row sums {@code a_i}, column sums {@code b_j} and n items: {@code I = sum C(n_ij, 2)},
     * {@code A = sum C(a_i, 2)}, {@code B = sum C(b_j, 2)}, {@code E = A B / C(n, 2)},
     * {@code ARI = (I - E) / ((A + B) / 2 - E)}. 1 for identical partitions, about 0 for independent ones. The
     * denominator is 0 only when both partitions are one cluster, or both all singletons, which are then identical:
     * 1 is returned.
     *
     * @throws IllegalArgumentException if the lengths differ or fewer than 2 items are given
     */
    public static double adjustedRandIndex(int[] a, int[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("partitions: expected equal lengths, got " + a.length + " and "
                    + b.length);
        }
        if (a.length < 2) {
            throw new IllegalArgumentException("partitions: expected at least 2 items, got " + a.length);
        }
        Map<Long, Long> cells = new HashMap<>();
        Map<Integer, Long> rows = new HashMap<>();
        Map<Integer, Long> cols = new HashMap<>();
        for (int i = 0; i < a.length; i++) {
            cells.merge(((long) a[i] << 32) ^ (b[i] & 0xffffffffL), 1L, Long::sum);
            rows.merge(a[i], 1L, Long::sum);
            cols.merge(b[i], 1L, Long::sum);
        }
        double index = cells.values().stream().mapToDouble(Clustering::pairs).sum();
        double sa = rows.values().stream().mapToDouble(Clustering::pairs).sum();
        double sb = cols.values().stream().mapToDouble(Clustering::pairs).sum();
        double expected = sa * sb / pairs(a.length);
        double denom = (sa + sb) / 2 - expected;
        return denom == 0 ? 1.0 : (index - expected) / denom;
    }

    private static double pairs(long n) {
        return n * (n - 1) / 2.0;
    }
}
