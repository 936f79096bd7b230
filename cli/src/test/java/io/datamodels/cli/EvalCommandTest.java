package io.datamodels.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval lds / counterfactual / support through the command line on small real data (the embedded sample). */
class EvalCommandTest {
    @TempDir
    static Path tmp;
    static Path store;
    static Path heldOut;
    static Path fit;

    static void ok(String... args) {
        CliTest.Result r = CliTest.run(args);
        assertEquals(ExitCodes.OK, r.code(), String.join(" ", args) + "\n" + r.err() + r.out());
    }

    @BeforeAll
    static void trainAndFit() {
        store = tmp.resolve("store");
        heldOut = tmp.resolve("held-out");
        fit = tmp.resolve("fit");
        ok("init", "--store", store.toString(), "--data", "embedded", "--train", "150", "--targets", "12", "--models",
                "200", "--seed", "1");
        ok("train", "--store", store.toString(), "--learner", "softmax", "--set", "epochs=3");
        ok("fit", "--store", store.toString(), "--out", fit.toString(), "--lambdas", "30");
        ok("init", "--store", heldOut.toString(), "--data", "embedded", "--train", "150", "--targets", "12", "--models",
                "40", "--seed", "2");
        ok("train", "--store", heldOut.toString(), "--learner", "softmax", "--set", "epochs=3");
    }

