package io.datamodels.eval;

import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.BaseSet;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.subset.BitMask;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.Learners;
import io.datamodels.train.Runner;
import io.datamodels.train.TrainRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval counterfactual}, {@code eval support} and the principal-component check ({@link ComponentCheck}) against
 * an exact oracle: the "learner" is a real external
 * command (a python3 script, no numpy) whose margin on target q is exactly {@code b_q + sum_j mask_j w_jq}, so the
 * datamodels fitted on its outputs are the truth up to the LASSO's tiny shrinkage, the actual change of a removal is
 * known in closed form, and so is each target's smallest flipping removal. A sign flipped in a predicted change or a
 * ranking reversed in the code fails these tests; checking only files and counts would not.
 */
@ExtendWith(NoStdout.class)
class RetrainEvalTest {
    static final int M = 25;
    static final int T = 4;
    static final int N = 300;
    static final double[] BIAS = {1.0, 3.0, -0.5, 12.0};
    /** Predicted vs actual changes: the fit's shrinkage at lambda = 1e-4 lambda_max on noise-free outputs. */
    static final double TOL = 2e-3;

    @TempDir
    static Path tmp;
    static Path store;
    static Path fit;

    /** True weight of example j on target q: a permutation of -0.6..0.6 in steps of 0.05, scaled per target. */
    static double weight(int j, int q) {
        int c = new int[]{3, 7, 11, 13}[q];
        return ((j * c + 5 * q) % M - 12) * 0.05 * (1 + 0.5 * q);
    }

    static final String SCRIPT = """
            import struct, sys
            truth, mask_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
            with open(truth) as f:
                rows = [[float(v) for v in line.split()] for line in f if line.strip()]
            bias, w = rows[0], rows[1:]
            raw = open(mask_path, 'rb').read()
            hlen = struct.unpack('<H', raw[8:10])[0]
            mask = raw[10 + hlen:]
            assert len(mask) == len(w), (len(mask), len(w))
            y = [bias[q] + sum(w[j][q] for j in range(len(w)) if mask[j]) for q in range(len(bias))]
            header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(y)
            header += ' ' * (63 - (10 + len(header)) % 64) + '\\n'
            with open(out + '/margins.npy', 'wb') as f:
                f.write(b'\\x93NUMPY\\x01\\x00' + struct.pack('<H', len(header)) + header.encode('latin1'))
                f.write(struct.pack('<%df' % len(y), *y))
            """;

