package io.datamodels.report;

import io.datamodels.data.DataFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Optional readers of what the {@code explore} commands write into a run folder's {@code explore/}: each returns
 * nothing where its folder or file is absent, so a report is made from whatever exists.
 * <ul>
 *   <li>{@code explore/leakage/leakage.csv}, header {@code target,train,score}: positions in the target and
 *   training selections; shown as image pairs, highest score first.</li>
 *   <li>{@code explore/neighbours/*.csv} with columns {@code target} and {@code neighbour} (or {@code neighbor},
 *   {@code nearest}): each target's nearest targets in datamodel space, in file order.</li>
 *   <li>{@code explore/embed/*.csv} with a column {@code target} (or {@code train}) and a grouping column
 *   ({@code component}, {@code cluster}, {@code end}): the targets (or training examples) of each PCA end or
 *   cluster, in file order; one section per such file.</li>
 * </ul>
 */
final class Explore {
    static final List<String> LEAKAGE_HEADER = List.of("target", "train", "score");
    private static final int ROWS = 8;

    private Explore() {
    }

    /** The top {@code n} leakage candidates of {@code dir/leakage.csv}, or nothing where it is absent. */
    static List<View.Leakage> leakage(Path dir, RunReport.Examples ex, int n) throws IOException {
        Path csv = dir.resolve("leakage.csv");
        if (!Files.isRegularFile(csv) || n == 0) {
            return List.of();
        }
        List<double[]> rows = new ArrayList<>(Csv.read(csv, LEAKAGE_HEADER));
        rows.sort(Comparator.comparingDouble((double[] r) -> -r[2]));
        List<View.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < rows.size() && pairs.size() < n; i++) {
            double[] r = rows.get(i);
            int q = target(csv, "target", r[0], ex) - ex.targetFrom();
            int j = index(csv, "train", r[1], ex.train().rows());
            pairs.add(new View.Pair(ex.target(q, null), ex.train(j, null),
                    String.format(Locale.ROOT, "%.3f", r[2])));
        }
        return List.of(new View.Leakage("explore/leakage/leakage.csv", rows.size(), pairs));
    }

    /** Nearest targets, from the first CSV in {@code dir} with columns target and neighbour. */
    static Optional<View.Section> neighbours(Path dir, RunReport.Examples ex, int k) throws IOException {
        for (Path csv : csvs(dir)) {
            Csv.Table t = Csv.read(csv);
            int tc = t.column("target");
            int nc = firstOf(t, "neighbour", "neighbor", "nearest", "nearest_target");
            if (tc < 0 || nc < 0) {
                continue;
            }
            int sc = firstOf(t, "cosine", "similarity", "score");
            Map<Integer, List<View.Example>> rows = new LinkedHashMap<>();
            for (int i = 0; i < t.rows().size(); i++) {
                int q = target(csv, "target", t.number(i, tc), ex);
                if (!rows.containsKey(q) && rows.size() == ROWS) {
                    continue;
                }
                List<View.Example> l = rows.computeIfAbsent(q, x -> new ArrayList<>());
                if (l.size() < k) {
                    int p = target(csv, t.header().get(nc), t.number(i, nc), ex);
                    l.add(ex.target(p - ex.targetFrom(), sc < 0 ? null
                            : String.format(Locale.ROOT, "%.3f", t.number(i, sc))));
                }
            }
            List<View.Row> out = new ArrayList<>();
            for (var e : rows.entrySet()) {
                View.Example self = ex.target(e.getKey() - ex.targetFrom(), null);
                List<View.Example> l = new ArrayList<>();
                l.add(self);
                l.addAll(e.getValue());
                out.add(new View.Row("target " + e.getKey() + " (" + self.label() + ") and its nearest targets", l));
            }
            return Optional.of(new View.Section("neighbours", "Nearest targets",
                    "Which targets do the datamodels treat alike?", "explore/neighbours/" + csv.getFileName(), out));
        }
        return Optional.empty();
    }

    /**
     * PCA ends or clusters: one section per CSV in {@code dir} with a target (or train) column and a group column
     * ({@code component}, {@code cluster}, {@code end}); other CSVs there (explained variance, ARI) are not galleries.
     */
    static List<View.Section> embed(Path dir, RunReport.Examples ex, int k) throws IOException {
        List<View.Section> sections = new ArrayList<>();
        for (Path csv : csvs(dir)) {
            Csv.Table t = Csv.read(csv);
            boolean targets = t.column("target") >= 0;
            int ic = targets ? t.column("target") : t.column("train");
            int gc = firstOf(t, "component", "cluster", "end");
            if (ic < 0 || gc < 0) {
                continue;
            }
            int ec = gc == t.column("end") ? -1 : t.column("end");
            Map<String, List<View.Example>> groups = new LinkedHashMap<>();
            for (int i = 0; i < t.rows().size(); i++) {
                String g = t.header().get(gc) + " " + t.rows().get(i)[gc].strip()
                        + (ec < 0 ? "" : ", end " + t.rows().get(i)[ec].strip());
                if (!groups.containsKey(g) && groups.size() == ROWS) {
                    continue;
                }
                List<View.Example> l = groups.computeIfAbsent(g, x -> new ArrayList<>());
                if (l.size() < 2 * k) {
                    double v = t.number(i, ic);
                    l.add(targets ? ex.target(target(csv, "target", v, ex) - ex.targetFrom(), null)
                            : ex.train(index(csv, "train", v, ex.train().rows()), null));
                }
            }
            List<View.Row> out = new ArrayList<>();
            groups.forEach((g, l) -> out.add(new View.Row(g, l)));
            String stem = csv.getFileName().toString().replaceFirst("\\.csv$", "");
            sections.add(new View.Section("embed-" + stem.replaceAll("[^A-Za-z0-9_-]", "_"),
                    "Embeddings: " + stem.replace('_', ' '),
                    "Which groups of " + (targets ? "targets" : "training examples")
                            + " do the datamodel weights separate?", "explore/embed/" + csv.getFileName(), out));
        }
        return sections;
    }

    private static List<Path> csvs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList();
        }
    }

    private static int firstOf(Csv.Table t, String... names) {
        for (String n : names) {
            if (t.column(n) >= 0) {
                return t.column(n);
            }
        }
        return -1;
    }

    private static int target(Path csv, String field, double v, RunReport.Examples ex) throws DataFormatException {
        int q = index(csv, field, v, ex.targets().rows());
        if (q < ex.targetFrom()) {
            throw new DataFormatException(csv.toString(), field + ": expected a fitted target in ["
                    + ex.targetFrom() + ", " + ex.targets().rows() + "), got " + q);
        }
        return q;
    }

    private static int index(Path csv, String field, double v, int n) throws DataFormatException {
        if (v != Math.rint(v) || v < 0 || v >= n) {
            throw new DataFormatException(csv.toString(), field + ": expected a position in [0, " + n + "), got " + v);
        }
        return (int) v;
    }
}
