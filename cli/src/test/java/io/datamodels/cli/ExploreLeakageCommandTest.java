package io.datamodels.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.Json;
import io.datamodels.explore.Leakage;
import io.datamodels.regress.Datamodels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code explore leakage} on a real fit of the embedded sample. The command is run on its own here, with the
 * exception handlers of {@link Main#run} (the {@code explore} parent command registers it in Main).
 */
class ExploreLeakageCommandTest {
    @TempDir
    static Path tmp;
    static Path fit;

    /** Runs {@code leakage ARGS} as Main runs a subcommand: same error mapping and exit codes. */
    static CliTest.Result leakage(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new ExploreLeakageCommand());
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandName() + ": error: " + Main.message(ex, true));
            cmd.getErr().flush();
            return Main.exitCodeOf(ex);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage());
            ex.getCommandLine().getErr().flush();
            return ExitCodes.USAGE;
        });
        int code = cl.execute(args);
        return new CliTest.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void trainAndFit() {
        Path store = tmp.resolve("store");
        fit = tmp.resolve("fit");
        EvalCommandTest.ok("init", "--store", store.toString(), "--data", "embedded", "--train", "150", "--targets", "12",
                "--models", "200", "--seed", "1");
        EvalCommandTest.ok("train", "--store", store.toString(), "--learner", "softmax", "--set", "epochs=3");
        EvalCommandTest.ok("fit", "--store", store.toString(), "--out", fit.toString(), "--lambdas", "30");
    }

    @Test
    void writesTheRankedPairsOfTheLibraryAndTheirSummary() throws Exception {
        Path out = tmp.resolve("leak-given");
        // A low given threshold, so that the small fit has pairs to write.
        CliTest.Result r = leakage("--fit", fit.toString(), "--out", out.toString(), "--threshold", "2");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + out), r.out());
        Datamodels dm = Datamodels.load(fit);
        int m = dm.trainSize();
        int t = dm.targets();
        float[] w = new float[m * t];
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                w[j * t + q] = dm.weight(j, q);
            }
        }
        double[] s = Leakage.scores(w, m, t);
        long expected = 0;
        for (double v : s) {
            expected += v >= 2 ? 1 : 0;
        }
        List<String> lines = Files.readAllLines(out.resolve("leakage.csv"));
        assertEquals("target,train,score", lines.getFirst());
        assertEquals(expected, lines.size() - 1);
        assertTrue(expected > 0, "the fit has pairs at score >= 2");
        double previous = Double.POSITIVE_INFINITY;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            int q = Integer.parseInt(f[0]);
            int j = Integer.parseInt(f[1]);
            double score = Double.parseDouble(f[2]);
            assertTrue(q >= 0 && q < t && j >= 0 && j < m, line);
            assertEquals(s[j * t + q], score, 1e-5 * Math.abs(score), line);
            assertTrue(score <= previous, "ranked by score: " + line);
            previous = score;
        }
        JsonNode json = Json.parseTree("leakage.json", Files.readString(out.resolve("leakage.json")));
        assertEquals(Leakage.RULE, json.get("rule").asText());
        assertEquals(2.0, json.get("threshold").asDouble(), 0);
        assertEquals("given", json.get("threshold_rule").asText());
        assertEquals(fit.toString(), json.get("source").asText());
        assertTrue(json.get("provenance").get("command").asText().contains("explore leakage --fit"));

        Path chosen = tmp.resolve("leak-chosen");
        r = leakage("--fit", fit.toString(), "--out", chosen.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        json = Json.parseTree("leakage.json", Files.readString(chosen.resolve("leakage.json")));
        assertEquals(0.1, json.get("fdr").asDouble(), 0);
        assertTrue(json.get("threshold_rule").asText().startsWith("decoy"));
        assertEquals(json.get("flagged").asInt(), Files.readAllLines(chosen.resolve("leakage.csv")).size() - 1);
    }

    @Test
    void anExistingOutIsRefusedUnlessForced() throws Exception {
        Path out = tmp.resolve("leak-exists");
        Files.createDirectories(out);
        CliTest.Result r = leakage("--fit", fit.toString(), "--out", out.toString());
        assertEquals(ExitCodes.OUTPUT, r.code(), r.err());
        assertEquals("leakage: error: " + out + ": already exists (pass --force to replace it)", r.err().strip());
        r = leakage("--fit", fit.toString(), "--out", out.toString(), "--force");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("leakage.csv")));
    }

    @Test
    void badInputGivesOneLineAndANonZeroCode() throws Exception {
        Path notAFit = tmp.resolve("not-a-fit");
        Files.createDirectories(notAFit);
        CliTest.Result r = leakage("--fit", notAFit.toString(), "--out", tmp.resolve("x1").toString());
        assertEquals(ExitCodes.INPUT, r.code(), r.err());
        assertEquals("leakage: error: " + notAFit.resolve("fit.json") + ": does not exist (--fit: expected a folder "
                + "written by 'fit')", r.err().strip());
        r = leakage("--fit", fit.toString(), "--out", tmp.resolve("x2").toString(), "--fdr", "1.5");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertEquals("leakage: --fdr: fdr must be in (0, 1), got 1.5", r.err().strip());
        r = leakage("--fit", fit.toString(), "--out", tmp.resolve("x3").toString(), "--threshold", "NaN");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertEquals("leakage: --threshold: expected a number, got NaN", r.err().strip());
        assertTrue(Files.notExists(tmp.resolve("x1")) && Files.notExists(tmp.resolve("x2")));
    }
}
