package io.datamodels.cli;

import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@code --spec FILE} option of every command that opens an existing store: the store's spec where it lives
 * outside the store, as MadryLab's {@code initialize_store --logging.spec=FILE} reads it. Without it a store's own
 * {@code spec.json} is used, and without that the schema is read from the {@code .npy} headers.
 */
final class SpecOption {
    @Option(names = "--spec", paramLabel = "FILE",
            description = "The store's spec.json where it is kept outside the store (as MadryLab's initialize_store "
                    + "--logging.spec=FILE reads it). Default: the store's own spec.json, or, where it has none, the "
                    + "schema read from the .npy headers (N from _completed.npy).")
    Path file;

    /**
     * Opens {@code dir} with this spec, see {@link Store#open(Path, boolean, Path)}; where the store needs a spec it
     * lacks, the error names this option.
     */
    Store open(Path dir, boolean writable) throws IOException {
        try {
            return Store.open(dir, writable, file);
        } catch (StoreException e) {
            if (e.getMessage() != null && e.getMessage().contains(Store.GIVE_SPEC)) {
                throw new StoreException(e.getMessage().replace(Store.GIVE_SPEC, "give the spec with --spec FILE"));
            }
            throw e;
        }
    }
}
