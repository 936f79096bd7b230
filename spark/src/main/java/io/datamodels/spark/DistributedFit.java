package io.datamodels.spark;

import io.datamodels.regress.FitPieces;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Fits datamodels on a Spark cluster through the core's {@link FitPieces}, with the result of the one-machine
 * {@link Fitter#fit} byte for byte. Three jobs, after the plan on the driver:
 * <ol>
 *   <li>counts C: one task per (part, row partition, column block) computes that block's rows of C over its models;
 *   they are summed per column block ({@code reduceByKey}: exact integer counts, any order), with the row ranges
 *   they cover;</li>
 *   <li>cross products D: one task per (part, block of models, column block) computes its float tiles; each column
 *   block's tiles are summed in block order (train then validation) in double; then each column block's rows of C and
 *   D are written to the statistics folder, so that no executor ever holds more than a column block of C. A column
 *   block is written only where its counts cover each part's models exactly once and its tiles are those of every
 *   block of models once, and the driver goes on only where every column block was written once
 *   ({@link #requireEveryBlock}): a lost or doubled result is refused, never summed as zeros or twice;</li>
 *   <li>solves: one task per slice of targets memory-maps the statistics, solves its targets and writes their
 *   columns of the weight files.</li>
 * </ol>
 * The output folder is filled under a temporary name beside {@code out} and renamed into place when complete, as
 * the local fit does; it and the statistics folder inside it must be on a file system every executor mounts at the
 * same path. A retried or speculative task rewrites the same bytes. Every task that reads the store first checks
 * that it is in the state the plan was made from ({@link FitPieces#inputsFingerprint}), and refuses it otherwise,
 * naming the store's path and the host.
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

    /**
     * Called at the start of every task with its stage ("gram", "cross", "write", "solve"), index and attempt number;
     * tests inject failures through it.
     */
    @FunctionalInterface
    public interface Hook extends Serializable {
        /** Does nothing. */
        Hook NONE = (stage, index, attempt) -> { };

        void task(String stage, int index, int attempt);

        /**
         * How many copies of its result task {@code index} of stage "gram" or "cross" hands on: 1, or in tests 0 (a
         * lost result) or 2 (a doubled one), which the fit must refuse rather than sum.
         */
        default int copies(String stage, int index) {
            return 1;
        }
    }

    private static void hook(Hook h, String stage, int index) {
        TaskContext tc = TaskContext.get();
        h.task(stage, index, tc == null ? 0 : tc.attemptNumber());
    }

    private static <T> List<T> copies(Hook h, String stage, int index, T value) {
        return java.util.Collections.nCopies(h.copies(stage, index), value);
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

    /**
     * Counts of one part for one column block summed over the row ranges {@code covered} (pairs from, to of the
     * part's models), so that a range lost or counted twice is seen before anything is written.
     */
    record Counts(int part, float[] values, int[] covered) implements Serializable {
        Counts plus(Counts o) {
            FitPieces.addCounts(values, o.values);
            int[] c = Arrays.copyOf(covered, covered.length + o.covered.length);
            System.arraycopy(o.covered, 0, c, covered.length, o.covered.length);
            return new Counts(part, values, c);
        }
    }

    /** What the write task of column block {@code block} did: {@code problem} is null when it wrote the block. */
    record Written(int block, String problem) implements Serializable {
    }

    /** The statistics of one column block, ready to write, or the reason they are not ({@code problem}). */
    record Block(String problem, float[] gramTrain, float[] gramVal, double[] crossTrain, double[] crossAll) {
        static Block refused(String problem) {
            return new Block(problem, null, null, null, null);
        }
    }

    /**
     * Fits as {@link Fitter#fit}({@code store}, {@code out}, {@code req}) would, on the cluster of {@code sc}.
     *
     * @param store the store, open on the driver; the executors open {@code store.dir()} themselves, and refuse it
     *              where it is not in the state the plan was made from ({@link FitPieces#inputsFingerprint})
     * @param plan  {@link FitPieces#plan}({@code store}, {@code req}), made on the driver before the context
     * @throws IOException where a column block of the statistics came back missing, doubled or incomplete; a task
     *                     that finds another store at the store's path than the one planned from fails the Spark
     *                     job with a {@link StoreException} ({@link #refusal})
     */
    public static Fitter.Summary run(JavaSparkContext sc, Store store, Path out, FitRequest req, FitPieces.Plan plan,
                                     Options opt, Hook hook) throws IOException {
        long t0 = System.nanoTime();
        Job job = new Job(store.dir().toAbsolutePath().toString(), FitPieces.toJson(plan),
                FitPieces.inputsFingerprint(store, plan));
        AtomicFiles.Snapshot atStart = AtomicFiles.requireAbsent(out, req.force());
        Fitter.Summary[] summary = new Fitter.Summary[1];
        AtomicFiles.createDirectory(out, req.force(), atStart, tmp -> {
            Path stats = tmp.resolve(STATISTICS);
            FitPieces.createStatistics(stats, plan);
            FitPieces.createOutput(tmp, plan);
            Reach.check(sc, List.of(new Reach.Need(job.storeDir(), Store.SPEC_FILE, false),
                    new Reach.Need(tmp.toAbsolutePath().toString(), STATISTICS, true)));
            List<Written> written = statistics(sc, job, plan, stats.toAbsolutePath().toString(), opt, hook);
            requireEveryBlock(plan.m(), opt.columnBlock(), written, out);
            List<FitPieces.Slice> slices = solve(sc, job, plan, stats.toAbsolutePath().toString(),
                    tmp.toAbsolutePath().toString(), opt, hook);
            AtomicFiles.deleteRecursively(stats);
            summary[0] = FitPieces.finish(store, req, plan, tmp, slices, (System.nanoTime() - t0) / 1e9);
        });
        return summary[0];
    }

    /**
     * The {@link StoreException} with which a task refused the store ({@link Job#open}), where it caused {@code e}
     * (a failed Spark job), else null.
     */
    static StoreException refusal(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof StoreException s) {
                return s;
            }
        }
        return null;
    }

    /** What every task needs: the store's path, the plan as JSON, and the fingerprint of the store planned from. */
    record Job(String storeDir, String planJson, String inputs) implements Serializable {
        /**
         * Opens the store for a task and checks that it is the one the plan was made from.
         *
         * @throws StoreException naming the store's path and the host where it is not
         */
        Store open(FitPieces.Plan plan) throws IOException {
            Store s;
            try {
                s = Store.open(Path.of(storeDir), false);
            } catch (IOException e) {
                throw new StoreException(where() + ": cannot open the store the fit was planned from: "
                        + e.getMessage());
            }
            try {
                String here = FitPieces.inputsFingerprint(s, plan);
                if (!here.equals(inputs)) {
                    long open = 0;
                    for (int[] part : List.of(plan.train(), plan.validation())) {
                        for (int i : part) {
                            if (i >= s.numModels() || !s.isCompleted(i)) {
                                open++;
                            }
                        }
                    }
                    throw new StoreException(where() + ": not the store this fit was planned from (inputs "
                            + "fingerprint " + inputs.substring(0, 12) + " on the driver, " + here.substring(0, 12)
                            + " here; " + open + " of the plan's " + (plan.train().length + plan.validation().length)
                            + " model rows not completed here): the store was replaced, re-initialised or changed "
                            + "since the fit was planned, or this host mounts another store at that path");
                }
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                if (e instanceof StoreException) {
                    throw e;
                }
                throw new StoreException(where() + ": cannot read the store the fit was planned from: "
                        + e.getMessage());
            }
        }

        private String where() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = System.getenv().getOrDefault("HOSTNAME", "unknown");
            }
            org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
            return "store " + storeDir + " on host " + host + (env == null ? "" : " (executor " + env.executorId()
                    + ")");
        }
    }

    /** Jobs 1 and 2: the statistics folder; returns what each column block's write task did. */
    private static List<Written> statistics(JavaSparkContext sc, Job job, FitPieces.Plan plan, String stats,
                                            Options opt, Hook hook) {
        int m = plan.m();
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
        JavaPairRDD<Integer, Counts> counts = sc.parallelize(gram, Math.max(1, gram.size())).flatMapToPair(g -> {
            hook(hook, "gram", g.index());
            FitPieces.Plan p = FitPieces.fromJson(job.planJson());
            int j0 = g.block() * cb;
            int j1 = Math.min(m, j0 + cb);
            try (Store s = job.open(p)) {
                Counts c = new Counts(g.part(), FitPieces.gramRows(s, p, parts[g.part()], g.from(), g.to(), j0, j1),
                        new int[]{g.from(), g.to()});
                return copies(hook, "gram", g.index(), new Tuple2<>(g.block() * 2 + g.part(), c)).iterator();
            }
        }).reduceByKey(Counts::plus).mapToPair(kv -> new Tuple2<>(kv._1() / 2, kv._2()));
        JavaPairRDD<Integer, Tiles> tiles = sc.parallelize(cross, Math.max(1, cross.size())).flatMapToPair(c -> {
            hook(hook, "cross", c.index());
            FitPieces.Plan p = FitPieces.fromJson(job.planJson());
            int p0 = c.block() * cb / FitPieces.PANEL;
            int p1 = Math.min(p.panels(), (c.block() + 1) * cb / FitPieces.PANEL);
            try (Store s = job.open(p)) {
                Tiles t = new Tiles(c.part() * perPart + c.rowBlock(),
                        FitPieces.crossTiles(s, p, parts[c.part()], c.rowBlock(), p0, p1));
                return copies(hook, "cross", c.index(), new Tuple2<>(c.block(), t)).iterator();
            }
        });
        return counts.cogroup(tiles).map(kv -> {
            hook(hook, "write", kv._1());
            FitPieces.Plan p = FitPieces.fromJson(job.planJson());
            Block b = assemble(p, cb, perPart, kv._1(), kv._2()._1(), kv._2()._2());
            if (b.problem() == null) {
                FitPieces.writeStatistics(Path.of(stats), p, kv._1() * cb, b.gramTrain(), b.gramVal(),
                        b.crossTrain(), b.crossAll());
            }
            return new Written(kv._1(), b.problem());
        }).collect();
    }

    /**
     * Column block {@code block}'s statistics from what came back for it: the counts of each part, which must cover
     * the part's models exactly once, and the cross-product tiles of every block of models exactly once, summed in
     * block order (train blocks, then validation blocks) as the one-machine fit sums them.
     */
    static Block assemble(FitPieces.Plan p, int cb, long perPart, int block, Iterable<Counts> counts,
                          Iterable<Tiles> tiles) {
        int m = p.m();
        int t = p.t();
        int j0 = block * cb;
        int w = Math.min(m, j0 + cb) - j0;
        if (j0 < 0 || w <= 0) {
            return Block.refused("not a column block of " + m + " columns");
        }
        float[][] byPart = new float[2][];
        for (Counts c : counts) {
            if (byPart[c.part()] != null) {
                return Block.refused("counts of the " + name(c.part()) + " part came back twice");
            }
            byPart[c.part()] = c.values();
            String gap = coverage(c.covered(), p.rows(FitPieces.Part.values()[c.part()]).length);
            if (gap != null) {
                return Block.refused("counts of the " + name(c.part()) + " part: " + gap);
            }
        }
        for (int part = 0; part < 2; part++) {
            if (byPart[part] == null) {
                if (p.rows(FitPieces.Part.values()[part]).length > 0) {
                    return Block.refused("no counts of the " + name(part) + " part");
                }
                byPart[part] = new float[Math.multiplyExact(w, m)];
            }
        }
        List<Tiles> in = new ArrayList<>();
        tiles.forEach(in::add);
        in.sort(Comparator.comparingLong(Tiles::order));
        List<Long> expected = new ArrayList<>();
        for (FitPieces.Part part : FitPieces.Part.values()) {
            for (int rb = 0; rb < p.crossBlocks(part); rb++) {
                expected.add(part.ordinal() * perPart + rb);
            }
        }
        List<Long> got = in.stream().map(Tiles::order).toList();
        if (!got.equals(expected)) {
            return Block.refused("cross-product tiles: expected the blocks of models " + expected + " once each, got "
                    + got);
        }
        double[] acc = new double[Math.multiplyExact(w, t)];
        double[] train = null;
        for (Tiles x : in) {
            if (train == null && x.order() >= perPart) {
                train = acc.clone();
            }
            for (int k = 0; k < x.tiles().length; k++) {
                FitPieces.addTile(acc, j0, t, j0 / FitPieces.PANEL + k, x.tiles()[k]);
            }
        }
        return new Block(null, byPart[0], byPart[1], train == null ? acc.clone() : train, acc);
    }

    private static String name(int part) {
        return FitPieces.Part.values()[part].name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Null where the ranges {@code covered} (pairs from, to) cover {@code [0, n)} exactly once, else what is
     * missing or doubled.
     */
    static String coverage(int[] covered, int n) {
        List<int[]> r = new ArrayList<>();
        for (int i = 0; i + 1 < covered.length; i += 2) {
            r.add(new int[]{covered[i], covered[i + 1]});
        }
        r.sort(Comparator.<int[]>comparingInt(a -> a[0]).thenComparingInt(a -> a[1]));
        int at = 0;
        for (int[] x : r) {
            if (x[0] > at) {
                return "models " + at + ":" + x[0] + " missing";
            }
            if (x[0] < at) {
                return "models " + x[0] + ":" + Math.min(at, x[1]) + " counted twice";
            }
            at = x[1];
        }
        return at == n ? null : "models " + at + ":" + n + " missing";
    }

    /**
     * Refuses statistics of which a column block is missing, came back more than once, or was not written: a missing
     * block would leave zeros in the Gram matrix and the cross products, and a wrong fit with it.
     *
     * @throws IOException one line naming the blocks and {@code out}, not written
     */
    static void requireEveryBlock(int m, int cb, List<Written> written, Path out) throws IOException {
        int blocks = (m + cb - 1) / cb;
        int[] seen = new int[blocks];
        List<String> problems = new ArrayList<>();
        for (Written w : written) {
            if (w.block() < 0 || w.block() >= blocks) {
                problems.add("column block " + w.block() + ": not one of 0.." + (blocks - 1));
                continue;
            }
            seen[w.block()]++;
            if (w.problem() != null) {
                problems.add(blockName(w.block(), m, cb) + ": " + w.problem());
            }
        }
        for (int b = 0; b < blocks; b++) {
            if (seen[b] != 1) {
                problems.add(blockName(b, m, cb) + ": " + (seen[b] == 0 ? "no result" : seen[b] + " results"));
            }
        }
        if (!problems.isEmpty()) {
            String shown = String.join("; ", problems.subList(0, Math.min(3, problems.size())));
            throw new IOException("statistics: expected each of the " + blocks + " column blocks once and complete, "
                    + "got " + shown + (problems.size() > 3 ? " (and " + (problems.size() - 3) + " more)" : "")
                    + "; " + out + " was not written");
        }
    }

    private static String blockName(int b, int m, int cb) {
        return "column block " + b + " (columns " + (b * cb) + ":" + Math.min(m, (b + 1) * cb) + ")";
    }

    /** Job 3: the target slices, each writing its columns; returns them without their weights. */
    private static List<FitPieces.Slice> solve(JavaSparkContext sc, Job job, FitPieces.Plan plan, String stats,
                                               String outDir, Options opt, Hook hook) {
        List<List<Integer>> slices = ranges(plan.t(), opt.slices());
        sc.setJobDescription("datamodels spark fit: " + slices.size() + " target slices");
        int threads = opt.threads();
        return sc.parallelize(slices, slices.size()).map(r -> {
            hook(hook, "solve", r.get(0));
            FitPieces.Plan p = FitPieces.fromJson(job.planJson());
            try (Store s = job.open(p)) {
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
