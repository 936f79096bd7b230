package io.datamodels;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one JSON mapper of the project: records map to objects, unknown fields are errors, a fraction is not read
 * into an integer field, a string is not read into a number or boolean field (nor a number into a string), output
 * is indented. Errors are translated into one line naming the source, the field, the expected and the actual value,
 * without the mapper's own vocabulary.
 */
public final class Json {
    /** The one mapper: configured here and never handed out, so no caller can change how the project reads JSON. */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    static {
        for (LogicalType t : new LogicalType[]{LogicalType.Integer, LogicalType.Float, LogicalType.Boolean,
                LogicalType.Textual}) {
            MAPPER.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.String, t == LogicalType.Textual ? CoercionAction.TryConvert
                            : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer || t == LogicalType.Float
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, t == LogicalType.Float ? CoercionAction.TryConvert
                            : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean ? CoercionAction.TryConvert
                            : CoercionAction.Fail);
        }
    }

    private Json() {
    }

    /** {@code value} (a record, a map, a tree) as a JSON tree, in the JSON form that {@link #write} gives. */
    public static <T extends JsonNode> T tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** A new empty JSON object. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses {@code text} as a JSON tree; {@code source} names it in errors.
     *
     * @throws ConfigException for text that is not one well-formed JSON value
     */
    public static JsonNode parseTree(String source, String text) throws ConfigException {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new ConfigException(source + ": malformed JSON: no value");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": malformed JSON: " + describe(e));
        }
    }

    /**
     * Reads a JSON tree as {@code type}, with the checks and one-line errors of {@link #parse}.
     *
     * @throws ConfigException for an unknown or a bad field, naming {@code source} and the field
     */
    public static <T> T convert(String source, JsonNode node, Class<T> type) throws ConfigException {
        return parse(source, node.toString(), type);
    }

    /** Serialises {@code value} as indented JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads {@code file} as {@code type}. Errors come back as one line naming the file and the field.
     *
     * @throws ConfigException for a missing file, malformed JSON, an unknown or a bad field
     */
    public static <T> T read(Path file, Class<T> type) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.getFileName() + ": file does not exist (" + file + ")");
        } catch (IOException e) {
            throw new ConfigException(file.getFileName() + ": cannot read: " + e.getMessage());
        }
        return parse(file.getFileName().toString(), text, type);
    }

    /**
     * Reads {@code file} as a JSON object (e.g. a config whose fields override defaults).
     *
     * @throws ConfigException "FILE: file does not exist", malformed JSON, or "NAME: expected a JSON object, got TYPE"
     */
    public static ObjectNode readObject(Path file) throws ConfigException {
        if (!Files.exists(file)) {
            throw new ConfigException(file + ": file does not exist");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.getFileName() + ": cannot read: " + e.getMessage());
        }
        JsonNode n = parseTree(file.getFileName().toString(), text);
        if (!n.isObject()) {
            throw new ConfigException(file.getFileName() + ": expected a JSON object, got " + n.getNodeType());
        }
        return (ObjectNode) n;
    }

    /** Parses {@code text} as {@code type}; {@code source} names it in errors. */
    public static <T> T parse(String source, String text, Class<T> type) throws ConfigException {
        try {
            return MAPPER.readValue(text, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": " + e.getPropertyName() + ": unknown field (known: "
                    + e.getKnownPropertyIds() + ")");
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            Throwable c = e.getCause();
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> a + "." + b).orElse("").replace(".[", "[");
            String why;
            String malformed = malformed(text);
            if (malformed != null) {
                why = "malformed JSON: " + malformed; // the mapper stopped where the text breaks off
            } else if (c instanceof IllegalArgumentException) {
                why = c.getMessage(); // a record's own check, naming its field
            } else if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
                why = "expected " + expected(mi.getTargetType()) + ", got " + actual(text, e);
            } else {
                why = "invalid value, got " + actual(text, e);
            }
            // at the top level there is no path to add
            throw new ConfigException(source + ": " + (path.isEmpty() ? "" : path + ": ") + firstLine(why));
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": malformed JSON: " + describe(e));
        }
    }

    /** Why {@code text} is not well-formed JSON, or null when it is. */
    private static String malformed(String text) {
        try {
            MAPPER.readTree(text);
            return null;
        } catch (JsonProcessingException e) {
            return describe(e);
        }
    }

    /** A parse error's first line and where it happened. */
    private static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
        // the parser names its own source settings inside brackets: not for users
        String why = firstLine(e.getOriginalMessage()).replaceAll(" ?\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
                .replaceAll(" ?\\[Source:[^\\]]*\\]", "");
        return why + where;
    }

    /** The kind of JSON value a Java type is read from, in words. */
    private static String expected(Class<?> t) {
        if (t == int.class || t == long.class || t == short.class || t == Integer.class || t == Long.class
                || t == Short.class) {
            return "an integer";
        }
        if (t == double.class || t == float.class || t == Double.class || t == Float.class) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (t.isArray() || java.util.Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        return "an object";
    }

    /**
     * The value at the failing field, as JSON text, found again in {@code text} (the parser has often moved on by
     * the time mapping fails); "nothing (the field is required)" for a missing field.
     */
    private static String actual(String text, com.fasterxml.jackson.databind.JsonMappingException e) {
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException x) {
            return "an unreadable value";
        }
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            node = node == null ? null : r.getFieldName() != null ? node.get(r.getFieldName()) : node.get(r.getIndex());
        }
        if (node == null || node.isMissingNode()) {
            return "nothing (the field is required)";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
