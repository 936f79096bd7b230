package io.datamodels.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datamodels.ConfigException;
import io.datamodels.data.DataFormatException;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.npy.Npy;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
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
        Path leak = Files.createDirectories(run.resolve("explore/leakage"));
        Files.writeString(leak.resolve("leakage.csv"), "target,train,score\n3,17,4.5\n0,2,9.25\n");
        written = RunReport.write(run, run.resolve(RunReport.FILE), RunReport.Options.defaults(), "test");
        doc = Jsoup.parse(Files.readString(written.file()));
    }

    @Test
    void hasTheSectionsWhoseDataExists() throws Exception {
        assertEquals(List.of("summary", "lds", "counterfactual", "support", "gallery", "leakage"), written.sections());
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
        assertEquals(List.of("fig-lds-histogram", "fig-lds-scatter", "fig-counterfactual", "fig-support"),
                figs.stream().map(Element::id).toList());
        for (Element f : figs) {
            Element svg = f.selectFirst("svg");
            assertNotNull(svg, f.id());
            assertFalse(svg.select("text").isEmpty(), f.id());
            assertTrue(f.selectFirst("figcaption b").text().endsWith("?"), f.id());
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
            String src = img.attr("src");
            assertTrue(src.startsWith("data:image/png;base64,"), src);
            BufferedImage b = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                    src.substring(src.indexOf(',') + 1))));
            assertEquals(28, b.getWidth());
            assertEquals(28, b.getHeight());
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
    void leakagePairsAreShownHighestScoreFirstWithTheirImages() {
        Element leak = doc.getElementById("leakage");
        List<Element> pairs = leak.select(".pair");
        assertEquals(2, pairs.size());
        assertTrue(pairs.get(0).text().contains("9.250"), pairs.get(0).text());
        // The first pair's target is target 0, whose image the gallery shows too.
        String galleryImage = doc.selectFirst("#target-0 .ex.self img").attr("src");
        assertEquals(galleryImage, pairs.get(0).select("img").get(0).attr("src"));
        assertTrue(pairs.get(1).select(".ex").get(1).text().startsWith("#17 "), pairs.get(1).text());
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
        assertEquals(List.of("summary", "gallery"), r.sections());
        Document d = Jsoup.parse(r.html());
        assertTrue(d.select("img").isEmpty());
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
    void aLeakageFileWithAnotherHeaderIsRefused() throws Exception {
        Path copy = copyRun("bad-leakage");
        Files.writeString(copy.resolve("explore/leakage/leakage.csv"), "train,target,score\n1,2,3\n");
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> RunReport.render(copy, RunReport.Options.defaults(), "test"));
        assertTrue(e.getMessage().contains("leakage.csv") && e.getMessage().contains("expected target,train,score"),
                e.getMessage());
    }

    @Test
    void neighboursAndEmbeddingsAreReadWhereTheExploreCommandsWroteThem() throws Exception {
        Path copy = copyRun("explored");
        Path nb = Files.createDirectories(copy.resolve("explore/neighbours"));
        Files.writeString(nb.resolve("neighbours.csv"), "target,rank,neighbour,cosine\n0,1,7,0.91\n0,2,3,0.5\n"
                + "5,1,2,0.8\n");
        Path em = Files.createDirectories(copy.resolve("explore/embed"));
        Files.writeString(em.resolve("explained_variance.csv"), "component,explained_variance\n0,0.3\n");
        Files.writeString(em.resolve("clusters.csv"), "target,cluster,class\n3,0,Dress\n6,1,Shirt\n1,0,Pullover\n");
        Files.writeString(em.resolve("pca_ends.csv"), "component,end,rank,target,score\n0,-1,0,4,-2.5\n"
                + "0,1,0,9,3.0\n");
        RunReport.Rendered r = RunReport.render(copy, RunReport.Options.defaults(), "test");
        assertEquals(List.of("summary", "lds", "counterfactual", "support", "gallery", "leakage", "neighbours",
                "embed-clusters", "embed-pca_ends"), r.sections());
        Document d = Jsoup.parse(r.html());
        List<Element> rows = d.select("#neighbours .strip");
        assertEquals(2, rows.size());
        assertEquals(List.of(0, 7, 3), indices(rows.get(0)));
        assertTrue(rows.get(0).text().contains("0.910"), rows.get(0).text());
        assertEquals(List.of(5, 2), indices(rows.get(1)));
        List<Element> clusters = d.select("#embed-clusters .strip");
        assertEquals(List.of("cluster 0", "cluster 1"), clusters.stream().map(e -> e.selectFirst(".label").text())
                .toList());
        assertEquals(List.of(3, 1), indices(clusters.get(0)));
        List<Element> ends = d.select("#embed-pca_ends .strip");
        assertEquals(2, ends.size());
        assertTrue(ends.get(0).selectFirst(".label").text().equals("component 0, end -1"), ends.get(0).text());
        assertEquals(List.of(9), indices(ends.get(1)));
        assertEquals(doc.selectFirst("#target-4 .ex.self img").attr("src"),
                ends.get(0).selectFirst("img").attr("src"));
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
            String s = ex.text();
            out.add(Integer.parseInt(s.substring(1, s.indexOf(' '))));
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
