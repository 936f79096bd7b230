package io.datamodels.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.ConfigException;
import io.datamodels.Provenance;
import io.datamodels.data.DataFormatException;
import io.datamodels.explore.Leakage;
import io.datamodels.explore.LeakageOptions;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.Npy;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report of a real small run, checked against the run's own files and an independent ranking of weights. */
class RunReportTest {
    @TempDir
    static Path tmp;
    static Path run;
    static RunReport.Written written;
    static Document doc;

    @BeforeAll
    static void makeRun() throws Exception {
        run = SmallRuns.run(tmp.resolve("run"), SmallRuns.IMAGES);
        // The run's own leakage stage flags few or no pairs on so small a fit; redo it as 'explore leakage
        // --threshold X' does, with X the 5th highest score, so that pairs are flagged.
        SmallRuns.leakageAtRank(run, 5);
        written = RunReport.write(run, run.resolve(RunReport.FILE), RunReport.Options.defaults(), "test");
        doc = Jsoup.parse(Files.readString(written.file()));
    }

    @Test
    void hasTheSectionsWhoseDataExists() throws Exception {
        assertEquals(List.of("summary", "lds", "counterfactual", "support", "gallery", "neighbours", "leakage", "pca",
                "clusters"), written.sections());
        for (String id : written.sections()) {
            assertNotNull(doc.getElementById(id), id);
        }
        assertTrue(written.bytes() < 2_000_000, "size " + written.bytes());
        assertEquals(Files.size(written.file()), written.bytes());
    }

    @Test
    void ldsFiguresAreThoseOfLdsJson() throws Exception {
        JsonNode lds = new ObjectMapper().readTree(run.resolve("eval/lds/lds.json").toFile());
        String mean = fact(doc.getElementById("lds"), "mean Spearman over targets");
        assertTrue(mean.startsWith(String.format(Locale.ROOT, "%.3f (95%% CI %.3f to %.3f)",
                lds.get("mean_spearman").asDouble(), lds.get("spearman_ci95").get(0).asDouble(),
                lds.get("spearman_ci95").get(1).asDouble())), mean);
        assertEquals(lds.get("held_out_models").asText(), fact(doc.getElementById("lds"), "held-out models"));
        assertEquals(String.format(Locale.ROOT, "%.3f", lds.get("mean_pearson").asDouble()),
                fact(doc.getElementById("lds"), "mean Pearson over targets"));
    }

    @Test
    void everyChartIsAnSvgWithTextAndACaptionThatAsks() {
        List<Element> figs = doc.select("figure.chart");
        assertEquals(SmallRuns.CHARTS, figs.stream().map(Element::id).toList());
        for (Element f : figs) {
            Element svg = f.selectFirst("svg");
            assertNotNull(svg, f.id());
            assertFalse(svg.select("text").isEmpty(), f.id());
            assertTrue(f.selectFirst("figcaption b").text().endsWith("?"), f.id());
            // The caption says what the chart shows, beyond its question.
            String caption = f.selectFirst("figcaption").text().substring(f.selectFirst("figcaption b").text().length());
            assertTrue(caption.strip().length() > 40, f.id() + ": " + caption);
        }
        Set<String> ids = new HashSet<>();
        for (Element e : doc.select("[id]")) {
            assertTrue(ids.add(e.id()), "duplicate id " + e.id());
        }
    }

    @Test
    void galleryShowsTheTopSupportersAndOpposersOfTheWeights() throws Exception {
        float[] w = Npy.readFloats(run.resolve("datamodels/weights.npy"));
        Datamodels dm = Datamodels.load(run.resolve("datamodels"));
        int m = dm.trainSize();
        int t = dm.targets();
        int supporters = 0;
        for (int q = 0; q < 6; q++) {
            final int qq = q;
            // Independent ranking: positive weights, largest first, ties by lower index.
            List<Integer> expected = IntStream.range(0, m).filter(j -> w[j * t + qq] > 0).boxed()
                    .sorted((a, b) -> a.equals(b) ? 0 : w[b * t + qq] != w[a * t + qq]
                            ? Float.compare(w[b * t + qq], w[a * t + qq]) : Integer.compare(a, b))
                    .limit(5).toList();
            Element target = doc.getElementById("target-" + q);
            assertNotNull(target);
            List<Integer> shown = indices(target.selectFirst(".strip.sup"));
            assertEquals(expected, shown, "target " + q);
            assertEquals(IntStream.of(dm.topSupporters(q, 5)).boxed().toList(), shown);
            assertEquals(IntStream.of(dm.topOpposers(q, 5)).boxed().toList(), indices(target.selectFirst(".strip.opp")));
            supporters += shown.size();
            if (!expected.isEmpty()) {
                String first = target.selectFirst(".strip.sup .ex").text();
                assertTrue(first.endsWith(String.format(Locale.ROOT, "%+.4f", w[expected.getFirst() * t + q])), first);
            }
        }
        assertTrue(supporters >= 10, "supporters shown: " + supporters);
    }

