package io.datamodels.store;

import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyFormatException;
import io.datamodels.subset.Sampling;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store whose {@code spec.json} is bad, or whose files disagree with it: {@link Store#open} refuses it with one
 * line naming the file, the field, and the expected and actual value.
 */
@ExtendWith(NoStdout.class)
class StoreSpecErrorsTest {
    private static final int N = 5;
    private static final int M = 70;
    private static final int T = 3;
    private static final String MASKS = "\"masks\": {\"shape\": [70], \"dtype\": \"bool_\"}";
    private static final String MARGINS = "\"margins\": {\"shape\": [3], \"dtype\": \"float16\"}";
    private static final String LOGITS = "\"logits\": {\"shape\": [3, 10], \"dtype\": \"float32\"}";

    @TempDir
    Path parent;
    Path dir;

    @BeforeEach
    void validStore() throws IOException {
        dir = parent.resolve("store");
        Store.init(dir, StoreRows.spec(N, M, T), StoreRows.meta(new Sampling(Sampling.BERNOULLI, 0.5, 3, M)), false)
                .close();
    }

    private void spec(String json) throws IOException {
        Files.writeString(dir.resolve("spec.json"), json);
    }

    private static String schema(String... keys) {
        return "{" + String.join(", ", keys) + "}";
    }

    private <E extends IOException> String refused(Class<E> type, String... parts) {
        E e = assertThrows(type, () -> Store.open(dir, false).close());
        String m = e.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String p : parts) {
            assertTrue(m.contains(p), "'" + m + "' should contain '" + p + "'");
        }
        return m;
    }

    @Test
    void theValidStoreOpens() throws IOException {
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        try (Store s = Store.open(dir, false)) {
            assertEquals(N, s.numModels());
        }
    }

    @Test
    void missingNumModels() throws IOException {
        spec("{\"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        assertEquals("spec.json: num_models: required field is missing", refused(ConfigException.class));
    }

    @Test
    void negativeNumModels() throws IOException {
        spec("{\"num_models\": -3, \"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        assertEquals("spec.json: num_models: expected >= 0, got -3", refused(ConfigException.class));
    }

    @Test
    void numModelsNotANumber() throws IOException {
        spec("{\"num_models\": \"ten\", \"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        refused(ConfigException.class, "spec.json: num_models: ", "\"ten\"");
        // a fraction is not silently truncated to a row count
        spec("{\"num_models\": 5.5, \"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        refused(ConfigException.class, "spec.json: num_models: expected an integer, got 5.5");
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, "\"margins\": {\"shape\": [3.5], \"dtype\": \"float16\"}")
                + "}");
        refused(ConfigException.class, "spec.json: schema.margins.shape[0]: expected an integer, got 3.5");
    }

    @Test
    void missingSchema() throws IOException {
        spec("{\"num_models\": 5}");
        assertEquals("spec.json: schema: required field is missing", refused(ConfigException.class));
    }

    @Test
    void unknownDtype() throws IOException {
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, MARGINS,
                "\"logits\": {\"shape\": [3, 10], \"dtype\": \"complex64\"}") + "}");
        assertEquals("spec.json: schema.logits: dtype: expected one of bool_, uint8, int8, int16, int32, int64, "
                + "float16, float32, float64, got 'complex64'", refused(ConfigException.class));
    }

    @Test
    void missingDtypeOrShape() throws IOException {
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, "\"margins\": {\"shape\": [3]}") + "}");
        refused(ConfigException.class, "spec.json: schema.margins: dtype: required field is missing");
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, "\"margins\": {\"dtype\": \"float16\"}") + "}");
        refused(ConfigException.class, "spec.json: schema.margins: shape: required field is missing");
    }

    @Test
    void unknownFieldAndMalformedJson() throws IOException {
        spec("{\"num_models\": 5, \"nmodels\": 5, \"schema\": " + schema(MASKS) + "}");
        refused(ConfigException.class, "spec.json: nmodels: unknown field (known: ", "num_models", "schema");
        spec("{\"num_models\": 5,, }");
        refused(ConfigException.class, "spec.json: malformed JSON: ");
        spec("{\"num_models\": 5, \"schema\": {");
        refused(ConfigException.class, "spec.json: schema: ", "end-of-input");
        spec("{\"num_models\": 5, \"schema\": " + schema("\"_completed\": {\"shape\": [], \"dtype\": \"bool_\"}")
                + "}");
        refused(ConfigException.class, "spec.json: ", "key names must match", "got '_completed'");
    }

    @Test
    void withoutSpecJsonTheSchemaComesFromTheNpyHeaders() throws IOException {
        Files.delete(dir.resolve("spec.json"));
        // what MadryLab's worker leaves beside the keys: ignored
        Files.createDirectories(dir.resolve("workers/0"));
        Files.writeString(dir.resolve("workers/0/log.npy"), "not an npy file");
        Files.writeString(dir.resolve("cmds.txt"), "python -m datamodels.training.worker --worker.index=0\n");
        try (Store s = Store.open(dir, false)) {
            assertEquals(StoreRows.spec(N, M, T), s.spec());
            assertEquals(java.util.List.of("logits", "margins", "masks"),
                    java.util.List.copyOf(s.spec().schema().keySet()));
            assertEquals(new StoreSpec.Source(StoreSpec.Source.INFERRED, null), s.specSource());
            assertEquals(DType.FLOAT16, s.array("margins").dtype());
            var e = assertThrows(StoreException.class, () -> s.array("losses"));
            assertEquals(dir + " (schema inferred from the .npy headers): schema: expected a key 'losses', keys are "
                    + "[logits, margins, masks]", e.getMessage());
        }
        try (Store s = Store.open(dir, false)) {
            assertEquals(StoreSpec.Source.INFERRED, s.specSource().kind());
        }
    }

    @Test
    void withoutSpecJsonAKeyOfOtherLengthIsRefused() throws IOException {
        Files.delete(dir.resolve("spec.json"));
        Npy.write(dir.resolve("margins.npy"), DType.FLOAT16, new float[(N - 1) * T], N - 1, T);
        assertEquals("margins.npy: shape: expected first dimension 5 (the models in _completed.npy), got (4, 3)",
                refused(StoreException.class));
        Npy.write(dir.resolve("margins.npy"), DType.FLOAT16, new float[N], N);
        Npy.write(dir.resolve("scalar.npy"), DType.FLOAT32, new float[1]);
        assertEquals("scalar.npy: shape: expected first dimension 5 (the models in _completed.npy), got ()",
                refused(StoreException.class));
        Files.delete(dir.resolve("scalar.npy"));
        Npy.write(dir.resolve("bad name.npy"), DType.FLOAT32, new float[N], N);
        refused(StoreException.class, "bad name.npy: expected a key name matching", "got 'bad name'");
    }

    @Test
    void withoutSpecJsonCompletedIsRequiredAndChecked() throws IOException {
        Files.delete(dir.resolve("spec.json"));
        Npy.write(dir.resolve("_completed.npy"), DType.UINT8, new int[N], N);
        assertEquals("_completed.npy: expected bool_ (N,) completion flags, got uint8 (5,)",
                refused(StoreException.class));
        Files.delete(dir.resolve("_completed.npy"));
        refused(StoreException.class, "_completed.npy: file does not exist in " + dir, Store.GIVE_SPEC);
    }

    @Test
    void aSpecOutsideTheStoreIsUsedAndChecked() throws IOException {
        Path outside = parent.resolve("spec-outside.json");
        Files.move(dir.resolve("spec.json"), outside);
        try (Store s = Store.open(dir, false, outside)) {
            assertEquals(StoreRows.spec(N, M, T), s.spec());
            assertEquals(java.util.List.of("masks", "margins", "logits"),
                    java.util.List.copyOf(s.spec().schema().keySet()), "the order of the given spec");
            assertEquals(new StoreSpec.Source(StoreSpec.Source.FILE, outside.toAbsolutePath().toString()),
                    s.specSource());
        }
        // a spec that disagrees with the files
        Files.writeString(outside, "{\"num_models\": 5, \"schema\": " + schema(MASKS,
                "\"margins\": {\"shape\": [3], \"dtype\": \"float32\"}") + "}");
        var e = assertThrows(StoreException.class, () -> Store.open(dir, false, outside).close());
        assertEquals("margins.npy: dtype: expected float32 from " + outside + ", got float16", e.getMessage());
        Files.writeString(outside, "{\"num_models\": 6, \"schema\": " + schema(MASKS) + "}");
        e = assertThrows(StoreException.class, () -> Store.open(dir, false, outside).close());
        assertEquals("masks.npy: shape: expected (6, 70) from " + outside + ", got (5, 70)", e.getMessage());
        Files.writeString(outside, "{\"num_models\": 5, \"schema\": " + schema(MASKS, MARGINS,
                "\"losses\": {\"shape\": [], \"dtype\": \"float32\"}") + "}");
        e = assertThrows(StoreException.class, () -> Store.open(dir, false, outside).close());
        assertEquals("losses.npy: file does not exist (" + outside + " lists key 'losses')", e.getMessage());
        // a spec.json in the store that differs from the given one
        Files.writeString(outside, "{\"num_models\": 5, \"schema\": " + schema(MASKS, MARGINS) + "}");
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        e = assertThrows(StoreException.class, () -> Store.open(dir, false, outside).close());
        assertEquals("spec.json: expected the spec given in " + outside + " (num_models 5, schema {margins: "
                + "float16[3], masks: bool_[70]}), got num_models 5, schema {logits: float32[3, 10], margins: "
                + "float16[3], masks: bool_[70]}", e.getMessage());
        e = assertThrows(StoreException.class, () -> Store.open(dir, false, parent.resolve("nope.json")).close());
        assertEquals(parent.resolve("nope.json") + ": spec file does not exist", e.getMessage());
    }

    @Test
    void keyFileShapeDisagreesWithSpec() throws IOException {
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, "\"margins\": {\"shape\": [4], \"dtype\": \"float16\"}",
                LOGITS) + "}");
        String m = refused(StoreException.class);
        assertEquals("margins.npy: shape: expected (5, 4) from spec.json, got (5, 3)", m);
        spec("{\"num_models\": 6, \"schema\": " + schema(MASKS, MARGINS, LOGITS) + "}");
        assertEquals("masks.npy: shape: expected (6, 70) from spec.json, got (5, 70)", refused(StoreException.class));
    }

    @Test
    void keyFileDtypeDisagreesWithSpec() throws IOException {
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, "\"margins\": {\"shape\": [3], \"dtype\": \"float32\"}",
                LOGITS) + "}");
        assertEquals("margins.npy: dtype: expected float32 from spec.json, got float16", refused(StoreException.class));
    }

    @Test
    void completedFileOfTheWrongKind() throws IOException {
        Npy.write(dir.resolve("_completed.npy"), DType.FLOAT32, new float[N], N);
        assertEquals("_completed.npy: dtype: expected bool_, got float32", refused(StoreException.class));
        Npy.write(dir.resolve("_completed.npy"), DType.BOOL, new boolean[N + 1], N + 1);
        assertEquals("_completed.npy: shape: expected (5,), got (6,)", refused(StoreException.class));
    }

    @Test
    void missingKeyFile() throws IOException {
        Files.delete(dir.resolve("logits.npy"));
        assertEquals("logits.npy: file does not exist (spec.json lists key 'logits')", refused(StoreException.class));
        Files.delete(dir.resolve("_completed.npy"));
        spec("{\"num_models\": 5, \"schema\": " + schema(MASKS, MARGINS) + "}");
        assertEquals("_completed.npy: file does not exist (every store has one: bool (N,) completion flags)",
                refused(StoreException.class));
    }

    @Test
    void corruptKeyFile() throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("margins.npy"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 2);
        }
        refused(NpyFormatException.class, "margins.npy: size: expected ", "(truncated)");
    }

    @Test
    void badStoreJson() throws IOException {
        String meta = Files.readString(dir.resolve("store.json"));
        Files.writeString(dir.resolve("store.json"), meta.replace("\"alpha\" : 0.5", "\"alpha\" : 1.5"));
        refused(ConfigException.class, "store.json: sampling: alpha must be in (0, 1), got 1.5");
        Files.writeString(dir.resolve("store.json"), meta.replace("datamodels-store/1", "datamodels-store/9"));
        refused(ConfigException.class, "store.json: ", "format: expected 'datamodels-store/1', got 'datamodels-store/9'");
    }

    @Test
    void specJsonIsWhatMadryLabReads() throws IOException {
        var tree = Json.parseTree("test", java.nio.file.Files.readString(dir.resolve("spec.json")));
        assertEquals(N, tree.get("num_models").asLong());
        assertEquals("bool_", tree.get("schema").get("masks").get("dtype").asText());
        assertEquals(70, tree.get("schema").get("masks").get("shape").get(0).asInt());
        assertEquals(2, tree.get("schema").get("logits").get("shape").size());
        assertEquals(2, tree.size(), "only num_models and schema");
    }
}
