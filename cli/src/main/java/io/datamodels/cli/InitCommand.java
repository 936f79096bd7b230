package io.datamodels.cli;

import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.learn.Outputs;
import io.datamodels.store.OutputKey;
import io.datamodels.store.Store;
import io.datamodels.subset.Sampler;
import io.datamodels.train.InitOptions;
import io.datamodels.train.StoreInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code datamodels init}: a new experiment store. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create an experiment store: every model's subset mask is drawn now from (seed, index).")
final class InitCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Option(names = "--data", required = true, paramLabel = "SPEC",
            description = "Training data: idx:DIR, cifar10:FILE[,FILE], folder:DIR, csv:FILE[#label=COL], embedded.")
    String data;

    @Option(names = "--target-data", paramLabel = "SPEC",
            description = "Target data (default: the test split of --data where it has one, else --data).")
    String targetData;

    @Option(names = "--train", defaultValue = "all", paramLabel = "SEL",
            description = "Training examples: all, N (first N), A:B, @FILE, random:N[:SEED], stratified:N[:SEED] "
                    + "(default ${DEFAULT-VALUE}).")
    String train;

    @Option(names = "--targets", defaultValue = "all", paramLabel = "SEL",
            description = "Target examples, as --train (default ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = {"-n", "--models"}, required = true, paramLabel = "N", description = "Number of models (rows), >= 1.")
    long models;

    @Option(names = "--alpha", defaultValue = "" + InitOptions.DEFAULT_ALPHA,
            description = "Subset fraction in (0, 1) (default ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--sampler", defaultValue = "bernoulli",
            description = "bernoulli (each example in with probability alpha) or exact (floor(alpha*m) examples) "
                    + "(default ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--seed", defaultValue = "" + InitOptions.DEFAULT_SEED,
            description = "Root seed of every mask (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output", paramLabel = "KEY",
            description = "An output key: a built-in name (margins, logits, probs, correct, losses, train_accuracy, "
                    + "train_loss) or NAME=DTYPE[DIMS] where DIMS may use T (targets) and C (classes). Repeatable. "
                    + "Default: margins, train_accuracy, train_loss.")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--force", description = "Replace an existing store at --store.")
    boolean force;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (models < 1) {
            throw new ParameterException(spec.commandLine(), "--models: expected >= 1, got " + models);
        }
        List<OutputKey> keys = new ArrayList<>();
        for (String o : outputs.isEmpty() ? Outputs.DEFAULT : outputs) {
            keys.add(o.contains("=") ? OutputKey.parse(o) : Outputs.keys(List.of(o)).getFirst());
        }
        // Validate cheap arguments before loading any data.
        io.datamodels.store.AtomicFiles.requireAbsent(store.store, force);
        new io.datamodels.subset.Sampling(sampler, alpha, seed, 1);
        DatasetSpec src = DatasetSpec.parse(data);
        DatasetSpec tsrc = targetData == null ? DataBinding.defaultTargetSource(src) : DatasetSpec.parse(targetData);
        DataBinding binding = new DataBinding(src, Selection.parse(train), tsrc, Selection.parse(targets));
        String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        InitOptions options = InitOptions.builder(models).sampler(Sampler.of(sampler)).alpha(alpha).seed(seed)
                .outputs(keys).replace(force).command(cmd).build();
        try (Store s = StoreInit.create(store.store, binding, options)) {
            var out = spec.commandLine().getOut();
            out.printf("created %s: %d models, %d training examples, %d targets, keys %s%n", store.store, s.numModels(),
                    s.meta().orElseThrow().sampling().trainSize(), s.meta().orElseThrow().dataset().targetCount(),
                    s.spec().schema().keySet());
            out.flush();
        }
        return ExitCodes.OK;
    }
}
