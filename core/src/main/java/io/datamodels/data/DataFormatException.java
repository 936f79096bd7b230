package io.datamodels.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that is not what its format or the caller requires. The message is one line of the form
 * {@code "FILE: FIELD: expected X, got Y"}, e.g. {@code "data_batch_1.bin: size: expected a multiple of 3073 bytes,
 * got 1000"}.
 */
public final class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A message {@code "source: field: expected expected, got actual"}. */
    public DataFormatException(String source, String field, String expected, String actual) {
        super(oneLine(source + ": " + field + ": expected " + expected + ", got " + actual));
    }

    /** A message {@code "source: detail"}. */
    public DataFormatException(String source, String detail) {
        super(oneLine(source + ": " + detail));
    }

    /** As {@link #DataFormatException(String, String, String, String)}, naming the file by its file name. */
    public DataFormatException(Path file, String field, String expected, String actual) {
        this(name(file), field, expected, actual);
    }

    /** As {@link #DataFormatException(String, String)}, naming the file by its file name. */
    public DataFormatException(Path file, String detail) {
        this(name(file), detail);
    }

    private static String name(Path file) {
        Path n = file.getFileName();
        return n == null ? file.toString() : n.toString();
    }

    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        return b.toString();
    }
}
