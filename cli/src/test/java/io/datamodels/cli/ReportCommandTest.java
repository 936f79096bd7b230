package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code report}, and the report that {@code run} writes: exit codes, messages and the files. */
class ReportCommandTest {
    @TempDir
    Path tmp;

    private static final String CONFIG = """
            {"data": "embedded", "train": "100", "targets": "8", "learner": "softmax",
             "learner_config": {"epochs": 2}, "alpha": 0.5, "seed": 2, "models": 80, "held_out_models": 20,
             "lambdas": 10, "lambda_ratio": 0.01, "val_fraction": 0.1, "outlier_z": 50}
            """;

    @Test
    void runWritesTheReportAndReportRewritesItElsewhere() throws Exception {
        Path cfg = tmp.resolve("exp.json");
        Files.writeString(cfg, CONFIG);
        Path dir = tmp.resolve("exp");
        CliTest.Result r = CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
        Path html = dir.resolve("report.html");
        assertTrue(r.out().contains("Report: " + html + " ("), r.out());
        assertTrue(r.out().contains("summary, lds, gallery, neighbours, leakage, pca, clusters); open it in any "
                + "browser"), r.out());
        for (String f : new String[]{"neighbours/neighbours.csv", "neighbours/nearest_targets.npy", "embed/embed.json",
                "embed/pca_ends.json", "embed/clusters.npy", "leakage/leakage.csv", "leakage/leakage.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve("explore").resolve(f)), f);
        }
        assertTrue(r.out().contains("explore neighbours: the nearest target in datamodel space has the same class for "),
                r.out());
        assertTrue(Files.readString(html).contains("id=\"fig-lds-histogram\""));

        Path other = tmp.resolve("out/r.html");
        CliTest.Result again = CliTest.run("report", "--run", dir.toString(), "--out", other.toString(),
                "--targets", "2", "--top", "3");
        assertEquals(ExitCodes.OK, again.code(), again.err() + again.out());
        assertTrue(again.out().startsWith("Report: " + other + " ("), again.out());
        String text = Files.readString(other);
        assertTrue(text.contains("id=\"target-1\"") && !text.contains("id=\"target-2\""));

        CliTest.Result images = CliTest.run("report", "--run", dir.toString(), "--gallery", "pictures");
        assertEquals(ExitCodes.USAGE, images.code(), images.err());
        assertTrue(images.err().contains("--gallery: expected auto, images or features, got 'pictures'"), images.err());
    }

    @Test
    void aFitPlusStoresAndTheExploreCommandsOutputsMakeAReport() throws Exception {
        Path cfg = tmp.resolve("exp.json");
        Files.writeString(cfg, CONFIG);
        Path dir = tmp.resolve("exp");
        assertEquals(ExitCodes.OK, CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString()).code());
        Path fit = dir.resolve("datamodels");
        Path ex = tmp.resolve("mine");
        CliTest.Result n = CliTest.run("explore", "neighbours", "--fit", fit.toString(), "--out",
                ex.resolve("neighbours").toString(), "--k", "3");
        assertEquals(ExitCodes.OK, n.code(), n.err());
        CliTest.Result e = CliTest.run("explore", "embed", "--fit", fit.toString(), "--out",
                ex.resolve("embed").toString(), "--components", "4", "--clusters", "3");
        assertEquals(ExitCodes.OK, e.code(), e.err());
        CliTest.Result l = CliTest.run("explore", "leakage", "--fit", fit.toString(), "--out",
                ex.resolve("leakage").toString(), "--threshold", "2");
        assertEquals(ExitCodes.OK, l.code(), l.err());

        Path html = tmp.resolve("fit-report.html");
        CliTest.Result r = CliTest.run("report", "--fit", fit.toString(), "--held-out", dir.resolve("held-out")
                .toString(), "--explore", ex.toString(), "--out", html.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("; summary, lds, gallery, neighbours, leakage, pca, clusters)"), r.out());
        org.jsoup.nodes.Document d = org.jsoup.Jsoup.parse(Files.readString(html));
        // The LDS computed from the held-out store is the one 'eval lds' wrote in the run.
        com.fasterxml.jackson.databind.JsonNode lds = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                dir.resolve("eval/lds/lds.json").toFile());
        assertTrue(d.getElementById("lds").text().contains(String.format(java.util.Locale.ROOT, "%.3f (95%% CI",
                lds.get("mean_spearman").asDouble())), d.getElementById("lds").text());
        assertTrue(d.getElementById("lds").text().contains("computed here from " + dir.resolve("held-out")),
                d.getElementById("lds").text());
        // Nearest targets of the first target that has any (a target without weights has none) are the rows of the
        // command's neighbours.csv, k = 3 of them; all 8 targets have a row in the report.
        java.util.List<String[]> nearRows = Files.readAllLines(ex.resolve("neighbours/neighbours.csv")).stream()
                .filter(x -> x.contains(",nearest_target,")).map(x -> x.split(",")).toList();
        String t0 = nearRows.getFirst()[0];
        java.util.List<String> near = nearRows.stream().filter(x -> x[0].equals(t0)).map(x -> x[4]).toList();
        assertEquals(3, near.size());
        assertEquals(8, d.select("#neighbours .strip").size());
        String row = d.select("#neighbours .strip").get(Integer.parseInt(t0)).text();
        assertTrue(row.startsWith("target " + t0 + " "), row);
        for (String q : near) {
            assertTrue(row.contains("#" + q + " "), row + " lacks " + q);
        }
        // The clusters and components asked of 'explore embed'.
        assertEquals(3, d.select("#clusters .strip").size());
        assertTrue(d.getElementById("pca").text().contains("The 4 shown explain"), d.getElementById("pca").text());
        // The store was found through fit.json; the summary names it.
        assertTrue(d.getElementById("summary").text().contains(dir.resolve("store").toAbsolutePath().toString())
                || d.getElementById("summary").text().contains(dir.resolve("store").toString()));

