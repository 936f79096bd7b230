package io.datamodels.cli;

import io.datamodels.IndexRange;
import io.datamodels.attribute.AttributeOptions;
import io.datamodels.attribute.Attributor;
import io.datamodels.attribute.Method;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code datamodels attribute}: TRAK, influence functions or gradient dot products, written as a fit folder. */
@Command(name = "attribute", mixinStandardHelpOptions = true,
        description = "Gradient-based attribution of a store's targets to its training examples with the store's "
                + "built-in learner: TRAK (Park et al. 2023), influence functions or the gradient dot product. "
                + "Writes the fit-folder layout of 'fit' (weights.npy m x T, bias.npy, fit.json) plus attribute.json, "
                + "so 'eval lds' and the other evaluations read it unchanged.")
final class AttributeCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Option(names = "--method", required = true, description = "trak, influence or gradient-dot.")
    String method;

    @Option(names = "--models", defaultValue = "1", paramLabel = "M",
            description = "Models trained and attributed (TRAK's ensemble; averaged for the others) (default "
                    + "${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--train-on", defaultValue = "full", paramLabel = "full|subsets",
            description = "full: each model on the whole training set; subsets: model i on the store's mask of row "
                    + "i (default ${DEFAULT-VALUE}).")
    String trainOn;

    @Option(names = "--proj-dim", paramLabel = "K",
            description = "TRAK only: the projection dimension (default: min(" + AttributeOptions.DEFAULT_PROJ_DIM
                    + ", parameters / 2, training examples / " + AttributeOptions.DEFAULT_PROJ_DIM_DIVISOR + ")).")
    Integer projDim;

    @Option(names = "--projection", paramLabel = "rademacher|gaussian",
            description = "TRAK only: the projection entries (default rademacher).")
    String projection;

    @Option(names = "--allow-large-projection",
            description = "TRAK only: accept --proj-dim above the parameter count.")
    boolean allowLarge;

    @Option(names = "--damping", paramLabel = "LAMBDA",
            description = "TRAK and influence: added to the diagonal of TRAK's kernel (default 0) or the influence "
                    + "Hessian (default " + AttributeOptions.DEFAULT_INFLUENCE_DAMPING + ").")
    Double damping;

    @Option(names = "--output", defaultValue = "margins", paramLabel = "KEY",
            description = "The store output to predict: margins, probs, losses or logodds (default ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--target-range", paramLabel = "A:B", description = "Only targets A..B-1 (default: all).")
    String targets;

    @Option(names = "--seed",
            description = "Root seed of TRAK's projection and of the models trained on the full set (default 0).")
    Long seed;

    @Option(names = "--cg-iterations",
            description = "Influence on an MLP only: the most conjugate-gradient iterations (default "
                    + AttributeOptions.DEFAULT_CG_ITERATIONS + ").")
    Integer cgIterations;

    @Option(names = "--cg-tolerance",
            description = "Influence on an MLP only: stop at relative residual (default "
                    + AttributeOptions.DEFAULT_CG_TOLERANCE + ").")
    Double cgTolerance;

    @Mixin
    ThreadsOption threads;

    @Mixin
    OutputOptions output0;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        IndexRange range = targets == null ? null : RangeArg.parse(spec, "--target-range", targets);
        AttributeOptions options;
        if (cgIterations != null && cgIterations < 1) {
            throw new ParameterException(spec.commandLine(), "--cg-iterations: expected >= 1, got " + cgIterations);
        }
        try {
            // Options not given stay unset, so that the options check refuses only what was asked for.
            AttributeOptions.Builder b = AttributeOptions.builder(Method.of(method)).models(models)
                    .trainOn(AttributeOptions.TrainOn.of(trainOn)).projDim(projDim == null ? 0 : projDim)
                    .projection(projection == null ? null : AttributeOptions.Projection.of(projection))
                    .allowLargeProjection(allowLarge).damping(damping == null ? Double.NaN : damping)
                    .outputKey(output).targets(range)
                    .cg(cgIterations == null ? 0 : cgIterations, cgTolerance == null ? Double.NaN : cgTolerance)
                    .threads(threads.count()).force(output0.force)
                    .command("datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            if (seed != null) {
                b.seed(seed);
            }
            options = b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        output0.requireAbsent();
        try (Store s = Store.open(store.store, false); Progress p = Progress.create(w, "attribute", "models")) {
            p.start(models);
            Attributor.Summary sum = Attributor.run(s, output0.out, options, new Attributor.Listener() {
                @Override
                public void modelDone(int done, int total) {
                    p.step(1);
                }
            });
            w.printf(java.util.Locale.ROOT, "%s on %d %s model%s (%d parameters%s): %d targets; %.1f CPU-s training, "
                            + "%.1f CPU-s attribution, %.1f s wall%n", sum.method(), sum.models(), sum.learner(),
                    sum.models() == 1 ? "" : "s", sum.parameters(), sum.projDim() > 0 ? ", k = " + sum.projDim() : "",
                    sum.targetTo() - sum.targetFrom(), sum.trainCpuSeconds(), sum.attributeCpuSeconds(),
                    sum.wallSeconds());
            w.printf("wrote %s%n", output0.out);
            w.flush();
        }
        return 0;
    }
}
