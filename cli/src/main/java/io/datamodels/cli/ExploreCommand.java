package io.datamodels.cli;

import io.datamodels.explore.FitData;
import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@code datamodels explore ...}: what fitted datamodels say about the targets and the training data. */
@Command(name = "explore", mixinStandardHelpOptions = true,
        description = "See what fitted datamodels say: neighbours of each target, an embedding of the targets (and a "
                + "check of one of its components by retraining), and candidate train-test near-duplicates.",
        subcommands = {ExploreNeighboursCommand.class, ExploreEmbedCommand.class, ExploreEmbedCheckCommand.class,
                ExploreLeakageCommand.class})
final class ExploreCommand {

    /** The {@code --fit DIR} option of the explore subcommands. */
    static final class FitOption {
        @Option(names = "--fit", required = true, paramLabel = "DIR", description = "A folder written by 'fit'.")
        Path fit;

        /** The fit folder, refused with the name of the first file it lacks. */
        FitFolder load() throws IOException {
            for (String f : new String[] {Fitter.FIT_JSON, "weights.npy", "bias.npy"}) {
                if (!Files.isRegularFile(fit.resolve(f))) {
                    throw new NoSuchFileException(fit.resolve(f).toString(), null,
                            "missing: expected a fit folder (as 'fit' writes it) with " + f);
                }
            }
            return FitFolder.load(fit);
        }

        /** Where the fit's positions come from in the source data (rows unknown where fit.json records no data). */
        static FitData data(FitFolder f) throws IOException {
            return FitData.of(f.summary(), f.datamodels().trainSize(), f.datamodels().targets());
        }
    }
}
