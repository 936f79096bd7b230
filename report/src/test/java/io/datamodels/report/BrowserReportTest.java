package io.datamodels.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens a real report in headless Chromium and checks what a reader would see: no console errors, no network
 * requests, every image decoded, every chart drawn. Saves a screenshot to {@code target/browser-test/report.png}.
 * Skipped with a message where Chromium is not installed; under CI (CI=true) its absence is a failure.
 */
@Tag("browser")
class BrowserReportTest {
    static final Path ARTEFACTS = Path.of("target/browser-test");

    @TempDir
    static Path tmp;
    static Path chromium;

    @BeforeAll
    static void needsChromium() {
        chromium = Chromium.find();
        if (chromium == null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI must install chromium (apt-get install chromium) for the browser test");
            }
            Assumptions.abort("Chromium not installed (apt-get install chromium): browser test skipped");
        }
    }

    @Test
    @Timeout(300)
    void reportOpensOfflineWithEveryImageAndChart() throws Exception {
        Path run = SmallRuns.run(tmp.resolve("run"), SmallRuns.IMAGES);
        SmallRuns.leakageAtRank(run, 5);
        RunReport.Written w = RunReport.write(run, run.resolve(RunReport.FILE), RunReport.Options.defaults(), "test");
        Files.createDirectories(ARTEFACTS);
        Files.copy(w.file(), ARTEFACTS.resolve("report.html"), StandardCopyOption.REPLACE_EXISTING);
        String url = w.file().toAbsolutePath().toUri().toString();

        try (Chromium c = Chromium.start(chromium, ARTEFACTS.resolve("chromium.log"))) {
            String page = c.newPage(1200, 900);
            Page p = open(c, page, url);
            assertEquals(List.of(), p.errors, "console errors");
            assertEquals(List.of(), p.requests, "network requests");

            JsonNode imgs = c.eval(page, "Promise.all([...document.images].map(i => i.decode().then(() => 0, () => 0)))"
                    + ".then(() => [...document.images].map(i => [i.alt, i.naturalWidth]))");
            int inHtml = org.jsoup.Jsoup.parse(Files.readString(w.file())).select("img").size();
            assertTrue(inHtml >= 6 + 2, "images in the HTML: " + inHtml);
            assertEquals(inHtml, imgs.size(), "images in the page");
            for (JsonNode i : imgs) {
                assertTrue(i.get(1).asInt() > 0, "image not decoded: " + i.get(0).asText());
            }
            JsonNode charts = c.eval(page, "[...document.querySelectorAll('figure.chart')].map(f => { "
                    + "const s = f.querySelector('svg'); const b = s ? s.getBoundingClientRect() : null; "
                    + "return [f.id, b ? b.width : 0, b ? b.height : 0, s ? s.querySelectorAll('text').length : 0]; })");
            List<String> ids = new ArrayList<>();
            for (JsonNode ch : charts) {
                ids.add(ch.get(0).asText());
                assertTrue(ch.get(1).asDouble() > 100 && ch.get(2).asDouble() > 50, "chart not drawn: " + ch);
                assertTrue(ch.get(3).asInt() > 3, "chart without text: " + ch);
            }
            assertEquals(SmallRuns.CHARTS, ids);
            // Every section the report names is in the page, with its examples' images.
            JsonNode sections = c.eval(page, "[...document.querySelectorAll('section')].map(s => [s.id, "
                    + "s.querySelectorAll('img').length])");
            List<String> shown = new ArrayList<>();
            for (JsonNode sec : sections) {
                shown.add(sec.get(0).asText());
                if (!List.of("summary", "lds", "counterfactual", "support").contains(sec.get(0).asText())) {
                    assertTrue(sec.get(1).asInt() >= 5, "section without images: " + sec);
                }
            }
            assertEquals(w.sections(), shown);
            assertEquals(List.of("summary", "lds", "counterfactual", "support", "gallery", "neighbours", "leakage",
                    "pca", "clusters"), shown);

            JsonNode size = c.call(page, "Page.getLayoutMetrics", Map.of()).get("cssContentSize");
            JsonNode shot = c.call(page, "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport",
                    true, "clip", Map.of("x", 0, "y", 0, "width", size.get("width").asDouble(),
                            "height", size.get("height").asDouble(), "scale", 1)));
            byte[] png = Base64.getDecoder().decode(shot.get("data").asText());
            Files.write(ARTEFACTS.resolve("report.png"), png);
            assertTrue(png.length > 10_000, "screenshot of " + png.length + " bytes");

            // The same checks see a page that breaks the rules: a fetch the policy blocks and an image that fails.
            Path bad = tmp.resolve("bad.html");
            Files.writeString(bad, "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\""
                    + "default-src 'none'; img-src data:\"></head><body><img alt=\"remote\" "
                    + "src=\"http://127.0.0.1:9/x.png\"></body></html>");
            String page2 = c.newPage(400, 300);
            Page q = open(c, page2, bad.toUri().toString());
            assertFalse(q.errors.isEmpty(), "the blocked image should be an error in the console");
            JsonNode w2 = c.eval(page2, "[...document.images].map(i => i.naturalWidth)");
            assertEquals(0, w2.get(0).asInt());
        }
    }

    /** What loading a page showed: console errors and requests other than the page itself and data: URLs. */
    record Page(List<String> errors, List<String> requests) {
    }

    private static Page open(Chromium c, String session, String url) throws Exception {
        c.call(session, "Page.navigate", Map.of("url", url));
        c.await(e -> session.equals(e.path("sessionId").asText())
                && "Page.loadEventFired".equals(e.path("method").asText()), "load event of " + url);
        // Let late console messages (CSP reports, image errors) arrive.
        c.eval(session, "new Promise(r => setTimeout(r, 500))");
        List<String> errors = new ArrayList<>();
        for (JsonNode e : c.events(session, "Runtime.exceptionThrown")) {
            errors.add(e.path("params").path("exceptionDetails").toString());
        }
        for (JsonNode e : c.events(session, "Runtime.consoleAPICalled")) {
            String type = e.path("params").path("type").asText();
            if (type.equals("error") || type.equals("assert")) {
                errors.add(e.path("params").path("args").toString());
            }
        }
        for (JsonNode e : c.events(session, "Log.entryAdded")) {
            if (e.path("params").path("entry").path("level").asText().equals("error")) {
                errors.add(e.path("params").path("entry").path("text").asText());
            }
        }
        List<String> requests = new ArrayList<>();
        for (JsonNode e : c.events(session, "Network.requestWillBeSent")) {
            String u = e.path("params").path("request").path("url").asText();
            if (!u.equals(url) && !u.startsWith("data:")) {
                requests.add(u);
            }
        }
        for (JsonNode e : c.events(session, "Network.webSocketCreated")) {
            requests.add(e.path("params").path("url").asText());
        }
        return new Page(errors, requests);
    }
}
