package io.datamodels.cli;

import io.datamodels.regress.FitFolder;
import io.datamodels.regress.Fitter;
import io.datamodels.store.StoreException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The options of every command that retrains models on subsets of a fitted store's training set ({@code eval
 * counterfactual}, {@code eval support}, {@code explore embed-check}): the fitted store, the base set, retrains, seed,
 * threads, the resumable work folder and the output folder.
 */
final class RetrainRunOptions {
    @Option(names = "--store", paramLabel = "DIR",
            description = "The store the datamodels were fitted on, whose learner and config are reused (default: "
                    + "the store named in the fit folder's fit.json; if given, it must be that store).")
    Path store;

    @Mixin
    SpecOption specFile;

    @Option(names = "--base", defaultValue = "random",
            description = "random (a fresh alpha-subset, as the datamodels were fitted) or full (default ${DEFAULT-VALUE}).")
    String base;

    @Option(names = "--retrains", defaultValue = "5",
            description = "Models per retrained set, different seeds (default ${DEFAULT-VALUE}).")
    int retrains;

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed of the retraining runs and of a random base set (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Retraining store(s) (resumable; default: OUT.work beside --out).")
    Path work;

    @Mixin
    OutputOptions output;

    /**
     * The store that the fit in {@code fitDir} (given by option {@code fitFlag}) was fitted on: {@code --store} if
     * given, after checking it is the folder fit.json names (when that folder still exists; a moved store is
     * accepted, its data checked by fingerprint later), else fit.json's.
     */
    Path fittedStore(Path fitDir, String fitFlag) throws IOException {
        Path fitJson = fitDir.resolve(Fitter.FIT_JSON);
        if (!Files.isRegularFile(fitJson)) {
            throw new NoSuchFileException(fitJson + ": does not exist (" + fitFlag + ": expected a folder written by "
                    + "'fit')");
        }
        String recorded = FitFolder.readSummary(fitDir).store();
        Path rec = recorded == null ? null : Path.of(recorded);
        if (store == null) {
            if (rec == null || !Files.isDirectory(rec)) {
                throw new StoreException(Fitter.FIT_JSON + ": store: expected an existing folder, got "
                        + (rec == null ? "none" : "'" + rec + "'") + " (name the fitted store with --store)");
            }
            return rec;
        }
        if (rec != null && Files.isDirectory(rec) && Files.isDirectory(store) && !Files.isSameFile(rec, store)) {
            throw new StoreException("--store: expected the store the datamodels were fitted on, " + rec + " ("
                    + Fitter.FIT_JSON + ": store), got " + store.toAbsolutePath());
        }
        return store;
    }

    /** {@code --work}, or {@code OUT.work} beside {@code --out}. */
    Path workDir() {
        return work != null ? work : output.out.resolveSibling(output.out.getFileName() + ".work");
    }
}
