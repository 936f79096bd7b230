package io.datamodels.cli;

import io.datamodels.store.npy.NpyArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * attribute through the command line on small CSV data: every method's folder passes through eval lds and report,
 * predicts held-out models where the models learn, refuses options it does not use, and is pinned bit for bit.
 */
class AttributeCommandTest {
    @TempDir
    static Path tmp;
    static Path store;
    static Path heldOut;

    static void ok(String... args) {
        CliTest.Result r = CliTest.run(args);
        assertEquals(ExitCodes.OK, r.code(), String.join(" ", args) + "\n" + r.err() + r.out());
    }

    static Path mlpStore;
    static Path mlpHeldOut;

    /**
     * A small CSV (240 rows, 6 features, 3 classes; class c raises features c and c + 3) so that the exact influence
     * Hessian is small: 200 training examples, 10 targets.
     */
    @BeforeAll
    static void train() throws Exception {
        Path csv = tmp.resolve("data.csv");
        StringBuilder sb = new StringBuilder("a,b,c,d,e,f,label\n");
        io.datamodels.subset.SeedStream r = new io.datamodels.subset.SeedStream(1, 0, 0);
        for (int i = 0; i < 240; i++) {
            int y = r.nextInt(3);
            for (int j = 0; j < 6; j++) {
                sb.append(String.format(java.util.Locale.ROOT, "%.4f,", r.nextGaussian() + (j % 3 == y ? 1 : 0)));
            }
            sb.append(y).append('\n');
        }
        Files.writeString(csv, sb);
        String data = "csv:" + csv;
        store = tmp.resolve("store");
        heldOut = tmp.resolve("held-out");
        mlpStore = tmp.resolve("mlp-store");
        mlpHeldOut = tmp.resolve("mlp-held-out");
        for (Path[] s : new Path[][]{{store, heldOut}, {mlpStore, mlpHeldOut}}) {
            String learner = s[0] == store ? "softmax" : "mlp";
            ok("init", "--store", s[0].toString(), "--data", data, "--train", "0:200", "--target-data", data,
                    "--targets", "200:210", "--models", "4", "--seed", "1");
            ok("train", "--store", s[0].toString(), "--learner", learner, "--set", "epochs=5", "--rows", "1");
            ok("init", "--store", s[1].toString(), "--data", data, "--train", "0:200", "--target-data", data,
                    "--targets", "200:210", "--models", "30", "--seed", "2");
            ok("train", "--store", s[1].toString(), "--learner", learner, "--set", "epochs=5");
        }
    }

    @Test
    void everyMethodWritesAFitFolderThatEvalLdsReads() throws Exception {
        for (String[] m : new String[][]{{"trak", "--proj-dim", "8", "--models", "2", "--train-on", "subsets"},
                {"influence", "--damping", "0.01"}, {"gradient-dot", "--models", "2"},
                {"trak", "--models", "2", "MLP"}, {"influence", "MLP"}}) {
            boolean mlp = m[m.length - 1].equals("MLP");
            if (mlp) {
                m = java.util.Arrays.copyOf(m, m.length - 1);
            }
            Path st = mlp ? mlpStore : store;
            Path ho = mlp ? mlpHeldOut : heldOut;
            Path out = tmp.resolve("attr-" + m[0] + (mlp ? "-mlp" : ""));
            String[] args = new String[m.length + 6];
            args[0] = "attribute";
            args[1] = "--method";
            System.arraycopy(m, 0, args, 2, m.length);
            System.arraycopy(new String[]{"--store", st.toString(), "--out", out.toString()}, 0, args, m.length + 2,
                    4);
            ok(args);
            try (NpyArray w = NpyArray.open(out.resolve("weights.npy"))) {
                assertArrayEquals(new long[]{200, 10}, w.shape());
            }
            assertTrue(Files.readString(out.resolve("attribute.json")).contains("\"method\" : \"" + m[0] + "\"")
                    || Files.readString(out.resolve("attribute.json")).contains("\"method\":\"" + m[0] + "\""));
            CliTest.Result r = CliTest.run("eval", "lds", "--model", out.toString(), "--held-out", ho.toString(),
                    "--out", tmp.resolve("lds-" + out.getFileName()).toString());
            assertEquals(ExitCodes.OK, r.code(), r.err());
            assertTrue(r.out().contains("LDS over 10 targets and 30 held-out models"), r.out());
        }
    }

