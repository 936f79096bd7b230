package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.explore.Embedding;
import io.datamodels.explore.FitData;
import io.datamodels.regress.FitFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code datamodels explore embed}: PCA and spectral clustering of the targets' weight vectors. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed the targets by their datamodel weight vectors: PCA (explained variance, scores, the "
                + "targets and training examples at both ends of each component) and spectral clustering, with the "
                + "adjusted Rand index against the targets' labels. Writes pca_explained.npy, pca_scores.npy, "
                + "pca_loadings.npy, pca_ends.json, clusters.npy and embed.json.")
final class ExploreEmbedCommand implements Callable<Integer> {
    @Mixin
    ExploreCommand.FitOption fit;

    @Mixin
    OutputOptions output;

    @Option(names = "--components", defaultValue = "" + Embedding.Options.DEFAULT_COMPONENTS,
            description = "Principal components (default ${DEFAULT-VALUE}).")
    int components;

    @Option(names = "--clusters", defaultValue = "" + Embedding.Options.DEFAULT_CLUSTERS,
            description = "Spectral clusters (default ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--graph-neighbours", defaultValue = "" + Embedding.Options.DEFAULT_GRAPH_NEIGHBOURS,
            description = "Nearest targets per target in the similarity graph (default ${DEFAULT-VALUE}).")
    int graphNeighbours;

    @Option(names = "--ends", defaultValue = "" + Embedding.Options.DEFAULT_ENDS,
            description = "Targets and training examples listed at each end of a component (default ${DEFAULT-VALUE}).")
    int ends;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the k-means++ seeding (default ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Embedding.Options options = new Embedding.Options(components, clusters, graphNeighbours, ends, seed);
        output.requireAbsent();
        FitFolder f = fit.load();
        FitData data = ExploreCommand.FitOption.data(f);
        Embedding e = Embedding.of(f.datamodels(), f.summary().targetFrom(), options);
        Embedding.Summary s = e.write(output.out, output.force, fit.fit, data, Provenance.now("none (Java loops, EJML eigendecomposition)", "explore embed"));
        PrintWriter w = spec.commandLine().getOut();
        double[] r = s.explained();
        double top = 0;
        for (double v : r) {
            top += v;
        }
        w.printf("PCA of %d targets over %d training examples: %d components explain %.1f%% of the variance "
                + "(first %.1f%%)%n", s.targets(), s.trainSize(), r.length, 100 * top, 100 * r[0]);
        if (s.ari() != null) {
            w.printf("spectral clustering into %d clusters: adjusted Rand index %.3f against the labels%n", clusters,
                    s.ari());
        } else {
            w.printf("spectral clustering into %d clusters (labels unknown: fit.json records no dataset)%n", clusters);
        }
        w.printf("wrote %s%n", output.out);
        w.flush();
        return ExitCodes.OK;
    }
}
