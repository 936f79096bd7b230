package io.datamodels.regress;

import io.datamodels.store.Store;
import io.datamodels.testing.NoStdout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fit cut into pieces, run here one after another with row partitions, column blocks and target slices that
 * cut through the blocks and panels, writes the bytes of {@link Fitter#fit} on the same store: every .npy file, and
 * fit.json but for its time and provenance.
 */
@ExtendWith(NoStdout.class)
class FitPiecesTest {
    @TempDir
    Path tmp;

    @Test
    void piecesInAnyPartitionGiveTheBytesOfTheLocalFit() throws Exception {
        // m = 300: a full panel and a part one; 6,000 models, 5 left out: two train blocks of the cross products.
        int m = 300;
        int t = 13;
        Path store = tmp.resolve("store");
        new Synthetic(m, t, 6, 0.7, 1.0, 0.5, 5).writeStore(store, 6000, Set.of(3, 77, 1000, 4500, 5999));
        FitRequest req = FitRequest.builder().outputsKey("y").config(FitterTest.cfg()).command("test").build();
        Path local = tmp.resolve("local");
        Path pieces = Files.createDirectory(tmp.resolve("pieces"));
        try (Store st = Store.open(store, false)) {
            Fitter.fit(st, local, req);
            FitPieces.Plan plan = FitPieces.fromJson(FitPieces.toJson(FitPieces.plan(st, req)));
            assertEquals(2, plan.crossBlocks(FitPieces.Part.TRAIN));
            assertEquals(2, plan.panels());
            Path stats = tmp.resolve("stats");
            FitPieces.createStatistics(stats, plan);
            int[][] columnBlocks = {{0, 256}, {256, m}};
            for (int[] cb : columnBlocks) {
                int w = cb[1] - cb[0];
                float[][] gram = new float[2][];
                for (FitPieces.Part part : FitPieces.Part.values()) {
                    int n = plan.rows(part).length;
                    // Row partitions of uneven sizes, summed in reverse order: counts are exact.
                    int[] cuts = {0, n / 7, n / 2 + 1, n};
                    gram[part.ordinal()] = new float[w * m];
                    for (int c = cuts.length - 2; c >= 0; c--) {
                        FitPieces.addCounts(gram[part.ordinal()],
                                FitPieces.gramRows(st, plan, part, cuts[c], cuts[c + 1], cb[0], cb[1]));
                    }
                }
                double[] acc = new double[w * t];
                double[] crossTrain = null;
                for (FitPieces.Part part : FitPieces.Part.values()) {
                    for (int b = 0; b < plan.crossBlocks(part); b++) {
                        int p0 = cb[0] / FitPieces.PANEL;
                        int p1 = (cb[1] + FitPieces.PANEL - 1) / FitPieces.PANEL;
                        float[][] tiles = FitPieces.crossTiles(st, plan, part, b, p0, p1);
                        for (int p = p0; p < p1; p++) {
                            FitPieces.addTile(acc, cb[0], t, p, tiles[p - p0]);
                        }
                    }
                    if (part == FitPieces.Part.TRAIN) {
                        crossTrain = acc.clone();
                    }
                }
                FitPieces.writeStatistics(stats, plan, cb[0], gram[0], gram[1], crossTrain, acc);
            }
            FitPieces.createOutput(pieces, plan);
            List<FitPieces.Slice> slices = new ArrayList<>();
            for (int[] sl : new int[][]{{7, 13}, {0, 1}, {1, 7}}) {
                FitPieces.Slice s = FitPieces.solve(st, plan, stats, sl[0], sl[1], sl[0] == 1 ? 2 : 1);
                FitPieces.writeSlice(pieces, plan, s);
                slices.add(s.withoutWeights());
            }
            FitPieces.finish(st, req, plan, pieces, slices, 1.0);
            assertThrows(IllegalArgumentException.class,
                    () -> FitPieces.finish(st, req, plan, tmp.resolve("x"), slices.subList(0, 2), 1.0));
        }
        io.datamodels.testing.FitFolders.assertSameFit(local, pieces);
    }

    /** Flips the bits {@code mask} of byte {@code at} of the data of the .npy file {@code f} ({@code dataBytes} at its end). */
    private static void flipDataByte(Path f, long dataBytes, long at, int mask) throws Exception {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            long pos = ch.size() - dataBytes + at;
            ch.read(b, pos);
            b.put(0, (byte) (b.get(0) ^ mask));
            ch.write(b.rewind(), pos);
        }
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (java.util.stream.Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static String fingerprint(Path store, FitPieces.Plan plan) throws Exception {
        try (Store st = Store.open(store, false)) {
            return FitPieces.inputsFingerprint(st, plan);
        }
    }

    @Test
    void theInputsFingerprintIdentifiesTheStoreStateAPlanWasMadeFrom() throws Exception {
        int m = 40;
        int t = 3;
        int n = 120;
        Synthetic syn = new Synthetic(m, t, 4, 0.7, 1.0, 0.5, 8);
        Path a = tmp.resolve("a");
        syn.writeStore(a, n, Set.of(5));
        FitRequest req = FitRequest.builder().outputsKey("y").config(FitterTest.cfg()).command("test").build();
        FitPieces.Plan plan;
        String fp;
        try (Store st = Store.open(a, false)) {
            plan = FitPieces.plan(st, req);
            fp = FitPieces.inputsFingerprint(st, plan);
        }
        assertEquals(64, fp.length());
        assertEquals(fp, fingerprint(a, plan), "the same store, opened again");
        assertEquals(fp, fingerprint(copy(a, tmp.resolve("copy")), plan), "a byte copy at another path");

        // A row of the plan no longer completed (its flag cleared in a copy).
        int row = plan.validation()[plan.validation().length / 2];
        Path open = copy(a, tmp.resolve("open"));
        flipDataByte(open.resolve("_completed.npy"), n, row, 1);
        assertNotEquals(fp, fingerprint(open, plan), "row " + row + " not completed");

        // Other output bytes in a row the fingerprint samples (the first train row), in a copy.
        Path other = copy(a, tmp.resolve("other"));
        flipDataByte(other.resolve("y.npy"), (long) n * t * 4, (long) plan.train()[0] * t * 4 + 1, 0x10);
        assertNotEquals(fp, fingerprint(other, plan), "other outputs");

        // The same experiment made again (store.json's time of creation), and one with a row more.
        Path again = tmp.resolve("again");
        syn.writeStore(again, n, Set.of(5));
        try (Store st = Store.open(again, false)) {
            assertEquals(plan.train().length, FitPieces.plan(st, req).train().length);
        }
        assertNotEquals(fp, fingerprint(again, plan), "re-initialised");
        Path grown = tmp.resolve("grown");
        syn.writeStore(grown, n + 1, Set.of(5));
        assertNotEquals(fp, fingerprint(grown, plan), "one row more");
    }
}
