package io.datamodels.data;

import io.datamodels.ConfigException;
import io.datamodels.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which data a store's model indices refer to: the training examples behind the mask columns and the target
 * examples behind the outputs, each a source plus a selection. Recorded in {@code store.json} as a
 * {@link DatasetRef} with SHA-256 fingerprints of the selected data, so a later stage can check it reads the very
 * same examples.
 *
 * @param trainSource  where the training examples come from
 * @param train        which of them form the training set S (mask column j = the j-th selected row)
 * @param targetSource where the targets come from
 * @param targets      which of them are the targets (output column t = the t-th selected row)
 */
public record DataBinding(DatasetSpec trainSource, Selection train, DatasetSpec targetSource, Selection targets) {

    /** The selected data, loaded, and the reference to record in {@code store.json}. */
    public record Loaded(Dataset train, Dataset targets, DatasetRef ref) {
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

    /**
     * Loads both selections and fingerprints them. Relative data paths resolve against the working directory; the
     * reference records them absolute, so the store works from any folder, and as given where that differs.
     */
    public Loaded load() throws IOException {
        DatasetSpec src = absolute(trainSource, null);
        DatasetSpec tsrc = absolute(targetSource, null);
        Dataset full = src.load();
        Dataset tr = full.select(train);
        Dataset tg = (tsrc.equals(src) ? full : tsrc.load()).select(targets);
        DatasetRef ref = new DatasetRef(Json.tree(src), train.toString(),
                Json.tree(tsrc), targets.toString(), tr.rows(), tg.rows(), tr.fingerprint(),
                tg.fingerprint(), src.equals(trainSource) ? null : Json.tree(trainSource),
                tsrc.equals(targetSource) ? null : Json.tree(targetSource));
        return new Loaded(tr, tg, ref);
    }

    /** {@code s} with each of its paths resolved against {@code base} (the working directory if null), normalised. */
    static DatasetSpec absolute(DatasetSpec s, Path base) {
        if (s.path() == null) {
            return s;
        }
        List<String> ps = new ArrayList<>();
        for (Path p : s.paths()) {
            ps.add((base == null ? p.toAbsolutePath() : base.resolve(p)).normalize().toString());
        }
        return new DatasetSpec(s.format(), String.join(",", ps), s.split(), s.labelColumn(), s.hasHeader());
    }

    private static boolean hasRelativePath(DatasetSpec s) {
        return s.paths().stream().anyMatch(p -> !p.isAbsolute());
    }

    /**
     * The binding as the command line writes it: a data source ({@code embedded}, {@code idx:DIR}, {@code csv:FILE},
     * ... see {@link DatasetSpec#parse}) with the training and target selections ({@code all}, {@code A:B},
     * {@code random:N[:SEED]}, ... see {@link Selection#parse}); the targets come from the source's test split where
     * it has one, else from the same source.
     *
     * @throws IllegalArgumentException for a source or selection that does not parse, naming it
     * @throws IOException for an index file ({@code @FILE}) that is missing or malformed
     */
    public static DataBinding of(String data, String train, String targets) throws IOException {
        DatasetSpec src = DatasetSpec.parse(data);
        return new DataBinding(src, Selection.parse(train), defaultTargetSource(src), Selection.parse(targets));
    }

    /** The binding recorded in a store's metadata. */
    public static DataBinding of(DatasetRef ref) throws IOException {
        String field = DatasetRef.RECORDED_IN + ": dataset";
        DatasetSpec src = Json.convert(field + ".source", ref.source(), DatasetSpec.class);
        DatasetSpec tsrc = ref.targetSource() == null ? defaultTargetSource(src)
                : Json.convert(field + ".target_source", ref.targetSource(), DatasetSpec.class);
        try {
            return new DataBinding(src, Selection.parse(ref.train()), tsrc, Selection.parse(ref.targets()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(DatasetRef.RECORDED_IN + ": dataset: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * Loads the data a store was made for and checks that it is the same, byte for byte, as when the store was made.
     *
     * @throws DataFormatException naming the selection whose fingerprint differs
     */
    public static Loaded loadVerified(DatasetRef ref) throws IOException {
        return loadVerified(ref, null);
    }

    /**
     * Loads the data of the store at {@code storeDir} as {@link #loadVerified(DatasetRef)} does. Stores
     * made before data paths were recorded absolute hold them relative to the folder the store was made in, which they
     * do not record: such a path is tried against the working directory, then against each folder above
     * {@code storeDir} (nearest first), and the first place whose data has the recorded fingerprints is used.
     *
     * @param storeDir the store folder, or null to resolve relative paths against the working directory only
     * @throws DataFormatException naming the path and every folder tried, if none holds the recorded data
     */
    public static Loaded loadVerified(DatasetRef ref, Path storeDir) throws IOException {
        DataBinding b = of(ref);
        if (storeDir == null || !(hasRelativePath(b.trainSource()) || hasRelativePath(b.targetSource()))) {
            return verified(b, ref);
        }
        List<Path> bases = new ArrayList<>();
        bases.add(Path.of("").toAbsolutePath());
        for (Path p = storeDir.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
            if (!bases.contains(p)) {
                bases.add(p);
            }
        }
        List<String> tried = new ArrayList<>();
        for (Path base : bases) {
            DataBinding c = new DataBinding(absolute(b.trainSource(), base), b.train(),
                    absolute(b.targetSource(), base), b.targets());
            boolean present = java.util.stream.Stream.concat(c.trainSource().paths().stream(),
                    c.targetSource().paths().stream()).allMatch(java.nio.file.Files::exists);
            if (!present) {
                continue;
            }
            tried.add(base.toString());
            try {
                return verified(c, ref);
            } catch (DataFormatException e) {
                // not the data the store was made from; try the next folder
            }
        }
        throw new DataFormatException(DatasetRef.RECORDED_IN, "dataset.source.path: '" + b.trainSource().path()
                + "' is relative to the folder the store was made in, which this store does not record; expected the"
                + " data with the recorded fingerprints under the working directory or a folder above the store, found"
                + " it in none" + (tried.isEmpty() ? " (the path exists in none of them)" : " (tried " + tried + ")")
                + "; run from the folder the store was made in");
    }

    private static Loaded verified(DataBinding b, DatasetRef ref) throws IOException {
        Loaded l = b.load();
        if (!l.train().fingerprint().equals(ref.trainFingerprint())) {
            throw new DataFormatException(DatasetRef.RECORDED_IN, "dataset.train_fingerprint: expected "
                    + ref.trainFingerprint() + ", got " + l.train().fingerprint()
                    + " (the training data changed since the store was made)");
        }
        if (!l.targets().fingerprint().equals(ref.targetsFingerprint())) {
            throw new DataFormatException(DatasetRef.RECORDED_IN, "dataset.targets_fingerprint: expected "
                    + ref.targetsFingerprint() + ", got " + l.targets().fingerprint()
                    + " (the target data changed since the store was made)");
        }
        return l;
    }
}
