package io.datamodels.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --store DIR} option, shared by every command that works on a store. */
final class StoreOption {
    @Option(names = {"-s", "--store"}, required = true, paramLabel = "DIR", description = "The experiment store folder.")
    Path store;
}
