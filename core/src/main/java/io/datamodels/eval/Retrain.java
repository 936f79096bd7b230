package io.datamodels.eval;

import io.datamodels.Json;
import io.datamodels.Provenance;
import io.datamodels.kernel.Gemm;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.BitMask;
import io.datamodels.train.Runner;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.TrainRecord;
import io.datamodels.train.Training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains models on chosen subsets with the same learner and config as a fitted store (its {@code train.json}),
 * through {@link Training}, into a store of their own, so an interrupted evaluation resumes where it stopped.
 */
final class Retrain {
    private Retrain() {
    }

    /**
     * Trains one model per mask and returns their {@code yKey} rows (masks.size() x T, row-major).
     *
     * @param workDir the retraining store; reused if it exists with the same masks
     */
    static float[] run(Store fitted, List<BitMask> masks, String yKey, Path workDir, long seed, Gemm gemm, int threads,
                       Runner.Listener listener) throws IOException {
        Path rec = fitted.dir().resolve(TrainRecord.FILE);
        if (!Files.exists(rec)) {
            throw new StoreException(TrainRecord.FILE + ": file does not exist in " + fitted.dir()
                    + "; retraining needs the learner and config the store was trained with");
        }
        TrainRecord tr = Json.read(rec, TrainRecord.class);
        StoreSpec.KeySpec yk = fitted.spec().schema().get(yKey);
        int m = (int) fitted.array(Store.MASKS).rowElements();
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, m));
        schema.put(yKey, yk);
        StoreSpec spec = new StoreSpec((long) masks.size(), schema);
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, null, fitted.meta().map(StoreMeta::dataset).orElse(null),
                Provenance.now(gemm.name(), "retraining for evaluation of " + fitted.dir()));
        boolean reuse = false;
        if (Files.exists(workDir.resolve(Store.SPEC_FILE))) {
            try (Store old = Store.open(workDir, false)) {
                reuse = old.numModels() == masks.size() && sameMasks(old, masks);
            }
        }
        if (!reuse) {
            Store.init(workDir, spec, meta, true, i -> masks.get((int) i)).close();
        }
        try (Store s = Store.open(workDir, true)) {
            TrainOptions options = TrainOptions.builder(tr.learner()).config(tr.config()).threads(threads).seed(seed)
                    .gemm(gemm).command("retraining").build();
            Training.run(s, options, listener).requireNoFailures("retraining");
            NpyArray y = s.array(yKey);
            float[] out = new float[Math.toIntExact(y.size())];
            y.getFloats(0, out, 0, out.length);
            return out;
        }
    }

    private static boolean sameMasks(Store s, List<BitMask> masks) throws IOException {
        NpyArray a = s.array(Store.MASKS);
        int m = (int) a.rowElements();
        for (int i = 0; i < masks.size(); i++) {
            BitMask b = masks.get(i);
            if (b.size() != m) {
                return false;
            }
            for (int j = 0; j < m; j++) {
                if (a.getBoolean((long) i * m + j) != b.get(j)) {
                    return false;
                }
            }
        }
        return true;
    }
}
