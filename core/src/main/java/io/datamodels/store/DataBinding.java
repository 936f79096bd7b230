package io.datamodels.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.datamodels.ConfigException;
import io.datamodels.Json;
import io.datamodels.data.Dataset;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;

import java.io.IOException;

/**
 * Which data a store's model indices refer to: the training examples behind the mask columns and the target
 * examples behind the outputs, each a source plus a selection. Recorded in {@code store.json} with SHA-256
 * fingerprints of the selected data, so a later stage can check it reads the very same examples.
 *
 * @param trainSource  where the training examples come from
 * @param train        which of them form the training set S (mask column j = the j-th selected row)
 * @param targetSource where the targets come from
 * @param targets      which of them are the targets (output column t = the t-th selected row)
 */
public record DataBinding(DatasetSpec trainSource, Selection train, DatasetSpec targetSource, Selection targets) {

    /** The selected data, loaded, and the reference to record in {@code store.json}. */
    public record Loaded(Dataset train, Dataset targets, StoreMeta.DatasetRef ref) {
    }

    /**
     * The default target source for {@code train}: the test split of the same source where it has one (IDX, the
     * embedded sample), else the same source.
     */
    public static DatasetSpec defaultTargetSource(DatasetSpec train) {
        if ("train".equals(train.split())) {
            return new DatasetSpec(train.format(), train.path(), "test", train.labelColumn(), train.hasHeader());
        }
        return train;
    }

    /** Loads both selections and fingerprints them. */
    public Loaded load() throws IOException {
        Dataset full = trainSource.load();
        Dataset tr = full.select(train);
        Dataset tg = (targetSource.equals(trainSource) ? full : targetSource.load()).select(targets);
        StoreMeta.DatasetRef ref = new StoreMeta.DatasetRef(Json.MAPPER.valueToTree(trainSource), train.toString(),
                Json.MAPPER.valueToTree(targetSource), targets.toString(), tr.rows(), tg.rows(), tr.fingerprint(),
                tg.fingerprint());
        return new Loaded(tr, tg, ref);
    }

    /** The binding recorded in a store's metadata. */
    public static DataBinding of(StoreMeta.DatasetRef ref) throws IOException {
        try {
            DatasetSpec src = Json.MAPPER.treeToValue(ref.source(), DatasetSpec.class);
            DatasetSpec tsrc = ref.targetSource() == null ? defaultTargetSource(src)
                    : Json.MAPPER.treeToValue(ref.targetSource(), DatasetSpec.class);
            return new DataBinding(src, Selection.parse(ref.train()), tsrc, Selection.parse(ref.targets()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ConfigException(Store.META_FILE + ": dataset: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * Loads the data a store was made for and checks that it is the same, byte for byte, as when the store was made.
     *
     * @throws StoreException naming the selection whose fingerprint differs
     */
    public static Loaded loadVerified(StoreMeta.DatasetRef ref) throws IOException {
        Loaded l = of(ref).load();
        if (!l.train().fingerprint().equals(ref.trainFingerprint())) {
            throw new StoreException(Store.META_FILE + ": dataset.train_fingerprint: expected " + ref.trainFingerprint()
                    + ", got " + l.train().fingerprint() + " (the training data changed since the store was made)");
        }
        if (!l.targets().fingerprint().equals(ref.targetsFingerprint())) {
            throw new StoreException(Store.META_FILE + ": dataset.targets_fingerprint: expected "
                    + ref.targetsFingerprint() + ", got " + l.targets().fingerprint()
                    + " (the target data changed since the store was made)");
        }
        return l;
    }
}
