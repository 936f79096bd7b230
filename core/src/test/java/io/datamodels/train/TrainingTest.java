package io.datamodels.train;

import io.datamodels.Json;
import io.datamodels.data.DataBinding;
import io.datamodels.data.DatasetSpec;
import io.datamodels.data.Selection;
import io.datamodels.kernel.Kernels;
import io.datamodels.kernel.NarrowLinear;
import io.datamodels.learn.ExternalConfig;
import io.datamodels.learn.Outputs;
import io.datamodels.store.Store;
import io.datamodels.store.StoreException;
import io.datamodels.store.npy.NpyArray;
import io.datamodels.subset.BitMask;
import io.datamodels.testing.NoStdout;
import io.datamodels.testing.Python;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Training}, the one training service: the external learner's timeout defaults in the core, the kernels it
 * is given are the ones that run and the ones train.json records, partitions of a store's rows give the same bits as
 * one run, and failures are reported, not hidden.
 *
 * <p>Oracles: an external training script whose margins are a closed form of its mask (the count of selected
 * examples j with j mod T = t); the scalar kernels as the reference of the others; one run over all rows as the
 * reference of runs over partitions.
 */
@ExtendWith(NoStdout.class)
class TrainingTest {
    private static final int T = 5;
    private static final long SEED = 11;
    private static final Runner.Listener QUIET = new Runner.Listener() {
    };

    /** {@code {mask} {out}}: margins[t] = #{j in mask : j mod T = t}, train_accuracy 0.75, train_loss 0.25. */
    private static final String SCRIPT = """
            import os, sys
            import numpy as np
            mask, out = np.load(sys.argv[1]), sys.argv[2]
            T = $T
            np.save(os.path.join(out, 'margins.npy'), np.array([mask[t::T].sum() for t in range(T)], dtype=np.float32))
            np.save(os.path.join(out, 'train_accuracy.npy'), np.float32(0.75))
            np.save(os.path.join(out, 'train_loss.npy'), np.float32(0.25))
            """.replace("$T", Integer.toString(T));

    @TempDir
    Path tmp;

    /** A store of {@code n} models over the first 60 embedded training images and the first T test images. */
    private Store store(String name, long n) throws IOException {
        DataBinding b = new DataBinding(DatasetSpec.embedded("train"), Selection.parse("60"),
                DatasetSpec.embedded("test"), Selection.parse(Integer.toString(T)));
        return StoreInit.create(tmp.resolve(name), b, InitOptions.builder(n).seed(SEED).command("test").build());
    }

    private static float[] margins(Store s) throws IOException {
        NpyArray a = s.array(Outputs.MARGINS);
        float[] out = new float[Math.toIntExact(a.size())];
        a.getFloats(0, out, 0, out.length);
        return out;
    }

    private static TrainRecord record(Store s) throws IOException {
        return Json.read(s.dir().resolve(TrainRecord.FILE), TrainRecord.class);
    }

    private static TrainOptions.Builder softmax() {
        return TrainOptions.builder(LearnerKind.SOFTMAX).set("epochs", 2).set("batch_size", 16).threads(2);
    }

    /** Failed before the default moved into the core: "timeout_seconds must be >= 1, got 0". */
    @Test
    void externalLearnerRunsWithoutATimeoutAndRecordsTheCoreDefault() throws Exception {
        var resolved = Learners.resolveConfig(LearnerKind.EXTERNAL, Json.parseTree("test", "{\"command\": \"true\"}"));
        assertEquals(3600, ExternalConfig.DEFAULT_TIMEOUT_SECONDS);
        assertEquals(ExternalConfig.DEFAULT_TIMEOUT_SECONDS, resolved.get("timeout_seconds").asInt());
        Python.assumeNumpy();
        Path script = Files.writeString(tmp.resolve("train.py"), SCRIPT);
        try (Store s = store("external", 4)) {
            TrainOptions o = TrainOptions.builder(LearnerKind.EXTERNAL)
                    .set("command", "python3 '" + script + "' {mask} {out}").threads(2).build();
            Training.Result r = Training.run(s, o, QUIET).requireNoFailures("test");
            assertEquals(4, r.report().stored());
            assertEquals(0.75, r.quality().trainAcc());
            assertEquals(ExternalConfig.DEFAULT_TIMEOUT_SECONDS, record(s).config().get("timeout_seconds").asInt());
            assertEquals(LearnerKind.EXTERNAL, record(s).learner());
            float[] m = margins(s);
            NpyArray masks = s.array(Store.MASKS);
            for (int i = 0; i < 4; i++) {
                BitMask mask = io.datamodels.internal.MaskRows.read(masks, i);
                for (int t = 0; t < T; t++) {
                    int count = 0;
                    for (int j = t; j < mask.size(); j += T) {
                        count += mask.get(j) ? 1 : 0;
                    }
                    assertEquals(count, m[i * T + t], "model " + i + " target " + t);
                }
            }
        }
    }

