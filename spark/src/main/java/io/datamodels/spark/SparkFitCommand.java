package io.datamodels.spark;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code datamodels spark fit}: not yet. */
@Command(name = "fit", mixinStandardHelpOptions = true, description = "Fit datamodels on a Spark cluster.")
final class SparkFitCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return SparkMain.INTERNAL;
    }
}
