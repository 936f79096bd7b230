package io.datamodels.regress;

import io.datamodels.Json;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.StoreMeta;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A fit folder as {@link Fitter} writes it, loaded: its {@code fit.json} summary and its datamodels.
 *
 * @param summary    what the fit was made from and how it went
 * @param datamodels the fitted weights and biases
 */
public record FitFolder(Fitter.Summary summary, Datamodels datamodels) {
    /** Reads {@code fit.json} of the fit folder {@code dir}. */
    public static Fitter.Summary readSummary(Path dir) throws IOException {
        return Json.read(dir.resolve(Fitter.FIT_JSON), Fitter.Summary.class);
    }

    /** Loads the fit folder {@code dir}. */
    public static FitFolder load(Path dir) throws IOException {
        return new FitFolder(readSummary(dir), Datamodels.load(dir));
    }

    /** Loads the fit folder {@code dir} and checks it against {@code store} with {@link #checkSameData}. */
    public static FitFolder load(Path dir, Store store) throws IOException {
        Fitter.Summary fit = readSummary(dir);
        checkSameData(fit, store);
        return new FitFolder(fit, Datamodels.load(dir));
    }

    /**
     * Refuses a store whose training data, targets or selections differ from those of the fitted store, as their
     * dataset fingerprints (in fit.json and the store's store.json) tell.
     *
     * @throws StoreException naming the field: one side has fingerprints and the other none, or they differ
     */
    public static void checkSameData(Fitter.Summary fit, Store store) throws StoreException {
        io.datamodels.data.DatasetRef a = fit.dataset();
        io.datamodels.data.DatasetRef b = store.meta().map(StoreMeta::dataset).orElse(null);
        if (a == null || b == null) {
            if (a != b) {
                throw new StoreException(Store.META_FILE + ": dataset: expected " + (a == null ? "none" : "the fitted "
                        + "store's dataset") + " in the held-out store, got " + (b == null ? "none" : "a dataset"));
            }
            return;
        }
        if (!Objects.equals(a.trainFingerprint(), b.trainFingerprint()) || a.trainSize() != b.trainSize()) {
            throw new StoreException(Store.META_FILE + ": dataset.train_fingerprint: expected " + a.trainFingerprint()
                    + " (" + a.trainSize() + " training examples, as fitted), got " + b.trainFingerprint() + " ("
                    + b.trainSize() + ")");
        }
        if (!Objects.equals(a.targetsFingerprint(), b.targetsFingerprint())) {
            throw new StoreException(Store.META_FILE + ": dataset.targets_fingerprint: expected "
                    + a.targetsFingerprint() + " (the fitted targets), got " + b.targetsFingerprint());
        }
    }
}
