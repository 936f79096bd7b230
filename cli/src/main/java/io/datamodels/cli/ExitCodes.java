package io.datamodels.cli;

/** The exit codes of every command (jextract's JextractTool names its codes the same way). */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** Some models or targets failed; the rest completed and the failures are listed. */
    public static final int PARTIAL_FAILURE = 1;
    /** Bad command line: unknown option, missing argument, options that do not go together. */
    public static final int USAGE = 2;
    /** Bad input: a file missing, malformed or out of range (data, store, config). */
    public static final int INPUT = 3;
    /** An output could not be written (disk full, permission, existing path without --force). */
    public static final int OUTPUT = 4;
    /** A bug: an unexpected exception. */
    public static final int INTERNAL = 70;

    private ExitCodes() {
    }
}
