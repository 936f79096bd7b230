package io.datamodels.explore;

import io.datamodels.data.DataBinding;
import io.datamodels.data.DataFormatException;
import io.datamodels.data.Dataset;
import io.datamodels.data.DatasetRef;
import io.datamodels.data.DatasetSpec;
import io.datamodels.regress.FitException;
import io.datamodels.regress.Fitter;

import java.io.IOException;
import java.util.Arrays;

/**
 * Where a fit's positions come from: for each training position j (mask column) its row in the training source, and
 * for each fitted target column q (target-selection position {@code targetFrom + q}) its row in the target source and
 * its class label. Read through the store's data binding ({@link DataBinding#of(DatasetRef)} and the selections)
 * when the fit records its dataset; otherwise (e.g. a fit of a store made by other tools) rows and labels are
 * unknown, and the accessors give -1.
 *
 * @param targetFrom  the target-selection position of fitted column 0
 * @param targets     the number of fitted targets T
 * @param trainRows   source row of each training position (length m), or null when unknown
 * @param targetRows  source row of each fitted target (length T), or null when unknown
 * @param labels      class label of each fitted target (length T), or null when unknown
 */
public record FitData(int targetFrom, int targets, int[] trainRows, int[] targetRows, int[] labels) {

    /** Checks that the arrays, where present, have matching lengths. */
    public FitData {
        if (targetRows != null && targetRows.length != targets || labels != null && labels.length != targets) {
            throw new IllegalArgumentException("targetRows and labels: expected length " + targets);
        }
    }

    /**
     * The data of {@code fit}: reloads the sources its {@code fit.json} names and checks them against the recorded
     * fingerprints; without a recorded dataset, unknown rows.
     *
     * @param fit       the fit's {@code fit.json}
     * @param trainSize the rows m of its weights.npy
     * @param targets   the columns T of its weights.npy
     * @throws FitException        if fit.json's target range does not match {@code targets} weight columns
     * @throws DataFormatException if the data is missing or its fingerprints differ from those recorded
     */
    public static FitData of(Fitter.Summary fit, int trainSize, int targets) throws IOException {
        if (fit.targetTo() - fit.targetFrom() != targets) {
            throw new FitException("fit.json: target_from/target_to: expected " + targets + " targets (the columns of "
                    + "weights.npy), got " + fit.targetFrom() + ":" + fit.targetTo());
        }
        DatasetRef ref = fit.dataset();
        if (ref == null) {
            return new FitData(fit.targetFrom(), targets, null, null, null);
        }
        if (ref.trainSize() != trainSize) {
            throw new FitException("fit.json: dataset.train_size: expected " + trainSize + " (the rows of weights.npy), "
                    + "got " + ref.trainSize());
        }
        DataBinding b = DataBinding.of(ref);
        Dataset src = load(b.trainSource(), "dataset.source");
        int[] train = b.train().indicesFor(src.labels());
        check(src, train, ref.trainFingerprint(), "dataset.train_fingerprint", "training");
        Dataset tsrc = b.targetSource().equals(b.trainSource()) ? src : load(b.targetSource(), "dataset.target_source");
        int[] all = b.targets().indicesFor(tsrc.labels());
        check(tsrc, all, ref.targetsFingerprint(), "dataset.targets_fingerprint", "target");
        if (fit.targetTo() > all.length) {
            throw new FitException("fit.json: target_to: expected at most " + all.length + " (the store's targets), got "
                    + fit.targetTo());
        }
        int[] rows = Arrays.copyOfRange(all, fit.targetFrom(), fit.targetTo());
        int[] labels = new int[targets];
        for (int q = 0; q < targets; q++) {
            labels[q] = tsrc.label(rows[q]);
        }
        return new FitData(fit.targetFrom(), targets, train, rows, labels);
    }

    private static Dataset load(DatasetSpec spec, String field) throws IOException {
        try {
            return spec.load();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new DataFormatException("fit.json", field + ": the data the fit was made from is missing: "
                    + e.getMessage());
        }
    }

    private static void check(Dataset src, int[] rows, String expected, String field, String what)
            throws DataFormatException {
        String got = src.select(rows).fingerprint();
        if (!got.equals(expected)) {
            throw new DataFormatException("fit.json", field + ": expected " + expected + ", got " + got + " (the "
                    + what + " data changed since the store was made)");
        }
    }

    /** Whether source rows and labels are known. */
    public boolean known() {
        return trainRows != null;
    }

    /** Source row of training position j, or -1 when unknown. */
    public int trainRow(int j) {
        return trainRows == null ? -1 : trainRows[j];
    }

    /** Source row of fitted target column q, or -1 when unknown. */
    public int targetRow(int q) {
        return targetRows == null ? -1 : targetRows[q];
    }

    /** Class label of fitted target column q, or -1 when unknown. */
    public int label(int q) {
        return labels == null ? -1 : labels[q];
    }
}
