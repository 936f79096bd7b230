package io.datamodels.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.datamodels.cli.TrainProcesses.assertPlainLines;
import static io.datamodels.cli.TrainProcesses.assertSameRows;
import static io.datamodels.cli.TrainProcesses.cliOk;
import static io.datamodels.cli.TrainProcesses.completed;
import static io.datamodels.cli.TrainProcesses.initEmbedded;
import static io.datamodels.cli.TrainProcesses.trainedCount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Several {@code datamodels train} processes on one store at once, with overlapping ranges (as array jobs on a
 * cluster would run them): every row is trained by exactly one of them, none is lost, and the rows equal an
 * uninterrupted single run's.
 */
@ExtendWith(TrainProcesses.NoStdout.class)
class TrainConcurrentRunnersTest {
    private static final int N = 60;
    private static final String[] OUTPUTS = {"margins", "train_accuracy", "train_loss"};
    private static final List<String> CONFIG = List.of("--set", "epochs=40", "--set", "hidden=[32]", "--set",
            "batch_size=16", "--set", "mode=gather");

    @TempDir
    Path tmp;

    @Test
    void threeRunnersWithOverlappingRangesTrainEveryRowExactlyOnce() throws Exception {
        Path store = tmp.resolve("store");
        initEmbedded(store, N, 300, 30, OUTPUTS);
        String[] ranges = {"0:40", "20:60", "0:60"};
        List<TrainProcesses.Child> children = new ArrayList<>();
        try {
            for (int w = 0; w < ranges.length; w++) {
                List<String> args = new ArrayList<>(List.of("train", "--store", store.toString(), "--learner", "mlp",
                        "--threads", "1", "--rows", ranges[w]));
                args.addAll(CONFIG);
                children.add(TrainProcesses.start(tmp.resolve("logs"), "runner" + w, args));
            }
            long sum = 0;
            StringBuilder outs = new StringBuilder();
            for (int w = 0; w < ranges.length; w++) {
                TrainProcesses.Child c = children.get(w);
                assertEquals(ExitCodes.OK, c.await(300), "runner " + ranges[w] + "\n" + c.all());
                String out = c.out();
                assertPlainLines("runner " + ranges[w], out);
                assertFalse(out.contains("failed"), out);
                sum += trainedCount(out);
                outs.append("runner ").append(ranges[w]).append(": ").append(out);
            }
            assertEquals(N, sum, "sum of 'trained K models' over the runners\n" + outs);
            assertEquals(N, completed(store), outs.toString());
        } finally {
            for (TrainProcesses.Child c : children) {
                c.process().destroyForcibly();
            }
        }

        Path fresh = tmp.resolve("fresh");
        initEmbedded(fresh, N, 300, 30, OUTPUTS);
        List<String> args = new ArrayList<>(List.of("train", "--store", fresh.toString(), "--learner", "mlp"));
        args.addAll(CONFIG);
        cliOk(args.toArray(String[]::new));
        assertSameRows(fresh, store, 0);
    }
}
