package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.explore.FitData;
import io.datamodels.explore.Neighbours;
import io.datamodels.regress.FitFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code datamodels explore neighbours}: top supporters, opposers and nearest targets of every target. */
@Command(name = "neighbours", mixinStandardHelpOptions = true,
        description = "Per target: the k training examples with the largest positive weights (supporters) and the most "
                + "negative (opposers), and the k nearest targets by cosine similarity of the weight columns. Writes "
                + "supporters.npy, supporter_weights.npy, opposers.npy, opposer_weights.npy, nearest_targets.npy, "
                + "nearest_similarity.npy (T x k), neighbours.csv and neighbours.json.")
final class ExploreNeighboursCommand implements Callable<Integer> {
    @Mixin
    ExploreCommand.FitOption fit;

    @Mixin
    OutputOptions output;

    @Option(names = "--k", defaultValue = "" + Neighbours.Options.DEFAULT_K,
            description = "Entries per target and kind (default ${DEFAULT-VALUE}).")
    int k;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Neighbours.Options options = new Neighbours.Options(k);
        output.requireAbsent();
        FitFolder f = fit.load();
        FitData data = ExploreCommand.FitOption.data(f);
        Neighbours n = Neighbours.of(f.datamodels(), f.summary().targetFrom(), options);
        Neighbours.Summary s = n.write(output.out, output.force, fit.fit, data,
                Provenance.now("none (Java loops, EJML eigendecomposition)", "explore neighbours"));
        PrintWriter w = spec.commandLine().getOut();
        w.printf("neighbours of %d targets (k = %d) over %d training examples%n", s.targets(), k, s.trainSize());
        if (s.nearestSameClass() != null) {
            w.printf("nearest target has the same class for %.1f%% of targets (chance %.1f%%)%n",
                    100 * s.nearestSameClass(), 100 * s.sameClassChance());
        } else {
            w.printf("source rows and labels unknown: fit.json records no dataset (source_row -1)%n");
        }
        w.printf("wrote %s%n", output.out);
        w.flush();
        return ExitCodes.OK;
    }
}
