package io.datamodels.cli;

import io.datamodels.Provenance;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import io.datamodels.store.StoreMeta;
import io.datamodels.store.StoreSpec;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.Sampling;
import io.datamodels.subset.SeedStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@code datamodels bench ...}: benchmark harness; figures go to BENCHMARKS.md, never into tests. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (results belong in BENCHMARKS.md).",
        subcommands = {BenchCommand.StoreBench.class, TrainBench.class, FitBench.class, BenchCommand.GemmBench.class})
final class BenchCommand {

    /** Creates, fills and reads back a large store to show that sizes past 2 GiB work, and how fast. */
    @Command(name = "store", mixinStandardHelpOptions = true,
            description = "Create a store of about --gib GiB (masks + float32 outputs), write every row from "
                    + "--threads threads in forced batches, read everything back and verify it, then delete it.")
    static final class StoreBench implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Scratch folder (must not exist).")
        Path dir;

        @Option(names = "--gib", defaultValue = "3.2", description = "Store size in GiB (default ${DEFAULT-VALUE}).")
        double gib;

        @Option(names = "--train-size", defaultValue = "5000", description = "Mask length m (default ${DEFAULT-VALUE}).")
        int m;

        @Option(names = "--targets", defaultValue = "1000", description = "Outputs per model T (default ${DEFAULT-VALUE}).")
        int t;