    @Test
    void imagesAreInlinePngsOfTheSampleShape() throws Exception {
        List<Element> imgs = doc.select("img");
        assertFalse(imgs.isEmpty());
        for (Element img : imgs) {
            SmallRuns.decode(img);
        }
        for (Element e : doc.select("[src], [href], link, script")) {
            assertFalse(e.tagName().equals("script") || e.tagName().equals("link"), e.outerHtml());
            String ref = e.hasAttr("src") ? e.attr("src") : e.attr("href");
            assertTrue(ref.startsWith("data:") || ref.startsWith("#"), ref);
        }
        assertTrue(doc.selectFirst("meta[http-equiv=Content-Security-Policy]").attr("content")
                .startsWith("default-src 'none'"));
    }

    @Test
    void leakagePairsAreTheRowsOfLeakageCsvHighestScoreFirstWithTheirImages() throws Exception {
        List<String> csv = Files.readAllLines(run.resolve("explore/leakage/leakage.csv"));
        assertEquals("target,train,score", csv.getFirst());
        List<Element> pairs = doc.getElementById("leakage").select(".pair");
        assertTrue(csv.size() - 1 >= 5, "flagged: " + (csv.size() - 1));
        assertEquals(Math.min(12, csv.size() - 1), pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            String[] f = csv.get(i + 1).split(",");
            List<Integer> shown = indices(pairs.get(i));
            assertEquals(List.of(Integer.parseInt(f[0]), Integer.parseInt(f[1])), shown, "pair " + i);
            assertEquals(Double.parseDouble(f[2]), Double.parseDouble(pairs.get(i).select(".ex").get(2).text()
                    .replace("score", "").strip()), 0.005, "pair " + i);
            List<Element> imgs = pairs.get(i).select("img");
            SmallRuns.assertPicture(imgs.get(0), SmallRuns.target(shown.get(0)));
            SmallRuns.assertPicture(imgs.get(1), SmallRuns.train(shown.get(1)));
        }
        assertTrue(fact(doc.getElementById("leakage"), "pairs flagged").startsWith((csv.size() - 1) + " of "));
    }

    @Test
    void withNoPairFlaggedTheHighestScoresAreShownAsNotFlagged() throws Exception {
        Path copy = copyRun("unflagged");
        Datamodels dm = Datamodels.load(copy.resolve("datamodels"));
        AtomicFiles.deleteRecursively(copy.resolve("explore/leakage"));
        Leakage.write(Leakage.find(dm, LeakageOptions.defaults().withThreshold(1e9)), 0,
                copy.resolve("explore/leakage"), false, "fit", Provenance.now("none", "test"));
        Document d = Jsoup.parse(RunReport.render(copy, RunReport.Options.defaults(), "test").html());
        Element leak = d.getElementById("leakage");
        assertTrue(leak.selectFirst(".note").text().startsWith("No pair reached the threshold"), leak.text());
        // The same pairs a threshold at the 12th highest score flags, in the same order.
        SmallRuns.leakageAtRank(copy, 12);
        List<String> csv = Files.readAllLines(copy.resolve("explore/leakage/leakage.csv"));
        List<Element> pairs = leak.select(".pair");
        assertEquals(12, pairs.size());
        for (int i = 0; i < 12; i++) {
            String[] f = csv.get(i + 1).split(",");
            assertEquals(List.of(Integer.parseInt(f[0]), Integer.parseInt(f[1])), indices(pairs.get(i)), "pair " + i);
        }
    }

