package io.datamodels.store;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A separate JVM that writes folder {@code args[0]} through {@link AtomicFiles#createDirectory} and, in the middle
 * of the write (the folder half filled), creates {@code SYNC/ready} and waits for {@code SYNC/go}. Its folder holds
 * {@code who.txt} with {@code args[2]}. Exit status 0 on success, 1 with a stack trace otherwise. Used by
 * {@link AtomicFilesTest}.
 *
 * <p>Arguments: {@code DIR SYNC NAME}.
 */
public final class AtomicWriterMain {
    private AtomicWriterMain() {
    }

    public static void main(String[] args) {
        try {
            Path sync = Path.of(args[1]);
            AtomicFiles.createDirectory(Path.of(args[0]), false, tmp -> {
                Files.writeString(tmp.resolve("who.txt"), args[2]);
                Files.createFile(sync.resolve("ready"));
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!Files.exists(sync.resolve("go"))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no go signal within 60 s");
                    }
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
