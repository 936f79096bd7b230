package io.datamodels.cli;

import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.store.DataBinding;
import io.datamodels.store.Store;
import io.datamodels.store.StoreInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code datamodels demo}: the pipeline on the embedded Fashion-MNIST sample, with nothing else needed. Each stage
 * of the pipeline adds its step here as it lands.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the pipeline on the embedded Fashion-MNIST sample (2,000 training images, 500 targets).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "demo-run", paramLabel = "DIR",
            description = "Working folder; replaced on every run (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = {"-n", "--models"}, defaultValue = "1000", description = "Models (default ${DEFAULT-VALUE}).")
    long models;

    @Option(names = "--seed", defaultValue = "0", description = "Root seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var w = spec.commandLine().getOut();
        Path storeDir = out.resolve("store");
        DataBinding binding = new DataBinding(DatasetSpec.embedded("train"), Selection.parse("all"),
                DatasetSpec.embedded("test"), Selection.parse("all"));
        w.printf("[1/1] init: store %s for the embedded sample, %d models, alpha 0.5, seed %d%n", storeDir, models, seed);
        w.flush();
        try (Store s = StoreInit.create(storeDir, binding, "bernoulli", 0.5, seed, models,
                List.of(StoreInit.OutputKey.parse(StoreInit.DEFAULT_OUTPUT)), true, "datamodels demo")) {
            var meta = s.meta().orElseThrow();
            w.printf("      %d masks of %d training examples (mean subset size %.1f), outputs for %d targets%n",
                    s.numModels(), meta.sampling().trainSize(), meanSubset(s), meta.dataset().targetCount());
        }
        w.println();
        w.printf("Inspect it with: ./datamodels info --store %s%n", storeDir);
        w.flush();
        return ExitCodes.OK;
    }

    private static double meanSubset(Store s) throws java.io.IOException {
        var masks = s.array(Store.MASKS);
        long ones = 0;
        for (long i = 0; i < masks.size(); i++) {
            if (masks.getBoolean(i)) {
                ones++;
            }
        }
        return s.numModels() == 0 ? 0 : (double) ones / s.numModels();
    }
}
