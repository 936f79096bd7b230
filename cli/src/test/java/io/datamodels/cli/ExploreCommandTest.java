package io.datamodels.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code explore neighbours} and {@code explore embed} on a small real fit: the written tables checked against numpy's
 * own computation from weights.npy (skipped where python3 with numpy is missing), and the bad inputs refused.
 */
class ExploreCommandTest {
    @TempDir
    static Path tmp;
    static Path fit;

    @BeforeAll
    static void fitSmallStore() {
        Path store = tmp.resolve("store");
        fit = tmp.resolve("fit");
        CliTest.Result init = CliTest.run("init", "--store", store.toString(), "--data", "embedded", "--train", "150",
                "--targets", "24", "--models", "120", "--seed", "5");
        assertEquals(ExitCodes.OK, init.code(), init.err());
        CliTest.Result train = CliTest.run("train", "--store", store.toString(), "--learner", "softmax", "--set",
                "epochs=2");
        assertEquals(ExitCodes.OK, train.code(), train.err());
        CliTest.Result r = CliTest.run("fit", "--store", store.toString(), "--out", fit.toString(), "--lambdas", "20");
        assertEquals(ExitCodes.OK, r.code(), r.err());
    }

    /** argv: FIT NEIGHBOURS EMBED K C; prints OK or the first mismatch. */
    private static final String CHECK = """
            import os, sys
            import numpy as np
            fit, nb, em, k, c = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
            w = np.load(os.path.join(fit, 'weights.npy')).astype(np.float64)
            m, t = w.shape
            def fail(msg):
                print(msg); sys.exit(0)
            sup = np.load(os.path.join(nb, 'supporters.npy')); opp = np.load(os.path.join(nb, 'opposers.npy'))
            supw = np.load(os.path.join(nb, 'supporter_weights.npy'))
            near = np.load(os.path.join(nb, 'nearest_targets.npy')); sim = np.load(os.path.join(nb, 'nearest_similarity.npy'))
            if sup.shape != (t, k) or sup.dtype != np.int32 or supw.dtype != np.float32 or sim.dtype != np.float32:
                fail('shapes/dtypes %s %s %s %s' % (sup.shape, sup.dtype, supw.dtype, sim.dtype))
            norms = np.linalg.norm(w, axis=0)
            with np.errstate(invalid='ignore', divide='ignore'):
                s = (w.T @ w) / np.outer(norms, norms)
            for q in range(t):
                col = w[:, q]
                pos = [j for j in np.argsort(-col, kind='stable') if col[j] > 0][:k]
                neg = [j for j in np.argsort(col, kind='stable') if col[j] < 0][:k]
                want = pos + [-1] * (k - len(pos))
                if list(sup[q]) != want: fail('supporters of %d: %s vs numpy %s' % (q, list(sup[q]), want))
                want = neg + [-1] * (k - len(neg))
                if list(opp[q]) != want: fail('opposers of %d: %s vs numpy %s' % (q, list(opp[q]), want))
                if len(pos) and not np.allclose(supw[q, :len(pos)], col[pos], atol=1e-7): fail('supporter weights %d' % q)
                cand = [r for r in range(t) if r != q and norms[r] > 0] if norms[q] > 0 else []
                order = sorted(cand, key=lambda r: (-s[q, r], r))[:k]
                got = [r for r in near[q] if r >= 0]
                if len(got) != len(order): fail('nearest count of %d: %d vs numpy %d' % (q, len(got), len(order)))
                for i, r in enumerate(got):
                    if abs(s[q, r] - s[q, order[i]]) > 1e-6: fail('nearest %d of %d: %d vs numpy %d' % (i, q, r, order[i]))
                    if abs(sim[q, i] - s[q, r]) > 1e-5: fail('similarity %d of %d: %g vs numpy %g' % (i, q, sim[q, i], s[q, r]))
            x = w.T - w.T.mean(axis=0)
            u, sv, vt = np.linalg.svd(x, full_matrices=False)
            ratio = sv ** 2 / np.sum(sv ** 2)
            ex = np.load(os.path.join(em, 'pca_explained.npy')); sc = np.load(os.path.join(em, 'pca_scores.npy'))
            ld = np.load(os.path.join(em, 'pca_loadings.npy'))
            if not np.allclose(ex, ratio[:c], rtol=1e-8, atol=1e-12): fail('explained %s vs numpy %s' % (ex, ratio[:c]))
            for i in range(c):
                ref = u[:, i] * sv[i]
                sign = 1.0 if np.dot(ref, sc[:, i]) >= 0 else -1.0
                if not np.allclose(sc[:, i], sign * ref, atol=1e-8 * max(1.0, np.abs(ref).max())):
                    fail('scores of component %d differ from numpy beyond sign' % i)
                if not np.allclose(ld[:, i], sign * vt[i], atol=1e-8): fail('loadings of component %d' % i)
                if ld[np.argmax(np.abs(ld[:, i])), i] <= 0: fail('sign convention of component %d' % i)
            cl = np.load(os.path.join(em, 'clusters.npy'))
            if cl.shape != (t,) or cl.dtype != np.int32: fail('clusters %s %s' % (cl.shape, cl.dtype))
            print('OK')
            """;

