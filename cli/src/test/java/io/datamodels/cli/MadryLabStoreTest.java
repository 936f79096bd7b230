package io.datamodels.cli;

import io.datamodels.Json;
import io.datamodels.regress.Fitter;
import io.datamodels.store.Store;
import io.datamodels.store.StoreSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A store folder exactly as MadryLab's {@code datamodels} tools leave it, made with numpy: {@code initialize_store}
 * reads the spec from a file outside the folder and creates one zeroed {@code open_memmap} per key plus
 * {@code _completed.npy}; each worker run makes {@code workers/<index>/}, writes the row of every key, then sets
 * {@code _completed[index]}, and appends its command line to {@code cmds.txt}. {@code info}, {@code fit} and
 * {@code eval lds} run on it with the schema read from the {@code .npy} headers or given by {@code --spec}, and the
 * LDS is checked against numpy's own computation from the written weights. Skipped where python3 with numpy is
 * missing.
 */
class MadryLabStoreTest {
    private static final int M = 40;
    private static final int T = 6;

    @TempDir
    static Path tmp;
    static Path store;
    static Path storeSpec;
    static Path heldOut;
    static Path heldOutSpec;

    /**
     * argv: DIR SPEC N COMPLETED SEED. The planted truth margins = 0.5 + mask @ W + noise (W fixed, seed 7) is
     * written as float16, masks as bool_, rows 0..COMPLETED-1 completed in a shuffled order as workers would.
     */
    /** Writes a store as MadryLab's tools do; args: folder, spec file, models, completed rows, seed. */
    static final String MADRYLAB_STORE = """
            import json, os, sys
            import numpy as np
            d, spec_path, N, done, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
            m, T = %d, %d
            spec = {"num_models": N, "schema": {"masks": {"shape": [m], "dtype": "bool_"},
                                                "margins": {"shape": [T], "dtype": "float16"}}}
            with open(spec_path, 'w') as f:
                json.dump(spec, f)

            # initialize_store: the spec from the user's file, one zeroed memmap per key and _completed
            os.makedirs(d)
            schema = dict(json.load(open(spec_path))['schema'])
            schema['_completed'] = {'dtype': 'bool_', 'shape': []}
            for key, md in schema.items():
                mm = np.lib.format.open_memmap(os.path.join(d, key + '.npy'), mode='w+',
                                               dtype=getattr(np, md['dtype']), shape=(N,) + tuple(md['shape']))
                mm.flush()
                del mm

            # worker: rows written, then _completed set, then cmds.txt
            W = np.random.default_rng(7).normal(0, 1, (m, T)) * (np.random.default_rng(8).random((m, T)) < 0.3)
            def kv_log(key, index, value):
                mm = np.load(os.path.join(d, key + '.npy'), mmap_mode='r+')
                mm[index] = value
                mm.flush()
                del mm
            rng = np.random.default_rng(seed)
            for i in rng.permutation(done):
                os.makedirs(os.path.join(d, 'workers', str(i)), exist_ok=True)
                r = np.random.default_rng([seed, int(i)])
                mask = r.random(m) < 0.5
                margins = 0.5 + mask @ W + r.normal(0, 0.3, T)
                kv_log('masks', i, mask)
                kv_log('margins', i, margins.astype(np.float16))
                kv_log('_completed', i, 1)
                with open(os.path.join(d, 'cmds.txt'), 'a') as f:
                    f.write('python -m datamodels.training.worker --worker.index=%%d --worker.logdir=%%s\\n' %% (i, d))
            c = np.load(os.path.join(d, '_completed.npy'))
            y = np.load(os.path.join(d, 'margins.npy'))
            print(int(c.sum()), repr(float(y[c].astype(np.float64).sum())))
            """.formatted(M, T);

    /** argv: FIT HELD_OUT LDS_OUT; numpy's LDS from weights.npy and bias.npy, compared with ours. */
    private static final String CHECK_LDS = """
            import json, os, sys
            import numpy as np
            fit, held, out = sys.argv[1], sys.argv[2], sys.argv[3]
            w = np.load(os.path.join(fit, 'weights.npy')).astype(np.float64)
            b = np.load(os.path.join(fit, 'bias.npy')).astype(np.float64)
            c = np.load(os.path.join(held, '_completed.npy'))
            x = np.load(os.path.join(held, 'masks.npy'))[c].astype(np.float64)
            y = np.load(os.path.join(held, 'margins.npy'))[c].astype(np.float64)
            pred = b + x @ w

            def ranks(v):
                order = np.argsort(v, kind='stable')
                r = np.empty(len(v))
                sv = v[order]
                i = 0
                while i < len(v):
                    j = i
                    while j + 1 < len(v) and sv[j + 1] == sv[i]:
                        j += 1
                    r[order[i:j + 1]] = (i + j) / 2.0
                    i = j + 1
                return r

            def pearson(a, b):
                a = a - a.mean(); b = b - b.mean()
                return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))

            sp = np.array([pearson(ranks(pred[:, q]), ranks(y[:, q])) for q in range(y.shape[1])])
            pe = np.array([pearson(pred[:, q], y[:, q]) for q in range(y.shape[1])])
            ours = np.load(os.path.join(out, 'lds_per_target.npy'))
            summary = json.load(open(os.path.join(out, 'lds.json')))
            assert ours.shape == (y.shape[1], 2), ours.shape
            assert summary['held_out_models'] == int(c.sum()), summary
            print(repr(float(np.abs(ours[:, 0] - sp).max())), repr(float(np.abs(ours[:, 1] - pe).max())),
                  repr(abs(summary['mean_spearman'] - float(sp.mean()))), repr(float(sp.mean())))
            """;

