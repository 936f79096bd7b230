package io.datamodels.cli;

import io.datamodels.learn.MlpConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.datamodels.cli.TrainProcesses.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench train} through {@link Main#run} at a tiny size on the embedded sample. */
@ExtendWith(TrainProcesses.NoStdout.class)
class TrainBenchTest {
    @TempDir
    Path tmp;

    @Test
    void runsAndReportsCpuCeilingAndFlopsPerModel() throws Exception {
        for (int runs : new int[]{1, 2}) {
            TrainProcesses.Result r = cli("bench", "train", "--data", "embedded", "--train", "200", "--targets", "20",
                    "--learner", "softmax", "--models", "4", "--repeats", "1", "--threads", "1", "--gemm-size", "64",
                    "--set", "epochs=1", "--set", "runs_per_mask=" + runs, "--out", tmp.resolve("b" + runs).toString());
            assertEquals(ExitCodes.OK, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("CPU: " + expectedCpu() + "; "), r.out());
            assertTrue(r.out().matches("(?s).*GEMM ceiling [0-9.]+ GFLOP/s \\(64\\^3, 1 threads.*"), r.out());
            assertTrue(r.out().contains("median "), r.out());
            // Softmax 784 -> 10: forward 2 * 7840 FLOPs per example, weight gradient as much again; one epoch over
            // alpha * m = 100 examples, a forward pass over them for the training statistics and over 20 targets.
            double perRun = 1 * 100 * (2 * 15680) + 100 * 15680 + 20 * 15680;
            Matcher m = Pattern.compile("([0-9.e+-]+) GFLOP per model").matcher(r.out());
            assertTrue(m.find(), r.out());
            assertEquals(runs * perRun / 1e9, Double.parseDouble(m.group(1)), 1e-3 * runs * perRun / 1e9, r.out());
        }
    }

    @Test
    void flopsOfAnMlpByHand() throws Exception {
        MlpConfig cfg = MlpConfig.mlp();
        // 784 -> 64 -> 10: forward 2 (784*64 + 64*10) = 101632 per example; backward the weight gradients of both
        // layers (101632) plus the input gradient of the second (1280).
        double fwd = 101632;
        double bwd = 101632 + 1280;
        double want = 10 * 2500 * (fwd + bwd) + 2500 * fwd + 1000 * fwd;
        double[] f = TrainBench.flops(cfg, 5000, 1000, 0.5, 10, 5000, 784, "gather");
        assertEquals(want, f[0], 1e-6 * want);
        assertEquals(want, f[1], 1e-6 * want);
    }

    private static String expectedCpu() throws Exception {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(info)) {
            return System.getProperty("os.arch");
        }
        return Files.readAllLines(info).stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.replaceFirst("^model name\\s*:\\s*", "").strip()).orElse(System.getProperty("os.arch"));
    }
}
