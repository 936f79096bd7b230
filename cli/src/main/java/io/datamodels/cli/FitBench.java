package io.datamodels.cli;

import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitListener;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.regress.LassoConfig;
import io.datamodels.regress.PathCheck;
import io.datamodels.regress.Synthetic;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code datamodels bench fit}: the regression benchmark R1 (N = 22,000 models, m = 5,000, T = 1,000, 100 lambdas
 * down to 1e-2 lambda_max, Bernoulli(0.5) masks, sparse linear outcome with 50 heavy-tailed weights per target plus
 * noise): wall time, peak memory, and the objective gap to a tight-tolerance solve on sampled targets.
 */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Benchmark the LASSO fit on a planted-truth store (R1 by default).")
final class FitBench implements Callable<Integer> {
    @Option(names = "--models", defaultValue = "22000", description = "N (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--train-size", defaultValue = "5000", description = "m (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--targets", defaultValue = "1000", description = "T (default ${DEFAULT-VALUE}).")
    int t;

    @Option(names = "--nonzeros", defaultValue = "50", description = "Planted non-zeros per target (default ${DEFAULT-VALUE}).")
    int s;

    @Option(names = "--lambdas", defaultValue = "100", description = "Path length (default ${DEFAULT-VALUE}).")
    int lambdas;

    @Option(names = "--check-targets", defaultValue = "8", description = "Targets re-solved at tight tolerance (default ${DEFAULT-VALUE}).")
    int check;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Scratch folder (store and fit).")
    Path dir;

    @Option(names = "--keep", description = "Keep the scratch folder.")
    boolean keep;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int th = threads.count();
        Gemm gemm = Kernels.gemm();
        Files.createDirectories(dir);
        Path store = dir.resolve("store");
        Path fit = dir.resolve("fit");
        long t0 = System.nanoTime();
        Synthetic syn = new Synthetic(m, t, s, 0.3, 1.0, 0.5, 2022);
        syn.writeStore(store, n, Set.of());
        out.printf("store: N=%d m=%d T=%d s=%d written in %.1f s%n", n, m, t, s, (System.nanoTime() - t0) / 1e9);
        out.flush();
        LassoConfig cfg = LassoConfig.defaults().withLambdas(lambdas).withThreads(th);
        try (Store st = Store.open(store, false)) {
            long t1 = System.nanoTime();
            Fitter.Summary sum = Fitter.fit(st, fit, FitRequest.builder().masksKey("masks").outputsKey("y")
                    .config(cfg).gemm(gemm).force(true).command("datamodels bench fit").listener(new FitListener() {
                        @Override
                        public void phase(String name) {
                            out.printf("  %.1f s: %s%n", (System.nanoTime() - t1) / 1e9, name);
                            out.flush();
                        }
                    }).build());
            double secs = (System.nanoTime() - t1) / 1e9;
            out.printf("fit: %d targets in %.1f s (%s kernel, %d threads), %.3f s per target; peak RSS %s; max KKT "
                            + "violation %.1e of lambda%n", t, secs, gemm.name(), th, secs / t, peakRss(),
                    sum.maxKkt());
            out.flush();
            int[] sample = new int[Math.min(check, t)];
            for (int i = 0; i < sample.length; i++) {
                sample[i] = (int) ((long) i * t / sample.length);
            }
            if (sample.length > 0) {
                long t2 = System.nanoTime();
                PathCheck.Gap g = PathCheck.run(st, "masks", "y", 0, t, sample, cfg, 1e-20, gemm);
                out.printf("objective vs tight solve (tolerance 1e-20) over %d targets x %d lambdas: max relative gap "
                                + "%.2e, median %.2e (%.1f s)%n", sample.length, lambdas, g.max(), g.median(),
                        (System.nanoTime() - t2) / 1e9);
            }
        }
        if (!keep) {
            AtomicFiles.deleteRecursively(dir);
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).strip();
                }
            }
        } catch (java.io.IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
