package io.datamodels.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written file or folder, and where of two processes writing the same path one wins
 * and the other fails clearly.
 *
 * <p>A write of {@code DIR/NAME} works beside it, under names of fixed length (so any valid NAME works):
 * <pre>
 *   DIR/.dm-HHHHHHHHHHHHHHHH.lock   held with an exclusive OS lock for the whole write, deleted at the end
 *   DIR/.dm-HHHHHHHHHHHHHHHH.new    the new file or folder, renamed to NAME when complete
 *   DIR/.dm-HHHHHHHHHHHHHHHH.old    the replaced folder, for the moment between two renames
 * </pre>
 * where H are the first 16 hex digits of SHA-256(NAME). Whoever holds the lock is the only live writer of NAME, so
 * a {@code .new} or {@code .old} found then was left by a killed writer and is removed; the OS drops the lock of a
 * dead process. Under the lock, the target is checked against what the caller saw when it started
 * ({@link Snapshot}): a path that another process created or replaced meanwhile is an error, not overwritten.
 * Files and folders are created with default permissions, so the umask applies.
 */
public final class AtomicFiles {
    private static final int LOCK_ATTEMPTS = 100;

    private AtomicFiles() {
    }

    /** Something that writes into the given temporary path. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path tmp) throws IOException;
    }

    /**
     * What an output path was when a command started: absent ({@code fileKey} null), or the file or folder with this
     * file key (device and inode on Unix).
     */
    public record Snapshot(Path path, Object fileKey) {
        public Snapshot {
            path = path.toAbsolutePath();
        }

        /** The state of {@code path} now. */
        public static Snapshot of(Path path) throws IOException {
            try {
                return new Snapshot(path, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
            } catch (NoSuchFileException e) {
                return new Snapshot(path, null);
            }
        }

        /** True if nothing was at the path. */
        public boolean absent() {
            return fileKey == null;
        }
    }

    /** Writes {@code path} through {@code writer} into a temporary file, then renames it over {@code path}. */
    public static void write(Path path, Writer writer) throws IOException {
        writeFile(path, null, writer);
    }

    /**
     * Writes {@code path} as {@link #write(Path, Writer)} does, provided it is still as {@code expected}
     * (from {@link #requireAbsent}) when the write is committed.
     *
     * @throws FileAlreadyExistsException if another process created or replaced {@code path} since
     */
    public static void write(Path path, Snapshot expected, Writer writer) throws IOException {
        writeFile(path, Objects.requireNonNull(expected, "expected"), writer);
    }

    private static void writeFile(Path path, Snapshot expected, Writer writer) throws IOException {
        Path abs = path.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        try (TargetLock lock = TargetLock.acquire(abs)) {
            Path tmp = lock.sibling("new");
            deleteRecursively(tmp);
            deleteRecursively(lock.sibling("old"));
            Files.createFile(tmp);
            boolean ok = false;
            try {
                writer.writeTo(tmp);
                if (expected != null) {
                    checkUnchanged(abs, expected);
                }
                move(tmp, abs);
                ok = true;
            } catch (IOException e) {
                throw naming(abs, e);
            } finally {
                if (!ok) {
                    Files.deleteIfExists(tmp);
                }
            }
        }
    }

    /**
     * Writes {@code text} as UTF-8 to {@code path} unless it exists: of several processes recording the same file
     * at once, one writes it and the others wait for it (up to 30 s), so that each then reads the winner's.
     *
     * @return true if this call wrote it
     */
    public static boolean writeStringOnce(Path path, String text) throws IOException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            if (Files.exists(path)) {
                return false;
            }
            try {
                write(path, new Snapshot(path, null), tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (BusyException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException(path + ": interrupted while another process writes it");
                }
            }
        }
    }

    /** Another process (or thread) holds the lock of the path: it is writing it now. */
    public static final class BusyException extends FileSystemException {
        private static final long serialVersionUID = 1L;

        BusyException(Path target, Path lockFile) {
            super(target.toString(), null, "another process is writing it now (it holds " + lockFile.getFileName()
                    + "); nothing written");
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
        createDirectory(dir, replace, null, filler);
    }

    /**
     * Creates folder {@code dir} as {@link #createDirectory(Path, boolean, Writer)} does, provided it is still as
     * {@code expected} (taken by {@link #requireAbsent} when the command started) when the folder is renamed into
     * place: a folder that another process created or replaced in the meantime is left alone and reported.
     *
     * @param expected null to compare with the state at the start of this call
     * @throws FileAlreadyExistsException if {@code dir} exists and {@code replace} is false, or it changed since
     *                                    {@code expected}
     */
    public static void createDirectory(Path dir, boolean replace, Snapshot expected, Writer filler)
            throws IOException {
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        try (TargetLock lock = TargetLock.acquire(abs)) {
            Snapshot start = expected != null ? expected : requireAbsent(abs, replace);
            Path tmp = lock.sibling("new");
            Path old = lock.sibling("old");
            deleteRecursively(tmp);
            deleteRecursively(old);
            // Checked again under the lock: a writer that finished before we took it may have created dir.
            checkUnchanged(abs, start);
            Files.createDirectory(tmp);
            boolean ok = false;
            try {
                filler.writeTo(tmp);
                checkUnchanged(abs, start);
                if (Files.exists(abs)) {
                    move(abs, old);
                    move(tmp, abs);
                    deleteRecursively(old);
                } else {
                    move(tmp, abs);
                }
                ok = true;
            } catch (IOException e) {
                throw naming(abs, e);
            } finally {
                if (!ok) {
                    deleteRecursively(tmp);
                }
            }
        }
    }

