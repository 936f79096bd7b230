package io.datamodels.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written file or folder: build under a temporary name beside the target, then
 * rename. A failure deletes the temporary and leaves the target as it was.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Something that writes into the given temporary path. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path tmp) throws IOException;
    }

    /** Writes {@code path} through {@code writer} into a temporary file, then renames it over {@code path}. */
    public static void write(Path path, Writer writer) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean ok = false;
        try {
            writer.writeTo(tmp);
            move(tmp, abs);
            ok = true;
        } finally {
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes {@code text} as UTF-8, atomically. */
    public static void writeString(Path path, String text) throws IOException {
        write(path, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    /**
     * Creates folder {@code dir} by filling a temporary folder beside it and renaming that into place.
     *
     * @param replace if false, an existing {@code dir} is an error; if true it is replaced only once the new one is
     *                complete
     * @throws FileAlreadyExistsException if {@code dir} exists and {@code replace} is false
     */
    public static void createDirectory(Path dir, boolean replace, Writer filler) throws IOException {
        Path abs = dir.toAbsolutePath();
        requireAbsent(abs, replace);
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".");
        boolean ok = false;
        try {
            filler.writeTo(tmp);
            if (Files.exists(abs)) {
                Path old = Files.createTempDirectory(parent, "." + abs.getFileName() + ".old.");
                Files.delete(old);
                move(abs, old);
                move(tmp, abs);
                deleteRecursively(old);
            } else {
                move(tmp, abs);
            }
            ok = true;
        } finally {
            if (!ok) {
                deleteRecursively(tmp);
            }
        }
    }

    /**
     * Fails early, before any work, when an output {@code path} exists and may not be replaced.
     *
     * @throws FileAlreadyExistsException naming the path and the --force option
     */
    public static void requireAbsent(Path path, boolean replace) throws FileAlreadyExistsException {
        if (!replace && Files.exists(path)) {
            throw new FileAlreadyExistsException(path.toString(), null, "already exists (pass --force to replace it)");
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a file or a folder tree; a missing path is fine. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
