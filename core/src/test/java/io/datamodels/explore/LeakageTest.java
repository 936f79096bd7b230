package io.datamodels.explore;

import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.Json;
import io.datamodels.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeakageTest {
    private static final double TOL = 1e-10;

    @TempDir
    Path tmp;

    /** Oracle: z of W[j,q] against the other values of its column (or row), each computed from scratch. */
    private static double looOracle(double[] v, int i) {
        int n = v.length;
        double mean = 0;
        for (int k = 0; k < n; k++) {
            mean += k == i ? 0 : v[k];
        }
        mean /= n - 1;
        double ss = 0;
        for (int k = 0; k < n; k++) {
            ss += k == i ? 0 : (v[k] - mean) * (v[k] - mean);
        }
        return (v[i] - mean) / Math.sqrt(ss / (n - 1));
    }

    private static float[] gaussian(int m, int t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[m * t];
        for (int i = 0; i < w.length; i++) {
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            w[i] = (float) (Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return w;
    }

    @Test
    void scoresAreTheMinimumOfColumnZAndTheRowZOfColumnZ() {
        int m = 23;
        int t = 11;
        float[] w = gaussian(m, t, 5);
        double[] s = Leakage.scores(w, m, t);
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                double[] col = new double[m];
                for (int i = 0; i < m; i++) {
                    col[i] = w[i * t + q];
                }
                double[] row = new double[t];
                for (int r = 0; r < t; r++) {
                    double[] other = new double[m];
                    for (int i = 0; i < m; i++) {
                        other[i] = w[i * t + r];
                    }
                    row[r] = looOracle(other, j);
                }
                double expected = Math.min(looOracle(col, j), looOracle(row, q));
                assertEquals(expected, s[j * t + q], TOL * Math.max(1, Math.abs(expected)), "pair " + j + "," + q);
            }
        }
    }

    @Test
    void plantedOutliersAreRecoveredExactlyAndHubsAreNot() {
        int m = 400;
        int t = 120;
        float[] w = gaussian(m, t, 42);
        SplittableRandom r = new SplittableRandom(7);
        // Columns and rows on different scales, as fitted weights are.
        for (int j = 0; j < m; j++) {
            double rowScale = 0.5 + r.nextDouble();
            for (int q = 0; q < t; q++) {
                w[j * t + q] *= (float) (rowScale * (0.1 + q % 7));
            }
        }
        // Hubs: rows large on every target (column z large, row z ordinary).
        for (int j = 0; j < 5; j++) {
            for (int q = 0; q < t; q++) {
                w[j * t + q] += 6f * (0.1f + q % 7);
            }
        }
        Set<List<Integer>> planted = new HashSet<>();
        for (int k = 0; k < 40; k++) {
            int q = (3 + 7 * k) % t;
            int j = 50 + 8 * k;
            w[j * t + q] += 9f * (0.1f + q % 7) * 1.5f;
            planted.add(List.of(q, j));
        }
        Leakage.Result res = Leakage.find(w, m, t, LeakageOptions.defaults().withFdr(0.05));
        Set<List<Integer>> flagged = new HashSet<>();
        for (Leakage.Pair p : res.pairs()) {
            flagged.add(List.of(p.target(), p.train()));
        }
        assertEquals(planted, flagged);
        assertTrue(res.threshold() > 0 && Double.isFinite(res.threshold()), "threshold " + res.threshold());
        assertEquals((1.0 + res.decoysAbove()) / 40, res.estimatedFdr(), TOL);
        assertTrue(res.estimatedFdr() <= 0.05);
        for (int i = 1; i < res.pairs().size(); i++) {
            assertTrue(res.pairs().get(i - 1).score() >= res.pairs().get(i).score(), "ranked by score");
        }
        // A column z alone would rank the hubs first: the row z is what removes them.
        double[] zc = new double[m * t];
        double[] col = new double[m];
        for (int q = 0; q < t; q++) {
            for (int j = 0; j < m; j++) {
                col[j] = w[j * t + q];
            }
            for (int j = 0; j < m; j++) {
                zc[j * t + q] = looOracle(col, j);
            }
        }
        double hubZ = 0;
        for (int j = 0; j < 5; j++) {
            for (int q = 0; q < t; q++) {
                hubZ += zc[j * t + q] / (5 * t);
            }
        }
        assertTrue(hubZ > 4.5, "hubs' mean column z " + hubZ + ": they stand out on the column z alone");
    }

    @Test
    void decoyThresholdIsTheSmallestPassingScore() {
        // s >= 7: 3 pairs, 0 decoys -> 1/3; s >= 5: 4, 0 -> 0.25; s >= 3: 6, 0 -> 0.167; s >= 2: 8, 1 (d = 2.5)
        // -> 0.25; s >= 1: 10, 3 -> 0.4. The rule takes the smallest passing tau.
        double[] s = {9, 8, 7, 5, 3, 3, 2, 2, 1, 1, -1, -2};
        double[] d = {2.5, 1.5, 1.0, -1, -2, -3, -4, -5, -6, -7, -8, -9};
        assertEquals(2.0, Leakage.decoyThreshold(s, d, 0.25), 0);
        assertEquals(3.0, Leakage.decoyThreshold(s, d, 0.2), 0);
        assertEquals(Double.POSITIVE_INFINITY, Leakage.decoyThreshold(s, d, 0.1), 0);
        assertEquals(1.0, Leakage.decoyThreshold(s, d, 0.4), 0);
    }

    @Test
    void givenThresholdFlagsAtOrAboveItRankedWithTiesByTargetThenTrain() {
        int m = 4;
        int t = 3;
        float[] w = {0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 5};
        double[] s = Leakage.scores(w, m, t);
        double x = s[1 * t];
        Leakage.Result res = Leakage.find(w, m, t, LeakageOptions.defaults().withThreshold(x));
        List<Leakage.Pair> expected = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                if (s[j * t + q] >= x) {
                    expected.add(new Leakage.Pair(q, j, s[j * t + q]));
                }
            }
        }
        expected.sort((a, b) -> a.score() != b.score() ? Double.compare(b.score(), a.score())
                : a.target() != b.target() ? a.target() - b.target() : a.train() - b.train());
        assertEquals(expected, res.pairs());
        assertEquals(3, res.pairs().size());
        assertEquals(List.of(0, 1, 2), res.pairs().stream().map(Leakage.Pair::target).toList());
        assertEquals(List.of(1, 2, 3), res.pairs().stream().map(Leakage.Pair::train).toList());
        assertEquals(x, res.threshold(), 0);
    }

    @Test
    void writesTheCsvAndJsonAndRefusesAnExistingFolderWithoutForce() throws Exception {
        int m = 4;
        int t = 3;
        float[] w = {0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 5};
        Leakage.Result res = Leakage.find(w, m, t, LeakageOptions.defaults().withThreshold(1));
        Path out = tmp.resolve("leak");
        Leakage.write(res, out, false, "fit-dir", Provenance.now("none", "test"));
        List<String> lines = Files.readAllLines(out.resolve("leakage.csv"));
        assertEquals("target,train,score", lines.getFirst());
        assertEquals(1 + res.pairs().size(), lines.size());
        for (int i = 0; i < res.pairs().size(); i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(3, f.length);
            assertEquals(res.pairs().get(i).target(), Integer.parseInt(f[0]));
            assertEquals(res.pairs().get(i).train(), Integer.parseInt(f[1]));
            assertEquals(res.pairs().get(i).score(), Double.parseDouble(f[2]), 1e-5 * res.pairs().get(i).score());
        }
        JsonNode j = Json.parseTree("leakage.json", Files.readString(out.resolve("leakage.json")));
        assertEquals(Leakage.RULE, j.get("rule").asText());
        assertEquals(1.0, j.get("threshold").asDouble(), 0);
        assertEquals(3, j.get("flagged").asInt());
        assertEquals("fit-dir", j.get("source").asText());
        assertEquals("test", j.get("provenance").get("command").asText());
        assertThrows(FileAlreadyExistsException.class,
                () -> Leakage.write(res, out, false, "fit-dir", Provenance.now("none", "test")));
        // Weight column q of a fit of targets 5.. is target 5 + q of the target selection.
        Path shifted = tmp.resolve("leak-shifted");
        Leakage.write(res, 5, shifted, false, "fit-dir", Provenance.now("none", "test"));
        List<String> sl = Files.readAllLines(shifted.resolve("leakage.csv"));
        for (int i = 0; i < res.pairs().size(); i++) {
            assertEquals(5 + res.pairs().get(i).target(), Integer.parseInt(sl.get(i + 1).split(",")[0]));
        }
        assertEquals(5, Json.parseTree("leakage.json", Files.readString(shifted.resolve("leakage.json")))
                .get("target_from").asInt());
        assertEquals(0, j.get("target_from").asInt());
        Leakage.Result none = Leakage.find(w, m, t, LeakageOptions.defaults().withThreshold(1e9));
        Leakage.write(none, out, true, "fit-dir", Provenance.now("none", "test"));
        assertEquals(List.of("target,train,score"), Files.readAllLines(out.resolve("leakage.csv")));
    }

    @Test
    void badInputIsRefusedWithTheFieldAndValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Leakage.find(new float[11], 4, 3, LeakageOptions.defaults()));
        assertEquals("weights: expected m * T = 4 * 3 = 12 values, got 11", e.getMessage());
        float[] w = gaussian(4, 3, 1);
        w[7] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> Leakage.find(w, 4, 3, LeakageOptions.defaults()));
        assertEquals("weights: expected finite values, got NaN at training position 2, target 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Leakage.find(new float[6], 2, 3, LeakageOptions.defaults()));
        assertTrue(e.getMessage().contains("got m = 2, T = 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LeakageOptions(1.5, Double.NaN));
        assertEquals("fdr must be in (0, 1), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LeakageOptions.defaults().withThreshold(Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().startsWith("threshold must be finite"), e.getMessage());
    }

    @Test
    void theOneNonZeroValueOfAVectorIsScaledByTheWholeVector() {
        // Others all equal: z = (x - mean of others) / sd of all n values, not rounding noise over 0.
        int n = 7;
        double[] x = {0, 0, 0, 0.3, 0, 0, 0};
        double[] z = new double[n];
        Leakage.looZ(x, n, z, 0, 1);
        double mean = 0.3 / n;
        double sdAll = Math.sqrt((6 * mean * mean + (0.3 - mean) * (0.3 - mean)) / n);
        assertEquals(0.3 / sdAll, z[3], TOL);
        assertEquals(looOracle(x, 0), z[0], TOL);
    }

    @Test
    void aConstantMatrixFlagsNothing() {
        float[] w = new float[5 * 4];
        java.util.Arrays.fill(w, 0.25f);
        Leakage.Result res = Leakage.find(w, 5, 4, LeakageOptions.defaults());
        assertEquals(0, res.pairs().size());
        assertEquals(Double.POSITIVE_INFINITY, res.threshold());
    }
}