        // Only what is given: the fit alone has the summary and the galleries.
        Path bare = tmp.resolve("bare.html");
        CliTest.Result b = CliTest.run("report", "--fit", fit.toString(), "--out", bare.toString());
        assertEquals(ExitCodes.OK, b.code(), b.err());
        assertTrue(b.out().contains("; summary, gallery)"), b.out());

        // A fit without the dataset it was made from.
        Path copy = tmp.resolve("fit-copy");
        Files.createDirectories(copy);
        try (var files = Files.list(fit)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        var json = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(copy.resolve("fit.json").toFile());
        json.remove("dataset");
        Files.writeString(copy.resolve("fit.json"), om.writeValueAsString(json));
        Path none = tmp.resolve("none.html");
        CliTest.Result nd = CliTest.run("report", "--fit", copy.toString(), "--out", none.toString());
        assertInputError(nd, none, "fit.json", "dataset: expected the dataset the fit was made from");

        // Explore outputs of another fit (fewer targets) are refused.
        CliTest.Result fit2 = CliTest.run("fit", "--store", dir.resolve("store").toString(), "--out",
                tmp.resolve("fit-part").toString(), "--target-range", "0:5");
        assertEquals(ExitCodes.OK, fit2.code(), fit2.err());
        CliTest.Result other = CliTest.run("report", "--fit", tmp.resolve("fit-part").toString(), "--explore",
                ex.toString(), "--out", none.toString());
        assertInputError(other, none, "embed.json: targets, train_size, target_from: expected 5, 100, 0",
                "made from another fit");

        CliTest.Result both = CliTest.run("report", "--run", dir.toString(), "--fit", fit.toString());
        assertEquals(ExitCodes.USAGE, both.code(), both.err());
        assertTrue(both.err().contains("expected one of --run DIR or --fit DIR, got both"), both.err());
        CliTest.Result noFit = CliTest.run("report", "--fit", tmp.resolve("exp").toString(), "--out", none.toString());
        assertInputError(noFit, none, "fit.json", "expected a folder written by 'fit'");
    }

    @Test
    void tabularRunsShowFeatureRowsAndRefuseImagesAChangedOrMissingDataset() throws Exception {
        StringBuilder csv = new StringBuilder("label,a,b,c,d\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int i = 0; i < 90; i++) {
            csv.append(i % 3);
            for (int c = 0; c < 4; c++) {
                csv.append(',').append(String.format(java.util.Locale.ROOT, "%.3f", rnd.nextGaussian()
                        + (c == i % 3 ? 2 : 0)));
            }
            csv.append('\n');
        }
        Path data = tmp.resolve("tab.csv");
        Files.writeString(data, csv);
        Path cfg = tmp.resolve("tab.json");
        Files.writeString(cfg, """
                {"data": "csv:%s#label=label", "train": "0:70", "targets": "70:90", "learner": "softmax",
                 "learner_config": {"epochs": 2}, "seed": 1, "models": 40, "lambdas": 10}
                """.formatted(data));
        Path dir = tmp.resolve("tab");
        CliTest.Result r = CliTest.run("run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err() + r.out());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<table class=\"rows\">") && !html.contains("<img"), "feature rows, no images");

        Path out = tmp.resolve("tab.html");
        CliTest.Result images = CliTest.run("report", "--run", dir.toString(), "--gallery", "images", "--out",
                out.toString());
        assertInputError(images, out, "images: expected image samples", "a tabular source has no images");

        Files.writeString(data, csv.toString().replaceFirst("\n0,", "\n0,9"));
        CliTest.Result changed = CliTest.run("report", "--run", dir.toString(), "--out", out.toString());
        assertInputError(changed, out, "dataset.train_fingerprint: expected", "changed");

        Files.delete(data);
        CliTest.Result gone = CliTest.run("report", "--run", dir.toString(), "--out", out.toString());
        assertInputError(gone, out, "tab.csv", "");
    }

    /** Exit 3, one line naming what is wrong, and no report written. */
    private static void assertInputError(CliTest.Result r, Path out, String... parts) {
        assertEquals(ExitCodes.INPUT, r.code(), r.err() + r.out());
        assertTrue(r.err().startsWith("report: error: ") && r.err().indexOf('\n') == r.err().length() - 1,
                "one line: " + r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), r.err() + " lacks " + p);
        }
        assertTrue(Files.notExists(out), out + " was written");
    }

    @Test
    void aFolderThatIsNotARunIsAnInputError() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliTest.Result r = CliTest.run("report", "--run", empty.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertEquals("report: error: " + empty.resolve("run.json") + ": expected a run folder's run.json (made by "
                + "'datamodels run' or 'demo'), got none: " + empty + " is not a run folder\n", r.err());
        assertTrue(Files.notExists(empty.resolve("report.html")));
    }
}