    /** The reason of {@link #requireAbsent}'s refusal: an output that exists, and replacing was not asked for. */
    public static final String NOT_REPLACED = "already exists (replacing it was not asked for)";

    /**
     * Fails early, before any work, when an output {@code path} exists and may not be replaced.
     *
     * @return what is at {@code path} now, for the final check of {@link #createDirectory} or {@link #write}
     * @throws FileAlreadyExistsException naming the path, with reason {@link #NOT_REPLACED}
     */
    public static Snapshot requireAbsent(Path path, boolean replace) throws IOException {
        Snapshot s = Snapshot.of(path);
        if (!replace && !s.absent()) {
            throw new FileAlreadyExistsException(path.toString(), null, NOT_REPLACED);
        }
        return s;
    }

    private static void checkUnchanged(Path abs, Snapshot expected) throws IOException {
        Snapshot now = Snapshot.of(abs);
        if (Objects.equals(now.fileKey(), expected.fileKey())) {
            return;
        }
        String what = expected.absent() ? "was created by another process while this one ran"
                : now.absent() ? "was removed by another process while this one ran"
                : "was replaced by another process while this one ran";
        throw new FileAlreadyExistsException(abs.toString(), null, what + "; left as it is, nothing written");
    }

    /** A plain I/O error (disk full, quota) says which file; file-system errors already name theirs. */
    private static IOException naming(Path target, IOException e) {
        if (e.getClass() != IOException.class) {
            return e;
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (msg.contains(target.toString())) {
            return e;
        }
        return new IOException(target + ": " + msg, e);
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
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** The fixed-length prefix {@code .dm-HHHHHHHHHHHHHHHH.} of the working names beside {@code target}. */
    static String siblingPrefix(Path target) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(target.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            return ".dm-" + HexFormat.of().formatHex(h, 0, 8) + ".";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * The exclusive lock of one target path. The lock file is deleted when the write ends; whoever locks a file must
     * then check that the path still names that very file (it writes a token and reads it back through the path),
     * since the previous holder may have deleted it in between.
     */
    private static final class TargetLock implements AutoCloseable {
        /**
         * Targets locked by this JVM. Closing any descriptor of a file drops every POSIX lock the process holds on
         * it, so a second writer in this JVM must not even open the lock file of a target held here.
         */
        private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

        private final Path target;
        private final Path file;
        private final FileChannel channel;
        private final FileChannel check;
        private final FileLock lock;

        private TargetLock(Path target, Path file, FileChannel channel, FileChannel check, FileLock lock) {
            this.target = target;
            this.file = file;
            this.channel = channel;
            this.check = check;
            this.lock = lock;
        }

        static TargetLock acquire(Path target) throws IOException {
            Path file = target.resolveSibling(siblingPrefix(target) + "lock");
            if (!HELD.add(target)) {
                throw busy(target, file);
            }
            boolean ok = false;
            try {
                TargetLock t = tryAcquire(target, file);
                ok = true;
                return t;
            } finally {
                if (!ok) {
                    HELD.remove(target);
                }
            }
        }

        private static FileSystemException busy(Path target, Path file) {
            return new BusyException(target, file);
        }

        private static TargetLock tryAcquire(Path target, Path file) throws IOException {
            byte[] token = (ProcessHandle.current().pid() + " " + Long.toHexString(ThreadLocalRandom.current()
                    .nextLong()) + " " + target.getFileName()).getBytes(StandardCharsets.UTF_8);
            for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l == null) {
                    ch.close();
                    throw busy(target, file);
                }
                ch.truncate(0);
                ByteBuffer b = ByteBuffer.wrap(token);
                while (b.hasRemaining()) {
                    ch.write(b, b.position());
                }
                // Read back through the path, on a descriptor kept open until the end (closing it would drop the lock).
                FileChannel check = null;
                byte[] seen = null;
                try {
                    check = FileChannel.open(file, StandardOpenOption.READ);
                    ByteBuffer r = ByteBuffer.allocate(token.length + 1);
                    while (r.hasRemaining() && check.read(r, r.position()) > 0) {
                        // read all of it
                    }
                    seen = Arrays.copyOf(r.array(), r.position());
                } catch (NoSuchFileException e) {
                    seen = null;
                }
                if (Arrays.equals(seen, token)) {
                    return new TargetLock(target, file, ch, check, l);
                }
                l.release();
                ch.close();
                if (check != null) {
                    check.close();
                }
            }
            throw new FileSystemException(target.toString(), null, "could not lock " + file.getFileName() + " in "
                    + LOCK_ATTEMPTS + " attempts");
        }

        Path sibling(String suffix) {
            return target.resolveSibling(siblingPrefix(target) + suffix);
        }

        @Override
        public void close() throws IOException {
            try {
                Files.deleteIfExists(file);
            } finally {
                try {
                    lock.release();
                } finally {
                    try {
                        channel.close();
                        check.close();
                    } finally {
                        HELD.remove(target);
                    }
                }
            }
        }
    }
}
