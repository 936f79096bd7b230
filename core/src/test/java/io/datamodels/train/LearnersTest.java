package io.datamodels.train;

import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Learner configs: a field that contradicts the learner's name is refused, so train.json cannot lie. */
@ExtendWith(NoStdout.class)
class LearnersTest {
    private static String error(String name, String overrides) {
        return assertThrows(ConfigException.class,
                () -> Learners.resolveConfig(LearnerKind.of(name), Json.parseTree("test", overrides))).getMessage();
    }

    @Test
    void hiddenLayersContradictingTheLearnerAreRefused() throws Exception {
        assertEquals("softmax config: hidden: expected [] (softmax regression has no hidden layers), got [64]; use "
                + "learner mlp for hidden layers", error("softmax", "{\"hidden\": [64]}"));
        assertEquals("mlp config: hidden: expected at least one hidden layer width, got []; use learner softmax for "
                + "softmax regression", error("mlp", "{\"hidden\": []}"));
        // Fields that agree with the learner still work, and the resolved config says what will be trained.
        assertEquals("[]", Learners.resolveConfig(LearnerKind.SOFTMAX, Json.parseTree("test", "{\"hidden\": []}"))
                .get("hidden").toString());
        assertEquals("[128,64]", Learners.resolveConfig(LearnerKind.MLP, Json.parseTree("test", "{\"hidden\": [128, 64]}"))
                .get("hidden").toString());
    }

    @Test
    void valuesOfTheWrongTypeAreRefusedInPlainWords() {
        assertEquals("mlp config: epochs: expected an integer, got \"5\"", error("mlp", "{\"epochs\": \"5\"}"));
        assertEquals("mlp config: lr: expected a number, got \"0.1\"", error("mlp", "{\"lr\": \"0.1\"}"));
        assertEquals("softmax config: normalize: expected true or false, got \"yes\"",
                error("softmax", "{\"normalize\": \"yes\"}"));
    }

    @Test
    void enumeratedSettingsAreReadByTheirConfigNamesOnly() throws Exception {
        assertEquals("mlp config: mode: mode must be one of [auto, gather, shared], got 'fast'",
                error("mlp", "{\"mode\": \"fast\"}"));
        assertEquals("softmax config: schedule: schedule must be one of [cosine, linear, constant], got 'COSINE'",
                error("softmax", "{\"schedule\": \"COSINE\"}"));
        assertEquals("mlp config: init: data_order and init must be one of [per_model, shared], got 'mine'",
                error("mlp", "{\"init\": \"mine\"}"));
        // The JSON form (train.json) keeps the names configs use.
        var resolved = Learners.resolveConfig(LearnerKind.MLP, Json.parseTree("test", "{\"mode\": \"shared\"}"));
        assertEquals("\"shared\"", resolved.get("mode").toString());
        assertEquals("\"cosine\"", resolved.get("schedule").toString());
        assertEquals("\"per_model\"", resolved.get("data_order").toString());
    }
}
