package io.datamodels.spark;

import io.datamodels.regress.FitPieces;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fits datamodels on a Spark cluster through the core's {@link FitPieces}, with the result of the one-machine
 * {@link Fitter#fit} byte for byte. Three jobs, after the plan on the driver:
 * <ol>
 *   <li>counts C: one task per (part, row partition, column block) computes that block's rows of C over its models;
 *   they are summed per column block ({@code reduceByKey}: exact integer counts, any order);</li>
 *   <li>cross products D: one task per (part, block of models, column block) computes its float tiles; each column
 *   block's tiles are summed in block order (train then validation) in double; then each column block's rows of C and
 *   D are written to the statistics folder, so that no executor ever holds more than a column block of C;</li>
 *   <li>solves: one task per slice of targets memory-maps the statistics, solves its targets and writes their
 *   columns of the weight files.</li>
 * </ol>
 * The output folder is filled under a temporary name beside {@code out} and renamed into place when complete, as
 * the local fit does; it and the statistics folder inside it must be on a file system every executor mounts at the
 * same path. A retried or speculative task rewrites the same bytes.
 */
public final class DistributedFit {
    /** Where the statistics go inside the output folder while the fit runs (removed before it completes). */
    static final String STATISTICS = ".statistics";

    private DistributedFit() {
    }

    /**
     * How the work is cut.
     *
     * @param columnBlock   columns of C and D per block, a multiple of {@link FitPieces#PANEL}: the most of C one
     *                      executor holds is columnBlock x m floats (twice while the two parts are combined)
     * @param rowPartitions row partitions per part for the counts
     * @param slices        target slices to solve
     * @param threads       solver threads per slice task
     */
    public record Options(int columnBlock, int rowPartitions, int slices, int threads) implements Serializable {
        public Options {
            if (columnBlock < FitPieces.PANEL || columnBlock % FitPieces.PANEL != 0) {
                throw new IllegalArgumentException("column block: expected a positive multiple of " + FitPieces.PANEL
                        + ", got " + columnBlock);
            }
            if (rowPartitions < 1 || slices < 1 || threads < 1) {
                throw new IllegalArgumentException("row partitions, slices and threads: expected >= 1, got "
                        + rowPartitions + ", " + slices + ", " + threads);
            }
        }
    }

    /** Called at the start of every task with its stage ("gram", "cross", "solve"), index and attempt number. */
    @FunctionalInterface
    public interface Hook extends Serializable {
        /** Does nothing. */
        Hook NONE = (stage, index, attempt) -> { };

        void task(String stage, int index, int attempt);
    }

    private static void hook(Hook h, String stage, int index) {
        TaskContext tc = TaskContext.get();
        h.task(stage, index, tc == null ? 0 : tc.attemptNumber());
    }

    /** A task's piece of the counts: rows of the part's models [from, to), columns of block {@code block}. */
    record GramTask(int index, int part, int from, int to, int block) implements Serializable {
    }

    /** A task's piece of the cross products: block {@code rowBlock} of the part's models, column block. */
    record CrossTask(int index, int part, int rowBlock, int block) implements Serializable {
    }

    /** Tiles of one block of models for one column block; {@code order} sorts train blocks before validation. */
    record Tiles(long order, float[][] tiles) implements Serializable {
    }

    /** The counts of one part for one column block. */
    record Counts(int part, float[] values) implements Serializable {
    }

    /**
     * Fits as {@link Fitter#fit}({@code store}, {@code out}, {@code req}) would, on the cluster of {@code sc}.
     *
     * @param store the store, open on the driver; the executors open {@code store.dir()} themselves
     * @param plan  {@link FitPieces#plan}({@code store}, {@code req}), made on the driver before the context
     */
    public static Fitter.Summary run(JavaSparkContext sc, Store store, Path out, FitRequest req, FitPieces.Plan plan,
                                     Options opt, Hook hook) throws IOException {
        long t0 = System.nanoTime();
        String storeDir = store.dir().toAbsolutePath().toString();
        String planJson = FitPieces.toJson(plan);
        AtomicFiles.Snapshot atStart = AtomicFiles.requireAbsent(out, req.force());
        Fitter.Summary[] summary = new Fitter.Summary[1];
        AtomicFiles.createDirectory(out, req.force(), atStart, tmp -> {
            Path stats = tmp.resolve(STATISTICS);
            FitPieces.createStatistics(stats, plan);
            FitPieces.createOutput(tmp, plan);
            Reach.check(sc, List.of(new Reach.Need(storeDir, Store.SPEC_FILE, false),
                    new Reach.Need(tmp.toAbsolutePath().toString(), STATISTICS, true)));
            statistics(sc, storeDir, plan, planJson, stats.toAbsolutePath().toString(), opt, hook);
            List<FitPieces.Slice> slices = solve(sc, storeDir, plan, planJson, stats.toAbsolutePath().toString(),
                    tmp.toAbsolutePath().toString(), opt, hook);
            AtomicFiles.deleteRecursively(stats);
            summary[0] = FitPieces.finish(store, req, plan, tmp, slices, (System.nanoTime() - t0) / 1e9);
        });
        return summary[0];
    }

    /** Jobs 1 and 2: the statistics folder. */
    private static void statistics(JavaSparkContext sc, String storeDir, FitPieces.Plan plan, String planJson,
                                   String stats, Options opt, Hook hook) {
        int m = plan.m();
        int t = plan.t();
        int blocks = (m + opt.columnBlock() - 1) / opt.columnBlock();
        int cb = opt.columnBlock();
        FitPieces.Part[] parts = FitPieces.Part.values();
        List<GramTask> gram = new ArrayList<>();
        List<CrossTask> cross = new ArrayList<>();
        long maxBlocks = 0;
        for (FitPieces.Part part : parts) {
            int n = plan.rows(part).length;
            maxBlocks = Math.max(maxBlocks, plan.crossBlocks(part));
            for (List<Integer> r : ranges(n, opt.rowPartitions())) {
                for (int b = 0; b < blocks; b++) {
                    gram.add(new GramTask(gram.size(), part.ordinal(), r.get(0), r.get(1), b));
                }
            }
            for (int rb = 0; rb < plan.crossBlocks(part); rb++) {
                for (int b = 0; b < blocks; b++) {
                    cross.add(new CrossTask(cross.size(), part.ordinal(), rb, b));
                }
            }
        }
        long perPart = maxBlocks;
        sc.setJobDescription("datamodels spark fit: statistics (" + gram.size() + " count tasks, " + cross.size()
                + " cross-product tasks)");
        JavaPairRDD<Integer, Counts> counts = sc.parallelize(gram, gram.size()).mapToPair(g -> {
            hook(hook, "gram", g.index());
            FitPieces.Plan p = FitPieces.fromJson(planJson);
            int j0 = g.block() * cb;
            int j1 = Math.min(m, j0 + cb);
            try (Store s = Store.open(Path.of(storeDir), false)) {
                return new Tuple2<>(g.block() * 2 + g.part(), FitPieces.gramRows(s, p, parts[g.part()], g.from(),
                        g.to(), j0, j1));
            }
        }).reduceByKey((a, b) -> {
            FitPieces.addCounts(a, b);
            return a;
        }).mapToPair(kv -> new Tuple2<>(kv._1() / 2, new Counts(kv._1() % 2, kv._2())));
        JavaPairRDD<Integer, double[][]> sums = sc.parallelize(cross, Math.max(1, cross.size())).mapToPair(c -> {
            hook(hook, "cross", c.index());
            FitPieces.Plan p = FitPieces.fromJson(planJson);
            int p0 = c.block() * cb / FitPieces.PANEL;
            int p1 = Math.min(p.panels(), (c.block() + 1) * cb / FitPieces.PANEL);
            try (Store s = Store.open(Path.of(storeDir), false)) {
                return new Tuple2<>(c.block(), new Tiles(c.part() * perPart + c.rowBlock(),
                        FitPieces.crossTiles(s, p, parts[c.part()], c.rowBlock(), p0, p1)));
            }
        }).groupByKey().mapToPair(kv -> {
            List<Tiles> in = new ArrayList<>();
            kv._2().forEach(in::add);
            in.sort(Comparator.comparingLong(Tiles::order));
            int j0 = kv._1() * cb;
            int w = Math.min(m, j0 + cb) - j0;
            double[] acc = new double[w * t];
            double[] train = null;
            for (Tiles x : in) {
                if (train == null && x.order() >= perPart) {
                    train = acc.clone();
                }
                for (int k = 0; k < x.tiles().length; k++) {
                    FitPieces.addTile(acc, j0, t, j0 / FitPieces.PANEL + k, x.tiles()[k]);
                }
            }
            return new Tuple2<>(kv._1(), new double[][]{train == null ? acc.clone() : train, acc});
        });
        counts.groupByKey().join(sums).foreach(kv -> {
            hook(hook, "write", kv._1());
            FitPieces.Plan p = FitPieces.fromJson(planJson);
            float[][] byPart = new float[2][];
            kv._2()._1().forEach(c -> byPart[c.part()] = c.values());
            FitPieces.writeStatistics(Path.of(stats), p, kv._1() * cb, byPart[0], byPart[1], kv._2()._2()[0],
                    kv._2()._2()[1]);
        });
    }

    /** Job 3: the target slices, each writing its columns; returns them without their weights. */
    private static List<FitPieces.Slice> solve(JavaSparkContext sc, String storeDir, FitPieces.Plan plan,
                                               String planJson, String stats, String outDir, Options opt, Hook hook) {
        List<List<Integer>> slices = ranges(plan.t(), opt.slices());
        sc.setJobDescription("datamodels spark fit: " + slices.size() + " target slices");
        int threads = opt.threads();
        return sc.parallelize(slices, slices.size()).map(r -> {
            hook(hook, "solve", r.get(0));
            FitPieces.Plan p = FitPieces.fromJson(planJson);
            try (Store s = Store.open(Path.of(storeDir), false)) {
                FitPieces.Slice sl = FitPieces.solve(s, p, Path.of(stats), r.get(0), r.get(1), threads);
                FitPieces.writeSlice(Path.of(outDir), p, sl);
                return sl.withoutWeights();
            }
        }).collect();
    }

    /** {@code [0, n)} cut into at most {@code k} non-empty contiguous ranges [from, to) of nearly equal size. */
    static List<List<Integer>> ranges(int n, int k) {
        int parts = Math.max(1, Math.min(k, n));
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            int a = (int) ((long) n * i / parts);
            int b = (int) ((long) n * (i + 1) / parts);
            if (b > a) {
                out.add(List.of(a, b));
            }
        }
        return out;
    }
}
