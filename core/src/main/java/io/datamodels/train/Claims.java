package io.datamodels.train;

import io.datamodels.store.Store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model indices claimed by runner processes, as exclusive byte-range locks on byte {@code index} of the store's
 * {@code _claims.lock} file. The operating system drops a process's locks when it dies, even by SIGKILL, so a
 * crashed runner never leaves an index claimed; several runners on one store never train the same index at once.
 */
final class Claims implements AutoCloseable {
    static final String FILE = Store.CLAIMS_FILE;

    private final FileChannel channel;
    private final ConcurrentHashMap<Long, FileLock> held = new ConcurrentHashMap<>();

    Claims(Path storeDir) throws IOException {
        channel = FileChannel.open(storeDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        // Held shared for the whole run, so that init --force cannot replace the store under it.
        try {
            if (channel.tryLock(Store.IN_USE_BYTE, 1, true) == null) {
                channel.close();
                throw new java.nio.file.FileSystemException(storeDir.toString(), null,
                        "another process is replacing this store (initialising it anew); try again when it is done");
            }
        } catch (OverlappingFileLockException e) {
            // another runner in this JVM holds it already
        }
    }

    /** Claims {@code index}; false if another process holds it. */
    boolean tryClaim(long index) throws IOException {
        try {
            FileLock l = channel.tryLock(index, 1, false);
            if (l == null) {
                return false;
            }
            held.put(index, l);
            return true;
        } catch (OverlappingFileLockException e) {
            return false;
        }
    }

    /** Releases {@code index}. */
    void release(long index) throws IOException {
        FileLock l = held.remove(index);
        if (l != null) {
            l.release();
        }
    }

    @Override
    public void close() throws IOException {
        for (Long i : held.keySet()) {
            release(i);
        }
        channel.close();
    }
}
