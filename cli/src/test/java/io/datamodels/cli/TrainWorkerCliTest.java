package io.datamodels.cli;

import io.datamodels.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.datamodels.cli.TrainProcesses.cli;
import static io.datamodels.cli.TrainProcesses.initEmbedded;
import static io.datamodels.cli.TrainProcesses.row;
import static io.datamodels.cli.TrainProcesses.trainedCount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code train --learner external --worker CMD}: a training function on {@code python/datamodels_worker.py} fills
 * the same rows through one worker per thread as through one process per model; the two options exclude each other.
 * Oracle: margins[t] = index + (number of training examples in the subset) / 1000 for every target t.
 */
class TrainWorkerCliTest {
    private static final int N = 6;
    private static final int TARGETS = 20;

    @TempDir
    Path tmp;

    private static Path pythonDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("python").resolve("datamodels_worker.py"))) {
                return p.resolve("python");
            }
        }
        throw new AssertionError("python/datamodels_worker.py not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void workerModeFillsTheSameRowsAsOneProcessPerModel() throws Exception {
        assumeTrue(MadryLabStoreTest.hasNumpy(), "skipped: python3 with numpy is not available");
        Path script = Files.writeString(tmp.resolve("train.py"), """
                import sys
                import numpy as np
                sys.path.insert(0, %s)
                from datamodels_worker import run

                def train(mask, seed, ctx):
                    print('model', ctx.index, 'seed', seed)    # lands on stderr in worker mode
                    return {'margins': np.full(len(ctx.target_indices), ctx.index + mask.sum() / 1000.0)}

                run(train)
                """.formatted("'" + pythonDir().toString().replace("'", "\\'") + "'"));
        String cmd = "python3 '" + script + "'";
        for (String mode : new String[]{"--command", "--worker"}) {
            Path s = tmp.resolve("store" + mode);
            initEmbedded(s, N, 200, TARGETS, "margins");
            TrainProcesses.Result r = cli("train", "--store", s.toString(), "--learner", "external", mode, cmd,
                    "--threads", "2", "--timeout", "120");
            assertEquals(ExitCodes.OK, r.code(), r.all());
            assertEquals(N, trainedCount(r.out()), r.all());
            try (Store st = Store.open(s, false)) {
                int m = (int) st.array(Store.MASKS).rowElements();
                for (long i = 0; i < N; i++) {
                    int ones = 0;
                    for (int j = 0; j < m; j++) {
                        ones += st.array(Store.MASKS).getBoolean(i * m + j) ? 1 : 0;
                    }
                    float want = (float) (i + ones / 1000.0);
                    for (float v : row(st, "margins", i)) {
                        assertEquals(want, v, mode + ": margins row " + i);
                    }
                }
            }
            String recorded = Files.readString(s.resolve("train.json"));
            assertEquals(mode.equals("--worker"), recorded.contains("\"mode\" : \"worker\""), recorded);
        }
        TrainProcesses.Result both = cli("train", "--store", tmp.resolve("store--worker").toString(), "--learner",
                "external", "--command", cmd, "--worker", cmd);
        assertEquals(ExitCodes.USAGE, both.code(), both.all());
        assertTrue(both.err().contains("--command and --worker: expected one of them, got both"), both.err());
    }
}
