package io.datamodels.store;

import io.datamodels.Provenance;
import io.datamodels.store.npy.DType;
import io.datamodels.subset.Sampling;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates a store for an experiment: loads and fingerprints the data, sizes the mask key from the train selection
 * and the output keys from the targets, fills every mask, and records sampling, dataset and provenance.
 */
public final class StoreInit {
    private StoreInit() {
    }

    /**
     * An output key as the command line writes it: {@code NAME=DTYPE[DIMS]} with DIMS comma-separated numbers or
     * the placeholders {@code T} (number of targets) and {@code C} (number of classes); e.g.
     * {@code margins=float32[T]}, {@code logits=float32[T,C]}, {@code train_loss=float32[]}.
     */
    public record OutputKey(String name, DType dtype, String[] dims) {
        /** Parses the {@code NAME=DTYPE[DIMS]} form. */
        public static OutputKey parse(String s) {
            var m = java.util.regex.Pattern.compile("([A-Za-z0-9][A-Za-z0-9_.-]*)=([A-Za-z0-9_]+)\\[([^\\]]*)]")
                    .matcher(s.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("output key: expected NAME=DTYPE[DIMS] such as margins=float32[T], got '"
                        + s + "'");
            }
            String dims = m.group(3).strip();
            String[] d = dims.isEmpty() ? new String[0] : dims.split("\\s*,\\s*");
            for (String x : d) {
                if (!x.equals("T") && !x.equals("C") && !x.matches("\\d+")) {
                    throw new IllegalArgumentException("output key '" + m.group(1) + "': dims: expected numbers, T or C, got '"
                            + x + "'");
                }
            }
            return new OutputKey(m.group(1), DType.fromName(m.group(2)), d);
        }

        /** The key's row shape for {@code targets} targets of {@code classes} classes. */
        public StoreSpec.KeySpec resolve(int targets, int classes) {
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = switch (dims[i]) {
                    case "T" -> targets;
                    case "C" -> classes;
                    default -> Long.parseLong(dims[i]);
                };
            }
            return StoreSpec.KeySpec.of(dtype, shape);
        }
    }

    /**
     * Creates the store at {@code dir}.
     *
     * @param binding   train and target data
     * @param sampler   "bernoulli" or "exact"
     * @param alpha     subset fraction in (0, 1)
     * @param seed      root seed of every mask
     * @param numModels number of rows N
     * @param outputs   output keys (besides {@code masks})
     * @param force     replace an existing {@code dir}
     * @param command   the command line, for provenance
     */
    public static Store create(Path dir, DataBinding binding, String sampler, double alpha, long seed, long numModels,
                               Iterable<OutputKey> outputs, boolean force, String command) throws IOException {
        DataBinding.Loaded data = binding.load();
        Sampling sampling = new Sampling(sampler, alpha, seed, data.train().rows());
        Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
        schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, data.train().rows()));
        int classes = Math.max(data.train().numClasses(), data.targets().numClasses());
        for (OutputKey k : outputs) {
            if (schema.put(k.name(), k.resolve(data.targets().rows(), classes)) != null) {
                throw new IllegalArgumentException("output key '" + k.name() + "' is given twice (or clashes with masks)");
            }
        }
        StoreSpec spec = new StoreSpec(numModels, schema);
        StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, sampling, data.ref(), Provenance.now("none", command));
        return Store.init(dir, spec, meta, force);
    }
}
