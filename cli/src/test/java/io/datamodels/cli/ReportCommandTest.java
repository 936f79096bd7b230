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
        assertTrue(r.out().contains("summary, lds, gallery); open it in any browser"), r.out());
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
    void aFolderThatIsNotARunIsAnInputError() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliTest.Result r = CliTest.run("report", "--run", empty.toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertEquals("report: error: " + empty.resolve("run.json") + ": expected a run folder's run.json (made by "
                + "'datamodels run' or 'demo'), got none: " + empty + " is not a run folder\n", r.err());
        assertTrue(Files.notExists(empty.resolve("report.html")));
    }
}