    @Test
    void ldsOnHeldOutModels() throws Exception {
        Path out = tmp.resolve("lds");
        CliTest.Result r = CliTest.run("eval", "lds", "--model", fit.toString(), "--held-out", heldOut.toString(), "--out",
                out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("LDS over 12 targets and 40 held-out models"), r.out());
        for (String f : new String[]{"lds.json", "lds_per_target.npy", "lds_per_target.csv", "lds_histogram.csv"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
    }

    /** The fit's own training store is not a held-out store: refused, or with --allow-in-sample labelled in-sample. */
    @Test
    void ldsRefusesTheFittedStoreUnlessAllowedAndThenSaysSo() throws Exception {
        Path out = tmp.resolve("lds-in-sample");
        CliTest.Result r = CliTest.run("eval", "lds", "--model", fit.toString(), "--held-out", store.toString(), "--out",
                out.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains("is the fitted store: an LDS on them is in-sample"), r.err());
        assertTrue(r.err().contains("another seed (--allow-in-sample evaluates it anyway, and says so)"), r.err());
        assertFalse(Files.exists(out));
        CliTest.Result a = CliTest.run("eval", "lds", "--model", fit.toString(), "--held-out", store.toString(), "--out",
                out.toString(), "--allow-in-sample");
        assertEquals(ExitCodes.OK, a.code(), a.err());
        assertTrue(a.out().startsWith("IN-SAMPLE LDS over 12 targets and 200 held-out models"), a.out());
        assertTrue(Files.readString(out.resolve("lds.json")).contains("\"in_sample\" : \"the held-out store "),
                Files.readString(out.resolve("lds.json")));
    }

    @Test
    void ldsRefusesAStoreOfOtherData() {
        Path other = tmp.resolve("other");
        ok("init", "--store", other.toString(), "--data", "embedded", "--train", "140", "--targets", "12", "--models",
                "5", "--seed", "2");
        CliTest.Result r = CliTest.run("eval", "lds", "--model", fit.toString(), "--held-out", other.toString(), "--out",
                tmp.resolve("x").toString());
        assertEquals(ExitCodes.INPUT, r.code());
        assertTrue(r.err().contains("train_fingerprint"), r.err());
        Path otherTargets = tmp.resolve("other-targets");
        ok("init", "--store", otherTargets.toString(), "--data", "embedded", "--train", "150", "--targets", "1:13",
                "--models", "5", "--seed", "2");
        CliTest.Result t = CliTest.run("eval", "lds", "--model", fit.toString(), "--held-out", otherTargets.toString(),
                "--out", tmp.resolve("y").toString());
        assertEquals(ExitCodes.INPUT, t.code());
        assertTrue(t.err().contains("targets_fingerprint"), t.err());
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")));
    }

    @Test
    void counterfactualAndSupportRetrain() throws Exception {
        Path cf = tmp.resolve("cf");
        // No --store: the fitted store is the one fit.json names; the base set defaults to random.
        CliTest.Result r = CliTest.run("eval", "counterfactual", "--model", fit.toString(),
                "--target-range", "0:4", "--k", "5,20", "--retrains", "2", "--out", cf.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("counterfactual over 8 (target, k) points, base random"), r.out());
        assertEquals(9, Files.readAllLines(cf.resolve("counterfactual_points.csv")).size());
        Path sup = tmp.resolve("support");
        CliTest.Result s = CliTest.run("eval", "support", "--model", fit.toString(), "--store", store.toString(),
                "--target-range", "0:4", "--max-k", "60", "--grid", "10,60", "--retrains", "3", "--out", sup.toString());
        assertEquals(ExitCodes.OK, s.code(), s.err() + s.out());
        assertTrue(Files.exists(sup.resolve("support.json")));
        CliTest.Result big = CliTest.run("eval", "counterfactual", "--model", fit.toString(), "--store",
                store.toString(), "--target-range", "0:2", "--base", "full", "--k", "151", "--out", tmp.resolve("big").toString());
        assertEquals(ExitCodes.INPUT, big.code());
        assertTrue(big.err().contains("k: expected at most 150 (the base set's size), got 151"), big.err());
        CliTest.Result reversed = CliTest.run("eval", "support", "--model", fit.toString(), "--store",
                store.toString(), "--target-range", "5:2", "--out", tmp.resolve("rev").toString());
        assertEquals(ExitCodes.USAGE, reversed.code(), reversed.err());
        assertTrue(reversed.err().startsWith("support: --target-range: expected A:B with 0 <= A <= B, got '5:2'\n"),
                reversed.err());
        assertFalse(Files.exists(tmp.resolve("rev")));
    }

    @Test
    void retrainingRefusesAStoreOtherThanTheFittedOne() {
        // The held-out store has the same data (so the fingerprint check alone would pass) but is not the fitted store.
        for (String cmd : new String[]{"counterfactual", "support"}) {
            Path out = tmp.resolve("wrong-" + cmd);
            CliTest.Result r = CliTest.run("eval", cmd, "--model", fit.toString(), "--store", heldOut.toString(),
                    "--target-range", "0:2", "--retrains", "1", "--out", out.toString());
            assertEquals(ExitCodes.INPUT, r.code(), r.err() + r.out());
            assertEquals(cmd + ": error: --store: expected the store the datamodels were fitted on, "
                    + store.toAbsolutePath() + " (fit.json: store), got " + heldOut.toAbsolutePath(), r.err().strip());
            assertFalse(Files.exists(out));
        }
        CliTest.Result lds = CliTest.run("eval", "lds", "--model", fit.toString(), "--store", heldOut.toString(),
                "--out", tmp.resolve("old-name").toString());
        assertEquals(ExitCodes.USAGE, lds.code(), "eval lds takes --held-out, not --store");
    }

    @Test
    void aMovedStoreMustBeNamed() throws Exception {
        // A copy of the fit folder whose fit.json names a store that no longer exists (moved or deleted).
        Path moved = tmp.resolve("fit-moved");
        Files.createDirectories(moved);
        try (var files = Files.list(fit)) {
            for (Path f : files.toList()) {
                Files.copy(f, moved.resolve(f.getFileName()));
            }
        }
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) io.datamodels.Json.parseTree("test", java.nio.file.Files.readString(
                moved.resolve("fit.json")));
        Path gone = tmp.resolve("gone");
        json.put("store", gone.toString());
        Files.writeString(moved.resolve("fit.json"), io.datamodels.Json.write(json));
        Path out = tmp.resolve("cf-moved");
        CliTest.Result r = CliTest.run("eval", "counterfactual", "--model", moved.toString(), "--target-range", "0:1",
                "--k", "5", "--retrains", "1", "--out", out.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertEquals("counterfactual: error: fit.json: store: expected an existing folder, got '" + gone
                + "' (name the fitted store with --store)", r.err().strip());
        assertFalse(Files.exists(out));
        // Named, it is used (its data checked by fingerprint).
        CliTest.Result ok = CliTest.run("eval", "counterfactual", "--model", moved.toString(), "--store",
                store.toString(), "--target-range", "0:1", "--k", "5", "--retrains", "1", "--out", out.toString());
        assertEquals(ExitCodes.OK, ok.code(), ok.err() + ok.out());
        assertTrue(ok.out().contains("counterfactual over 1 (target, k) points"), ok.out());
    }
}
