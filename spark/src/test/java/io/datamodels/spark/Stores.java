package io.datamodels.spark;

import io.datamodels.data.DataBinding;
import io.datamodels.store.Store;
import io.datamodels.train.InitOptions;
import io.datamodels.train.LearnerKind;
import io.datamodels.train.StoreInit;
import io.datamodels.train.TrainOptions;
import io.datamodels.train.Training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small stores on the embedded sample, their one-machine training, and byte comparisons of store files. */
final class Stores {
    /** Two epochs of softmax regression: enough to make every model's outputs its own. */
    static final String CONFIG = "{\"epochs\": 2}";

    private Stores() {
    }

    /** A store of {@code models} rows on 300 embedded training images and 50 targets, seed 0. */
    static Path init(Path dir, int models) throws IOException {
        try (Store s = StoreInit.create(dir, DataBinding.of("embedded", "300", "50"),
                InitOptions.builder(models).seed(0).build())) {
            return s.dir();
        }
    }

    /** The same training on one machine, in this process: the core's service over every row, two threads. */
    static void trainLocally(Path dir) throws IOException {
        try (Store s = Store.open(dir, true)) {
            TrainOptions o = TrainOptions.builder(LearnerKind.SOFTMAX)
                    .config(io.datamodels.Json.parseTree("config", CONFIG)).threads(2).build();
            Training.run(s, o, new io.datamodels.train.Runner.Listener() { }).requireNoFailures("train");
        }
    }

    /** The job a Spark run of the same training uses. */
    static TrainJob job(Path dir) {
        return new TrainJob(dir.toAbsolutePath().toString(), "softmax", CONFIG, 1, 2, null, "test");
    }

    /** Every .npy file of store {@code a} has the same bytes in store {@code b}, and b has no other. */
    static void assertSameNpy(Path a, Path b) throws IOException {
        List<Path> files = npy(a);
        assertEquals(files.stream().map(Path::getFileName).map(Path::toString).toList(),
                npy(b).stream().map(Path::getFileName).map(Path::toString).toList(), "npy files");
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(b.resolve(f.getFileName())),
                    f.getFileName() + ": bytes differ between " + a + " and " + b);
        }
    }

    private static List<Path> npy(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
        }
    }
}