    /** A store of N models whose margins are the exact linear truth, its train.json naming the script, its fit. */
    @BeforeAll
    static void fitTheTruth() throws Exception {
        Path script = tmp.resolve("linear.py");
        Files.writeString(script, SCRIPT);
        StringBuilder truth = new StringBuilder();
        for (double b : BIAS) {
            truth.append(b).append(' ');
        }
        truth.append('\n');
        for (int j = 0; j < M; j++) {
            for (int q = 0; q < T; q++) {
                truth.append(weight(j, q)).append(' ');
            }
            truth.append('\n');
        }
        Files.writeString(tmp.resolve("truth.txt"), truth);
        store = tmp.resolve("store");
        Sampling sampling = new Sampling(Sampling.BERNOULLI, 0.5, 3, M);
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, M));
        schema.put("margins", StoreSpec.KeySpec.of(DType.FLOAT32, T));
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, sampling, null, Provenance.now("none", "test"));
        String command = "python3 " + q(script) + " " + q(tmp.resolve("truth.txt")) + " {mask} {out}";
        try (Store s = Store.init(store, new StoreSpec((long) N, schema), meta, false, sampling::mask)) {
            var cfg = Learners.resolveConfig(LearnerKind.EXTERNAL, Json.parseTree("test", 
                    Json.write(Map.of("command", command, "timeout_seconds", 60))));
            new TrainRecord(LearnerKind.EXTERNAL, cfg, "scalar", Provenance.now("none", "test")).recordOrCheck(s);
            // The fitted rows come from the same formula in Java; the script is exercised by the retraining.
            for (int i = 0; i < N; i++) {
                BitMask mask = sampling.mask(i);
                float[] y = new float[T];
                for (int q = 0; q < T; q++) {
                    y[q] = (float) linear(mask, q);
                }
                s.writeRow(i, Map.of("margins", y));
            }
            fit = tmp.resolve("fit");
            Fitter.fit(s, fit, FitRequest.builder()
                    .config(LassoConfig.defaults().with(100, 1e-4, 0.1, 0).withThreads(2)).command("test").build());
        }
    }

    static String q(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    static double linear(BitMask mask, int q) {
        double y = BIAS[q];
        for (int j : mask.indices()) {
            y += weight(j, q);
        }
        return y;
    }

    /** The true weights of target q, largest first. */
    static double[] sortedDesc(int q) {
        double[] w = new double[M];
        for (int j = 0; j < M; j++) {
            w[j] = -weight(j, q);
        }
        Arrays.sort(w);
        for (int j = 0; j < M; j++) {
            w[j] = -w[j];
        }
        return w;
    }

    private static final Runner.Listener QUIET = new Runner.Listener() {
    };

    @Test
    void counterfactualChangesAreTheTrueChangesOfRemovingTheTopSupporters() throws Exception {
        int[] ks = {1, 3, 6};
        Counterfactual cf = new Counterfactual(new int[]{0, 1, 2, 3}, ks, "full", 1, 11);
        Counterfactual.Result r;
        try (Store s = Store.open(store, false)) {
            r = cf.run(fit, s, tmp.resolve("cf.work"), Kernels.gemm(), 2, QUIET);
        }
        assertEquals(12, r.points().size());
        for (Counterfactual.Point p : r.points()) {
            double[] w = sortedDesc(p.target());
            double removed = 0;
            for (int i = 0; i < p.k(); i++) {
                removed += w[i];
            }
            // Oracle: removing the k largest true weights from the full set lowers the margin by their sum.
            assertEquals(-removed, p.actual(), 1e-5, "actual change, target " + p.target() + ", k " + p.k());
            assertEquals(-removed, p.predicted(), TOL, "predicted change, target " + p.target() + ", k " + p.k());
        }
        assertEquals(1.0, r.summary().pearson(), 1e-6);
        assertEquals(1.0, r.summary().spearman(), 1e-12);
        for (double c : r.summary().pearsonPerK()) {
            assertEquals(1.0, c, 1e-6);
        }
    }

    @Test
    void supportFindsTheKnownSmallestFlippingRemoval() throws Exception {
        Support sup = new Support(new int[]{0, 1, 2, 3}, 20, new int[]{1, 2, 4, 20}, "full", 1, 12);
        Support.Result r;
        try (Store s = Store.open(store, false)) {
            r = sup.run(fit, s, tmp.resolve("support.work"), Kernels.gemm(), 2, QUIET);
        }
        // Oracle, by hand from the truth: the full-set margin is the bias (the weights of a target sum to 0); remove
        // the largest weights until it is below 0. Target 2 starts below 0 and is skipped; target 3 needs more than
        // max_k = 20 (its positive weights sum to 9.75 < 12).
        List<int[]> expected = new ArrayList<>();
        for (int q = 0; q < T; q++) {
            if (BIAS[q] <= 0) {
                continue;
            }
            double margin = BIAS[q];
            int k = -1;
            double[] w = sortedDesc(q);
            for (int i = 0; i < 20; i++) {
                margin -= w[i];
                if (margin < 0) {
                    k = i + 1;
                    break;
                }
            }
            expected.add(new int[]{q, k});
        }
        assertEquals(List.of("0:2", "1:4", "3:-1"), expected.stream().map(e -> e[0] + ":" + e[1]).toList());
        assertEquals(3, r.rows().size());
        for (int i = 0; i < 3; i++) {
            Support.Row row = r.rows().get(i);
            assertEquals(expected.get(i)[0], row.target());
            assertEquals(BIAS[row.target()], row.fullMargin(), TOL);
            assertEquals(expected.get(i)[1], row.k(), "smallest k of target " + row.target());
            assertEquals(row.k() > 0, row.verified(), "verified by the retrained (exact) margin");
            if (row.k() > 0) {
                double[] w = sortedDesc(row.target());
                double after = BIAS[row.target()];
                for (int j = 0; j < row.k(); j++) {
                    after -= w[j];
                }
                assertEquals(after, row.retrainedMargin(), 1e-5);
            }
        }
        // k <= 1: none; k <= 2: target 0; k <= 4 and 20: targets 0 and 1; of 3 considered.
        assertEquals(List.of(0.0, 1 / 3.0, 2 / 3.0, 2 / 3.0), Arrays.stream(r.summary().predicted()).boxed().toList());
        assertEquals(List.of(0.0, 1 / 3.0, 2 / 3.0, 2 / 3.0), Arrays.stream(r.summary().verified()).boxed().toList());
        assertTrue(r.summary().verifiedOfPredicted() == 1.0);
    }

    /**
     * The component check on the first principal component of these datamodels: the removed sets are read back from
     * pca_loadings.npy and the end targets from pca_scores.npy (sorted here), and every retrained change is the
     * closed-form change of the linear truth.
     */
    @Test
    void componentCheckRemovesTheEndsOfTheComponentAndMeasuresTheTrueChanges() throws Exception {
        Path em = tmp.resolve("embed");
        io.datamodels.regress.FitFolder ff = io.datamodels.regress.FitFolder.load(fit);
        io.datamodels.explore.Embedding.of(ff.datamodels(), 0,
                        io.datamodels.explore.Embedding.Options.defaults().withComponents(2).withClusters(2)
                                .withGraphNeighbours(2))
                .write(em, false, fit, new io.datamodels.explore.FitData(0, T, null, null, null),
                        Provenance.now("none", "test"));
        double[] ld = io.datamodels.store.npy.Npy.readDoubles(em.resolve("pca_loadings.npy"));
        double[] sc = io.datamodels.store.npy.Npy.readDoubles(em.resolve("pca_scores.npy"));
        for (BaseSet base : BaseSet.values()) {
            int c = 1;
            var comp = io.datamodels.explore.Embedding.readComponent(em, c);
            int k = 4;
            int retrains = 2;
            ComponentCheck check = new ComponentCheck(c, k, 1, base, retrains, 21);
            ComponentCheck.Result r;
            try (Store s = Store.open(store, false)) {
                r = check.run(fit, s, comp.loadings(), comp.scores(), comp.explained(), em.toString(),
                        tmp.resolve("cc-" + base.id() + ".work"), Kernels.gemm(), 2, QUIET);
            }
            Path out = tmp.resolve("cc-" + base.id());
            ComponentCheck.Summary sum = ComponentCheck.write(r, out, false, Provenance.now("none", "test"));
            assertEquals(base.id(), sum.base(), "component_check.json's base");
            // Oracle: the base set's members, and their loadings on component c sorted here.
            BitMask baseMask = base == BaseSet.FULL ? full() : new Sampling(Sampling.BERNOULLI, 0.5, 21, M).mask(0);
            List<Integer> members = new ArrayList<>();
            for (int j : baseMask.indices()) {
                members.add(j);
            }
            members.sort((a, b) -> Double.compare(ld[b * 2 + c], ld[a * 2 + c]));
            List<Integer> high = members.subList(0, k);
            List<Integer> low = new ArrayList<>(members.subList(members.size() - k, members.size())).reversed();
            long[] removed = io.datamodels.store.npy.Npy.readLongs(out.resolve("removed.npy"));
            assertEquals(high, Arrays.stream(removed, 0, k).mapToObj(v -> (int) v).toList(), "high end, " + base);
            assertEquals(low, Arrays.stream(removed, k, 2 * k).mapToObj(v -> (int) v).toList(), "low end, " + base);
            int hiT = 0;
            int loT = 0;
            for (int q = 1; q < T; q++) {
                hiT = sc[q * 2 + c] > sc[hiT * 2 + c] ? q : hiT;
                loT = sc[q * 2 + c] < sc[loT * 2 + c] ? q : loT;
            }
            assertEquals(List.of((long) hiT, (long) loT),
                    Arrays.stream(io.datamodels.store.npy.Npy.readLongs(out.resolve("end_targets.npy"))).boxed()
                            .toList());
            float[] y = io.datamodels.store.npy.Npy.readFloats(out.resolve("outputs.npy"));
            List<List<Integer>> arms = List.of(List.of(), high, low);
            double[] accBase = new double[1];
            for (int a = 0; a < 3; a++) {
                BitMask mask = new BitMask(M);
                for (int j : baseMask.indices()) {
                    if (!arms.get(a).contains(j)) {
                        mask.set(j);
                    }
                }
                double acc = 0;
                for (int q = 0; q < T; q++) {
                    acc += linear(mask, q) > 0 ? 1.0 / T : 0;
                    for (int i = 0; i < retrains; i++) {
                        assertEquals(linear(mask, q), y[(a * retrains + i) * T + q], 1e-5, "output " + a + "/" + i);
                    }
                }
                if (a == 0) {
                    accBase[0] = acc;
                    assertEquals(acc, sum.baseAccuracy().mean(), 1e-12);
                    continue;
                }
                ComponentCheck.ArmSummary as = sum.arms().get(a - 1);
                double dh = 0;
                double dl = 0;
                for (int j : arms.get(a)) {
                    dh -= weight(j, hiT);
                    dl -= weight(j, loT);
                }
                double other = 0;
                for (int q = 0; q < T; q++) {
                    if (q != hiT && q != loT) {
                        for (int j : arms.get(a)) {
                            other -= weight(j, q) / (T - 2);
                        }
                    }
                }
                assertEquals(dh, as.changeHigh().mean(), 1e-5, base + " " + as.arm());
                assertEquals(dl, as.changeLow().mean(), 1e-5, base + " " + as.arm());
                assertEquals(other, as.changeOther().mean(), 1e-5, base + " " + as.arm());
                assertEquals(0, as.changeHigh().sd(), 1e-5, "a deterministic learner: no spread over seeds");
                assertEquals(dh, as.predictedHigh(), k * TOL);
                assertEquals(dl, as.predictedLow(), k * TOL);
                assertEquals(acc - accBase[0], as.accuracyChange().mean(), 1e-12);
                assertEquals(retrains, as.accuracyChange().perSeed().length);
            }
            // The first of the two ends holds the examples pushing the high-end target up: removing them lowers it.
            assertTrue(sum.arms().get(0).changeHigh().mean() < sum.arms().get(1).changeHigh().mean(), base.id());
            List<String> csv = Files.readAllLines(out.resolve("component_check.csv"));
            assertEquals(1 + 2 * retrains, csv.size());
            assertEquals(T + 1, Files.readAllLines(out.resolve("target_changes.csv")).size());
        }
    }

    private static BitMask full() {
        BitMask b = new BitMask(M);
        for (int j = 0; j < M; j++) {
            b.set(j);
        }
        return b;
    }
}
