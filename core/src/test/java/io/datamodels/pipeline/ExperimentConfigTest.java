package io.datamodels.pipeline;

import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.regress.LassoConfig;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run config: optional fields take the documented defaults, every field is checked when the file is read. */
@ExtendWith(NoStdout.class)
class ExperimentConfigTest {
    private static final String BASE = "\"data\": \"embedded\", \"learner\": \"softmax\", \"models\": 100";

    private static ExperimentConfig parse(String fields) throws ConfigException {
        return Json.parse("run.json", "{" + BASE + (fields.isEmpty() ? "" : ", " + fields) + "}",
                ExperimentConfig.class);
    }

    private static String error(String fields) {
        String msg = assertThrows(ConfigException.class, () -> parse(fields)).getMessage();
        assertFalse(msg.contains("com.fasterxml") || msg.contains("`") || msg.contains("Cannot deserialize")
                || msg.contains("\n"), msg);
        return msg;
    }

    @Test
    void omittedOptionalFieldsTakeTheDefaults() throws Exception {
        ExperimentConfig c = parse("");
        LassoConfig d = LassoConfig.defaults();
        assertEquals(0.5, c.alpha());
        assertEquals(0, c.seed());
        assertEquals(0, c.heldOutModels());
        assertEquals(100, d.lambdas());
        assertEquals(d.lambdas(), c.lambdas());
        assertEquals(0.01, c.lambdaRatio());
        assertEquals(0.1, c.valFraction());
        assertEquals(0.0, c.outlierZ());
        assertEquals(d.with(100, 0.01, 0.1, 0).withThreads(2), c.lasso(2));
        ExperimentConfig s = parse("\"counterfactual\": {\"targets\": \"0:5\", \"k\": [1, 2]}, "
                + "\"support\": {\"targets\": \"0:5\", \"max_k\": 10, \"grid\": [5, 10]}");
        assertEquals(ExperimentConfig.DEFAULT_RETRAINS, s.counterfactual().retrains());
        assertEquals("full", s.counterfactual().base());
        assertEquals(ExperimentConfig.DEFAULT_RETRAINS, s.support().retrains());
        assertEquals("random", s.support().base());
        assertEquals(List.of(5, 10), s.support().grid());
    }

    @Test
    void valuesOfTheWrongTypeAreRefusedInPlainWords() {
        assertEquals("run.json: alpha: expected a number, got \"0.5\"", error("\"alpha\": \"0.5\""));
        assertEquals("run.json: models: expected an integer, got \"100\"",
                error("\"models\": \"100\"").replace(BASE, ""));
        assertEquals("run.json: seed: expected an integer, got 1.5", error("\"seed\": 1.5"));
        assertEquals("run.json: lambdas: expected an integer, got true", error("\"lambdas\": true"));
        assertEquals("run.json: train: expected a string, got 5000", error("\"train\": 5000"));
        assertEquals("run.json: counterfactual.retrains: expected an integer, got \"3\"",
                error("\"counterfactual\": {\"targets\": \"0:5\", \"k\": [1], \"retrains\": \"3\"}"));
        assertEquals("run.json: support.grid[1]: expected an integer, got \"x\"",
                error("\"support\": {\"targets\": \"0:5\", \"max_k\": 10, \"grid\": [5, \"x\"]}"));
        assertEquals("run.json: counterfactual: expected an object, got 3", error("\"counterfactual\": 3"));
    }

    @Test
    void everyValueIsCheckedWhenTheFileIsRead() {
        assertEquals("run.json: models must be >= 10 (the fewest a fit accepts), got 3", error("\"models\": 3")
                .replace(BASE, ""));
        assertEquals("run.json: lambdas must be >= 1, got 0", error("\"lambdas\": 0"));
        assertEquals("run.json: lambda_ratio must be in (0, 1), got 2.0", error("\"lambda_ratio\": 2"));
        assertEquals("run.json: val_fraction must be in (0, 1), got 1.0", error("\"val_fraction\": 1"));
        assertEquals("run.json: alpha must be in (0, 1), got 1.5", error("\"alpha\": 1.5"));
        assertEquals("run.json: held_out_models must be 0 or >= 3, got 2", error("\"held_out_models\": 2"));
        assertEquals("run.json: counterfactual: base must be one of [full, random], got 'all'",
                error("\"counterfactual\": {\"targets\": \"0:5\", \"k\": [1], \"base\": \"all\"}"));
        assertEquals("run.json: counterfactual: retrains must be >= 1, got 0",
                error("\"counterfactual\": {\"targets\": \"0:5\", \"k\": [1], \"retrains\": 0}"));
        assertEquals("run.json: counterfactual: k must be >= 1, got 0",
                error("\"counterfactual\": {\"targets\": \"0:5\", \"k\": [0]}"));
        assertEquals("run.json: support: max_k must be >= 1, got 0",
                error("\"support\": {\"targets\": \"0:5\", \"max_k\": 0, \"grid\": [1]}"));
        assertEquals("run.json: support: max_k is required",
                error("\"support\": {\"targets\": \"0:5\", \"grid\": [1]}"));
        assertEquals("run.json: support: grid must hold values in [1, max_k = 10], got 20",
                error("\"support\": {\"targets\": \"0:5\", \"max_k\": 10, \"grid\": [5, 20]}"));
        assertEquals("run.json: support: retrains must be >= 1, got -1",
                error("\"support\": {\"targets\": \"0:5\", \"max_k\": 10, \"grid\": [5], \"retrains\": -1}"));
    }

    @Test
    void malformedFilesSayWhereInPlainWords() {
        for (String text : new String[]{"{\"data\": \"embedded\",, }", "{\"data\": \"embedded\", \"counterfactual\": {",
                "[1, 2]", ""}) {
            String msg = assertThrows(ConfigException.class, () -> Json.parse("run.json", text,
                    ExperimentConfig.class)).getMessage();
            assertTrue(msg.startsWith("run.json: "), msg);
            assertFalse(msg.contains("com.fasterxml") || msg.contains("`") || msg.contains("Source:")
                    || msg.contains("\n") || msg.contains("ExperimentConfig"), msg);
        }
        assertEquals("run.json: malformed JSON: Unexpected character (',' (code 44)): was expecting double-quote to "
                + "start field name (line 1, column 21)", assertThrows(ConfigException.class, () -> Json.parse(
                "run.json", "{\"data\": \"embedded\",, }", ExperimentConfig.class)).getMessage());
    }
}