    @Test
    void nearestTargetsAreThoseOfAnIndependentCosineRanking() throws Exception {
        float[] w = Npy.readFloats(run.resolve("datamodels/weights.npy"));
        Datamodels dm = Datamodels.load(run.resolve("datamodels"));
        int m = dm.trainSize();
        int t = dm.targets();
        double[] norm = new double[t];
        for (int q = 0; q < t; q++) {
            for (int j = 0; j < m; j++) {
                norm[q] += (double) w[j * t + q] * w[j * t + q];
            }
            norm[q] = Math.sqrt(norm[q]);
        }
        List<Element> rows = doc.select("#neighbours .strip");
        assertEquals(Math.min(8, t), rows.size());
        int shown = 0;
        for (int q = 0; q < rows.size(); q++) {
            final int qq = q;
            double[] cos = new double[t];
            for (int r = 0; r < t; r++) {
                double d = 0;
                for (int j = 0; j < m; j++) {
                    d += (double) w[j * t + q] * w[j * t + r];
                }
                cos[r] = d / (norm[q] * norm[r]);
            }
            List<Integer> expected = IntStream.range(0, t).filter(r -> r != qq && norm[r] > 0 && norm[qq] > 0).boxed()
                    .sorted((a, b) -> cos[a] != cos[b] ? Double.compare(cos[b], cos[a]) : Integer.compare(a, b))
                    .limit(5).toList();
            List<Integer> got = indices(rows.get(q));
            assertEquals(q, got.getFirst());
            assertEquals(expected, got.subList(1, got.size()), "target " + q);
            List<Element> ex = rows.get(q).select(".ex");
            for (int i = 1; i < ex.size(); i++) {
                String text = ex.get(i).text();
                double c = Double.parseDouble(text.substring(text.indexOf("cos ") + 4));
                assertEquals(cos[expected.get(i - 1)], c, 6e-4, text);
                SmallRuns.assertPicture(ex.get(i).selectFirst("img"), SmallRuns.target(expected.get(i - 1)));
            }
            shown += expected.size();
        }
        assertTrue(shown >= 20, "neighbours shown: " + shown);
        JsonNode nb = new ObjectMapper().readTree(run.resolve("explore/neighbours/neighbours.json").toFile());
        assertTrue(fact(doc.getElementById("neighbours"), "nearest target of the same class").startsWith(
                String.format(Locale.ROOT, "%.1f%%", 100 * nb.get("nearest_same_class").asDouble())));
    }

    @Test
    void pcaEndsAreThoseOfPcaEndsJson() throws Exception {
        JsonNode ends = new ObjectMapper().readTree(run.resolve("explore/embed/pca_ends.json").toFile());
        List<Element> rows = doc.select("#pca .strip");
        assertEquals(4 * 3, rows.size());
        String[] lists = {"high_targets", "low_targets", "high_train", "low_train"};
        for (int c = 0; c < 3; c++) {
            for (int l = 0; l < 4; l++) {
                Element row = rows.get(4 * c + l);
                List<Integer> expected = new ArrayList<>();
                JsonNode list = ends.get(c).get(lists[l]);
                for (int i = 0; i < Math.min(5, list.size()); i++) {
                    expected.add(list.get(i).get("index").asInt());
                }
                assertEquals(expected, indices(row), "component " + c + " " + lists[l]);
                assertTrue(row.selectFirst(".label").text().startsWith("component " + (c + 1) + ", "
                        + (l % 2 == 0 ? "high" : "low") + " end"), row.text());
                Element img = row.selectFirst("img");
                SmallRuns.assertPicture(img, l < 2 ? SmallRuns.target(expected.getFirst())
                        : SmallRuns.train(expected.getFirst()));
            }
        }
    }

