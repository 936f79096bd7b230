package io.datamodels.store;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A separate JVM's share of a store: opens the store at {@code args[0]} for writing, creates {@code SYNC/ready-W},
 * waits for {@code SYNC/go} so that all workers write at the same time, then writes rows
 * {@code i = worker, worker + workers, ...} with {@link StoreRows#row}. Exit status 0 on success, 1 with a stack trace
 * on stderr otherwise. Used by {@link StoreMultiProcessTest}.
 *
 * <p>Arguments: {@code DIR WORKER WORKERS T SYNC}.
 */
public final class StoreWriterMain {
    private StoreWriterMain() {
    }

    public static void main(String[] args) {
        try {
            Path dir = Path.of(args[0]);
            int worker = Integer.parseInt(args[1]);
            int workers = Integer.parseInt(args[2]);
            int t = Integer.parseInt(args[3]);
            Path sync = Path.of(args[4]);
            try (Store s = Store.open(dir, true)) {
                Files.createFile(sync.resolve("ready-" + worker));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!Files.exists(sync.resolve("go"))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no go signal within 30 s");
                    }
                    Thread.sleep(2);
                }
                for (long i = worker; i < s.numModels(); i += workers) {
                    s.writeRow(i, StoreRows.row(i, t));
                }
            }
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