    @Test
    void tablesMatchNumpy() throws Exception {
        Path nb = tmp.resolve("nb");
        Path em = tmp.resolve("em");
        CliTest.Result n = CliTest.run("explore", "neighbours", "--fit", fit.toString(), "--out", nb.toString(),
                "--k", "6");
        assertEquals(ExitCodes.OK, n.code(), n.err());
        assertTrue(n.out().contains("nearest target has the same class for"), n.out());
        CliTest.Result e = CliTest.run("explore", "embed", "--fit", fit.toString(), "--out", em.toString(),
                "--components", "5", "--clusters", "4", "--seed", "2");
        assertEquals(ExitCodes.OK, e.code(), e.err());
        assertTrue(e.out().contains("adjusted Rand index"), e.out());
        String header = Files.readAllLines(nb.resolve("neighbours.csv")).getFirst();
        assertEquals("target,target_source_row,kind,rank,index,source_row,value", header);
        // same seed, same clusters
        Path em2 = tmp.resolve("em2");
        assertEquals(ExitCodes.OK, CliTest.run("explore", "embed", "--fit", fit.toString(), "--out", em2.toString(),
                "--components", "5", "--clusters", "4", "--seed", "2").code());
        assertEquals(-1, Files.mismatch(em.resolve("clusters.npy"), em2.resolve("clusters.npy")));
        Assumptions.assumeTrue(MadryLabStoreTest.hasNumpy(), "python3 with numpy not found: numpy check skipped");
        assertEquals("OK", MadryLabStoreTest.python(tmp, CHECK, fit.toString(), nb.toString(), em.toString(), "6",
                "5"));
    }

    @Test
    void badInputIsRefusedWithTheFileOrFieldNamed() throws Exception {
        Path partial = tmp.resolve("partial");
        Files.createDirectories(partial);
        for (String f : new String[] {"fit.json", "weights.npy"}) {
            Files.copy(fit.resolve(f), partial.resolve(f));
        }
        CliTest.Result missing = CliTest.run("explore", "neighbours", "--fit", partial.toString(), "--out",
                tmp.resolve("x").toString());
        assertEquals(ExitCodes.INPUT, missing.code(), missing.err());
        assertTrue(missing.err().contains("bias.npy") && missing.err().contains("missing"), missing.err());

        CliTest.Result bigK = CliTest.run("explore", "neighbours", "--fit", fit.toString(), "--out",
                tmp.resolve("y").toString(), "--k", "151");
        assertEquals(ExitCodes.INPUT, bigK.code(), bigK.err());
        assertTrue(bigK.err().contains("k: expected at most m = 150"), bigK.err());
        assertTrue(Files.notExists(tmp.resolve("y")));

        CliTest.Result comps = CliTest.run("explore", "embed", "--fit", fit.toString(), "--out",
                tmp.resolve("z").toString(), "--components", "25");
        assertEquals(ExitCodes.INPUT, comps.code(), comps.err());
        assertTrue(comps.err().contains("components: expected at most 24"), comps.err());

        Path out = tmp.resolve("exists");
        assertEquals(ExitCodes.OK, CliTest.run("explore", "neighbours", "--fit", fit.toString(), "--out",
                out.toString(), "--k", "3").code());
        CliTest.Result again = CliTest.run("explore", "neighbours", "--fit", fit.toString(), "--out", out.toString());
        assertEquals(ExitCodes.OUTPUT, again.code(), again.err());
        assertTrue(again.err().contains("--force"), again.err());
        CliTest.Result forced = CliTest.run("explore", "neighbours", "--fit", fit.toString(), "--out", out.toString(),
                "--force");
        assertEquals(ExitCodes.OK, forced.code(), forced.err());
        assertTrue(Files.readString(out.resolve("neighbours.json")).contains("\"k\" : 10"), "default k");
    }