    /**
     * The kernels given in the options are recorded in train.json by name: the defaults as before this choice could
     * be injected, a scalar narrow kernel beside the Vector API GEMM as such; each trains the models the scalar
     * reference trains, to float tolerance.
     */
    @Test
    void injectedKernelsAreRecordedAndMatchTheScalarReference() throws Exception {
        try (Store ref = store("scalar", 6); Store def = store("default", 6); Store mixed = store("mixed", 6)) {
            Training.run(ref, softmax().gemm(Kernels.scalarGemm()).narrow(NarrowLinear.scalar()).build(), QUIET)
                    .requireNoFailures("scalar");
            Training.run(def, softmax().build(), QUIET).requireNoFailures("default");
            Training.run(mixed, softmax().narrow(NarrowLinear.scalar()).build(), QUIET).requireNoFailures("mixed");
            assertEquals("scalar", record(ref).kernel());
            String vector = "+vector" + Kernels.vectorBits();
            assertEquals(Kernels.gemm().name() + vector, record(def).kernel());
            assertEquals(Kernels.describe(Kernels.gemm()), record(def).kernel(), "the default record is unchanged");
            assertEquals(Kernels.gemm().name() + vector + "+narrow-scalar", record(mixed).kernel());
            assertEquals("scalar+vector" + Kernels.vectorBits(),
                    Kernels.describe(Kernels.scalarGemm(), NarrowLinear.choose()));
            float[] want = margins(ref);
            assertArrayEquals(want, margins(def), 1e-3f);
            assertArrayEquals(want, margins(mixed), 1e-3f);
            // Training more rows of the scalar store with other kernels is allowed, and said.
            try (Training t = Training.start(ref, softmax().build())) {
                assertEquals(Optional.of("scalar"), t.earlierKernel());
                assertEquals(record(def).kernel(), t.kernel());
            }
        }
    }

    /** Rows trained in two partitions, by two sessions with other thread counts, equal one run over all rows. */
    @Test
    void partitionsOfRowsGiveTheBitsOfOneRun() throws Exception {
        try (Store whole = store("whole", 6); Store parts = store("parts", 6)) {
            Training.run(whole, softmax().build(), QUIET);
            try (Training first = Training.start(parts, softmax().threads(1).build(), 0, 2)) {
                assertEquals(SEED, first.seed(), "the seed store.json records");
                assertEquals(2, first.remaining());
                assertEquals(2, first.run(QUIET).report().stored());
            }
            try (Training rest = Training.start(parts, softmax().threads(3).build(), 2, 6)) {
                assertEquals(4, rest.run(QUIET).report().stored());
            }
            assertEquals(6, parts.completedCount());
            assertArrayEquals(margins(whole), margins(parts));
            try (Training t = Training.start(parts, softmax().seed(5).build())) {
                assertEquals(5, t.seed());
                assertEquals(0, t.remaining());
            }
        }
    }

    @Test
    void failuresAreReportedAndABadRangeWritesNothing() throws Exception {
        try (Store s = store("failing", 3)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Training.start(s, TrainOptions.builder(LearnerKind.EXTERNAL).set("command", "exit 3")
                            .build(), 1, 4));
            assertEquals("rows: expected a range within [0, 3], got 1:4", e.getMessage());
            assertFalse(Files.exists(s.dir().resolve(TrainRecord.FILE)), "nothing recorded for a refused range");
            TrainOptions o = TrainOptions.builder(LearnerKind.EXTERNAL).set("command", "exit 3").retries(0).threads(1)
                    .build();
            Training.Result r = Training.run(s, o, QUIET);
            assertEquals(3, r.failures().size());
            assertEquals(0, s.completedCount());
            var f = assertThrows(StoreException.class, () -> r.requireNoFailures("train"));
            assertTrue(f.getMessage().startsWith("train: 3 models failed, first: model 0: "), f.getMessage());
        }
    }

    @Test
    void optionsAreCheckedAndDefaultedInOnePlace() {
        TrainOptions o = TrainOptions.builder(LearnerKind.MLP).build();
        assertEquals(TrainOptions.DEFAULT_RETRIES, o.retries());
        assertEquals(Runtime.getRuntime().availableProcessors(), o.threads());
        assertTrue(o.seed().isEmpty());
        assertEquals(Kernels.gemm().name(), o.gemm().name());
        assertEquals(NarrowLinear.choose().name(), o.narrow().name());
        assertEquals(TrainOptions.DEFAULT_COMMAND, o.command());
        assertEquals(0, o.config().size());
        assertEquals("threads must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> TrainOptions.builder(LearnerKind.MLP).threads(0).build()).getMessage());
        assertEquals("retries must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> TrainOptions.builder(LearnerKind.MLP).retries(-1).build()).getMessage());
        assertEquals("learner must be one of [mlp, softmax, external], got 'xgboost'",
                assertThrows(IllegalArgumentException.class, () -> LearnerKind.of("xgboost")).getMessage());
        TrainOptions changed = o.toBuilder().set("epochs", 3).build();
        assertEquals(3, changed.config().get("epochs").asInt());
        assertEquals(0, o.config().size(), "options do not change");
    }
}
