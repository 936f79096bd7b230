package io.datamodels.cli;

import io.datamodels.kernel.Gemm;
import io.datamodels.kernel.Kernels;
import io.datamodels.regress.FitException;
import io.datamodels.regress.FitListener;
import io.datamodels.regress.FitRequest;
import io.datamodels.regress.Fitter;
import io.datamodels.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code datamodels fit}: a LASSO path per target from a store's masks to its outputs. */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Fit datamodels: per target, a LASSO path on standardised masks, lambda chosen on held-out "
                + "models, refit on all completed models. Writes weights.npy (m x T), bias.npy and the path data.")
final class FitCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Mixin
    SpecOption specFile;

    @Mixin
    FitModelOptions model;

    @Mixin
    ThreadsOption threads;

    @Mixin
    OutputOptions output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        Gemm gemm = Kernels.gemm();
        String cmd = "datamodels " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        try (Store s = specFile.open(store.store, false); Progress p = Progress.create(w, "fit", "targets")) {
            FitRequest req = model.request(spec, s.numModels(), threads.count()).gemm(gemm).force(output.force)
                    .command(cmd).listener(new FitListener() {
                        @Override
                        public void started(int n) {
                            p.start(n);
                        }

                        @Override
                        public void targetDone() {
                            p.step(1);
                        }

                        @Override
                        public void phase(String name) {
                            p.message("fit: " + name);
                        }
                    }).build();
            Fitter.Summary sum = fit(s, req);
            w.printf("fit %d targets on %d training examples from %d completed models (%d train, %d validation; %d "
                            + "not completed, left out) in %.1f s; max KKT violation %.1e of lambda%n",
                    sum.targetTo() - sum.targetFrom(), sum.trainSize(), sum.modelsCompleted(), sum.modelsTrain(),
                    sum.modelsVal(), sum.modelsLeftOut(), sum.seconds(), sum.maxKkt());
            if (sum.constantColumns().length > 0) {
                int[] c = sum.constantColumns();
                w.printf("%d constant mask columns (always or never in a subset) get weight 0: %s%s%n", c.length,
                        java.util.Arrays.toString(java.util.Arrays.copyOf(c, Math.min(c.length, 20))),
                        c.length > 20 ? " ..." : "");
            }
            if (sum.modelsOutliers().length > 0) {
                int[] o = sum.modelsOutliers();
                w.printf("%d models left out as outliers (outputs more than %s robust sd from the median): %s%s%n",
                        o.length, model.outlierZ(), java.util.Arrays.toString(java.util.Arrays.copyOf(o, Math.min(o.length, 20))),
                        o.length > 20 ? " ..." : "");
            }
            if (sum.targetsAtPathEnd() > 0) {
                w.printf("%d of %d targets chose the smallest lambda on the path (validation error still falling "
                                + "there); a smaller --lambda-ratio may fit them better%n", sum.targetsAtPathEnd(),
                        sum.targetTo() - sum.targetFrom());
            }
            if (!s.specSource().kind().equals(io.datamodels.store.StoreSpec.Source.STORE)) {
                w.printf("store spec: %s (recorded in fit.json as store_spec)%n", s.specSource().describe());
            }
            String few = io.datamodels.regress.Datamodels.load(output.out).fewModelsWarning(sum.modelsCompleted());
            if (few != null) {
                spec.commandLine().getErr().println("fit: " + few);
                spec.commandLine().getErr().flush();
            }
            w.printf("wrote %s%n", output.out);
            w.flush();
        }
        return ExitCodes.OK;
    }

    /** {@link Fitter#fit}, with a fault in the target range reported as one in {@code --target-range}. */
    private Fitter.Summary fit(Store s, FitRequest req) throws java.io.IOException {
        try {
            return Fitter.fit(s, output.out, req);
        } catch (FitException e) {
            if (FitRequest.TARGETS.equals(e.field())) {
                throw new FitException("--target-range: " + e.detail());
            }
            throw e;
        }
    }
}