    @Test
    void badInputIsRefusedWithAClearError() throws Exception {
        CliTest.Result r = CliTest.run("attribute", "--method", "trak", "--proj-dim", "22", "--store",
                store.toString(), "--out", tmp.resolve("big").toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains("proj_dim: expected at most the parameter count 21"), r.err());
        // 2 examples cannot span a 16-dimensional kernel
        Path tiny = tmp.resolve("tiny");
        Path csv2 = tmp.resolve("tiny.csv");
        Files.writeString(csv2, "a,b,c,d,e,f,label\n" + "1,0,0,1,0,0,0\n0,1,0,0,1,0,1\n0,0,1,0,0,1,2\n");
        ok("init", "--store", tiny.toString(), "--data", "csv:" + csv2, "--train", "0:2", "--target-data",
                "csv:" + csv2, "--targets", "2:3", "--models", "2", "--seed", "1");
        ok("train", "--store", tiny.toString(), "--learner", "softmax", "--rows", "1");
        r = CliTest.run("attribute", "--method", "trak", "--proj-dim", "16", "--store", tiny.toString(), "--out",
                tmp.resolve("singular").toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains("singular") && r.err().contains("--damping"), r.err());
        assertTrue(!Files.exists(tmp.resolve("singular")));
        r = CliTest.run("attribute", "--method", "tracin", "--store", store.toString(), "--out",
                tmp.resolve("x").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("method must be one of [trak, influence, gradient-dot], got 'tracin'"), r.err());

        Path ext = tmp.resolve("external");
        ok("init", "--store", ext.toString(), "--data", "embedded", "--train", "50", "--targets", "5", "--models",
                "3", "--seed", "1");
        Files.writeString(ext.resolve("train.json"), "{\"learner\": \"external\", \"config\": {\"command\": \"true\"},"
                + " \"kernel\": \"scalar\", \"provenance\": null}");
        r = CliTest.run("attribute", "--method", "influence", "--store", ext.toString(), "--out",
                tmp.resolve("y").toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains("needs the model's gradients") && r.err().contains("'external'"), r.err());
    }

