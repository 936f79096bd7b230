package io.datamodels.cli;

import io.datamodels.store.AtomicFiles;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** {@code --out DIR} and {@code --force}: the output folder of fit and eval, kept unless replacing it is asked for. */
final class OutputOptions {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out folder.")
    boolean force;

    /** Fails, before any work, if {@code --out} exists and {@code --force} is not given. */
    void requireAbsent() throws IOException {
        AtomicFiles.requireAbsent(out, force);
    }
}
