package io.datamodels.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --model DIR} option, shared by every command that reads fitted datamodels. */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A folder written by 'fit'.")
    Path model;
}
