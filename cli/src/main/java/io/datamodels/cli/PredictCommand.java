package io.datamodels.cli;

import io.datamodels.kernel.Kernels;
import io.datamodels.regress.Datamodels;
import io.datamodels.store.AtomicFiles;
import io.datamodels.store.npy.DType;
import io.datamodels.store.npy.Npy;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.store.npy.NpyFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code datamodels predict}: outputs of fitted datamodels for new masks. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict every target's output for new 0/1 masks: bias + mask . weights.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--masks", required = true, paramLabel = "FILE",
            description = "Masks as .npy, shape (n, m) or (m,), bool or 0/1 integers.")
    Path masks;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Predictions .npy, float32 (n, T).")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AtomicFiles.Snapshot outAtStart = AtomicFiles.requireAbsent(out, force);
        Datamodels dm = Datamodels.load(model.model);
        int n;
        float[] x;
        try (NpyArray a = NpyArray.open(masks)) {
            long[] s = a.shape();
            long m = s.length == 0 ? 0 : s[s.length - 1];
            if (s.length < 1 || s.length > 2 || m != dm.trainSize()) {
                throw new NpyFormatException(masks, "shape", "(n, " + dm.trainSize() + ") or (" + dm.trainSize() + ",)",
                        java.util.Arrays.toString(s));
            }
            if (a.dtype().isFloating()) {
                throw new NpyFormatException(masks, "dtype", "bool or an integer type", a.dtype().numpyName());
            }
            n = s.length == 1 ? 1 : Math.toIntExact(s[0]);
            x = new float[Math.multiplyExact(n, dm.trainSize())];
            for (int i = 0; i < x.length; i++) {
                double v = a.getDouble(i);
                if (v != 0 && v != 1) {
                    throw new NpyFormatException(masks, "values", "0 or 1", v + " at element " + i);
                }
                x[i] = (float) v;
            }
        }
        float[] p = dm.predict(x, n, Kernels.gemm());
        // Fails if another process wrote --out since the start, rather than overwrite its result.
        AtomicFiles.write(out, outAtStart, tmp -> Npy.write(tmp, DType.FLOAT32, p, n, dm.targets()));
        spec.commandLine().getOut().printf("wrote %s: predictions for %d masks x %d targets%n", out, n, dm.targets());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