    @Test
    void clusterGalleriesAreTheClustersOfClustersNpyLargestFirst() throws Exception {
        long[] cl = Npy.readLongs(run.resolve("explore/embed/clusters.npy"));
        java.util.Map<Long, List<Integer>> members = new java.util.TreeMap<>();
        for (int q = 0; q < cl.length; q++) {
            members.computeIfAbsent(cl[q], k -> new ArrayList<>()).add(q);
        }
        List<Long> order = new ArrayList<>(members.keySet());
        order.sort((a, b) -> members.get(a).size() != members.get(b).size()
                ? Integer.compare(members.get(b).size(), members.get(a).size()) : Long.compare(a, b));
        List<Element> rows = doc.select("#clusters .strip");
        assertEquals(Math.min(12, order.size()), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<Integer> all = members.get(order.get(i));
            assertEquals(all.subList(0, Math.min(10, all.size())), indices(rows.get(i)));
            assertTrue(rows.get(i).selectFirst(".label").text().startsWith("cluster " + order.get(i) + ": "
                    + all.size() + " targets"), rows.get(i).text());
        }
        JsonNode embed = new ObjectMapper().readTree(run.resolve("explore/embed/embed.json").toFile());
        assertTrue(fact(doc.getElementById("clusters"), "agreement of the clusters with the classes").contains(
                String.format(Locale.ROOT, "%.3f", embed.get("adjusted_rand_index").asDouble())));
    }

    @Test
    void exploreOutputsOfAnotherFitAreRefused() throws Exception {
        Path copy = copyRun("other-fit");
        Path json = copy.resolve("explore/embed/embed.json");
        ObjectMapper om = new ObjectMapper();
        ObjectNode e = (ObjectNode) om.readTree(json.toFile());
        e.put("targets", 11);
        Files.writeString(json, om.writeValueAsString(e));
        DataFormatException x = assertThrows(DataFormatException.class,
                () -> RunReport.write(copy, copy.resolve("r.html"), RunReport.Options.defaults(), "test"));
        assertTrue(x.getMessage().contains("embed.json") && x.getMessage().contains("made from another fit"),
                x.getMessage());
        assertFalse(Files.exists(copy.resolve("r.html")));

        Path copy2 = copyRun("bad-leakage-row");
        Files.writeString(copy2.resolve("explore/leakage/leakage.csv"), "target,train,score\n0,150,3.5\n");
        DataFormatException y = assertThrows(DataFormatException.class,
                () -> RunReport.render(copy2, RunReport.Options.defaults(), "test"));
        assertTrue(y.getMessage().contains("leakage.csv") && y.getMessage().contains("line 2, train: expected a "
                + "position in [0, 150), got 150"), y.getMessage());
    }

