package io.datamodels.store.npy;

import java.io.IOException;
import java.nio.file.Path;

/** A {@code .npy} file that is not what it claims or what the caller needs; the message is one line naming the file. */
public final class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(Path file, String field, String expected, String actual) {
        super(file.getFileName() + ": " + field + ": expected " + expected + ", got " + actual);
    }

    public NpyFormatException(Path file, String message) {
        super(file.getFileName() + ": " + message);
    }
}
