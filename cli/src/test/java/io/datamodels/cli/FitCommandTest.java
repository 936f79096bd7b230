package io.datamodels.cli;

import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fit and predict through the command line, on a small store trained from the embedded sample. */
class FitCommandTest {
    @TempDir
    static Path tmp;
    static Path store;

    @BeforeAll
    static void trainSmallStore() {
        store = tmp.resolve("store");
        CliTest.Result init = CliTest.run("init", "--store", store.toString(), "--data", "embedded", "--train", "150",
                "--targets", "12", "--models", "80", "--seed", "3");
        assertEquals(ExitCodes.OK, init.code(), init.err());
        CliTest.Result train = CliTest.run("train", "--store", store.toString(), "--learner", "softmax", "--set",
                "epochs=2", "--rows", "70");
        assertEquals(ExitCodes.OK, train.code(), train.err());
    }

    @Test
    void fitsWritesEveryFileAndPredicts() throws Exception {
        Path out = tmp.resolve("dm");
        CliTest.Result r = CliTest.run("fit", "--store", store.toString(), "--out", out.toString(), "--lambdas", "20");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("from 70 completed models") && r.out().contains("10 not completed, left out"),
                r.out());
        for (String f : List.of("weights.npy", "weights_standardized.npy", "bias.npy", "lambda.npy", "val_mse.npy",
                "nnz.npy", "lambda_path.npy", "kkt.npy", "fit.json")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        float[] w = Npy.readFloats(out.resolve("weights.npy"));
        float[] b = Npy.readFloats(out.resolve("bias.npy"));
        assertEquals(150 * 12, w.length);
        int none = 0;
        for (int q = 0; q < 12; q++) {
            boolean any = false;
            for (int j = 0; j < 150; j++) {
                any |= w[j * 12 + q] != 0;
            }
            none += any ? 0 : 1;
        }
        // 70 models for 150 examples leave many targets without any weight, and fit says so.
        assertTrue(none >= 2, "targets without weight: " + none);
        assertTrue(r.err().contains("fit: warning: " + none + " of 12 targets have no non-zero weight: too few "
                + "models (70) for m = 150 training examples?"), r.err());
        boolean[] mask = new boolean[150];
        for (int j = 0; j < 150; j += 3) {
            mask[j] = true;
        }
        Path masks = tmp.resolve("masks.npy");
        Npy.write(masks, DType.BOOL, mask, 1, 150);
        Path pred = tmp.resolve("pred.npy");
        CliTest.Result p = CliTest.run("predict", "--model", out.toString(), "--masks", masks.toString(), "--out",
                pred.toString());
        assertEquals(ExitCodes.OK, p.code(), p.err());
        float[] got = Npy.readFloats(pred);
        for (int q = 0; q < 12; q++) {
            double want = b[q];
            for (int j = 0; j < 150; j += 3) {
                want += w[j * 12 + q];
            }
            assertEquals(want, got[q], 1e-4);
        }
    }

    @Test
    void targetSlicesAndErrors() throws Exception {
        Path part = tmp.resolve("part");
        assertEquals(ExitCodes.OK, CliTest.run("fit", "--store", store.toString(), "--out", part.toString(),
                "--target-range", "4:8", "--lambdas", "10").code());
        assertEquals(4 * 150, Npy.readFloats(part.resolve("weights.npy")).length);
        CliTest.Result range = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("x").toString(),
                "--target-range", "4:13");
        assertEquals(ExitCodes.INPUT, range.code());
        assertTrue(range.err().startsWith("fit: error: --target-range: expected a range within [0, 12) of margins, "
                + "got 4:13\n"), range.err());
        assertFalse(Files.exists(tmp.resolve("x")));
        for (String bad : new String[]{"5:2", "4", "a:8"}) {
            CliTest.Result usage = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("x").toString(),
                    "--target-range", bad);
            assertEquals(ExitCodes.USAGE, usage.code(), usage.err());
            assertTrue(usage.err().startsWith("fit: --target-range: expected A:B with 0 <= A <= B, got '" + bad + "'\n"),
                    usage.err());
            assertFalse(Files.exists(tmp.resolve("x")));
        }
        CliTest.Result exists = CliTest.run("fit", "--store", store.toString(), "--out", part.toString());
        assertEquals(ExitCodes.OUTPUT, exists.code());
        assertTrue(exists.err().contains("--force"), exists.err());
        CliTest.Result badKey = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("y").toString(),
                "--y", "nope");
        assertEquals(ExitCodes.INPUT, badKey.code());
        CliTest.Result badRatio = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("z").toString(),
                "--lambda-ratio", "2");
        assertEquals(ExitCodes.INPUT, badRatio.code());
        assertTrue(badRatio.err().contains("lambda_ratio must be in (0, 1), got 2.0"), badRatio.err());
        CliTest.Result badZ = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("z").toString(),
                "--outlier-z", "0.5");
        assertEquals(ExitCodes.INPUT, badZ.code());
        assertEquals(1, badZ.err().lines().count(), badZ.err());
        assertTrue(badZ.err().contains("outlier_z must be 0 (keep every model) or a finite value >= 1, got 0.5"),
                badZ.err());
        assertFalse(Files.exists(tmp.resolve("z")));
        Path wrong = tmp.resolve("wrong.npy");
        Npy.write(wrong, DType.BOOL, new boolean[149], 1, 149);
        CliTest.Result p = CliTest.run("predict", "--model", part.toString(), "--masks", wrong.toString(), "--out",
                tmp.resolve("p.npy").toString());
        assertEquals(ExitCodes.INPUT, p.code());
        assertTrue(p.err().contains("wrong.npy: shape: expected (n, 150)"), p.err());
    }

    @Test
    void rowsSelectModelsAndMustLieWithinTheStore() throws Exception {
        // 80 rows, 0..69 completed: rows 10:75 hold 60 completed models and 5 not completed.
        Path out = tmp.resolve("rows");
        CliTest.Result r = CliTest.run("fit", "--store", store.toString(), "--out", out.toString(), "--lambdas", "10",
                "--rows", "10:75");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("from 60 completed models") && r.out().contains("5 not completed, left out"),
                r.out());
        var sum = io.datamodels.Json.read(out.resolve("fit.json"), io.datamodels.regress.Fitter.Summary.class);
        assertEquals(60, sum.modelsCompleted());
        assertEquals(60, sum.modelsTrain() + sum.modelsVal());
        // N alone is 0:N.
        CliTest.Result first = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("first").toString(),
                "--lambdas", "10", "--rows", "40");
        assertEquals(ExitCodes.OK, first.code(), first.err());
        assertTrue(first.out().contains("from 40 completed models") && first.out().contains("0 not completed"),
                first.out());
        // Past the store's 80 rows: refused, nothing written (it used to fit on all 80 silently).
        for (String bad : new String[]{"0:500", "81", "79:81"}) {
            Path x = tmp.resolve("beyond");
            CliTest.Result b = CliTest.run("fit", "--store", store.toString(), "--out", x.toString(), "--rows", bad);
            assertEquals(ExitCodes.USAGE, b.code(), bad + ": " + b.err());
            assertTrue(b.err().contains("--rows: expected 0 <= A <= B <= 80 (the store's models)"), b.err());
            assertFalse(Files.exists(x));
        }
        CliTest.Result old = CliTest.run("fit", "--store", store.toString(), "--out", tmp.resolve("old").toString(),
                "--models", "50");
        assertEquals(ExitCodes.USAGE, old.code(), "fit --models is now --rows");
    }
}
