package io.datamodels.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Opening input files for the readers: existence checks and gzip detection by magic bytes, not by name. */
final class Inputs {
    static final int BUFFER = 1 << 16;

    private Inputs() {
    }

    /** Throws "PATH: does not exist" if the file is missing, or "PATH: kind: expected a file, got a directory". */
    static void requireFile(Path file) throws DataFormatException {
        if (!Files.exists(file)) {
            throw missing(file.toString());
        }
        if (Files.isDirectory(file)) {
            throw new DataFormatException(file.toString(), "kind", "a file", "a directory");
        }
    }

    /** Throws "PATH: does not exist" if the folder is missing, or "PATH: kind: expected a directory, got a file". */
    static void requireDirectory(Path dir) throws DataFormatException {
        if (!Files.exists(dir)) {
            throw missing(dir.toString());
        }
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(dir.toString(), "kind", "a directory", "a file");
        }
    }

    /** Returns the error "PATH: does not exist". */
    static DataFormatException missing(String path) {
        return new DataFormatException(path, "does not exist");
    }

    /** Opens a file for buffered reading, decompressing it if it starts with the gzip magic 0x1f8b. */
    static InputStream open(Path file) throws IOException {
        requireFile(file);
        return decompressIfGzip(Files.newInputStream(file), name(file));
    }

    /**
     * Wraps a stream, decompressing it if it starts with the gzip magic 0x1f8b; the result is buffered. A broken gzip
     * header is reported naming {@code source}; the stream is closed then.
     */
    static InputStream decompressIfGzip(InputStream raw, String source) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
            }
            return in;
        } catch (ZipException | EOFException e) {
            in.close();
            throw new DataFormatException(source, "gzip", "a valid gzip header", String.valueOf(e.getMessage()));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Quotes a value for an error message, cut to 60 characters. */
    static String quote(String value) {
        return "'" + (value.length() <= 60 ? value : value.substring(0, 57) + "...") + "'";
    }

    /** The file name of a path, or the whole path if it has none. */
    static String name(Path file) {
        Path n = file.getFileName();
        return n == null ? file.toString() : n.toString();
    }
}
