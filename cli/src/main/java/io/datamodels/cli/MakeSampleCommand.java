package io.datamodels.cli;

import io.datamodels.data.EmbeddedSample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels make-sample}: regenerates the embedded Fashion-MNIST sample that {@code demo} uses. */
@Command(name = "make-sample", mixinStandardHelpOptions = true,
        description = "Write the embedded sample: the first --train training and first --test test images of "
                + "Fashion-MNIST, as gzip IDX files (deterministic bytes) plus a NOTICE.")
final class MakeSampleCommand implements Callable<Integer> {
    @Option(names = "--from", defaultValue = "../shared/data/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX folder (default ${DEFAULT-VALUE}).")
    Path from;

    @Option(names = "--train", defaultValue = "" + EmbeddedSample.DEFAULT_TRAIN,
            description = "Training images (default ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--test", defaultValue = "" + EmbeddedSample.DEFAULT_TEST,
            description = "Test images (default ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--out", defaultValue = EmbeddedSample.DEFAULT_OUT_DIR, paramLabel = "DIR",
            description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EmbeddedSample.write(from, train, test, out);
        spec.commandLine().getOut().printf("wrote %d train + %d test images from %s to %s%n", train, test, from, out);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
