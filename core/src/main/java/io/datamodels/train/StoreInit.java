package io.datamodels.train;

import io.datamodels.Provenance;
import io.datamodels.data.DataBinding;
import io.datamodels.store.OutputKey;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.subset.Sampling;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates a store for an experiment, the step before training (Ilyas et al. 2022, step 1): loads and fingerprints
 * the data, sizes the mask key from the train selection and the output keys from the targets, draws every mask, and
 * records sampling, dataset and provenance in {@code store.json}. {@link Training} then fills the store's rows.
 */
public final class StoreInit {
    private StoreInit() {
    }

    /**
     * Creates the store at {@code dir} for the data of {@code binding}: one mask per model drawn now from
     * {@code (seed, index)}, output keys sized by the selected targets and classes.
     *
     * @return the new store, open for writing
     * @throws java.nio.file.FileAlreadyExistsException if {@code dir} exists and {@code options.replace()} is false
     */
    public static Store create(Path dir, DataBinding binding, InitOptions options) throws IOException {
        DataBinding.Loaded data = binding.load();
        Sampling sampling = new Sampling(options.sampler().jsonName(), options.alpha(), options.seed(),
                data.train().rows());
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, data.train().rows()));
        int classes = Math.max(data.train().numClasses(), data.targets().numClasses());
        for (OutputKey k : options.outputs()) {
            if (schema.put(k.name(), k.resolve(data.targets().rows(), classes)) != null) {
                throw new IllegalArgumentException("output key '" + k.name() + "' is given twice (or clashes with masks)");
            }
        }
        StoreSpec spec = new StoreSpec(options.models(), schema);
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, sampling, data.ref(), Provenance.now("none",
                options.command()));
        return Store.init(dir, spec, meta, options.replace());
    }
}