    /**
     * {@code explore embed-check} on the full training set: the removed examples are the top and bottom loadings of
     * pca_loadings.npy, the end targets the top and bottom scores of pca_scores.npy, and every change, group mean,
     * prediction and accuracy in the outputs is recomputed here from outputs.npy and weights.npy.
     */
    @Test
    void embedCheckRemovesTheEndsAndItsFiguresFollowFromTheRetrainedOutputs() throws Exception {
        Path em = tmp.resolve("em-check");
        assertEquals(ExitCodes.OK, CliTest.run("explore", "embed", "--fit", fit.toString(), "--out", em.toString(),
                "--components", "3", "--clusters", "3").code());
        Path out = tmp.resolve("check");
        int k = 12;
        int n = 4;
        int r = 2;
        int c = 1;
        CliTest.Result res = CliTest.run("explore", "embed-check", "--fit", fit.toString(), "--embed", em.toString(),
                "--component", "" + c, "--k", "" + k, "--end-targets", "" + n, "--retrains", "" + r, "--base", "full",
                "--threads", "1", "--out", out.toString());
        assertEquals(ExitCodes.OK, res.code(), res.err());
        assertTrue(res.out().contains("remove_high") && res.out().contains("accuracy"), res.out());
        int m = 150;
        int t = 24;
        double[] ld = io.datamodels.store.npy.Npy.readDoubles(em.resolve("pca_loadings.npy"));
        double[] sc = io.datamodels.store.npy.Npy.readDoubles(em.resolve("pca_scores.npy"));
        float[] w = io.datamodels.store.npy.Npy.readFloats(fit.resolve("weights.npy"));
        java.util.List<Integer> byLoading = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, m).boxed()
                .toList());
        byLoading.sort((a, b) -> Double.compare(ld[b * 3 + c], ld[a * 3 + c]));
        java.util.List<Integer> byScore = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, t).boxed()
                .toList());
        byScore.sort((a, b) -> Double.compare(sc[b * 3 + c], sc[a * 3 + c]));
        long[] removed = io.datamodels.store.npy.Npy.readLongs(out.resolve("removed.npy"));
        long[] ends = io.datamodels.store.npy.Npy.readLongs(out.resolve("end_targets.npy"));
        int[][] rem = new int[2][k];
        int[][] end = new int[2][n];
        for (int i = 0; i < k; i++) {
            rem[0][i] = byLoading.get(i);
            rem[1][i] = byLoading.get(m - 1 - i);
            assertEquals(rem[0][i], removed[i], "high-end example " + i);
            assertEquals(rem[1][i], removed[k + i], "low-end example " + i);
        }
        for (int i = 0; i < n; i++) {
            end[0][i] = byScore.get(i);
            end[1][i] = byScore.get(t - 1 - i);
            assertEquals(end[0][i], ends[i], "high-end target " + i);
            assertEquals(end[1][i], ends[n + i], "low-end target " + i);
        }
        float[] y = io.datamodels.store.npy.Npy.readFloats(out.resolve("outputs.npy"));
        assertEquals(3 * r * t, y.length);
        String json = Files.readString(out.resolve("component_check.json"));
        var summary = io.datamodels.Json.read(out.resolve("component_check.json"),
                io.datamodels.eval.ComponentCheck.Summary.class);
        java.util.List<String> csv = Files.readAllLines(out.resolve("component_check.csv"));
        assertEquals("arm,seed,change_high_targets,change_low_targets,change_other_targets,accuracy,accuracy_change",
                csv.getFirst());
        java.util.List<String> perTarget = Files.readAllLines(out.resolve("target_changes.csv"));
        for (int a = 0; a < 2; a++) {
            double[] meanHigh = new double[1];
            for (int s = 0; s < r; s++) {
                double[] sums = new double[3];
                int accArm = 0;
                int accBase = 0;
                for (int q = 0; q < t; q++) {
                    final int qq = q;
                    double d = y[((a + 1) * r + s) * t + q] - (double) y[s * t + q];
                    int g = java.util.Arrays.stream(end[0]).anyMatch(v -> v == qq) ? 0
                            : java.util.Arrays.stream(end[1]).anyMatch(v -> v == qq) ? 1 : 2;
                    sums[g] += d;
                    accArm += y[((a + 1) * r + s) * t + q] > 0 ? 1 : 0;
                    accBase += y[s * t + q] > 0 ? 1 : 0;
                }
                String[] row = csv.get(1 + a * r + s).split(",");
                assertEquals(a == 0 ? "remove_high" : "remove_low", row[0]);
                assertEquals(sums[0] / n, Double.parseDouble(row[2]), 1e-5 * (1 + Math.abs(sums[0] / n)));
                assertEquals(sums[1] / n, Double.parseDouble(row[3]), 1e-5 * (1 + Math.abs(sums[1] / n)));
                assertEquals(sums[2] / (t - 2 * n), Double.parseDouble(row[4]), 1e-5 * (1 + Math.abs(sums[2])));
                assertEquals((double) (accArm - accBase) / t, Double.parseDouble(row[6]), 1e-5);
                meanHigh[0] += sums[0] / n / r;
            }
            for (int q = 0; q < t; q++) {
                double p = 0;
                for (int j : rem[a]) {
                    p -= w[j * t + q];
                }
                String[] row = perTarget.get(1 + q).split(",");
                assertEquals(String.valueOf(q), row[0]);
                assertEquals(p, Double.parseDouble(row[3 + 2 * a]), 1e-4 * (1 + Math.abs(p)), "predicted " + q);
            }
            assertEquals(meanHigh[0], summary.arms().get(a).changeHigh().mean(), 1e-5 * (1 + Math.abs(meanHigh[0])));
        }
        assertTrue(json.contains("\"provenance\"") && json.contains("explore embed-check"), json);
    }

    @Test
    void embedCheckRefusesBadInput() throws Exception {
        Path em = tmp.resolve("em-bad");
        assertEquals(ExitCodes.OK, CliTest.run("explore", "embed", "--fit", fit.toString(), "--out", em.toString(),
                "--components", "2", "--clusters", "3").code());
        CliTest.Result comp = CliTest.run("explore", "embed-check", "--fit", fit.toString(), "--embed", em.toString(),
                "--component", "2", "--out", tmp.resolve("c1").toString());
        assertEquals(ExitCodes.INPUT, comp.code(), comp.err());
        assertTrue(comp.err().contains("component: expected 0..1"), comp.err());
        CliTest.Result bigK = CliTest.run("explore", "embed-check", "--fit", fit.toString(), "--embed", em.toString(),
                "--k", "76", "--end-targets", "3", "--base", "full", "--out", tmp.resolve("c2").toString());
        assertEquals(ExitCodes.INPUT, bigK.code(), bigK.err());
        assertTrue(bigK.err().contains("k: expected at most 75"), bigK.err());
        CliTest.Result ends = CliTest.run("explore", "embed-check", "--fit", fit.toString(), "--embed", em.toString(),
                "--end-targets", "13", "--out", tmp.resolve("c3").toString());
        assertEquals(ExitCodes.INPUT, ends.code(), ends.err());
        assertTrue(ends.err().contains("end targets: expected at most 12"), ends.err());
        CliTest.Result noEmbed = CliTest.run("explore", "embed-check", "--fit", fit.toString(), "--embed",
                fit.toString(), "--out", tmp.resolve("c4").toString());
        assertEquals(ExitCodes.INPUT, noEmbed.code(), noEmbed.err());
        assertTrue(noEmbed.err().contains("embed.json") && noEmbed.err().contains("explore embed"), noEmbed.err());
        CliTest.Result base = CliTest.run("explore", "embed-check", "--fit", fit.toString(), "--embed", em.toString(),
                "--base", "middle", "--out", tmp.resolve("c5").toString());
        assertEquals(ExitCodes.INPUT, base.code(), base.err());
        assertEquals(1, base.err().lines().count(), base.err());
        assertTrue(base.err().contains("base must be one of [full, random], got 'middle'"), base.err());
        for (String d : new String[] {"c1", "c2", "c3", "c4", "c5"}) {
            assertTrue(Files.notExists(tmp.resolve(d)), d);
        }
    }
}