    /**
     * Every method predicts held-out models clearly better than chance where the models learn: softmax regression
     * (lr 0.1, 30 epochs; LDS measured here: TRAK 0.75, influence 0.77, gradient dot 0.82) and a 6-16-3 MLP with
     * shared data order and initialisation (TRAK 0.32, influence by CG 0.36); on three other draws of such data the
     * figures moved by less than 0.1. The bounds are about half the measured figures: a sign error, a transposed
     * matrix or scores of another target land near or below 0.
     */
    @Test
    void everyMethodPredictsHeldOutModels() throws Exception {
        String data = "csv:" + tmp.resolve("data.csv");
        String[] common = {"--data", data, "--train", "0:200", "--target-data", data, "--targets", "200:220"};
        String[][] learners = {{"softmax", "--set", "epochs=30", "--set", "lr=0.1"},
                {"mlp", "--set", "epochs=30", "--set", "lr=0.1", "--set", "hidden=[16]", "--set", "data_order=shared",
                        "--set", "init=shared"}};
        // method, bound, options; the last field names the learner
        String[][] cases = {{"trak", "0.4", "--models", "5", "--train-on", "subsets", "softmax"},
                {"influence", "0.5", "softmax"}, {"gradient-dot", "0.5", "softmax"},
                {"trak", "0.15", "--models", "5", "--train-on", "subsets", "mlp"}, {"influence", "0.2", "mlp"}};
        for (String[] l : learners) {
            Path st = tmp.resolve("good-" + l[0]);
            Path ho = tmp.resolve("good-held-out-" + l[0]);
            for (Path p : new Path[]{st, ho}) {
                java.util.List<String> init = new java.util.ArrayList<>(java.util.List.of("init", "--store",
                        p.toString(), "--models", p == st ? "5" : "40", "--seed", p == st ? "1" : "2"));
                init.addAll(java.util.List.of(common));
                ok(init.toArray(String[]::new));
                java.util.List<String> train = new java.util.ArrayList<>(java.util.List.of("train", "--store",
                        p.toString(), "--learner"));
                train.addAll(java.util.List.of(l));
                if (p == st) {
                    train.addAll(java.util.List.of("--rows", "1"));
                }
                ok(train.toArray(String[]::new));
            }
            for (String[] c : cases) {
                if (!c[c.length - 1].equals(l[0])) {
                    continue;
                }
                Path out = tmp.resolve("good-" + l[0] + "-" + c[0]);
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("attribute", "--method",
                        c[0], "--store", st.toString(), "--out", out.toString()));
                args.addAll(java.util.List.of(c).subList(2, c.length - 1));
                ok(args.toArray(String[]::new));
                Path lds = tmp.resolve("good-lds-" + l[0] + "-" + c[0]);
                ok("eval", "lds", "--model", out.toString(), "--held-out", ho.toString(), "--out", lds.toString());
                double spearman = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(lds.resolve("lds.json").toFile()).get("mean_spearman").asDouble();
                assertTrue(spearman > Double.parseDouble(c[1]), l[0] + " " + c[0] + ": LDS " + spearman
                        + ", expected above " + c[1]);
            }
        }
    }

    /**
     * eval lds checks the held-out store against the masks the attributed models really saw: none of the store's
     * with train_on full (so the attributed store itself is a fair held-out store), rows 0 to M - 1 with train_on
     * subsets (completed in the attributed store or not).
     */
    @Test
    void evalLdsChecksTheMasksTheAttributedModelsSaw() throws Exception {
        // train_on full: no store row was used, so the store attributed is held out from the attribution.
        CliTest.Result r = gradientDotLds("full-self", heldOut, heldOut);
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(!r.out().contains("IN-SAMPLE"), r.out());
        // train_on subsets: rows 0..M-1 were used, the same store is in-sample on exactly those rows.
        r = gradientDotLds("subsets-self", heldOut, heldOut, "--train-on", "subsets", "--models", "2");
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains("2 of the 30 completed held-out models (first: row 0) have masks identical to "
                + "the masks of the 2 attributed models"), r.err());
    }

    /** attribute --method gradient-dot on {@code st} with {@code options}, then eval lds of it on {@code held}. */
    private static CliTest.Result gradientDotLds(String name, Path st, Path held, String... options) {
        Path out = tmp.resolve("attr-" + name);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("attribute", "--method",
                "gradient-dot", "--store", st.toString(), "--out", out.toString()));
        args.addAll(java.util.List.of(options));
        ok(args.toArray(String[]::new));
        return CliTest.run("eval", "lds", "--model", out.toString(), "--held-out", held.toString(), "--out",
                tmp.resolve("lds-" + name).toString());
    }

    /** A real overlap that the attributed store's completed rows do not show is still found. */
    @Test
    void evalLdsFindsRowsTheAttributedModelsSawThoughNotCompleted() throws Exception {
        // The attributed store (seed 1) has only row 0 completed, but subsets --models 2 trained on rows 0 and 1; a
        // store of the same seed with rows 1.. completed shares row 1's mask, which the completed rows do not show.
        Path twin = tmp.resolve("twin");
        ok("init", "--store", twin.toString(), "--data", "csv:" + tmp.resolve("data.csv"), "--train", "0:200",
                "--target-data", "csv:" + tmp.resolve("data.csv"), "--targets", "200:210", "--models", "12", "--seed",
                "1");
        ok("train", "--store", twin.toString(), "--learner", "softmax", "--set", "epochs=5", "--rows", "1:12");
        CliTest.Result r = gradientDotLds("subsets-2", store, twin, "--train-on", "subsets", "--models", "2");
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().contains("1 of the 11 completed held-out models (first: row 1) have masks identical to "
                + "the masks of the 2 attributed models (rows 0 to 1) of " + store), r.err());
        // With one model (row 0, not completed in the twin) it is held out.
        r = gradientDotLds("subsets-1", store, twin, "--train-on", "subsets");
        assertEquals(ExitCodes.OK, r.code(), r.err());
    }

    /**
     * report on an attribution folder names the method and its settings (fit.json's method, attribute.json's
     * options) and says nothing of LASSO or lambda; on a folder written before fit.json named the method (no method
     * field) attribute.json still tells.
     */
    @Test
    void reportOnAnAttributionFolderNamesTheMethodNotLasso() throws Exception {
        Path trak = tmp.resolve("report-trak");
        ok("attribute", "--method", "trak", "--proj-dim", "8", "--models", "2", "--store", store.toString(), "--out",
                trak.toString());
        Path inf = tmp.resolve("report-influence");
        ok("attribute", "--method", "influence", "--damping", "0.01", "--store", store.toString(), "--out",
                inf.toString());
        assertTrue(Files.readString(trak.resolve("fit.json")).contains("\"method\" : \"trak\""));
        // A folder as 'attribute' wrote it before fit.json named the method.
        Path old = tmp.resolve("report-graddot-old");
        ok("attribute", "--method", "gradient-dot", "--store", store.toString(), "--out", old.toString());
        Files.writeString(old.resolve("fit.json"), Files.readString(old.resolve("fit.json"))
                .replaceAll(",\\s*\"method\" : \"gradient-dot\"", ""));
        assertTrue(!Files.readString(old.resolve("fit.json")).contains("\"method\""));
        String[][] cases = {{trak.toString(), "TRAK (Park et al. 2023)", "an ensemble of 2 softmax models",
                "k = 8 of 21 parameters", "the TRAK scores"},
                {inf.toString(), "influence functions (Koh and Liang 2017)", "the exact Hessian", "damping 0.01",
                        "the influence scores"},
                {old.toString(), "gradient dot product", "1 softmax model", "the gradient dot products"}};
        for (String[] c : cases) {
            Path html = tmp.resolve(Path.of(c[0]).getFileName() + ".html");
            CliTest.Result r = CliTest.run("report", "--fit", c[0], "--held-out", heldOut.toString(), "--out",
                    html.toString());
            assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
            org.jsoup.nodes.Document d = org.jsoup.Jsoup.parse(Files.readString(html));
            String text = d.text();
            for (int i = 1; i < c.length; i++) {
                assertTrue(text.contains(c[i]), c[i] + " not in " + d.getElementById("summary").text());
            }
            assertTrue(d.getElementById("summary").text().contains("trained by 'attribute' on the whole training "
                    + "set"), d.getElementById("summary").text());
            for (String lasso : new String[]{"LASSO", "lambda", "Ilyas et al. 2022", "the datamodels"}) {
                assertTrue(!text.contains(lasso), lasso + " in the report of " + c[0] + ": " + text);
            }
        }
    }

    /** An option the method does not use is a usage error naming the option and the method, not silently ignored. */
    @Test
    void optionsTheMethodDoesNotUseAreRefused() throws Exception {
        String[][] cases = {
                {"influence", "--proj-dim", "8", "proj_dim (--proj-dim)"},
                {"gradient-dot", "--projection", "gaussian", "projection (--projection)"},
                {"influence", "--allow-large-projection", "allow_large_projection (--allow-large-projection)"},
                {"gradient-dot", "--damping", "0.1", "damping (--damping)"},
                {"trak", "--cg-iterations", "10", "cg_iterations (--cg-iterations)"},
                {"gradient-dot", "--cg-tolerance", "1e-3", "cg_tolerance (--cg-tolerance)"},
                {"influence", "--train-on", "subsets", "--seed", "3", "seed (--seed)"}};
        for (String[] c : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("attribute", "--method"));
            args.addAll(java.util.List.of(c).subList(0, c.length - 1));
            Path out = tmp.resolve("refused");
            args.addAll(java.util.List.of("--store", store.toString(), "--out", out.toString()));
            CliTest.Result r = CliTest.run(args.toArray(String[]::new));
            assertEquals(ExitCodes.USAGE, r.code(), args + "\n" + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.contains(c[c.length - 1] + " is ") && first.contains("method " + c[0]
                    + " does not use it"), r.err());
            assertTrue(!Files.exists(out));
        }
        // Softmax regression's influence solves the exact Hessian: the CG limits are refused there (found from the
        // store's learner), and taken on the MLP.
        Path out = tmp.resolve("refused-cg");
        CliTest.Result r = CliTest.run("attribute", "--method", "influence", "--cg-iterations", "10", "--store",
                store.toString(), "--out", out.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertTrue(r.err().lines().findFirst().orElse("").contains("cg_iterations (--cg-iterations)")
                && r.err().contains("learner softmax") && r.err().contains("exact Hessian"), r.err());
        assertTrue(!Files.exists(out));
        ok("attribute", "--method", "influence", "--cg-iterations", "10", "--cg-tolerance", "1e-3", "--store",
                mlpStore.toString(), "--out", out.toString());
        // The defaults of options the method does not use never trip the check.
        ok("attribute", "--method", "gradient-dot", "--train-on", "subsets", "--store", store.toString(), "--out",
                tmp.resolve("defaults").toString());
    }

    /**
     * The weights and biases of every method, pinned bit for bit (SHA-256 of weights.npy and bias.npy): refactors of
     * the attribution must not change a single number unnoticed. The digests were first recorded from the code that
     * produced docs/RESULTS.md (a fresh TRAK projection per model, models summed in index order) before the options
     * check and the shared mask reading, and re-recorded once, with the scalar kernels and the default projection
     * dimension min(2048, P/2, m/10) (the second case). They are computed with the scalar reference kernels
     * ({@code -Ddatamodels.kernel=scalar}), whose results are the same on every x86 machine; OpenBLAS picks other code
     * paths on other CPUs.
     */
    @Test
    void resultsArePinnedBitForBit() throws Exception {
        String before = System.getProperty(io.datamodels.kernel.Kernels.PROPERTY);
        System.setProperty(io.datamodels.kernel.Kernels.PROPERTY, "scalar");
        try {
            pinnedCases();
        } finally {
            if (before == null) {
                System.clearProperty(io.datamodels.kernel.Kernels.PROPERTY);
            } else {
                System.setProperty(io.datamodels.kernel.Kernels.PROPERTY, before);
            }
        }
    }

    private void pinnedCases() throws Exception {
        String[][] cases = {
                {"trak", "--proj-dim", "8", "--models", "2", "--train-on", "subsets"},
                {"trak", "--models", "2", "--output", "losses", "MLP"},
                {"influence", "--damping", "0.01"},
                {"influence", "--models", "2", "--train-on", "subsets", "--output", "losses"},
                {"influence", "MLP"},
                {"gradient-dot", "--models", "2", "--output", "probs"}};
        StringBuilder got = new StringBuilder();
        int n = 0;
        for (String[] m : cases) {
            boolean mlp = m[m.length - 1].equals("MLP");
            if (mlp) {
                m = java.util.Arrays.copyOf(m, m.length - 1);
            }
            Path out = tmp.resolve("pin-" + n++);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("attribute", "--method"));
            args.addAll(java.util.List.of(m));
            args.addAll(java.util.List.of("--store", (mlp ? mlpStore : store).toString(), "--out", out.toString()));
            ok(args.toArray(String[]::new));
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(out.resolve("weights.npy")));
            md.update(Files.readAllBytes(out.resolve("bias.npy")));
            got.append(String.join(" ", m)).append(mlp ? " (mlp)" : "").append(": ")
                    .append(java.util.HexFormat.of().formatHex(md.digest(), 0, 8)).append('\n');
        }
        assertEquals(PINNED, got.toString());
    }

    static final String PINNED = """
            trak --proj-dim 8 --models 2 --train-on subsets: 1023f7c587eeea85
            trak --models 2 --output losses (mlp): 076fb827c3daf5dd
            influence --damping 0.01: cff44e3c7c9e5cfe
            influence --models 2 --train-on subsets --output losses: 188d0f361ef7c346
            influence (mlp): d8a37386391a25f0
            gradient-dot --models 2 --output probs: f59eee2be9ca738b
            """;
}