    static boolean hasNumpy() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code script} with python3 and returns its stdout; fails the test with python's stderr otherwise. */
    static String python(String script, String... args) throws IOException, InterruptedException {
        return python(tmp, script, args);
    }

    /** Runs a python3 script with its arguments, keeping the script and its output files in {@code scratch}. */
    static String python(Path scratch, String script, String... args) throws IOException, InterruptedException {
        Path src = Files.createTempFile(scratch, "script", ".py");
        Files.writeString(src, script, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("python3", src.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(scratch, "stdout", ".txt");
        Path err = Files.createTempFile(scratch, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python3 timed out");
        assertEquals(0, p.exitValue(), "python3 failed: " + Files.readString(err));
        return Files.readString(out).strip();
    }

    static CliTest.Result ok(String... args) {
        CliTest.Result r = CliTest.run(args);
        assertEquals(ExitCodes.OK, r.code(), String.join(" ", args) + "\n" + r.err() + r.out());
        return r;
    }

    static String[] fitStoreNumbers;

    @BeforeAll
    static void makeStores() throws Exception {
        assumeTrue(hasNumpy(), "skipped: python3 with numpy is not available (python3 -c \"import numpy\" failed); "
                + "this test builds stores the way MadryLab's numpy tools do");
        store = tmp.resolve("madrylab-store");
        storeSpec = tmp.resolve("src/spec.json");
        heldOut = tmp.resolve("madrylab-held-out");
        heldOutSpec = tmp.resolve("src/held_out_spec.json");
        Files.createDirectories(storeSpec.getParent());
        fitStoreNumbers = python(MADRYLAB_STORE, store.toString(), storeSpec.toString(), "300", "250", "1").split(" ");
        String[] h = python(MADRYLAB_STORE, heldOut.toString(), heldOutSpec.toString(), "120", "100", "2").split(" ");
        assertEquals("250", fitStoreNumbers[0]);
        assertEquals("100", h[0]);
        assertFalse(Files.exists(store.resolve(Store.SPEC_FILE)));
        assertTrue(Files.isDirectory(store.resolve("workers/0")) && Files.exists(store.resolve("cmds.txt")));
    }

    @Test
    void infoSaysWhichSpecItUsed() {
        CliTest.Result r = ok("info", "--store", store.toString());
        assertTrue(r.out().contains("models     300, completed 250 (83.3%)"), r.out());
        assertTrue(r.out().contains("spec       inferred from the .npy headers (no spec.json)"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  masks +bool_ +\\(300, 40\\) .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  margins +float16 +\\(300, 6\\) .*"), r.out());
        assertFalse(r.out().contains("cmds") || r.out().contains("workers"), r.out());
        CliTest.Result s = ok("info", "--store", store.toString(), "--spec", storeSpec.toString());
        assertTrue(s.out().contains("spec       " + storeSpec.toAbsolutePath() + " (outside the store)"), s.out());
        CliTest.Result j = ok("info", "--store", store.toString(), "--json");
        assertTrue(j.out().contains("\"kind\" : \"inferred\""), j.out());
    }

    @Test
    void float16OutputsReadAsNumpyReadsThem() throws Exception {
        try (Store s = Store.open(store, false)) {
            double sum = 0;
            float[] row = new float[T];
            for (long i : s.completedIndices()) {
                s.array("margins").getFloats(i * T, row, 0, T);
                for (float v : row) {
                    sum += v;
                }
            }
            // float16 values are exact in float32 and double; numpy summed them in float64, in the same order
            assertEquals(Double.parseDouble(fitStoreNumbers[1]), sum, 1e-9);
        }
    }

    @Test
    void fitRecordsTheSpecSourceAndEvalLdsMatchesNumpy() throws Exception {
        Path fit = tmp.resolve("fit");
        CliTest.Result f = ok("fit", "--store", store.toString(), "--out", fit.toString(), "--lambdas", "30");
        assertTrue(f.out().contains("from 250 completed models"), f.out());
        assertTrue(f.out().contains("store spec: inferred from the .npy headers (no spec.json)"), f.out());
        Fitter.Summary sum = Json.read(fit.resolve(Fitter.FIT_JSON), Fitter.Summary.class);
        assertEquals(new StoreSpec.Source(StoreSpec.Source.INFERRED, null), sum.storeSpec());
        assertNull(sum.dataset());
        assertEquals(M, sum.trainSize());

        Path fitWithSpec = tmp.resolve("fit-spec");
        ok("fit", "--store", store.toString(), "--spec", storeSpec.toString(), "--out", fitWithSpec.toString(),
                "--lambdas", "30");
        Fitter.Summary withSpec = Json.read(fitWithSpec.resolve(Fitter.FIT_JSON), Fitter.Summary.class);
        assertEquals(new StoreSpec.Source(StoreSpec.Source.FILE, storeSpec.toAbsolutePath().toString()),
                withSpec.storeSpec());
        assertTrue(Files.mismatch(fit.resolve("weights.npy"), fitWithSpec.resolve("weights.npy")) < 0,
                "the same schema either way, so the same fit");

        // No fingerprints on either side: refused unless the user vouches for the data.
        Path refused = tmp.resolve("lds-refused");
        CliTest.Result r = CliTest.run("eval", "lds", "--model", fit.toString(), "--held-out", heldOut.toString(),
                "--out", refused.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(heldOut.resolve("store.json") + " (absent): dataset: expected SHA-256 "
                + "fingerprints") && r.err().contains("--assume-same-data"), r.err());
        assertFalse(Files.exists(refused));

        Path lds = tmp.resolve("lds");
        CliTest.Result e = ok("eval", "lds", "--model", fit.toString(), "--held-out", heldOut.toString(), "--spec",
                heldOutSpec.toString(), "--assume-same-data", "--out", lds.toString());
        assertTrue(e.out().contains("LDS over 6 targets and 100 held-out models"), e.out());
        assertTrue(e.out().contains("data not verified"), e.out());
        assertTrue(Files.readString(lds.resolve("lds.json")).contains("\"data_match\" : \"assumed\""));
        String[] d = python(CHECK_LDS, fit.toString(), heldOut.toString(), lds.toString()).split(" ");
        assertTrue(Double.parseDouble(d[0]) < 1e-6, "Spearman vs numpy: " + d[0]);
        assertTrue(Double.parseDouble(d[1]) < 1e-4, "Pearson vs numpy: " + d[1]);
        assertTrue(Double.parseDouble(d[2]) < 1e-6, "mean Spearman vs numpy: " + d[2]);
        assertTrue(Double.parseDouble(d[3]) > 0.8, "a planted linear truth is predicted well: " + d[3]);
    }

    @Test
    void trainRefusesRowsWhoseMaskMadryLabsWorkerNeverWrote() throws Exception {
        // Rows 250..299 were never trained, so their masks are the zeros initialize_store left.
        CliTest.Result r = CliTest.run("train", "--store", store.toString(), "--learner", "external", "--command",
                "true", "--rows", "240:260");
        assertEquals(ExitCodes.INPUT, r.code(), r.err() + r.out());
        assertEquals("train: error: masks.npy: row 250: expected the model's training subset, got no example "
                + "selected (a store without store.json, as MadryLab's initialize_store makes it, holds a mask only "
                + "once a worker has trained that row); train it with MadryLab's worker, or make the store with "
                + "'datamodels init'",
                r.err().strip());
        try (Store s = Store.open(store, false)) {
            assertEquals(250, s.completedCount());
        }
    }

    @Test
    void malformedFoldersAndDisagreeingSpecsAreRefused() throws Exception {
        Path bad = tmp.resolve("bad-store");
        Path badSpec = tmp.resolve("src/bad_spec.json");
        python(MADRYLAB_STORE, bad.toString(), badSpec.toString(), "20", "10", "3");
        Files.writeString(badSpec, Files.readString(badSpec).replace("float16", "float32"));
        CliTest.Result r = CliTest.run("info", "--store", bad.toString(), "--spec", badSpec.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertEquals("info: error: margins.npy: dtype: expected float32 from " + badSpec + ", got float16",
                r.err().strip());
        python("""
                import numpy as np, sys
                np.lib.format.open_memmap(sys.argv[1], mode='w+', dtype=np.float32, shape=(19, 6)).flush()
                """, bad.resolve("losses.npy").toString());
        Path out = tmp.resolve("bad-fit");
        CliTest.Result f = CliTest.run("fit", "--store", bad.toString(), "--out", out.toString());
        assertEquals(ExitCodes.INPUT, f.code(), f.err());
        assertEquals("fit: error: losses.npy: shape: expected first dimension 20 (the models in _completed.npy), got "
                + "(19, 6)", f.err().strip());
        assertFalse(Files.exists(out));
    }
}
