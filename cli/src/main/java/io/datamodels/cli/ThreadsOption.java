package io.datamodels.cli;

import picocli.CommandLine.Option;

/** The {@code --threads N} option, shared by every command that trains or fits on a pool of worker threads. */
final class ThreadsOption {
    @Option(names = "--threads", description = "Worker threads (default: available cores).")
    Integer threads;

    /** {@code --threads} as given (not checked here), or the available cores without it. */
    int count() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
