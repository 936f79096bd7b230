package io.datamodels.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.datamodels.Json;
import io.datamodels.data.DataFormatException;
import io.datamodels.explore.Embedding;
import io.datamodels.explore.Leakage;
import io.datamodels.explore.Neighbours;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.npy.NpyArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Readers of what the {@code explore} commands write (and {@code run} writes into {@code explore/}), each returning
 * nothing where its folder is absent, so a report is made from whatever exists:
 * <ul>
 *   <li>{@code neighbours/}: {@code neighbours.json} ({@link Neighbours.Summary}), {@code nearest_targets.npy} and
 *   {@code nearest_similarity.npy} (T x k, row q = target {@code target_from + q});</li>
 *   <li>{@code embed/}: {@code embed.json} ({@link Embedding.Summary}), {@code pca_ends.json} (a list of
 *   {@link Embedding.Ends}), {@code pca_scores.npy} (T x c) and {@code clusters.npy} (T);</li>
 *   <li>{@code leakage/}: {@code leakage.csv} (header {@value Leakage#CSV_HEADER}, positions in the target and
 *   training selections) and {@code leakage.json}.</li>
 * </ul>
 * Every folder must belong to the report's fit: its recorded numbers of targets and training examples and its first
 * target must be the fit's, and every position must lie in range, or the report is refused naming the file and field
 * (pictures of other examples would be a wrong answer that looks right).
 */
final class Explore {
    /** Targets shown in the nearest-targets section. */
    static final int NEIGHBOUR_ROWS = 8;
    /** Principal components whose ends are shown. */
    static final int PCA_COMPONENTS = 3;
    /** Clusters shown (the largest first). */
    static final int CLUSTER_ROWS = 12;

    private Explore() {
    }

    /** The explore sections a report shows. */
    record Sections(Optional<View.Section> neighbours, Optional<View.Leakage> leakage, Optional<View.Section> pca,
                    Optional<View.Section> clusters) {
    }

    static Sections read(Path dir, Datamodels dm, int targetFrom, RunReport.Examples ex, RunReport.Options o)
            throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return new Sections(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        Path em = dir.resolve("embed");
        Embedded e = Files.isRegularFile(em.resolve("embed.json")) ? Embedded.read(em, dm, targetFrom) : null;
        String name = dir.toAbsolutePath().normalize().getFileName() + "/";
        return new Sections(neighbours(dir.resolve("neighbours"), dm, targetFrom, ex, o, name + "neighbours"),
                leakage(dir.resolve("leakage"), dm, targetFrom, ex, o.leakagePairs(), name + "leakage/" + Leakage.CSV),
                e == null ? Optional.empty() : Optional.of(pca(e, ex, o.topK(), name + "embed")),
                e == null ? Optional.empty() : Optional.of(clusters(e, ex, o.topK(), name + "embed")));
    }

    /** Nearest targets in datamodel space of the first targets, from {@code dir}, or nothing where absent. */
    static Optional<View.Section> neighbours(Path dir, Datamodels dm, int targetFrom, RunReport.Examples ex,
                                             RunReport.Options o, String label) throws IOException {
        Path json = dir.resolve("neighbours.json");
        if (!Files.isRegularFile(json)) {
            return Optional.empty();
        }
        Neighbours.Summary s = Json.read(json, Neighbours.Summary.class);
        sameFit(json, s.targets(), s.trainSize(), s.targetFrom(), dm, targetFrom);
        int t = s.targets();
        int k = s.options().k();
        long[] near = ints(dir.resolve("nearest_targets.npy"), t, k);
        double[] sim = doubles(dir.resolve("nearest_similarity.npy"), t, k);
        List<View.Row> rows = new ArrayList<>();
        for (int q = 0; q < Math.min(NEIGHBOUR_ROWS, t); q++) {
            List<View.Example> l = new ArrayList<>();
            View.Example self = ex.target(q, "target");
            l.add(self);
            for (int i = 0; i < Math.min(k, o.topK()); i++) {
                long r = near[q * k + i];
                if (r < 0) {
                    break;
                }
                if (r < targetFrom || r >= targetFrom + t) {
                    throw new DataFormatException(dir.resolve("nearest_targets.npy").toString(), "row " + q
                            + ": expected fitted target positions in [" + targetFrom + ", " + (targetFrom + t)
                            + "), got " + r);
                }
                l.add(ex.target((int) r - targetFrom, "cos " + String.format(Locale.ROOT, "%.3f", sim[q * k + i])));
            }
            rows.add(new View.Row("target " + (targetFrom + q) + " (" + self.label() + ")"
                    + (l.size() == 1 ? ": no neighbours (all its weights are 0)" : ""), l));
        }
        List<View.Fact> facts = new ArrayList<>();
        if (s.nearestSameClass() != null) {
            facts.add(new View.Fact("nearest target of the same class", pct(s.nearestSameClass()) + " of targets "
                    + "(by chance " + pct(s.sameClassChance()) + ")"));
        }
        facts.add(new View.Fact("targets without any non-zero weight", Integer.toString(s.targetsWithoutWeights())));
        return Optional.of(new View.Section("neighbours", "Nearest targets",
                "Which targets do the datamodels treat alike?",
                "Two targets are alike when the same training examples push both their margins the same way: the "
                        + "similarity is the cosine of their weight vectors (1 = the same direction, 0 = unrelated). "
                        + "Each row is one target (first) and its most similar targets, with the cosine.",
                label, facts, List.of(), rows));
    }

    /** The top {@code n} leakage candidates of {@code dir/leakage.csv}, or nothing where it is absent. */
    static Optional<View.Leakage> leakage(Path dir, Datamodels dm, int targetFrom, RunReport.Examples ex, int n,
                                          String label) throws IOException {
        Path csv = dir.resolve(Leakage.CSV);
        if (!Files.isRegularFile(csv)) {
            return Optional.empty();
        }
        Path json = dir.resolve(Leakage.JSON);
        JsonNode j = Files.isRegularFile(json) ? Json.parseTree(json.toString(), Files.readString(json)) : null;
        if (j != null) {
            sameFit(json, j.path("targets").asInt(-1), j.path("train_size").asInt(-1),
                    j.path("target_from").asInt(0), dm, targetFrom);
        }
        List<double[]> rows = new ArrayList<>(Csv.read(csv, List.of(Leakage.CSV_HEADER.split(","))));
        for (int i = 0; i < rows.size(); i++) {
            index(csv, i, "target", rows.get(i)[0], targetFrom, targetFrom + dm.targets());
            index(csv, i, "train", rows.get(i)[1], 0, dm.trainSize());
        }
        rows.sort((a, b) -> Double.compare(b[2], a[2]));
        int flagged = rows.size();
        String note = null;
        if (flagged == 0 && n > 0) {
            // Nothing flagged: show the closest calls, so a reader sees what the rule looked at.
            rows = topScores(dm, targetFrom, n);
            note = "No pair reached the threshold. For comparison, the " + rows.size() + " highest-scoring pairs, "
                    + "which were not flagged:";
        }
        List<View.Pair> pairs = new ArrayList<>();
        for (double[] r : rows.subList(0, Math.min(n, rows.size()))) {
            pairs.add(new View.Pair(ex.target((int) r[0] - targetFrom, null), ex.train((int) r[1], null),
                    String.format(Locale.ROOT, "%.2f", r[2])));
        }
        List<View.Fact> facts = new ArrayList<>();
        facts.add(new View.Fact("pairs flagged", String.format(Locale.ROOT, "%,d of %,d (target, training "
                + "example) pairs", flagged, (long) dm.trainSize() * dm.targets())));
        if (j != null) {
            facts.add(new View.Fact("threshold on the score", j.path("threshold").isNumber()
                    ? String.format(Locale.ROOT, "%.3f", j.path("threshold").asDouble())
                    : "none: no threshold keeps the estimated false-discovery rate at " + j.path("fdr").asText()
                    + ", so nothing is flagged"));
            if (j.path("fdr").isNumber() && j.path("threshold").isNumber()
                    && j.path("threshold_rule").asText().startsWith("decoy")) {
                facts.add(new View.Fact("chosen at false-discovery level", String.format(Locale.ROOT, "%.2f "
                        + "(estimated at the threshold: %.2f)", j.path("fdr").asDouble(),
                        j.path("estimated_fdr").asDouble())));
            }
        }
        return Optional.of(new View.Leakage(label, flagged, facts, note, pairs));
    }

    /**
     * The {@code n} highest leakage scores of the fit ({@link Leakage#scores}), as rows (target position, training
     * position, score), highest first (ties: lower target, then lower training position).
     */
    static List<double[]> topScores(Datamodels dm, int targetFrom, int n) {
        int m = dm.trainSize();
        int t = dm.targets();
        double[] sc = Leakage.scores(dm);
        java.util.PriorityQueue<double[]> best = new java.util.PriorityQueue<>(Explore::worse);
        for (int j = 0; j < m; j++) {
            for (int q = 0; q < t; q++) {
                double[] r = {targetFrom + q, j, sc[j * t + q]};
                if (best.size() < n) {
                    best.add(r);
                } else if (worse(best.peek(), r) < 0) {
                    best.poll();
                    best.add(r);
                }
            }
        }
        List<double[]> out = new ArrayList<>(best);
        out.sort((a, b) -> worse(b, a));
        return out;
    }

    /** Orders rows from worse to better: lower score, then higher target, then higher training position. */
    private static int worse(double[] a, double[] b) {
        return a[2] != b[2] ? Double.compare(a[2], b[2]) : a[0] != b[0] ? Double.compare(b[0], a[0])
                : Double.compare(b[1], a[1]);
    }

    /** An embed folder read and checked against the fit. */
    record Embedded(Path dir, Embedding.Summary summary, List<Embedding.Ends> ends, double[] scores, long[] clusters) {
        static Embedded read(Path dir, Datamodels dm, int targetFrom) throws IOException {
            Path json = dir.resolve("embed.json");
            Embedding.Summary s = Json.read(json, Embedding.Summary.class);
            sameFit(json, s.targets(), s.trainSize(), s.targetFrom(), dm, targetFrom);
            int t = s.targets();
            int c = s.explained().length;
            Path endsJson = dir.resolve("pca_ends.json");
            if (!Files.isRegularFile(endsJson)) {
                throw new java.nio.file.NoSuchFileException(endsJson.toString(), null, "missing: expected the PCA "
                        + "ends that 'explore embed' writes beside embed.json");
            }
            List<Embedding.Ends> ends = List.of(Json.convert(endsJson.toString(),
                    Json.parseTree(endsJson.toString(), Files.readString(endsJson)), Embedding.Ends[].class));
            for (Embedding.Ends e : ends) {
                check(endsJson, e.component() + ".high_targets", e.highTargets(), targetFrom, targetFrom + t);
                check(endsJson, e.component() + ".low_targets", e.lowTargets(), targetFrom, targetFrom + t);
                check(endsJson, e.component() + ".high_train", e.highTrain(), 0, dm.trainSize());
                check(endsJson, e.component() + ".low_train", e.lowTrain(), 0, dm.trainSize());
            }
            double[] scores = doubles(dir.resolve("pca_scores.npy"), t, c);
            long[] clusters = ints(dir.resolve("clusters.npy"), t);
            int k = s.clusterSizes().length;
            for (int q = 0; q < t; q++) {
                if (clusters[q] < 0 || clusters[q] >= k) {
                    throw new DataFormatException(dir.resolve("clusters.npy").toString(), "element " + q
                            + ": expected a cluster in [0, " + k + "), got " + clusters[q]);
                }
            }
            return new Embedded(dir, s, ends, scores, clusters);
        }

        private static void check(Path file, String field, List<Embedding.End> l, int lo, int hi)
                throws DataFormatException {
            for (Embedding.End e : l) {
                if (e.index() < lo || e.index() >= hi) {
                    throw new DataFormatException(file.toString(), "component " + field + ": expected positions in ["
                            + lo + ", " + hi + "), got " + e.index());
                }
            }
        }
    }

    /** PCA of the weight vectors: explained variance, the targets on the first two components, and the ends. */
    static View.Section pca(Embedded e, RunReport.Examples ex, int topK, String label) {
        Embedding.Summary s = e.summary();
        int t = s.targets();
        double[] r = s.explained();
        int c = r.length;
        List<View.Chart> charts = new ArrayList<>();
        double[] comp = new double[c];
        double cum = 0;
        for (int i = 0; i < c; i++) {
            comp[i] = i + 1;
            cum += r[i];
        }
        charts.add(new View.Chart("pca-explained", Charts.bars("pca-explained", comp, r, "principal component",
                "fraction of the variance explained"),
                "How much of the differences between targets' weight vectors does each component capture?",
                "The targets' weight vectors, centred, decomposed into principal components; bar i is the fraction "
                        + "of their total variance along component i. The " + c + " shown explain "
                        + pct(cum) + " together."));
        if (c >= 2) {
            Map<String, List<Integer>> byClass = new TreeMap<>();
            for (int q = 0; q < t; q++) {
                byClass.computeIfAbsent(ex.targetLabel(q), x -> new ArrayList<>()).add(q);
            }
            List<Charts.Series> series = new ArrayList<>();
            for (var g : byClass.entrySet()) {
                double[] x = new double[g.getValue().size()];
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = e.scores()[g.getValue().get(i) * c];
                    y[i] = e.scores()[g.getValue().get(i) * c + 1];
                }
                series.add(new Charts.Series(g.getKey(), x, y));
            }
            charts.add(new View.Chart("pca-scores", Charts.scatter("pca-scores", series, "score on component 1",
                    "score on component 2", false, false),
                    "Do targets of one class lie together along the first two components?",
                    "Each dot is one of the " + t + " targets, placed by its weight vector's scores on the first two "
                            + "principal components and coloured by its class."));
        }
        List<View.Row> rows = new ArrayList<>();
        for (Embedding.Ends end : e.ends().subList(0, Math.min(PCA_COMPONENTS, e.ends().size()))) {
            String name = "component " + (end.component() + 1);
            rows.add(new View.Row(name + ", high end: targets", targets(end.highTargets(), ex, topK)));
            rows.add(new View.Row(name + ", low end: targets", targets(end.lowTargets(), ex, topK)));
            rows.add(new View.Row(name + ", high end: training examples", train(end.highTrain(), ex, topK)));
            rows.add(new View.Row(name + ", low end: training examples", train(end.lowTrain(), ex, topK)));
        }
        return new View.Section("pca", "PCA ends", "What separates the targets, in the datamodels' eyes?",
                "Principal component analysis of the targets' weight vectors finds the directions along which "
                        + "targets differ most in which training examples move them. For the first "
                        + Math.min(PCA_COMPONENTS, c) + " components: the targets with the highest and lowest "
                        + "scores, and the training examples with the highest and lowest loadings (the examples "
                        + "whose weights pull targets towards that end).",
                label, List.of(), charts, rows);
    }

    /** The spectral clusters: their class make-up as a chart, and targets of each. */
    static View.Section clusters(Embedded e, RunReport.Examples ex, int topK, String label) {
        Embedding.Summary s = e.summary();
        int t = s.targets();
        int k = s.clusterSizes().length;
        Map<Integer, List<Integer>> members = new TreeMap<>();
        for (int q = 0; q < t; q++) {
            members.computeIfAbsent((int) e.clusters()[q], x -> new ArrayList<>()).add(q);
        }
        // Largest clusters first; ties by cluster number.
        List<Integer> order = new ArrayList<>(members.keySet());
        order.sort((a, b) -> members.get(a).size() != members.get(b).size()
                ? Integer.compare(members.get(b).size(), members.get(a).size()) : Integer.compare(a, b));
        List<String> classes = new ArrayList<>(new java.util.TreeSet<>(
                java.util.stream.IntStream.range(0, t).mapToObj(ex::targetLabel).toList()));
        List<String> columns = new ArrayList<>();
        double[][] counts = new double[classes.size()][order.size()];
        List<View.Row> rows = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            int cl = order.get(i);
            columns.add(Integer.toString(cl));
            Map<String, Integer> n = new LinkedHashMap<>();
            for (int q : members.get(cl)) {
                counts[classes.indexOf(ex.targetLabel(q))][i]++;
                n.merge(ex.targetLabel(q), 1, Integer::sum);
            }
            if (i < CLUSTER_ROWS) {
                var top = n.entrySet().stream().max((a, b) -> a.getValue() - b.getValue()).orElseThrow();
                List<View.Example> l = new ArrayList<>();
                for (int q : members.get(cl).subList(0, Math.min(2 * topK, members.get(cl).size()))) {
                    l.add(ex.target(q, null));
                }
                rows.add(new View.Row("cluster " + cl + ": " + members.get(cl).size() + " targets, " + pct(
                        (double) top.getValue() / members.get(cl).size()) + " " + top.getKey(), l));
            }
        }
        List<View.Fact> facts = new ArrayList<>();
        if (s.ari() != null) {
            facts.add(new View.Fact("agreement of the clusters with the classes", String.format(Locale.ROOT,
                    "adjusted Rand index %.3f (1 = the clusters are the classes, 0 = chance)", s.ari())));
        }
        facts.add(new View.Fact("clusters", k + (order.size() > CLUSTER_ROWS ? " (the " + CLUSTER_ROWS
                + " largest shown)" : "")));
        View.Chart chart = new View.Chart("clusters", Charts.stacked("clusters", classes, columns, counts,
                "cluster (largest first)", "targets"),
                "Which classes make up each cluster of targets?",
                "The targets grouped by spectral clustering of their weight vectors' similarities (the labels play "
                        + "no part); each bar is one cluster, split by the targets' classes.");
        return new View.Section("clusters", "Cluster galleries", "Which groups of targets do the weights reveal?",
                "Targets whose weight vectors are alike are grouped together without looking at their labels; "
                        + "each row shows the first " + 2 * topK + " targets of a cluster, with its size and its "
                        + "most common class.",
                label, facts, List.of(chart), rows);
    }

    private static List<View.Example> targets(List<Embedding.End> l, RunReport.Examples ex, int n) {
        List<View.Example> out = new ArrayList<>();
        for (Embedding.End e : l.subList(0, Math.min(n, l.size()))) {
            out.add(ex.target(e.index() - ex.targetFrom(), String.format(Locale.ROOT, "%+.3g", e.value())));
        }
        return out;
    }

    private static List<View.Example> train(List<Embedding.End> l, RunReport.Examples ex, int n) {
        List<View.Example> out = new ArrayList<>();
        for (Embedding.End e : l.subList(0, Math.min(n, l.size()))) {
            out.add(ex.train(e.index(), String.format(Locale.ROOT, "%+.3g", e.value())));
        }
        return out;
    }

    /** Refuses an explore output that was not made from this fit (other counts or another first target). */
    private static void sameFit(Path file, int targets, int trainSize, int from, Datamodels dm, int targetFrom)
            throws DataFormatException {
        if (targets != dm.targets() || trainSize != dm.trainSize() || from != targetFrom) {
            throw new DataFormatException(file.toString(), "targets, train_size, target_from: expected " + dm.targets()
                    + ", " + dm.trainSize() + ", " + targetFrom + " (the report's fit), got " + targets + ", "
                    + trainSize + ", " + from + " (made from another fit)");
        }
    }

    private static long[] ints(Path file, long... shape) throws IOException {
        try (NpyArray a = open(file, shape)) {
            if (a.dtype().isFloating()) {
                throw new DataFormatException(file.toString(), "descr: expected an integer dtype, got "
                        + a.dtype().numpyName());
            }
            long[] out = new long[Math.toIntExact(a.size())];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.getLong(i);
            }
            return out;
        }
    }

    private static double[] doubles(Path file, long... shape) throws IOException {
        try (NpyArray a = open(file, shape)) {
            double[] out = new double[Math.toIntExact(a.size())];
            a.getDoubles(0, out, 0, out.length);
            return out;
        }
    }

    private static NpyArray open(Path file, long[] shape) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "missing: expected the file the "
                    + "explore command writes beside its JSON");
        }
        NpyArray a = NpyArray.open(file);
        if (!Arrays.equals(a.shape(), shape)) {
            a.close();
            throw new DataFormatException(file.toString(), "shape: expected " + Arrays.toString(shape) + " (the "
                    + "report's fit), got " + Arrays.toString(a.shape()));
        }
        return a;
    }

    private static int index(Path csv, int row, String field, double v, int lo, int hi) throws DataFormatException {
        if (v != Math.rint(v) || v < lo || v >= hi) {
            throw new DataFormatException(csv.toString(), "line " + (row + 2) + ", " + field + ": expected "
                    + "a position in [" + lo + ", " + hi + "), got " + v);
        }
        return (int) v;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