    @Test
    void aFolderThatIsNotARunIsRefused() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> RunReport.write(empty, empty.resolve("r.html"), RunReport.Options.defaults(), "test"));
        assertTrue(e.getMessage().contains("run.json") && e.getMessage().contains("not a run folder"), e.getMessage());
        assertFalse(Files.exists(empty.resolve("r.html")));
    }

    @Test
    void aFitWithoutItsDatasetIsRefused() throws Exception {
        Path copy = copyRun("no-dataset");
        Path fitJson = copy.resolve("datamodels/fit.json");
        ObjectMapper om = new ObjectMapper();
        ObjectNode fit = (ObjectNode) om.readTree(fitJson.toFile());
        fit.remove("dataset");
        Files.writeString(fitJson, om.writeValueAsString(fit));
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> RunReport.render(copy, RunReport.Options.defaults(), "test"));
        assertTrue(e.getMessage().contains("fit.json") && e.getMessage().contains("dataset"), e.getMessage());
    }

    @Test
    void tabularDataShowsFeatureRowsAndRefusesImages() throws Exception {
        Path tab = SmallRuns.tabular(tmp.resolve("tab"));
        RunReport.Rendered r = RunReport.render(tab, RunReport.Options.defaults(), "test");
        assertEquals(List.of("summary", "gallery", "neighbours", "leakage", "pca", "clusters"), r.sections());
        Document d = Jsoup.parse(r.html());
        assertTrue(d.select("img").isEmpty());
        // Explore sections show feature rows too: the first nearest target of target 0 (target position r is row
        // 100 + r of the CSV, the selection 100:120).
        List<String> all = Files.readAllLines(tmp.resolve("tab/tab.csv"));
        Element near = d.select("#neighbours .strip").getFirst().select(".ex").get(1);
        int r0 = indices(near.parent()).get(1);
        String[] nrow = all.get(1 + 100 + r0).split(",");
        List<String> ncells = near.select("td").eachText();
        for (int c = 0; c < 6; c++) {
            assertEquals(Float.parseFloat(nrow[1 + c]), Float.parseFloat(ncells.get(c)), 1e-3f, "feature " + c);
        }
        Datamodels dm = Datamodels.load(tab.resolve("datamodels"));
        int j = dm.topSupporters(0, 1)[0];
        List<String> lines = Files.readAllLines(tmp.resolve("tab/tab.csv"));
        String[] row = lines.get(1 + j).split(",");
        Element first = d.selectFirst("#target-0 .strip.sup .ex");
        List<String> cells = first.select("td").eachText();
        for (int c = 0; c < 6; c++) {
            float v = Float.parseFloat(row[1 + c]);
            assertEquals(v, Float.parseFloat(cells.get(c)), 1e-3f * Math.max(1, Math.abs(v)), "feature " + c);
        }
        DataFormatException e = assertThrows(DataFormatException.class, () -> RunReport.render(tab,
                RunReport.Options.defaults().withGallery(RunReport.Gallery.IMAGES), "test"));
        assertTrue(e.getMessage().contains("tabular"), e.getMessage());

        // The dataset changed after the fit: its fingerprint differs.
        Path csv = tmp.resolve("tab/tab.csv");
        List<String> changed = new ArrayList<>(lines);
        changed.set(5, changed.get(5).replaceFirst(",[^,]*$", ",9.9999"));
        Files.write(csv, changed);
        DataFormatException f = assertThrows(DataFormatException.class,
                () -> RunReport.render(tab, RunReport.Options.defaults(), "test"));
        assertTrue(f.getMessage().contains("fingerprint"), f.getMessage());

        // The dataset is gone.
        Files.delete(csv);
        DataFormatException g = assertThrows(DataFormatException.class,
                () -> RunReport.render(tab, RunReport.Options.defaults(), "test"));
        assertTrue(g.getMessage().contains("tab.csv"), g.getMessage());
    }

    @Test
    void aFittedStoreThatRecordsOtherDataIsRefused() throws Exception {
        Path copy = copyRun("other-store");
        ObjectMapper om = new ObjectMapper();
        // fit.json names the copy's store, whose store.json records another training-set fingerprint.
        Path fitJson = copy.resolve("datamodels/fit.json");
        ObjectNode fit = (ObjectNode) om.readTree(fitJson.toFile());
        fit.put("store", copy.resolve("store").toString());
        Files.writeString(fitJson, om.writeValueAsString(fit));
        Path storeJson = copy.resolve("store/store.json");
        ObjectNode store = (ObjectNode) om.readTree(storeJson.toFile());
        ((ObjectNode) store.get("dataset")).put("train_fingerprint", "0".repeat(64));
        Files.writeString(storeJson, om.writeValueAsString(store));
        StoreException e = assertThrows(StoreException.class,
                () -> RunReport.write(copy, copy.resolve("r.html"), RunReport.Options.defaults(), "test"));
        assertTrue(e.getMessage().contains("dataset.train_fingerprint: expected " + fit.get("dataset")
                .get("train_fingerprint").asText()) && e.getMessage().contains("got " + "0".repeat(64)),
                e.getMessage());
        assertFalse(Files.exists(copy.resolve("r.html")));
    }

    @Test
    void aLeakageFileWithAnotherHeaderIsRefused() throws Exception {
        Path copy = copyRun("bad-leakage");
        Files.writeString(copy.resolve("explore/leakage/leakage.csv"), "train,target,score\n1,2,3\n");
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> RunReport.render(copy, RunReport.Options.defaults(), "test"));
        assertTrue(e.getMessage().contains("leakage.csv") && e.getMessage().contains("expected target,train,score"),
                e.getMessage());
    }

    private static Path copyRun(String name) throws Exception {
        Path copy = tmp.resolve(name);
        try (var s = Files.walk(run)) {
            for (Path p : s.toList()) {
                Path d = copy.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d);
                }
            }
        }
        return copy;
    }

    private static List<Integer> indices(Element strip) {
        List<Integer> out = new ArrayList<>();
        for (Element ex : strip.select(".ex")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("#(\\d+) ").matcher(ex.text());
            if (m.find()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    private static String fact(Element section, String name) {
        for (Element tr : section.select("table.facts tr")) {
            if (tr.child(0).text().equals(name)) {
                return tr.child(1).text();
            }
        }
        throw new AssertionError("no fact " + name);
    }
}