        @Option(names = "--threads", defaultValue = "2", description = "Writer threads (default ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--batch", defaultValue = "512", description = "Rows per forced batch (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--keep", description = "Keep the store instead of deleting it.")
        boolean keep;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            long rowBytes = m + 4L * t;
            long n = (long) Math.ceil(gib * (1L << 30) / rowBytes);
            Sampling sampling = new Sampling(Sampling.BERNOULLI, 0.5, 1234, m);
            Map<String, StoreSpec.KeySpec> schema = new LinkedHashMap<>();
            schema.put(Store.MASKS, StoreSpec.KeySpec.of(DType.BOOL, m));
            schema.put("margins", StoreSpec.KeySpec.of(DType.FLOAT32, t));
            StoreSpec ss = new StoreSpec(n, schema);
            StoreMeta meta = new StoreMeta(StoreMeta.FORMAT, sampling, null,
                    Provenance.now("none", "datamodels bench store --gib " + gib));
            out.printf("store bench: N = %d rows x (%d mask bytes + %d float32) = %s, %d threads, batches of %d%n",
                    n, m, t, InfoCommand.human(n * rowBytes), threads, batch);
            out.flush();
            long t0 = System.nanoTime();
            try (Store s = Store.init(dir, ss, meta, false)) {
                double initS = (System.nanoTime() - t0) / 1e9;
                out.printf("init (masks filled, outputs preallocated): %.1f s, %.0f MiB/s%n", initS,
                        n * rowBytes / initS / (1 << 20));
                out.flush();
                long t1 = System.nanoTime();
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                List<Future<?>> fs = new ArrayList<>();
                for (long b0 = 0; b0 < n; b0 += batch) {
                    long lo = b0;
                    long hi = Math.min(n, b0 + batch);
                    fs.add(pool.submit(() -> {
                        long[] idx = new long[(int) (hi - lo)];
                        List<Map<String, ?>> rows = new ArrayList<>();
                        for (int r = 0; r < idx.length; r++) {
                            idx[r] = lo + r;
                            rows.add(Map.of("margins", rowValues(lo + r, t)));
                        }
                        s.writeRows(idx, rows);
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                pool.shutdown();
                double writeS = (System.nanoTime() - t1) / 1e9;
                out.printf("write all rows (forced per batch): %.1f s, %.0f MiB/s, %.0f rows/s%n", writeS,
                        n * 4.0 * t / writeS / (1 << 20), n / writeS);
                out.flush();
            }
            long t2 = System.nanoTime();
            long bad = 0;
            try (Store s = Store.open(dir, false)) {
                NpyArray margins = s.array("margins");
                NpyArray masks = s.array(Store.MASKS);
                float[] row = new float[t];
                for (long i = 0; i < n; i++) {
                    margins.getFloats(i * t, row, 0, t);
                    if (!java.util.Arrays.equals(row, rowValues(i, t)) || !s.isCompleted(i)) {
                        bad++;
                    }
                }
                for (long i = 0; i < n; i += Math.max(1, n / 200)) {
                    byte[] want = sampling.mask(i).toBytes();
                    for (int j = 0; j < m; j++) {
                        if (masks.getBoolean(i * m + j) != (want[j] != 0)) {
                            bad++;
                            break;
                        }
                    }
                }
                double readS = (System.nanoTime() - t2) / 1e9;
                out.printf("read back and verify: %.1f s; file sizes: masks %s, margins %s; mismatches: %d%n",
                        readS, InfoCommand.human(Files.size(dir.resolve("masks.npy"))),
                        InfoCommand.human(Files.size(dir.resolve("margins.npy"))), bad);
            }
            if (!keep) {
                AtomicFiles.deleteRecursively(dir);
            }
            out.flush();
            return bad == 0 ? ExitCodes.OK : ExitCodes.INTERNAL;
        }

        private static float[] rowValues(long i, int t) {
            SeedStream r = new SeedStream(99, i);
            float[] v = new float[t];
            for (int j = 0; j < t; j++) {
                v[j] = (float) r.nextGaussian();
            }
            return v;
        }
    }

    /** The machine's GEMM ceiling as the train benchmark uses it: one square SGEMM per thread, all threads at once. */
    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "Measure the SGEMM ceiling: every thread multiplies its own n x n matrices at once; prints the "
                    + "median total GFLOP/s over --repeats runs.")
    static final class GemmBench implements Callable<Integer> {
        @Option(names = "--size", defaultValue = "2048", description = "Matrix size n (default ${DEFAULT-VALUE}).")
        int n;

        @Option(names = "--threads", description = "Threads (default: available cores).")
        Integer threads;

        @Option(names = "--repeats", defaultValue = "7", description = "Runs (default ${DEFAULT-VALUE}).")
        int repeats;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            double[] g = ceiling(io.datamodels.kernel.Kernels.gemm(), n, t, repeats);
            spec.commandLine().getOut().printf("%s sgemm %d^3 on %d threads: median %.1f GFLOP/s (min %.1f, max %.1f, "
                    + "%d runs)%n", io.datamodels.kernel.Kernels.gemm().name(), n, t, g[0], g[1], g[2], repeats);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }

        /** {median, min, max} total GFLOP/s of {@code threads} concurrent n x n x n products. */
        static double[] ceiling(io.datamodels.kernel.Gemm gemm, int n, int threads, int repeats) throws Exception {
            java.lang.foreign.MemorySegment[][] mats = new java.lang.foreign.MemorySegment[threads][3];
            for (int i = 0; i < threads; i++) {
                for (int j = 0; j < 3; j++) {
                    float[] a = new float[n * n];
                    for (int q = 0; q < a.length; q++) {
                        a[q] = (q % 13) * 0.01f;
                    }
                    mats[i][j] = java.lang.foreign.MemorySegment.ofArray(a);
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            double[] runs = new double[repeats];
            try {
                for (int r = -1; r < repeats; r++) {
                    List<Future<?>> fs = new ArrayList<>();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < threads; i++) {
                        var m = mats[i];
                        fs.add(pool.submit(() -> gemm.sgemm(false, false, n, n, n, 1f, m[0], n, m[1], n, 0f, m[2], n)));
                    }
                    for (Future<?> f : fs) {
                        f.get();
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    if (r >= 0) {
                        runs[r] = 2.0 * n * n * (double) n * threads / secs / 1e9;
                    }
                }
            } finally {
                pool.shutdown();
            }
            double[] sorted = runs.clone();
            java.util.Arrays.sort(sorted);
            return new double[]{sorted[repeats / 2], sorted[0], sorted[repeats - 1]};
        }
    }
}
