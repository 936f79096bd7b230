package io.datamodels;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one JSON mapper of the project: records map to objects, unknown fields are errors, a fraction is not read
 * into an integer field, output is indented.
 */
public final class Json {
    /** Shared, thread-safe mapper. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
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
                    .reduce((a, b) -> a + "." + b).orElse("");
            String why = c instanceof IllegalArgumentException ? c.getMessage() : e.getOriginalMessage();
            // a record's own check names its field; at the top level there is no path to add
            throw new ConfigException(source + ": " + (path.isEmpty() ? "" : path + ": ") + firstLine(why));
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": malformed JSON: " + firstLine(e.getOriginalMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
