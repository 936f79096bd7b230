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
}
